-- A run cut short because the app was stopping ends 'interrupted', and the next start
-- runs its slot again: the claim on (job, slot) holds for every other result only.
ALTER TABLE job_runs DROP CONSTRAINT job_runs_job_slot_key;
CREATE UNIQUE INDEX job_runs_claim ON job_runs (job, slot) WHERE result <> 'interrupted';
