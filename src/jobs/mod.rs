//! The scheduled jobs: what they are called, when they run, and the report each run leaves.
//!
//! A run is claimed by a `job_runs` row unique on (job, slot), so each slot runs once
//! however many instances share the database (`runner`). The scheduler (`scheduler`) fires
//! the jobs on their cron schedules and catches up, once, on a slot missed while the app
//! was down. Each job works in batches, skips and reports a bad row instead of stopping,
//! and never panics the scheduler.

mod backup;
mod deliver_mail;
mod dormancy;
pub mod reverify;
pub mod runner;
pub mod scheduler;
pub mod stop;

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

use crate::clock::Clock;
use crate::crypto::Keys;
use crate::db::DbConnection;
use crate::settings::Settings;

pub use runner::{execute, Finished, RunResult, Trigger};
pub use stop::{Interrupted, Stop};

/// The jobs, by the names the CLI and `/admin/jobs` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobName {
    Reverify,
    DeliverMail,
    Dormancy,
    Backup,
}

impl JobName {
    pub const ALL: [JobName; 4] = [
        JobName::Reverify,
        JobName::DeliverMail,
        JobName::Dormancy,
        JobName::Backup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobName::Reverify => "reverify",
            JobName::DeliverMail => "deliver-mail",
            JobName::Dormancy => "dormancy",
            JobName::Backup => "backup",
        }
    }

    pub fn parse(name: &str) -> Option<JobName> {
        JobName::ALL.into_iter().find(|j| j.as_str() == name)
    }

    /// The cron schedule in force for this job.
    pub fn cron(self, settings: &Settings) -> &str {
        match self {
            JobName::Reverify => &settings.cron.reverify,
            JobName::DeliverMail => &settings.cron.deliver_mail,
            JobName::Dormancy => &settings.cron.dormancy,
            JobName::Backup => &settings.cron.backup,
        }
    }

    /// The schedule, parsed (settings are checked at start, so this does not fail there).
    pub fn schedule(self, settings: &Settings) -> Cron {
        parse_cron(self.cron(settings)).expect("cron schedules are checked when settings load")
    }

    /// The fluent key of the job's label.
    pub fn label_key(self) -> &'static str {
        match self {
            JobName::Reverify => "job-reverify",
            JobName::DeliverMail => "job-deliver-mail",
            JobName::Dormancy => "job-dormancy",
            JobName::Backup => "job-backup",
        }
    }
}

impl fmt::Display for JobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a cron schedule as tokio-cron-scheduler does: six fields, seconds first.
pub fn parse_cron(pattern: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(pattern)
        .map_err(|e| format!("not a cron schedule with a seconds field ({e})"))
}

/// The latest time at or before `at` that the schedule names, read in the offices' `zone`
/// and stored as UTC (whole seconds): the slot a run at `at` belongs to.
pub fn slot_at_or_before(schedule: &Cron, at: DateTime<Utc>, zone: Tz) -> Option<NaiveDateTime> {
    schedule
        .find_previous_occurrence(&at.with_timezone(&zone), true)
        .ok()
        .map(|t| stored(t.with_timezone(&Utc)))
}

/// The next time after `at` that the schedule names in `zone` (stored as UTC).
pub fn next_after(schedule: &Cron, at: DateTime<Utc>, zone: Tz) -> Option<NaiveDateTime> {
    schedule
        .find_next_occurrence(&at.with_timezone(&zone), false)
        .ok()
        .map(|t| stored(t.with_timezone(&Utc)))
}

fn stored(t: DateTime<Utc>) -> NaiveDateTime {
    use chrono::Timelike;
    t.naive_utc().with_nanosecond(0).unwrap_or(t.naive_utc())
}

/// What a job needs: the settings, the keys, the clock, one database connection, and the
/// flag that says the app is stopping (checked between batches).
pub struct JobContext<'a> {
    pub settings: &'a Settings,
    pub keys: &'a Keys,
    pub conn: &'a mut DbConnection,
    /// Every "today" of a job (thresholds, due dates) comes from it.
    pub clock: Clock,
    pub stop: Stop,
}

