//! An example job, for the tests: adding a job is one file like this one and one line in
//! `JOBS`. Defined here, outside the list, it is listed, scheduled and run through the same
//! trait and the same runner as the real jobs.

use chrono::NaiveDate;

use super::*;
use crate::db::job_runs;

/// Counts the mail waiting in the outbox: a name, a label, a schedule read from the
/// settings, and the work. That is all a job is.
struct CountWaiting;

impl Job for CountWaiting {
    fn name(&self) -> &'static str {
        "count-waiting"
    }

    fn label_key(&self) -> &'static str {
        "job-count-waiting"
    }

    fn cron<'s>(&self, settings: &'s Settings) -> &'s str {
        &settings.cron.deliver_mail
    }

    fn run(&self, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
        ctx.stop.check()?;
        report.add("waiting", crate::db::outbox::count_waiting(ctx.conn)?);
        report.say(format!("counted on {}", ctx.clock.today()));
        Ok(())
    }
}

/// `JOBS` with the example's one line added.
fn with_example() -> Vec<&'static dyn Job> {
    JOBS.iter()
        .copied()
        .chain([&CountWaiting as &dyn Job])
        .collect()
}

/// A migrated SQLite database in a temporary folder.
fn database() -> (tempfile::TempDir, DbConnection) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = DbConnection::open(&dir.path().join("jobs.db").display().to_string()).unwrap();
    crate::db::migrate::run_pending(&mut conn).unwrap();
    (dir, conn)
}

fn slot() -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
}

#[test]
fn the_example_is_listed_with_its_schedule_like_the_real_jobs() {
    let settings = Settings::default();
    let clock = settings.clock();
    let listed = with_example();
    assert_eq!(listed.len(), JOBS.len() + 1);
    let job = listed
        .iter()
        .find(|job| job.name() == "count-waiting")
        .unwrap();
    assert_eq!(job.cron(&settings), "0 * * * * *");
    let schedule = job.schedule(&settings);
    assert!(next_after(&schedule, clock.now(), clock.zone()).is_some());
    assert!(slot_at_or_before(&schedule, clock.now(), clock.zone()).is_some());
}

#[test]
fn the_example_runs_through_the_runner_and_leaves_its_run() {
    let (_dir, mut conn) = database();
    let (settings, keys) = (Settings::default(), Keys::for_tests(7));
    let mut ctx = JobContext {
        settings: &settings,
        keys: &keys,
        conn: &mut conn,
        clock: settings.clock(),
        stop: Stop::default(),
    };
    let finished = execute(&mut ctx, &CountWaiting, slot(), Trigger::Manual, "test")
        .unwrap()
        .expect("the slot is free");
    assert_eq!(finished.result, RunResult::Ok, "{}", finished.error);
    assert_eq!(finished.report.counts_text(), "waiting=0");
    assert!(
        execute(&mut ctx, &CountWaiting, slot(), Trigger::Manual, "test")
            .unwrap()
            .is_none()
    );
    let run = job_runs::last(ctx.conn, "count-waiting").unwrap().unwrap();
    assert_eq!(
        (run.result.as_str(), run.counts.as_str()),
        ("ok", "waiting=0")
    );
}

#[test]
fn the_example_stops_when_the_app_does() {
    let (_dir, mut conn) = database();
    let (settings, keys) = (Settings::default(), Keys::for_tests(7));
    let stop = Stop::default();
    stop.raise();
    let mut ctx = JobContext {
        settings: &settings,
        keys: &keys,
        conn: &mut conn,
        clock: settings.clock(),
        stop,
    };
    let finished = execute(&mut ctx, &CountWaiting, slot(), Trigger::Schedule, "test")
        .unwrap()
        .unwrap();
    assert_eq!(finished.result, RunResult::Interrupted);
}
