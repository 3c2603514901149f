//! The backend machinery: the connection over SQLite and PostgreSQL and its pool, the
//! migrations, the statements the two backends need built differently (multi-row and bulk
//! INSERTs, `IN (ids)`, SQL constants), the bulk load's deferred indexes, and the clock
//! and pacing every table file shares.

pub mod bulk_load;
pub mod connection;
pub mod constant;
pub mod ids_in;
mod insert;
pub mod migrate;

pub use connection::{build_pool, read_tx, write_tx, Backend, DbConnection, DbPool};
pub(crate) use ids_in::filter_ids;
pub use insert::ROWS_PER_INSERT;
pub(crate) use insert::{insert_bulk, insert_rows, sqlite_insert_chunks};

/// Rests after a batch of a long job that held the write lock for `busy`: twice as long,
/// so that the job holds SQLite's write lock a third of the time at most. A writer kept
/// waiting (the operation log of people's searches, their saves) retries after sleeps
/// that grow to 25 ms and more (SQLite's busy handler), and would otherwise find the
/// lock taken again at each try.
pub fn rest_after_batch(busy: std::time::Duration) {
    use std::time::Duration;
    std::thread::sleep((busy * 2).clamp(Duration::from_millis(5), Duration::from_millis(100)));
}

/// Current time as stored: UTC, truncated to microseconds so that SQLite and PostgreSQL
/// give back exactly what was written (the audit hash depends on it).
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}
