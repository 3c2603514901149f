DROP INDEX job_runs_claim;
-- Of the runs of one slot, the last one stays (the earlier ones were interrupted).
DELETE FROM job_runs r
    WHERE id <> (SELECT max(id) FROM job_runs o WHERE o.job = r.job AND o.slot = r.slot);
ALTER TABLE job_runs ADD CONSTRAINT job_runs_job_slot_key UNIQUE (job, slot);
