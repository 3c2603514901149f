//! An import is all or nothing. It stores its records in transactions of `CHUNK` rows
//! (one transaction would hold every other writer up for the whole import), each record
//! marked with the import's id; the transaction that logs the import also marks it done.
//! Until then it can be taken back: an import that fails removes what it stored, and one
//! whose process died (`kill -9`, a power cut) is removed by the next start of any
//! command (`app::connect`), which logs it. The user imports the file again.

use chrono::NaiveDateTime;

use super::ImportError;
use crate::clock::Clock;
use crate::db::import_lock::{self, LockError, Running};
use crate::db::{audit_log, imports, write_tx, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::service::Caller;

/// What a start took back.
#[derive(Debug, Clone)]
pub struct Removed {
    pub import_id: i32,
    pub file: String,
    pub started_at: NaiveDateTime,
    pub records: usize,
}

/// Records the import of `file` as running, under its lock.
pub fn begin(conn: &mut DbConnection, caller: &Caller, file: &str) -> Result<Running, ImportError> {
    let started_by = format!("{} ({})", caller.actor.name(), caller.address);
    Ok(import_lock::begin(conn, file, &started_by)?)
}

/// Marks the import done in the transaction that logs it: from then on it stays.
pub fn finish(conn: &mut DbConnection, running: Running, event: &Event) -> Result<(), ImportError> {
    write_tx(conn, |c| {
        imports::finish(c, running.id)?;
        audit_log::append(c, event).map(drop)
    })?;
    import_lock::release(conn, running)?;
    Ok(())
}

/// Takes back every record a failed import stored; returns how many.
pub fn undo(
    conn: &mut DbConnection,
    caller: &Caller,
    running: Running,
    why: &str,
    clock: &Clock,
) -> Result<usize, ImportError> {
    let import = imports::find(conn, running.id)?.ok_or(diesel::result::Error::NotFound)?;
    let removed = write_tx(conn, |c| remove(c, caller, &import, why, clock))?;
    import_lock::release(conn, running)?;
    Ok(removed)
}

/// Removes the records of every import whose process died before it finished (run at
/// every start, before the indexes a first import left out are built: deleting is
/// cheaper without them).
pub fn remove_interrupted(
    conn: &mut DbConnection,
    clock: &Clock,
) -> Result<Vec<Removed>, LockError> {
    let caller = Caller {
        actor: Actor::System,
        address: "start".into(),
    };
    import_lock::with_orphans(conn, |c, import| {
        let records = remove(c, &caller, import, "it stopped before the end", clock)?;
        Ok(Removed {
            import_id: import.id,
            file: import.file.clone(),
            started_at: import.started_at,
            records,
        })
    })
}

/// Deletes the import's records and logs it. Call in a write transaction.
fn remove(
    conn: &mut DbConnection,
    caller: &Caller,
    import: &imports::Import,
    why: &str,
    clock: &Clock,
) -> diesel::QueryResult<usize> {
    let removed = imports::remove_records(conn, import.id, why)?;
    let details = format!(
        "file {}; started {} by {}; {why}: removed the {removed} records it had stored",
        import.file,
        clock.local(import.started_at).format("%Y-%m-%d %H:%M:%S"),
        import.started_by
    );
    audit_log::append(
        conn,
        &Event::new(
            caller.actor.clone(),
            Action::ImportRemoved,
            "customers",
            &caller.address,
        )
        .details(details),
    )?;
    Ok(removed)
}
