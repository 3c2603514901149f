//! Stopping jobs when the app stops: `serve` raises the flag on SIGTERM or SIGINT, each job
//! checks it between batches (`ctx.stop.check()?`) and its run ends `interrupted`. Jobs
//! are idempotent, so the next run goes on where this one stopped. The flag also counts
//! the runs in progress, so that `serve` can wait for them (for a while) before it closes
//! the database.
//!
//! Below jobs and backups (a backup's dump and restore check it too), so that neither
//! needs the other for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::task::TaskTracker;

/// What a job returns when it stopped because the app is stopping.
#[derive(Debug, thiserror::Error)]
#[error("interrupted: the app was stopping; the next run goes on from here")]
pub struct Interrupted;

/// Shared by the app state, the scheduler and every job context of one app.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    raised: Arc<AtomicBool>,
    running: TaskTracker,
}

impl Stop {
    /// Asks every job to stop at its next batch; jobs not yet started do not start.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::SeqCst);
    }

    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// `Err(Interrupted)` once the app is stopping: the check between two batches.
    pub fn check(&self) -> Result<(), Interrupted> {
        if self.is_raised() {
            Err(Interrupted)
        } else {
            Ok(())
        }
    }

    /// Runs `work` on a blocking thread, counted among the runs `wait` waits for.
    pub fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> tokio::task::JoinHandle<T> {
        self.running.spawn_blocking(work)
    }

    /// Waits until the counted runs have ended, at most `limit`. True when they all did.
    pub async fn wait(&self, limit: Duration) -> bool {
        self.running.close();
        tokio::time::timeout(limit, self.running.wait())
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_fails_once_raised_and_is_shared_by_clones() {
        let stop = Stop::default();
        let seen_by_a_job = stop.clone();
        assert!(seen_by_a_job.check().is_ok());
        stop.raise();
        assert!(seen_by_a_job.check().is_err());
        assert!(seen_by_a_job.is_raised());
    }

    #[tokio::test]
    async fn waiting_ends_when_the_runs_end_or_the_limit_passes() {
        let stop = Stop::default();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        stop.spawn_blocking(move || {
            let _ = rx.recv();
        });
        assert!(!stop.wait(Duration::from_millis(50)).await);
        drop(tx);
        assert!(stop.wait(Duration::from_secs(5)).await);
    }
}
