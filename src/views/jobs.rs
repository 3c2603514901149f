//! `/admin/jobs`: every scheduled job, its last run and its next.

use askama::Template;
use chrono::{Local, NaiveDateTime};

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
    /// Times are stored in UTC and shown in the server's local time, as cron reads them.
    pub fn local(&self, t: &NaiveDateTime) -> String {
        t.and_utc()
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    pub fn result_label(&self, result: &str) -> String {
        self.ctx.t(&format!("job-result-{result}"))
    }
}
