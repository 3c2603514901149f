ALTER TABLE change_reports DROP COLUMN no_change_reason;
