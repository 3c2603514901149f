err-page-control-characters = The text sent holds a control character (such as NUL) that no field can store. Remove it and send it again.
err-page-too-large = What was sent is too large. Shorten it and send it again.
customer-searched-id-number = Found by ID number { $id }.
mail-link-withheld = personal link: put in as the mail is sent, never shown or kept readable
