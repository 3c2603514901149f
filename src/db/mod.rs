//! Database access: one file per table (a folder for `customers`), the read-models of
//! pages in `queries/`, and the backend machinery (connection, migrations, the SQL the two
//! backends need built differently) in `conn/`.

pub mod app_flags;
pub mod audit_log;
pub mod backups;
pub mod change_reports;
pub mod communities;
pub mod conn;
pub mod customer_contacts;
pub mod customer_versions;
pub mod customers;
pub mod enterprise_contacts;
pub mod import_lock;
pub mod imports;
pub mod interactions;
pub mod job_runs;
pub mod key_check;
pub mod login_attempts;
pub mod offices;
pub mod outbox;
pub mod queries;
pub mod reviews;
pub mod schema;
pub mod tags;
pub mod users;
pub mod verify_tokens;

pub use conn::{build_pool, now, read_tx, rest_after_batch, write_tx};
pub use conn::{Backend, DbConnection, DbPool, ROWS_PER_INSERT};

// Older paths of the backend machinery, which the integration tests and the start name.
pub use conn::{bulk_load, connection, migrate};
