DROP TRIGGER customers_fts_update;
DROP TRIGGER customers_fts_delete;
DROP TABLE customers_fts;
CREATE VIRTUAL TABLE customers_fts USING fts5(
    search_text, content = 'customers', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO customers_fts (customers_fts) VALUES ('rebuild');
CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_text ON customers BEGIN
    INSERT INTO customers_fts (customers_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO customers_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;

DROP TRIGGER customer_search_grams_delete;
DROP TABLE customer_search_grams;
CREATE TABLE customer_grams (
    gram TEXT NOT NULL,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, customer_id)
) WITHOUT ROWID;
CREATE INDEX customer_grams_customer ON customer_grams (customer_id);
-- The contentless index cannot give its pieces back: cut them from the names again
-- (SQLite's lower() folds ASCII only, the app folds all of Unicode).
WITH RECURSIVE
    names (id, s) AS (SELECT id, lower(replace(name, ' ', '')) FROM customers),
    at (id, s, i) AS (
        SELECT id, s, 1 FROM names WHERE length(s) > 0
        UNION ALL SELECT id, s, i + 1 FROM at WHERE i < length(s)
    )
INSERT OR IGNORE INTO customer_grams (gram, customer_id)
    SELECT substr(s, i, 1), id FROM at
    UNION SELECT substr(s, i, 2), id FROM at WHERE i < length(s);
