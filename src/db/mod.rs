//! Database access: one connection type over SQLite and PostgreSQL, a pool, and the few
//! places where the two backends need different SQL.

pub mod app_flags;
pub mod audit_log;
pub mod audit_writer;
pub mod backups;
pub mod bulk_load;
pub mod change_reports;
pub mod communities;
pub mod connection;
pub mod constant;
pub mod customer_contacts;
pub mod customer_versions;
pub mod customers;
pub mod enterprise_contacts;
pub mod ids_in;
pub mod import_lock;
pub mod imports;
pub mod interactions;
pub mod job_runs;
pub mod key_check;
pub mod login_attempts;
pub mod migrate;
pub mod offices;
pub mod outbox;
pub mod queries;
pub mod record_details;
pub mod reverify_due;
pub mod reviews;
pub mod schema;
pub mod tags;
pub mod users;
pub mod verify_tokens;

pub use connection::{build_pool, read_tx, write_tx, Backend, DbConnection, DbPool};

/// A multi-row INSERT (`diesel::insert_into(table).values(&rows)`): diesel builds it per
/// backend only, so this matches on the connection's variant.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
        }
    };
}
pub(crate) use insert_rows;

/// Many rows of `.eq()` tuples into `$table` (the import): on PostgreSQL one binary COPY,
/// which skips parsing and planning an INSERT of thousands of parameters (100k records:
/// the name grams alone took 4.5 s as INSERTs); on SQLite, `sqlite_insert_chunks!`.
macro_rules! insert_bulk {
    ($conn:expr, $table:expr, $rows:expr, $per_insert:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg(c) => diesel::copy_from($table)
                .from_insertable($rows)
                .execute(c)
                .map(drop),
            $crate::db::DbConnection::Sqlite(c) => {
                $crate::db::sqlite_insert_chunks!(c, $table, $rows, $per_insert)
            }
        }
    };
}
pub(crate) use insert_bulk;

/// Multi-row INSERTs of `$per_insert` rows (a constant; SQLite's limit is 32,766
/// parameters a statement), then one of the rows left over. diesel keeps an INSERT of a
/// fixed-size array prepared, where it builds and prepares a slice's anew every time
/// (the import: 17% of its time went to that). The array's rows must own their values:
/// diesel knows the prepared statement by the rows' type, which must be `'static`.
macro_rules! sqlite_insert_chunks {
    ($c:expr, $table:expr, $rows:expr, $per_insert:expr) => {{
        let (full, rest) = $rows.as_chunks::<{ $per_insert }>();
        full.iter()
            .try_for_each(|chunk| {
                diesel::insert_into($table)
                    .values(chunk)
                    .execute(&mut *$c)
                    .map(drop)
            })
            .and_then(|()| match rest {
                [] => Ok(()),
                rest => diesel::insert_into($table)
                    .values(rest)
                    .execute(&mut *$c)
                    .map(drop),
            })
    }};
}
pub(crate) use sqlite_insert_chunks;

/// `COLUMN IN (ids)` that SQLite keeps prepared, for a boxed query on `$conn`: see
/// `ids_in::IdsIn`. PostgreSQL's `eq_any` (`= ANY($1)`) is cached as it is.
macro_rules! filter_ids {
    ($query:expr, $conn:expr, $column:expr, $ids:expr) => {
        match $conn.backend() {
            $crate::db::Backend::Sqlite => {
                $query.filter($crate::db::ids_in::IdsIn::new($column, $ids))
            }
            $crate::db::Backend::Postgres => $query.filter($column.eq_any($ids)),
        }
    };
}
pub(crate) use filter_ids;

/// Rows per multi-row INSERT: SQLite allows 32,766 bound values per statement, and the
/// widest table (customers) binds 22 per row.
pub const ROWS_PER_INSERT: usize = 500;

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
