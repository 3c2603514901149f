-- Nothing to change here: the SQLite version of this migration drops the trigger that
-- fed its FTS5 index; the pg_trgm index is maintained by PostgreSQL itself.
SELECT 1;
