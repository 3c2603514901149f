//! Group commit for the operation log's busiest entries (record views, searches).
//!
//! Every append takes the head row's lock until its transaction commits, so one
//! transaction per page view serialises all readers behind one commit each. Here one
//! thread collects the entries that arrive while it writes (and for `GATHER` after the
//! first one) and stores them together in one transaction; each request still waits until
//! its entry is committed, so nothing is logged "later" and nothing is lost if the process
//! stops.
//!
//! A thread the app runs, not a table: it lives beside `state`, which starts it, and
//! writes through `db::audit_log`.

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::db::{audit_log, write_tx, DbPool};
use crate::domain::audit::Event;
use crate::service;

/// The most entries one transaction takes.
const MAX_BATCH: usize = 512;

/// How long the writer waits for more entries after the first one of a batch. Without
/// it, batches on PostgreSQL held about 4 entries (five round trips and a WAL flush each);
/// with it about 8, and the record page's p99 went 11-14 ms -> 8.5-8.9 ms at the same
/// throughput (1M records). It is what a lone page view waits more, at most.
const GATHER: Duration = Duration::from_micros(500);

struct Job {
    event: Event,
    done: oneshot::Sender<Result<(), String>>,
}

#[derive(Clone)]
pub struct AuditWriter {
    jobs: Sender<Job>,
}

impl AuditWriter {
    /// Starts the writer thread; it ends when the last `AuditWriter` clone is dropped.
    pub fn start(pool: DbPool) -> AuditWriter {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("audit_writer".into())
            .spawn(move || run(pool, queue))
            .expect("the audit writer thread starts");
        AuditWriter { jobs }
    }

    /// Appends `event` and returns once it is committed.
    pub async fn log(&self, event: Event) -> Result<(), service::Error> {
        let (done, committed) = oneshot::channel();
        self.jobs.send(Job { event, done }).map_err(|_| {
            service::Error::Internal(anyhow::anyhow!("the audit writer has stopped"))
        })?;
        committed
            .await
            .map_err(|_| service::Error::Internal(anyhow::anyhow!("the audit writer has stopped")))?
            .map_err(|e| service::Error::Internal(anyhow::anyhow!("operation log: {e}")))
    }
}

fn run(pool: DbPool, queue: Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let (mut events, mut waiting) = (vec![first.event], vec![first.done]);
        let deadline = Instant::now() + GATHER;
        while events.len() < MAX_BATCH {
            let wait = deadline.saturating_duration_since(Instant::now());
            match queue.recv_timeout(wait) {
                Ok(job) => {
                    events.push(job.event);
                    waiting.push(job.done);
                }
                Err(_) => break,
            }
        }
        let outcome = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            write_tx(&mut conn, |c| audit_log::append_many(c, &events))
                .map(drop)
                .map_err(|e: diesel::result::Error| e.to_string())
        });
        if let Err(e) = &outcome {
            tracing::error!(error = %e, entries = events.len(), "cannot write to the operation log");
        }
        for done in waiting {
            let _ = done.send(outcome.clone());
        }
    }
}
