//! Database access: one connection type over SQLite and PostgreSQL, a pool, and the few
//! places where the two backends need different SQL.

pub mod app_flags;
pub mod audit_log;
pub mod change_reports;
pub mod communities;
pub mod connection;
pub mod customer_contacts;
pub mod customer_versions;
pub mod customers;
pub mod enterprise_contacts;
pub mod interactions;
pub mod job_runs;
pub mod key_check;
pub mod login_attempts;
pub mod migrate;
pub mod offices;
pub mod outbox;
pub mod reverify_due;
pub mod schema;
pub mod tags;
pub mod users;
pub mod verify_tokens;

pub use connection::{build_pool, write_tx, Backend, DbConnection, DbPool};

/// Current time as stored: UTC, truncated to microseconds so that SQLite and PostgreSQL
/// give back exactly what was written (the audit hash depends on it).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
