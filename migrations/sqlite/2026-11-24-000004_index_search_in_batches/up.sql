-- New records are added to the FTS5 index by the code that inserts them, one statement
-- per batch (src/db/customers.rs). The row trigger made FTS5 write its pending terms to
-- disk at every statement of an import; it was half of the import's time.
-- Updates and deletes keep their triggers.
DROP TRIGGER customers_fts_insert;
