DROP TABLE backups;
DROP TABLE cleanup_decisions;
DROP TABLE legal_reviews;
ALTER TABLE customers DROP COLUMN last_callback_at;
ALTER TABLE customers DROP COLUMN status_changed_at;
DROP TABLE verify_tokens;
DROP TABLE app_flags;
DROP TABLE outbox;
DROP TABLE job_runs;
