-- SQLite's token index (customer_search_grams) also holds each record's type, community
-- and tag ids as tokens, so a surname narrowed by a filter is one intersection
-- inside the index (q=王&type=vip read each of 王's records to check its type). The
-- tokens are made in Rust (src/db/customers/search/index.rs), so this empties the index and asks
-- the next start to rebuild it from the records.
DELETE FROM customer_search_grams;
INSERT OR REPLACE INTO app_flags (name, value, updated_at, updated_by)
VALUES ('rebuild_search_grams', 'true', CURRENT_TIMESTAMP, 'migration');
