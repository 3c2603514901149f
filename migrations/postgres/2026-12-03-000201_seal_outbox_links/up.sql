-- A mail's personal link is no longer part of its body: the body holds a placeholder,
-- this column the link's token encrypted with the field key, and the deliver-mail job
-- builds the link as it sends, then clears the column.
ALTER TABLE outbox ADD COLUMN link_token_enc TEXT;
