//! The liveness of a running import (a row of `imports`): whether the process that runs
//! it is still alive. An import holds a lock for as long as it runs, and the operating
//! system or the database server drops it however the process ends, `kill -9` included:
//! - SQLite: an exclusive lock on the file `<database>.import-lock` beside the database
//!   (so one import at a time);
//! - PostgreSQL: a session advisory lock on the import's id (the instances sharing the
//!   database may run on several machines, where a file would not do).
//!
//! A running import whose lock nobody holds was cut off; `with_orphans` hands such imports
//! to the caller, one transaction each.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use super::imports::{self, Import, RUNNING};
use super::{write_tx, DbConnection};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another import into this database is running")]
    Busy,
    /// The I/O error is the source, not part of the message: the CLI prints the chain.
    #[error("cannot lock {path}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// A running import and the lock that says it is alive; `release` it at the end.
pub struct Running {
    pub id: i32,
    /// SQLite's lock file, unlocked when closed. None on PostgreSQL.
    _file: Option<File>,
}

/// Records a new running import and takes its lock first: a start that saw the row
/// without the lock would take the import for dead. On PostgreSQL the lock is taken in
/// the transaction that adds the row, so the row is never seen without it.
pub fn begin(
    conn: &mut DbConnection,
    file_name: &str,
    started_by: &str,
) -> Result<Running, LockError> {
    match conn {
        DbConnection::Sqlite(_) => {
            let file = lock_file(conn)?.ok_or(LockError::Busy)?;
            let id = write_tx(conn, |c| imports::insert(c, file_name, started_by))?;
            Ok(Running { id, _file: file })
        }
        DbConnection::Pg(_) => {
            let id = write_tx(conn, |c| -> Result<i32, LockError> {
                let id = imports::insert(c, file_name, started_by)?;
                if !advisory(c, "pg_try_advisory_lock", id)? {
                    return Err(LockError::Busy);
                }
                Ok(id)
            })?;
            Ok(Running { id, _file: None })
        }
    }
}

/// Lets go of an import's lock, once its row says done or removed.
pub fn release(conn: &mut DbConnection, running: Running) -> QueryResult<()> {
    if let DbConnection::Pg(_) = conn {
        advisory(conn, "pg_advisory_unlock", running.id)?;
    }
    Ok(())
}

/// Runs `each` on every running import that nobody holds, in a write transaction of its
/// own, and returns what it gave for them. Imports still going on are left alone.
pub fn with_orphans<T>(
    conn: &mut DbConnection,
    mut each: impl FnMut(&mut DbConnection, &Import) -> QueryResult<T>,
) -> Result<Vec<T>, LockError> {
    // Most starts find none: no lock file is made or taken for them.
    if imports::running(conn)?.is_empty() {
        return Ok(Vec::new());
    }
    let mut done = Vec::new();
    match conn {
        DbConnection::Sqlite(_) => {
            // Held while removing, so that no import starts meanwhile; with it held, every
            // row still marked running belongs to a process that has gone.
            let Some(_file) = lock_file(conn)? else {
                return Ok(done);
            };
            for import in imports::running(conn)? {
                done.push(write_tx(conn, |c| each(c, &import))?);
            }
        }
        DbConnection::Pg(_) => {
            for import in imports::running(conn)? {
                let result = write_tx(conn, |c| -> QueryResult<Option<T>> {
                    // Released at commit. Another start may have removed it since the
                    // list was read: look again under the lock.
                    let orphan = advisory(c, "pg_try_advisory_xact_lock", import.id)?
                        && imports::find(c, import.id)?.is_some_and(|i| i.status == RUNNING);
                    if orphan {
                        each(c, &import).map(Some)
                    } else {
                        Ok(None)
                    }
                })?;
                done.extend(result);
            }
        }
    }
    Ok(done)
}

/// Whether the process of import `id` still holds its lock. On PostgreSQL the server
/// drops a killed client's locks once it notices the connection is gone: at the end of
/// the statement it was running.
pub fn held(conn: &mut DbConnection, id: i32) -> Result<bool, LockError> {
    match conn {
        DbConnection::Sqlite(_) => Ok(lock_file(conn)?.is_none()),
        DbConnection::Pg(_) => {
            write_tx(conn, |c| advisory(c, "pg_try_advisory_xact_lock", id)).map(|free| !free)
        }
    }
    .map_err(LockError::from)
}

#[derive(QueryableByName)]
struct Answer {
    #[diesel(sql_type = Bool)]
    answer: bool,
}

/// Calls one of PostgreSQL's advisory-lock functions on an import's id. The key's other
/// half names the schema: tests give each database its own, and ids repeat across them.
fn advisory(conn: &mut DbConnection, function: &str, id: i32) -> QueryResult<bool> {
    let sql = format!("SELECT {function}(hashtext(current_schema() || '.imports'), $1) AS answer");
    let answer = diesel::sql_query(sql)
        .bind::<Integer, _>(id)
        .get_result::<Answer>(conn)?;
    Ok(answer.answer)
}

#[derive(QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = Text)]
    file: String,
}

/// SQLite: the import lock beside the database, taken if nobody has it. Ok(None) when
/// another process holds it. An in-memory database (no file) has no other process to
/// fear: it gets Some(None).
fn lock_file(conn: &mut DbConnection) -> Result<Option<Option<File>>, LockError> {
    let database = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<DatabaseFile>(conn)?
        .file;
    if database.is_empty() {
        return Ok(Some(None));
    }
    let path = PathBuf::from(format!("{database}.import-lock"));
    let error = |source| LockError::File {
        path: path.display().to_string(),
        source,
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(error)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Some(file))),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(source)) => Err(error(source)),
    }
}
