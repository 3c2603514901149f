-- Nothing to change here: the SQLite version of this migration moves its name pieces
-- into an FTS5 index; PostgreSQL keeps them in customer_grams.
SELECT 1;
