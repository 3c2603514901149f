-- An import of customers is all or nothing. It stores its rows in many transactions (one
-- would hold every other writer up for its whole length), each row marked with the
-- import's id, and its row here says 'running' until the transaction that logs the
-- import makes it 'done'. An import that fails, or whose process dies (the next start of
-- any command notices), has its records deleted again and becomes 'removed'
-- (service::import::recover).
CREATE TABLE imports (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The file as it was named on the command line.
    file TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    -- 'running', 'done' or 'removed'
    status TEXT NOT NULL,
    ended_at TIMESTAMP,
    -- What 'removed' took out, and why.
    removed_rows INTEGER,
    removed_because TEXT
);

-- No index: only an interrupted import is looked up by it, once.
ALTER TABLE customers ADD COLUMN import_id INTEGER;
