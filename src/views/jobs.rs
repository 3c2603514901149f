//! `/admin/jobs`: every scheduled job, its last run and its next.

use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use crate::db::job_runs::JobRun;

pub struct JobRow {
    pub name: &'static str,
    pub label_key: &'static str,
    pub cron: String,
    pub last: Option<JobRun>,
    pub next: Option<NaiveDateTime>,
    /// The slot the schedule last named, when no scheduled run claimed it.
    pub missed: Option<NaiveDateTime>,
    pub recent: Vec<JobRun>,
}

#[derive(Template)]
#[template(path = "admin/jobs.html")]
pub struct JobsPage {
    pub ctx: PageCtx,
    pub jobs: Vec<JobRow>,
    pub scheduler_on: bool,
}

impl JobsPage {
    pub fn hint(&self) -> String {
        let zone = self.ctx.clock.zone().name().to_string();
        self.ctx.t_args("jobs-hint", &[("zone", zone)])
    }

    pub fn result_label(&self, result: &str) -> String {
        self.ctx.t(&format!("job-result-{result}"))
    }
}
