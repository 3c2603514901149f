ALTER TABLE outbox DROP COLUMN link_token_enc;
