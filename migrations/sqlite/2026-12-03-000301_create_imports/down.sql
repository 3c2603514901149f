ALTER TABLE customers DROP COLUMN import_id;
DROP TABLE imports;
