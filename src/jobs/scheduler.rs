//! The in-process scheduler: fires each job on its cron schedule (tokio-cron-scheduler)
//! and, at start, runs once any job whose last slot passed while the app was down (or
//! whose run was interrupted when it last stopped). Once the app's `Stop` is raised, no
//! run starts and the running ones stop at their next batch.

use chrono::NaiveDateTime;
use tokio_cron_scheduler::JobScheduler;

use super::{execute, slot_at_or_before, Job, JobContext, Trigger, JOBS};
use crate::db::job_runs;

/// The running scheduler and the name its runs carry in `job_runs.instance`.
pub struct Scheduler {
    pub jobs: JobScheduler,
    pub instance: String,
}

impl Scheduler {
    /// Stops firing new runs (the running ones go on until they see the app's `Stop`).
    pub async fn shutdown(&mut self) -> Result<(), tokio_cron_scheduler::JobSchedulerError> {
        self.jobs.shutdown().await
    }
}

/// What scheduled runs need; the web app hands over its own (`From<AppState>`).
#[derive(Clone)]
pub struct Host {
    pub pool: crate::db::DbPool,
    pub settings: std::sync::Arc<crate::settings::Settings>,
    pub keys: std::sync::Arc<crate::crypto::Keys>,
    pub clock: crate::clock::Clock,
    pub stop: crate::stop::Stop,
}

/// Starts the scheduler; it runs until `shutdown` (or the process ends).
pub async fn start(state: impl Into<Host>) -> anyhow::Result<Scheduler> {
    let state: Host = state.into();
    let scheduler = JobScheduler::new().await?;
    let instance = super::runner::instance_name();
    let name = instance.clone();
    for &job in JOBS {
        let state = state.clone();
        let instance = instance.clone();
        let cron = job.cron(&state.settings).to_string();
        scheduler
            .add(tokio_cron_scheduler::Job::new_async_tz(
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
        for &job in JOBS {
            if catch_up_state.stop.is_raised() {
                break;
            }
            run_in_background(
                catch_up_state.clone(),
                job,
                Trigger::CatchUp,
                instance.clone(),
            )
            .await;
        }
    });
    Ok(Scheduler {
        jobs: scheduler,
        instance: name,
    })
}

/// Runs one scheduled or catch-up slot on a blocking thread; errors are logged, never
/// propagated into the scheduler.
async fn run_in_background(state: Host, job: &'static dyn Job, trigger: Trigger, instance: String) {
    if state.stop.is_raised() {
        return;
    }
    let stop = state.stop.clone();
    let outcome = stop
        .spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = state.pool.get()?;
            let schedule = job.schedule(&state.settings);
            let Some(slot) = slot_at_or_before(&schedule, state.clock.now(), state.clock.zone())
            else {
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
                stop: state.stop.clone(),
            };
            execute(&mut ctx, job, slot, trigger, &instance)?;
            Ok(())
        })
        .await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::error!(job = %job.name(), error = %format!("{e:#}"), "cannot run job")
        }
        Err(e) => tracing::error!(job = %job.name(), error = %e, "job thread failed"),
    }
}

/// Whether the job's latest slot has no scheduled run yet.
pub fn missed(
    conn: &mut crate::db::DbConnection,
    job: &dyn Job,
    slot: NaiveDateTime,
) -> anyhow::Result<bool> {
    let last = job_runs::last_scheduled_slot(conn, job.name())?;
    Ok(last.is_none_or(|last| last < slot))
}
