//! The scheduled jobs: what they are called, when they run, and the report each run leaves.
//!
//! Each job is one file with a type that implements `Job`, and one line in `JOBS`; the
//! scheduler, `dossier job list/run`, `/admin/jobs` and the schedules' checks all read
//! that list. A run is claimed by a `job_runs` row unique on (job, slot), so each slot runs
//! once however many instances share the database (`runner`). The scheduler (`scheduler`)
//! fires the jobs on their cron schedules and catches up, once, on a slot missed while the
//! app was down. Each job works in batches, skips and reports a bad row instead of
//! stopping, and never panics the scheduler.

mod backup;
mod deliver_mail;
mod dormancy;
#[cfg(test)]
mod example;
mod report;
pub mod reverify;
pub mod runner;
pub mod scheduler;

use croner::Cron;
use diesel::result::QueryResult;

use crate::clock::Clock;
use crate::crypto::Keys;
use crate::db::DbConnection;
use crate::settings::Settings;

pub use crate::cron::{next_after, parse as parse_cron, slot_at_or_before};
pub use crate::stop::{Interrupted, Stop};
pub use report::Report;
pub use reverify::Backlog;
pub use runner::{execute, Finished, RunResult, Trigger};

/// Every job, in the order the CLI and the jobs page list them and the scheduler catches
/// up on them. A new job: its file, and one line here.
pub static JOBS: &[&dyn Job] = &[
    &reverify::Reverify,
    &deliver_mail::DeliverMail,
    &dormancy::Dormancy,
    &backup::Backup,
];

/// The job called `name` (as the CLI and `/admin/jobs/{name}/run` say it).
pub fn find(name: &str) -> Option<&'static dyn Job> {
    JOBS.iter().copied().find(|job| job.name() == name)
}

/// The names of all jobs, for messages: `reverify, deliver-mail, dormancy, backup`.
pub fn names() -> Vec<&'static str> {
    JOBS.iter().map(|job| job.name()).collect()
}

/// A scheduled job. The runner (`execute`) claims the slot, calls `run`, and records the
/// result and the report; `run` only does the work.
pub trait Job: Sync {
    /// The name used by the CLI, the jobs page's routes and `job_runs.job`.
    fn name(&self) -> &'static str;

    /// The fluent key of the job's label on the jobs page (`job-NAME` in `src/locales`).
    fn label_key(&self) -> &'static str;

    /// The cron schedule in force: the job's `cron.*` setting.
    fn cron<'s>(&self, settings: &'s Settings) -> &'s str;

    /// Does the work, adding to `report`; checks `ctx.stop` between batches.
    fn run(&self, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()>;

    /// Work a per-run cap leaves for later runs, shown by `dossier job list` and on the
    /// jobs page; none for most jobs.
    fn backlog(
        &self,
        _conn: &mut DbConnection,
        _settings: &Settings,
        _clock: &Clock,
    ) -> QueryResult<Option<Backlog>> {
        Ok(None)
    }

    /// The schedule, parsed (settings are checked at start, so this does not fail there).
    fn schedule(&self, settings: &Settings) -> Cron {
        parse_cron(self.cron(settings)).expect("cron schedules are checked when settings load")
    }
}

/// The jobs one by one, for code that starts one in particular (`dossier backup`, "back
/// up now", the integration tests). A new job needs no entry here.
#[allow(non_snake_case, non_upper_case_globals)]
pub mod JobName {
    use super::Job;

    pub const Reverify: &dyn Job = &super::reverify::Reverify;
    pub const DeliverMail: &dyn Job = &super::deliver_mail::DeliverMail;
    pub const Dormancy: &dyn Job = &super::dormancy::Dormancy;
    pub const Backup: &dyn Job = &super::backup::Backup;
}

/// What a job needs: the settings, the keys, the clock, one database connection (the
/// outbox is a table on it), and the flag that says the app is stopping (checked between
/// batches).
pub struct JobContext<'a> {
    pub settings: &'a Settings,
    pub keys: &'a Keys,
    pub conn: &'a mut DbConnection,
    /// Every "today" of a job (thresholds, due dates) comes from it.
    pub clock: Clock,
    pub stop: Stop,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for job in JOBS {
            assert_eq!(find(job.name()).map(|j| j.name()), Some(job.name()));
        }
        assert_eq!(names(), ["reverify", "deliver-mail", "dormancy", "backup"]);
        assert!(find("nope").is_none());
    }

    #[test]
    fn every_schedule_has_its_setting_and_label() {
        let settings = Settings::default();
        let named = settings.cron.named();
        for job in JOBS {
            let key = format!("cron.{}", job.name().replace('-', "_"));
            assert!(
                named
                    .iter()
                    .any(|(k, v)| *k == key && *v == job.cron(&settings)),
                "{key}"
            );
            assert_eq!(job.label_key(), format!("job-{}", job.name()));
        }
    }
}
