-- An import into an empty customers table drops the secondary indexes of the customer
-- tables (on PostgreSQL their foreign keys too) and builds them once at the end: one
-- sorted build is cheaper than a hundred thousand inserts into each (db::bulk_load).
-- Their definitions wait here meanwhile, written in the transaction that drops them, so
-- that an import that dies half-way loses none: every start builds what is listed.
CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY NOT NULL,
    -- 'index' or 'foreign key'
    kind TEXT NOT NULL,
    table_name TEXT NOT NULL,
    -- The statement that makes it again, as the database's catalog gave it.
    definition TEXT NOT NULL,
    deferred_at TIMESTAMP NOT NULL
);
