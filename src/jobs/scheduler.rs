//! The in-process scheduler: fires each job on its cron schedule (tokio-cron-scheduler)
//! and, at start, runs once any job whose last slot passed while the app was down.

use chrono::NaiveDateTime;
use tokio_cron_scheduler::{Job, JobScheduler};

use super::{execute, slot_at_or_before, JobContext, JobName, Trigger};
use crate::db::job_runs;
use crate::state::AppState;

/// Starts the scheduler; it runs until `shutdown` (or the process ends).
pub async fn start(state: AppState) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let instance = super::runner::instance_name();
    for job in JobName::ALL {
        let state = state.clone();
        let instance = instance.clone();
        let cron = job.cron(&state.settings).to_string();
        scheduler
            .add(Job::new_async_tz(
                cron.as_str(),
                state.clock.zone(),
                move |_id, _lock| {
                    let state = state.clone();
                    let instance = instance.clone();
                    Box::pin(async move {
                        run_in_background(state, job, Trigger::Schedule, instance).await;
                    })
                },
            )?)
            .await?;
    }
    scheduler.start().await?;
    let catch_up_state = state.clone();
    tokio::spawn(async move {
        for job in JobName::ALL {
            run_in_background(
                catch_up_state.clone(),
                job,
                Trigger::CatchUp,
                instance.clone(),
            )
            .await;
        }
    });
    Ok(scheduler)
}

/// Runs one scheduled or catch-up slot on a blocking thread; errors are logged, never
/// propagated into the scheduler.
async fn run_in_background(state: AppState, job: JobName, trigger: Trigger, instance: String) {
    let outcome = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = state.pool.get()?;
        let schedule = job.schedule(&state.settings);
        let Some(slot) = slot_at_or_before(&schedule, state.clock.now(), state.clock.zone()) else {
            return Ok(());
        };
        if trigger == Trigger::CatchUp && !missed(&mut conn, job, slot)? {
            return Ok(());
        }
        let mut ctx = JobContext {
            settings: &state.settings,
            keys: &state.keys,
            conn: &mut conn,
            clock: state.clock,
        };
        execute(&mut ctx, job, slot, trigger, &instance)?;
        Ok(())
    })
    .await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(job = %job, error = %format!("{e:#}"), "cannot run job"),
        Err(e) => tracing::error!(job = %job, error = %e, "job thread failed"),
    }
}

/// Whether the job's latest slot has no scheduled run yet.
pub fn missed(
    conn: &mut crate::db::DbConnection,
    job: JobName,
    slot: NaiveDateTime,
) -> anyhow::Result<bool> {
    let last = job_runs::last_scheduled_slot(conn, job.as_str())?;
    Ok(last.is_none_or(|last| last < slot))
}
