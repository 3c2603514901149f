-- Nothing to change here: SQLite has no INCLUDE, and its name-piece search is driven by
-- the gram index, not by these; this one gives PostgreSQL index-only filtered searches.
SELECT 1;
