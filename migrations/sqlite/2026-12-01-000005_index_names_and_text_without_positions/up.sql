-- Two changes to the SQLite search indexes, both to make a bulk import cheaper (and the
-- searches no slower):
--
-- 1. The one- and two-character pieces of names move from the customer_grams table (one
--    B-tree row per piece plus a second index: about 15 rows per customer) into a
--    contentless FTS5 index, one entry per customer. Each piece is stored as the hex of
--    its UTF-8 bytes, so the ascii tokenizer takes it as one token whatever the script.
--    The same entry holds every run of four digits in the search text as 'n' + digits
--    (never hex: 'n' is no hex digit), which finds phone digits at 1M records in a
--    tenth of the time the trigram index takes. detail=none: only which records hold a
--    token is needed, not where.
-- 2. The trigram index keeps no positions either (detail=none): a search asks it for
--    records holding a few trigrams (AND of single tokens) and LIKE on search_text
--    checks the text itself, so positions were written and never read.
CREATE VIRTUAL TABLE customer_search_grams USING fts5(
    grams, content = '', contentless_delete = 1, tokenize = 'ascii', detail = none
);
WITH RECURSIVE
    windows (id, s, i) AS (
        SELECT id, search_text, 1 FROM customers
        UNION ALL SELECT id, s, i + 1 FROM windows WHERE i + 4 <= length(s)
    ),
    digits (id, grams) AS (
        SELECT id, group_concat(DISTINCT 'n' || substr(s, i, 4)) FROM windows
        WHERE substr(s, i, 4) GLOB '[0-9][0-9][0-9][0-9]' GROUP BY id
    ),
    names (id, grams) AS (
        SELECT customer_id, group_concat(lower(hex(gram)), ' ') FROM customer_grams
        GROUP BY customer_id
    )
INSERT INTO customer_search_grams (rowid, grams)
    SELECT customers.id, coalesce(names.grams, '') || ' ' || coalesce(digits.grams, '')
    FROM customers
    LEFT JOIN names ON names.id = customers.id
    LEFT JOIN digits ON digits.id = customers.id;
DROP TABLE customer_grams;
CREATE TRIGGER customer_search_grams_delete AFTER DELETE ON customers BEGIN
    DELETE FROM customer_search_grams WHERE rowid = old.id;
END;

DROP TRIGGER customers_fts_update;
DROP TRIGGER customers_fts_delete;
DROP TABLE customers_fts;
CREATE VIRTUAL TABLE customers_fts USING fts5(
    search_text, content = 'customers', content_rowid = 'id', tokenize = 'trigram',
    detail = none
);
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_text ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO customers_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
