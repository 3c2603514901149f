-- A community may wait for an office: an import brings communities that no office has
-- yet, and an admin assigns them on /admin/offices. Until then no office's clerks reach
-- their records.
ALTER TABLE communities ALTER COLUMN office_id DROP NOT NULL;

-- Records whose community was typed freely before it had to be chosen from the list: their
-- communities wait for an office too, so that an admin sees them and can assign them.
INSERT INTO communities (office_id, name, created_at)
    SELECT DISTINCT NULL::INTEGER, community, (now() AT TIME ZONE 'UTC') FROM customers
    WHERE community NOT IN (SELECT name FROM communities);
