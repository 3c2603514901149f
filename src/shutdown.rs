//! How `dossier serve` stops on SIGTERM or SIGINT (Ctrl-C), within ten seconds whatever
//! runs:
//! 1. the listener closes and requests in flight get `REQUESTS` to finish;
//! 2. meanwhile the jobs are told to stop at their next batch (their runs end
//!    `interrupted`, and the next start runs those slots again); a run still going at
//!    `JOBS` is marked interrupted and left behind;
//! 3. SQLite's WAL is checkpointed into the database file and the pool is closed.
//!
//! A second signal exits at once, with status 128 + its number.

use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::oneshot;

use crate::db::{job_runs, Backend, DbPool};
use crate::jobs::Stop;

/// How long requests in flight may take to finish once the signal came.
pub const REQUESTS: Duration = Duration::from_secs(5);
/// How long after the signal running jobs may take to reach their next batch. What
/// follows (the checkpoint) takes well under a second once nothing writes.
pub const JOBS: Duration = Duration::from_secs(8);

/// SIGTERM and SIGINT, caught from start-up on (instead of ending the process).
pub struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next signal's number.
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.term.recv() => SignalKind::terminate().as_raw_value(),
            _ = self.int.recv() => SignalKind::interrupt().as_raw_value(),
        }
    }
}

/// On the first signal: stop taking requests (`handle`), tell the jobs to stop, and say
/// when it came (`began`). On a second one: exit at once.
pub async fn on_signals(
    mut signals: Signals,
    handle: ServerHandle,
    stop: Stop,
    began: oneshot::Sender<Instant>,
) {
    let first = signals.next().await;
    let _ = began.send(Instant::now());
    tracing::warn!(
        signal = first,
        "stopping: no new requests, jobs stop at their next batch (again to exit at once)"
    );
    stop.raise();
    actix_web::rt::spawn(handle.stop(true));
    let second = signals.next().await;
    eprintln!("second signal ({second}): exiting at once");
    std::process::exit(128 + second);
}

/// Waits for the jobs (until `JOBS` after `began`), marks the runs of `instance` that are
/// still going as interrupted, checkpoints SQLite's WAL and closes the pool (dropped
/// here). True when every job ended in time.
pub async fn finish(pool: DbPool, stop: &Stop, instance: Option<&str>, began: Instant) -> bool {
    stop.raise();
    let all_ended = stop.wait(JOBS.saturating_sub(began.elapsed())).await;
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!(error = %e, "cannot reach the database to close it");
            return all_ended;
        }
    };
    if let (false, Some(instance)) = (all_ended, instance) {
        match job_runs::interrupt_running(&mut conn, instance) {
            Ok(runs) => tracing::warn!(runs, "jobs still running were left, marked interrupted"),
            Err(e) => tracing::error!(error = %e, "cannot mark the running jobs interrupted"),
        }
    }
    if conn.backend() == Backend::Sqlite {
        match checkpoint(&mut conn) {
            Ok(0) => tracing::info!("WAL checkpointed into the database file"),
            Ok(_) => tracing::warn!("WAL checkpoint incomplete: a reader or writer was busy"),
            Err(e) => tracing::error!(error = %e, "WAL checkpoint failed"),
        }
    }
    drop(conn);
    drop(pool);
    all_ended
}

#[derive(QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = Integer)]
    busy: i32,
}

/// Copies the WAL into the database file and empties it; 0 when complete.
fn checkpoint(conn: &mut crate::db::DbConnection) -> QueryResult<i32> {
    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .get_result::<Checkpoint>(conn)
        .map(|c| c.busy)
}
