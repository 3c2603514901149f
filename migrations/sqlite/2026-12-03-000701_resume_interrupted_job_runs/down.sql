CREATE TABLE job_runs_old (
    id INTEGER PRIMARY KEY NOT NULL,
    job TEXT NOT NULL,
    -- The scheduled time the run is for; for a manual run, the time it was asked for.
    slot TIMESTAMP NOT NULL,
    -- 'schedule', 'catch-up' or 'manual'
    trigger_kind TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    -- 'running', 'ok', 'partial' (some rows skipped) or 'failed'
    result TEXT NOT NULL,
    counts TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    UNIQUE (job, slot)
);
-- Of the runs of one slot, the last one stays (the earlier ones were interrupted).
INSERT INTO job_runs_old (id, job, slot, trigger_kind, instance, started_at, finished_at,
                          result, counts, error)
    SELECT id, job, slot, trigger_kind, instance, started_at, finished_at, result, counts, error
    FROM job_runs r
    WHERE id = (SELECT max(id) FROM job_runs o WHERE o.job = r.job AND o.slot = r.slot);
DROP TABLE job_runs;
ALTER TABLE job_runs_old RENAME TO job_runs;
CREATE INDEX job_runs_job ON job_runs (job, started_at);
