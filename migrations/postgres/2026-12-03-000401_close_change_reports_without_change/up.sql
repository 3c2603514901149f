-- A reported change closed without an edit ("no change needed"): why. Such a report has
-- applied_at and applied_by set and no applied_version.
ALTER TABLE change_reports ADD COLUMN no_change_reason TEXT;
