DELETE FROM communities WHERE office_id IS NULL;
ALTER TABLE communities ALTER COLUMN office_id SET NOT NULL;
