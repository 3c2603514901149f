//! Claim, run, record: one run of one job, whoever asked for it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::NaiveDateTime;

use super::{Interrupted, Job, JobContext, Report};
use crate::db::{audit_log, job_runs};
use crate::domain::audit::{Action, Actor, Event};

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Its cron slot came.
    Schedule,
    /// The app was down at its last slot; run once at start.
    CatchUp,
    /// Someone pressed "run now" or ran `dossier job run`.
    Manual,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunResult {
    Ok,
    /// Done, but some rows were skipped (see the report).
    Partial,
    Failed,
    /// Stopped between two batches because the app was stopping; the next run goes on.
    Interrupted,
}

impl RunResult {
    pub fn as_str(self) -> &'static str {
        match self {
            RunResult::Ok => "ok",
            RunResult::Partial => "partial",
            RunResult::Failed => "failed",
            RunResult::Interrupted => "interrupted",
        }
    }
}

/// A run that this instance claimed and finished.
#[derive(Debug, Clone)]
pub struct Finished {
    pub run_id: i32,
    pub result: RunResult,
    pub report: Report,
    pub error: String,
}

/// A run still `running` after this long was cut off (no job takes more than minutes at
/// 1M records); the job's next run marks it failed, so the jobs page stops showing it
/// as running and the operator sees it failed.
const STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(6);

/// Claims `(job, slot)` and runs the job. `Ok(None)`: another run holds the slot, nothing
/// was done. A job that fails or panics is recorded as failed; only a database that cannot
/// record the run at all is an `Err`.
pub fn execute(
    ctx: &mut JobContext<'_>,
    job: &dyn Job,
    slot: NaiveDateTime,
    trigger: Trigger,
    instance: &str,
) -> anyhow::Result<Option<Finished>> {
    let name = job.name();
    let abandoned = job_runs::abandon_stale(ctx.conn, name, crate::db::now() - STALE_AFTER)?;
    if abandoned > 0 {
        tracing::warn!(
            job = %name,
            runs = abandoned,
            "earlier runs never finished; marked failed"
        );
    }
    let Some(run_id) = job_runs::claim(ctx.conn, name, slot, trigger.as_str(), instance)? else {
        tracing::debug!(job = %name, %slot, "slot already claimed by another run");
        return Ok(None);
    };
    tracing::info!(job = %name, %slot, trigger = trigger.as_str(), "job started");
    let mut report = Report::default();
    let outcome = catch_unwind(AssertUnwindSafe(|| job.run(ctx, &mut report)));
    let (result, error) = match outcome {
        Ok(Ok(())) if report.skipped.is_empty() => (RunResult::Ok, String::new()),
        Ok(Ok(())) => (RunResult::Partial, report.skipped.join("; ")),
        Ok(Err(e)) if e.is::<Interrupted>() => (RunResult::Interrupted, e.to_string()),
        Ok(Err(e)) => (RunResult::Failed, format!("{e:#}")),
        Err(panic) => (
            RunResult::Failed,
            format!("panicked: {}", panic_text(&panic)),
        ),
    };
    let counts = report.counts_text();
    job_runs::finish(ctx.conn, run_id, result.as_str(), &counts, &error)?;
    let mut details = format!(
        "trigger={} slot={} result={}",
        trigger.as_str(),
        ctx.clock.local(slot).format("%Y-%m-%dT%H:%M:%S"),
        result.as_str()
    );
    if !counts.is_empty() {
        details.push(' ');
        details.push_str(&counts);
    }
    if !error.is_empty() {
        details.push_str(" error=");
        details.push_str(&error.chars().take(500).collect::<String>());
    }
    audit_log::record(
        ctx.conn,
        &Event::new(
            Actor::System,
            Action::JobRun,
            format!("job:{name}"),
            "scheduler",
        )
        .details(details),
    )?;
    match result {
        RunResult::Failed => tracing::error!(job = %name, %error, "job failed"),
        RunResult::Interrupted => tracing::warn!(job = %name, %counts, "job interrupted"),
        _ => tracing::info!(job = %name, result = result.as_str(), %counts, "job finished"),
    }
    Ok(Some(Finished {
        run_id,
        result,
        report,
        error,
    }))
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// This process's name in `job_runs.instance`: host, process and a random part (two app
/// instances in one test process differ).
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!(
        "{host}:{}:{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}
