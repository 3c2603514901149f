-- The scheduler's runs, the mail outbox, re-verification links, review lists and backups.

-- One row per run. Scheduled runs are claimed by inserting (job, slot): the unique key lets
-- exactly one instance run a slot, however many share the database.
CREATE TABLE job_runs (
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
CREATE INDEX job_runs_job ON job_runs (job, started_at);

-- Outgoing mail, written in the same transaction as the change that causes it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    -- e.g. 'reverify:P-2026-000042:2026-11-23': a second attempt to queue the same mail is refused.
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    customer_id INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    customer_code TEXT NOT NULL DEFAULT '',
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 'queued', 'sending', 'sent', 'retrying', 'failed' or 'unknown'
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- While 'sending': the worker's claim. A lease that ran out mid-send makes the row 'unknown'.
    lease_until TIMESTAMP,
    last_answer TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_customer ON outbox (customer_id);

-- Switches people flip at run time (e.g. 'mail_paused').
CREATE TABLE app_flags (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

-- Personal re-verification links. Only a hash of the token is kept.
CREATE TABLE verify_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    -- The cycle the link belongs to (the due date), as in the mail's idempotency key.
    cycle TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    -- 'confirmed' or 'changed'
    outcome TEXT
);
CREATE INDEX verify_tokens_customer ON verify_tokens (customer_id);

-- Dormancy: when the status last changed, and when someone last tried to call back.
ALTER TABLE customers ADD COLUMN status_changed_at TIMESTAMP;
ALTER TABLE customers ADD COLUMN last_callback_at TIMESTAMP;

-- A legal review of proposed archivings: who reviewed, when, and what they noted.
CREATE TABLE legal_reviews (
    id INTEGER PRIMARY KEY NOT NULL,
    reviewer TEXT NOT NULL,
    reviewed_on DATE NOT NULL,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);

-- A manager's decision on a customer of the cleanup list.
CREATE TABLE cleanup_decisions (
    customer_id INTEGER PRIMARY KEY NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    -- 'keep' or 'archive'
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    legal_review_id INTEGER REFERENCES legal_reviews (id),
    archived_at TIMESTAMP
);

-- Backups made by the backup job, and what their restore check found.
CREATE TABLE backups (
    id INTEGER PRIMARY KEY NOT NULL,
    file_name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    -- 'verified', 'failed' or 'deleted' (rotated away)
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    customers_count BIGINT NOT NULL DEFAULT 0,
    audit_seq BIGINT NOT NULL DEFAULT 0,
    audit_hash TEXT NOT NULL DEFAULT '',
    verified_at TIMESTAMP,
    offsite_path TEXT,
    deleted_at TIMESTAMP
);
