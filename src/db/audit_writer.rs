//! Group commit for the operation log's busiest entries (record views, searches).
//!
//! Every append takes the head row's lock until its transaction commits, so one
//! transaction per page view serialises all readers behind one commit each. Here one
//! thread collects the entries that arrive while it writes and stores them together in one
//! transaction; each request still waits until its entry is committed, so nothing is
//! logged "later" and nothing is lost if the process stops.

use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};

use tokio::sync::oneshot;

use super::{audit_log, write_tx, DbPool};
use crate::domain::audit::Event;
use crate::error::AppError;

/// The most entries one transaction takes.
const MAX_BATCH: usize = 512;

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
    pub async fn log(&self, event: Event) -> Result<(), AppError> {
        let (done, committed) = oneshot::channel();
        self.jobs
            .send(Job { event, done })
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the audit writer has stopped")))?;
        committed
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("the audit writer has stopped")))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("operation log: {e}")))
    }
}

fn run(pool: DbPool, queue: Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let (mut events, mut waiting) = (vec![first.event], vec![first.done]);
        while events.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => {
                    events.push(job.event);
                    waiting.push(job.done);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
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
