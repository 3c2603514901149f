//! `/admin/jobs`: the scheduled jobs, and "run now".

use actix_web::{web, HttpResponse};

use crate::db::job_runs;
use crate::error::AppError;
use crate::jobs::{self, runner, Job, JobContext, RunResult, Trigger, JOBS};
use crate::service;
use crate::state::AppState;
use crate::views::jobs::{JobRow, JobsPage};
use crate::views::{render, see_other, PageCtx};
use crate::web::session::{FlashKind, TypedSession};

/// A missed slot is overdue once the scheduler had a minute to claim it.
const GRACE_SECONDS: i64 = 90;

/// `GET /admin/jobs`
pub async fn list(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (settings, clock) = (state.settings.clone(), state.clock);
    let jobs = state
        .db(move |c| {
            let (now, zone) = (clock.now(), clock.zone());
            let mut rows = Vec::new();
            for &job in JOBS {
                let schedule = job.schedule(&settings);
                let slot = jobs::slot_at_or_before(&schedule, now, zone);
                let missed = match slot {
                    Some(slot)
                        if (now.naive_utc() - slot).num_seconds() > GRACE_SECONDS
                            && jobs::scheduler::missed(c, job, slot)
                                .map_err(service::Error::Internal)? =>
                    {
                        Some(slot)
                    }
                    _ => None,
                };
                rows.push(JobRow {
                    name: job.name(),
                    label_key: job.label_key(),
                    cron: job.cron(&settings).to_string(),
                    last: job_runs::last(c, job.name())?,
                    next: jobs::next_after(&schedule, now, zone),
                    missed,
                    recent: job_runs::recent(c, job.name(), 5)?,
                    backlog: job.backlog(c, &settings, &clock)?,
                });
            }
            Ok(rows)
        })
        .await?;
    render(&JobsPage {
        ctx,
        jobs,
        scheduler_on: state.settings.scheduler,
    })
}

/// `POST /admin/jobs/{name}/run`: runs the job now, in this request, and says how it went.
pub async fn run(
    ctx: PageCtx,
    session: TypedSession,
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let job = jobs::find(&name).ok_or(AppError::NotFound)?;
    run_and_tell(&ctx, &session, &state, job).await?;
    Ok(see_other("/admin/jobs"))
}

/// Runs a job in this request and flashes its result (also "back up now").
pub async fn run_and_tell(
    ctx: &PageCtx,
    session: &TypedSession,
    state: &web::Data<AppState>,
    job: &'static dyn Job,
) -> Result<(), AppError> {
    let app = state.clone();
    let finished = state
        .db(move |c| {
            let mut ctx = JobContext {
                settings: &app.settings,
                keys: &app.keys,
                conn: c,
                clock: app.clock,
                stop: app.stop.clone(),
            };
            let instance = format!("web:{}", runner::instance_name());
            jobs::execute(&mut ctx, job, crate::db::now(), Trigger::Manual, &instance)
                .map_err(service::Error::Internal)
        })
        .await?;
    match finished {
        Some(run) => {
            let kind = match run.result {
                RunResult::Failed => FlashKind::Error,
                _ => FlashKind::Success,
            };
            let detail = if run.error.is_empty() {
                run.report.counts_text()
            } else {
                run.error
            };
            session.flash(
                kind,
                format!(
                    "{} {}: {} {}",
                    ctx.t(job.label_key()),
                    ctx.t("jobs-ran"),
                    ctx.t(&format!("job-result-{}", run.result.as_str())),
                    detail
                ),
            )
        }
        None => session.flash(FlashKind::Error, ctx.t("jobs-busy")),
    }
}
