-- A run cut short because the app was stopping ends 'interrupted', and the next start
-- runs its slot again: the claim on (job, slot) holds for every other result only.
-- SQLite cannot drop a table's UNIQUE constraint, so the table is made anew.
CREATE TABLE job_runs_new (
    id INTEGER PRIMARY KEY NOT NULL,
    job TEXT NOT NULL,
    -- The scheduled time the run is for; for a manual run, the time it was asked for.
    slot TIMESTAMP NOT NULL,
    -- 'schedule', 'catch-up' or 'manual'
    trigger_kind TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    -- 'running', 'ok', 'partial' (some rows skipped), 'failed' or 'interrupted'
    result TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT ''
);
INSERT INTO job_runs_new (id, job, slot, trigger_kind, instance, started_at, finished_at,
                          result, counts, error)
    SELECT id, job, slot, trigger_kind, instance, started_at, finished_at, result, counts, error
    FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_new RENAME TO job_runs;
CREATE INDEX job_runs_job ON job_runs (job, started_at);
CREATE UNIQUE INDEX job_runs_claim ON job_runs (job, slot) WHERE result <> 'interrupted';
