-- A community may wait for an office: an import brings communities that no office has
-- yet, and an admin assigns them on /admin/offices. Until then no office's clerks reach
-- their records. SQLite cannot drop a NOT NULL in place, so the table is built again.
CREATE TABLE communities_new (
    id INTEGER PRIMARY KEY NOT NULL,
    office_id INTEGER REFERENCES offices (id),
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO communities_new (id, office_id, name, created_at)
    SELECT id, office_id, name, created_at FROM communities;
DROP TABLE communities;
ALTER TABLE communities_new RENAME TO communities;
CREATE INDEX communities_office ON communities (office_id);

-- Records whose community was typed freely before it had to be chosen from the list: their
-- communities wait for an office too, so that an admin sees them and can assign them.
INSERT INTO communities (office_id, name, created_at)
    SELECT DISTINCT NULL, community, CURRENT_TIMESTAMP FROM customers
    WHERE community NOT IN (SELECT name FROM communities);