/// What a run did: counts by name, the rows it skipped and why, and any output a person
/// should see (the backup's file name, say).
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub counts: Vec<(&'static str, i64)>,
    pub skipped: Vec<String>,
    pub output: Vec<String>,
}

impl Report {
    /// Adds `n` to the count called `name`.
    pub fn add(&mut self, name: &'static str, n: i64) {
        match self.counts.iter_mut().find(|(k, _)| *k == name) {
            Some((_, count)) => *count += n,
            None => self.counts.push((name, n)),
        }
    }

    pub fn count(&self, name: &str) -> i64 {
        self.counts
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0, |(_, n)| *n)
    }

    /// Notes a row the job could not handle; the run goes on and ends `partial`.
    pub fn skip(&mut self, what: impl Into<String>) {
        let what = what.into();
        tracing::warn!(skipped = %what, "job skipped a row");
        self.skipped.push(what);
    }

    pub fn say(&mut self, line: impl Into<String>) {
        self.output.push(line.into());
    }

    /// `sent=3 failed=1 skipped=1`, as stored with the run.
    pub fn counts_text(&self) -> String {
        let mut parts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect();
        if !self.skipped.is_empty() {
            parts.push(format!("skipped={}", self.skipped.len()));
        }
        parts.join(" ")
    }
}

/// Runs the job's body. The runner wraps it with the claim, the panic guard and the log.
fn run_body(job: JobName, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    match job {
        JobName::Reverify => reverify::run(ctx, report),
        JobName::DeliverMail => deliver_mail::run(ctx, report),
        JobName::Dormancy => dormancy::run(ctx, report),
        JobName::Backup => backup::run(ctx, report),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn names_round_trip() {
        for job in JobName::ALL {
            assert_eq!(JobName::parse(job.as_str()), Some(job));
        }
        assert_eq!(JobName::parse("nope"), None);
    }

    #[test]
    fn a_slot_is_the_schedule_time_at_or_before_the_moment() {
        let every_minute = parse_cron("0 * * * * *").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 42).unwrap();
        let slot = slot_at_or_before(&every_minute, at, chrono_tz::UTC).unwrap();
        assert_eq!(
            slot,
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0)
                .unwrap()
                .naive_utc()
        );
        let on_the_dot = Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap();
        assert_eq!(
            slot_at_or_before(&every_minute, on_the_dot, chrono_tz::UTC).unwrap(),
            slot
        );
        assert_eq!(
            next_after(&every_minute, on_the_dot, chrono_tz::UTC).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 16, 0)
                .unwrap()
                .naive_utc()
        );
    }

    #[test]
    fn a_daily_slot_is_the_office_time_stored_as_utc() {
        let at_seven = parse_cron("0 0 7 * * *").unwrap();
        let shanghai = chrono_tz::Asia::Shanghai;
        // 2026-12-03 22:30 UTC is 12-04 06:30 in Shanghai: that day's 07:00 has not come,
        // so the slot is 12-03 07:00 Shanghai (12-02 23:00 UTC) and the next 12-04 07:00.
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 22, 30, 0).unwrap();
        assert_eq!(
            slot_at_or_before(&at_seven, at, shanghai).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 2, 23, 0, 0)
                .unwrap()
                .naive_utc()
        );
        assert_eq!(
            next_after(&at_seven, at, shanghai).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0)
                .unwrap()
                .naive_utc()
        );
    }

    #[test]
    fn five_field_schedules_are_refused() {
        assert!(parse_cron("0 2 * * *").is_err());
        assert!(parse_cron("0 0 2 * * *").is_ok());
    }

    #[test]
    fn counts_add_up_and_skips_are_counted() {
        let mut report = Report::default();
        report.add("sent", 2);
        report.add("sent", 1);
        report.add("failed", 1);
        report.skip("customer 7: no email");
        assert_eq!(report.count("sent"), 3);
        assert_eq!(report.counts_text(), "sent=3 failed=1 skipped=1");
    }
}
