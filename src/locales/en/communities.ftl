customer-community-choose = Choose a community
err-community-not-yours = Choose one of your communities from the list.
err-community-assigned = This community has an office already.
office-unassigned = Communities without an office
office-unassigned-hint = An import brought these communities. Until one is given to an office, no office's clerks see its records or can choose it; only managers without an office do.
office-choose = Choose an office
office-assign = Assign
flash-community-assigned = { $community } now belongs to { $office }.
