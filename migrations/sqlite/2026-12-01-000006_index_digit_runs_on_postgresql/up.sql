-- Nothing to change here: SQLite already keeps the four-digit runs in
-- customer_search_grams (migration 000005); this one gives PostgreSQL an index of them.
SELECT 1;
