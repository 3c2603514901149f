//! `/admin/jobs`: every scheduled job, its last run and its next.

use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use crate::db::job_runs::JobRun;
use crate::jobs::reverify::Backlog;

pub struct JobRow {
    pub name: &'static str,
    pub label_key: &'static str,
    pub cron: String,
    pub last: Option<JobRun>,
    pub next: Option<NaiveDateTime>,
    /// The slot the schedule last named, when no scheduled run claimed it.
    pub missed: Option<NaiveDateTime>,
    pub recent: Vec<JobRun>,
    /// The re-verification backlog (that job only).
    pub backlog: Option<Backlog>,
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

    /// "12,000 due, not yet queued …; clears on 2027-03-01", or that nothing waits.
    pub fn backlog_text(&self, backlog: &Backlog) -> String {
        match backlog.clears_on {
            Some(day) if backlog.waiting > 0 => self.ctx.t_args(
                "jobs-backlog",
                &[
                    ("waiting", backlog.waiting.to_string()),
                    ("per_day", backlog.per_day.to_string()),
                    ("day", day.to_string()),
                ],
            ),
            _ => self.ctx.t("jobs-backlog-none"),
        }
    }

    pub fn result_label(&self, result: &str) -> String {
        self.ctx.t(&format!("job-result-{result}"))
    }
}
