DELETE FROM communities WHERE office_id IS NULL;
CREATE TABLE communities_old (
    id INTEGER PRIMARY KEY NOT NULL,
    office_id INTEGER NOT NULL REFERENCES offices (id),
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO communities_old (id, office_id, name, created_at)
    SELECT id, office_id, name, created_at FROM communities;
DROP TABLE communities;
ALTER TABLE communities_old RENAME TO communities;
CREATE INDEX communities_office ON communities (office_id);
