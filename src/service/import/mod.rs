//! Importing customers from the CSV format (header exactly as the form's field names).
//! Every row is checked like the form; bad rows go to a rejects file with the reason and
//! the good ones are stored, in transactions of `CHUNK` rows.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

mod communities;
mod read;
pub mod recover;
mod rejects;
mod store;

use communities::NewCommunities;
use rejects::Rejects;
use store::store;

use super::Caller;
use crate::crypto::Keys;
use crate::db::{bulk_load, customers, DbConnection};
use crate::domain::audit::{Action, Event};

pub const HEADER: [&str; 15] = [
    "name",
    "type",
    "phone",
    "email",
    "community",
    "building",
    "unit",
    "role",
    "id_number",
    "tags",
    "source",
    "first_contact_at",
    "last_interaction_at",
    "last_verified_at",
    "notes",
];

/// Rows stored per transaction: large enough to be fast, small enough that a failure
/// loses little work and other writers are not held up for long (about 0.4 s each at
/// 100k records on SQLite; 2,000 made the import 20% slower).
const CHUNK: usize = 5_000;

/// SQLite settings of the importing connection while it imports, and after.
///
/// The page cache, in KiB: a batch's index pages stay in memory instead of being written
/// out and read back mid-transaction (measured: 25% faster).
///
/// Automatic WAL checkpoints wait for 128 MiB of WAL instead of 4 MiB: at 4 MiB nearly
/// every batch's commit copied the pages it had written back into the database file,
/// and the same hot index pages were copied again at the next commit (100k rows: 7.6 s
/// -> about 6.5 s). Off altogether, the WAL of a 1M-row import grew past 5 GB.
const IMPORTING: &str = "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 32768;";
const AFTER_IMPORT: &str =
    "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000; PRAGMA wal_checkpoint(PASSIVE);";

/// PostgreSQL: the trigram index takes new rows into a pending list and sorts them in
/// when the list outgrows this; a larger list is sorted in fewer, larger steps (100k
/// rows into the customers table: 4.0 s with the default 4 MB, 3.4 s with 64 MB).
/// VACUUM empties it after the load (`tidy_after_bulk_load`).
const PG_IMPORTING: &str = "SET gin_pending_list_limit = '64MB'";
const PG_AFTER_IMPORT: &str = "RESET gin_pending_list_limit";

/// Files larger than this are refused before reading (a 50 MB upload is a mistake).
pub const MAX_BYTES: u64 = 200 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub imported: usize,
    pub rejected: usize,
    pub rejects_file: Option<PathBuf>,
    /// Communities no one had, added without an office (admins assign them).
    pub new_communities: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Format(String),
    #[error("database: {0}")]
    Db(#[from] crate::service::Error),
    #[error("cannot write the rejects file: {0}")]
    Rejects(#[from] csv::Error),
    #[error(transparent)]
    Lock(#[from] crate::db::import_lock::LockError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(error: diesel::result::Error) -> Self {
        ImportError::Db(error.into())
    }
}

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub lines: u64,
    pub bytes: u64,
    pub total_bytes: u64,
}

/// `FILE.csv` → `FILE.rejects.csv` beside it.
pub fn rejects_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "import".into());
    path.with_file_name(format!("{stem}.rejects.csv"))
}

/// Imports `path`; `progress` is told how far it has got after every batch. A `helper`
/// connection to the same PostgreSQL database shares the index builds at the end.
pub fn customers(
    conn: &mut DbConnection,
    helper: Option<&mut DbConnection>,
    caller: &Caller,
    keys: &Keys,
    path: &Path,
    clock: &crate::clock::Clock,
    progress: impl FnMut(Progress),
) -> Result<Summary, ImportError> {
    let today = clock.today();
    let running = recover::begin(conn, caller, &path.display().to_string())?;
    let import_id = running.id;
    let outcome = session_settings(conn, IMPORTING, PG_IMPORTING)
        .and_then(|()| defer_indexes_if_empty(conn))
        .and_then(|()| import_file(conn, caller, keys, path, today, import_id, progress));
    // All or nothing. Before the indexes are built: deleting is cheaper without them.
    let outcome = match outcome {
        Ok(summary) => {
            recover::finish(conn, running, &logged(caller, path, &summary)).map(|()| summary)
        }
        Err(error) => {
            match recover::undo(
                conn,
                caller,
                running,
                &format!("it failed ({error})"),
                clock,
            ) {
                Ok(removed) => tracing::info!(removed, "the failed import's records were removed"),
                // Its process ends soon: the next start removes them.
                Err(undo) => tracing::error!(%undo, "cannot remove the failed import's records"),
            }
            Err(error)
        }
    };
    // Also after a failure (whose error is the one to report): the indexes left out come
    // back, and the checkpoint folds in what was written.
    let rebuilt = bulk_load::restore(conn, helper);
    // After the indexes: PostgreSQL's ANALYZE gathers statistics for expression indexes.
    // Worth it after a bulk load only: it rewrites the whole FTS index (3 s at 1M
    // records), and a few rows leave it as they found it.
    let tidied = match (&outcome, &rebuilt) {
        (Ok(summary), Ok(_)) if summary.imported >= CHUNK => customers::tidy_after_bulk_load(conn),
        _ => Ok(()),
    };
    let restored = session_settings(conn, AFTER_IMPORT, PG_AFTER_IMPORT);
    let summary = outcome?;
    rebuilt?;
    tidied?;
    restored?;
    Ok(summary)
}

/// The first import into an empty database loads without the secondary indexes and
/// builds them at the end (`db::bulk_load`). With records in place, building their
/// indexes again would cost more than a small import saves.
fn defer_indexes_if_empty(conn: &mut DbConnection) -> Result<(), ImportError> {
    if customers::count(conn)? == 0 {
        let deferred = bulk_load::defer(conn)?;
        tracing::debug!(deferred, "indexes and keys deferred until the import ends");
    }
    Ok(())
}

/// Runs `sqlite` or `pg` on the importing connection, whichever it is.
fn session_settings(conn: &mut DbConnection, sqlite: &str, pg: &str) -> Result<(), ImportError> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(sqlite),
        DbConnection::Pg(c) => c.batch_execute(pg),
    }?;
    Ok(())
}

fn import_file(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    path: &Path,
    today: NaiveDate,
    import_id: i32,
    mut progress: impl FnMut(Progress),
) -> Result<Summary, ImportError> {
    let read_error = |source| ImportError::Read {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_BYTES {
        return Err(ImportError::Format(format!(
            "{} is {} MB; the limit is {} MB",
            path.display(),
            size >> 20,
            MAX_BYTES >> 20
        )));
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut header_row = csv::ByteRecord::new();
    if !matches!(reader.read_byte_record(&mut header_row), Ok(true)) {
        return Err(ImportError::Format("the file is empty".into()));
    }
    let header = header_row
        .iter()
        .map(|f| {
            String::from_utf8_lossy(f)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect::<Vec<_>>();
    if header != HEADER {
        return Err(ImportError::Format(format!(
            "the header must be exactly: {}",
            HEADER.join(",")
        )));
    }

    let mut rejects = Rejects::create(rejects_path(path))?;

    let phones: HashMap<String, String> = customers::all_phones(conn)?.into_iter().collect();
    let mut summary = Summary::default();
    let mut tag_ids: HashMap<String, i32> = HashMap::new();
    let mut new_communities = NewCommunities::load(conn)?;
    // One batch waits while another is stored: checking and encrypting (the reading
    // thread) overlap with the database work (this one).
    let (sender, batches) = std::sync::mpsc::sync_channel::<read::Batch>(1);
    let (read, stored) = std::thread::scope(|scope| {
        let reading = scope.spawn(|| {
            read::read_rows(
                &mut reader,
                &mut rejects,
                phones,
                keys,
                today,
                CHUNK,
                sender,
            )
        });
        let mut stored: Result<(), ImportError> = Ok(());
        for batch in batches.iter() {
            match store(
                conn,
                caller,
                import_id,
                batch.rows,
                today,
                &mut tag_ids,
                &mut new_communities,
            ) {
                Ok(count) => summary.imported += count,
                Err(error) => {
                    stored = Err(error);
                    break;
                }
            }
            progress(Progress {
                lines: batch.lines_read,
                bytes: batch.bytes_read,
                total_bytes: size,
            });
        }
        // Dropping the receiver stops a reader that is still going after a failure.
        drop(batches);
        let read = reading
            .join()
            .unwrap_or_else(|_| Err(ImportError::Format("the reading thread failed".into())));
        (read, stored)
    });
    stored?;
    let read = read?;
    summary.rejected = rejects.count();
    summary.new_communities = new_communities.added;
    progress(Progress {
        lines: read.lines,
        bytes: size,
        total_bytes: size,
    });
    summary.rejects_file = rejects.finish()?;
    Ok(summary)
}

/// The operation-log entry of an import that finished.
fn logged(caller: &Caller, path: &Path, summary: &Summary) -> Event {
    let mut details = format!(
        "file {}; imported {}; rejected {}",
        path.display(),
        summary.imported,
        summary.rejected
    );
    if !summary.new_communities.is_empty() {
        details.push_str(&format!(
            "; new communities without an office: {}",
            summary.new_communities.join(",")
        ));
    }
    Event::new(
        caller.actor.clone(),
        Action::CustomersImported,
        "customers",
        &caller.address,
    )
    .details(details)
}
