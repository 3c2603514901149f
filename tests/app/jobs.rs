//! The scheduler: each slot runs once however many instances share the database, a
//! missed slot is caught up once, and the jobs page and CLI show what ran.

use std::time::Duration;

use diesel::prelude::*;
use dossier::crypto::Keys;
use dossier::db::schema::{audit_log, job_runs};
use dossier::domain::role::Role;
use dossier::jobs::{self, JobContext, JobName, Trigger};
use dossier::settings::Settings;
use dossier::state::AppState;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{location, spawn_app, spawn_app_with, Backend, TestApp};

/// A schedule that has never fired and will not for decades: keeps a job out of a test.
const NEVER: &str = "0 0 0 1 1 * 2099";

fn only_dormancy(settings: &mut Settings, dormancy: &str) {
    settings.cron.reverify = NEVER.into();
    settings.cron.deliver_mail = NEVER.into();
    settings.cron.backup = NEVER.into();
    settings.cron.dormancy = dormancy.into();
}

/// (runs of the job, their distinct slots, operation-log entries for the job)
fn runs_of(app: &TestApp, job: &str) -> (i64, i64, i64) {
    let mut conn = app.conn();
    let runs: i64 = job_runs::table
        .filter(job_runs::job.eq(job))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    let mut slots: Vec<chrono::NaiveDateTime> = job_runs::table
        .filter(job_runs::job.eq(job))
        .select(job_runs::slot)
        .load(&mut *conn)
        .unwrap();
    slots.sort();
    slots.dedup();
    let slots = slots.len() as i64;
    let logged: i64 = audit_log::table
        .filter(audit_log::action.eq("job_run"))
        .filter(audit_log::target.eq(format!("job:{job}")))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    (runs, slots, logged)
}

/// A second instance on the same database: its own pool, its own scheduler.
fn second_instance(app: &TestApp, settings: Settings) -> AppState {
    let pool = dossier::db::build_pool(&app.db_url, 2).unwrap();
    let keys = Keys::read(&app.data_dir.path().join("keys.json")).unwrap();
    AppState::new(pool, settings, keys)
}

#[rstest]
#[tokio::test]
async fn two_instances_claiming_the_same_slot_run_it_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let slot = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(1, 30, 0)
        .unwrap();
    let mut threads = Vec::new();
    for instance in ["a", "b", "c"] {
        let url = app.db_url.clone();
        let data_dir = app.data_dir.path().to_path_buf();
        threads.push(std::thread::spawn(move || {
            let mut conn = dossier::db::DbConnection::open(&url).unwrap();
            let keys = Keys::read(&data_dir.join("keys.json")).unwrap();
            let settings = Settings::default();
            let mut ctx = JobContext {
                settings: &settings,
                keys: &keys,
                conn: &mut conn,
                clock: settings.clock(),
                stop: Default::default(),
            };
            jobs::execute(
                &mut ctx,
                JobName::Dormancy,
                slot,
                Trigger::Schedule,
                instance,
            )
            .unwrap()
            .is_some()
        }));
    }
    let ran: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(ran.iter().filter(|r| **r).count(), 1, "{ran:?}");
    assert_eq!(runs_of(&app, "dormancy"), (1, 1, 1));
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_database_run_each_slot_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |s| {
        s.scheduler = true;
        only_dormancy(s, "* * * * * *");
    })
    .await
    else {
        return;
    };
    let mut settings = (*app_settings(&app)).clone();
    only_dormancy(&mut settings, "* * * * * *");
    let mut second = jobs::scheduler::start(second_instance(&app, settings))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    second.shutdown().await.unwrap();
    let (runs, slots, logged) = runs_of(&app, "dormancy");
    assert!(runs >= 3, "a slot a second for 4.5 s: {runs} runs");
    assert_eq!(runs, slots, "no slot ran twice");
    assert_eq!(runs, logged, "no run without its claim");
}

fn app_settings(app: &TestApp) -> std::sync::Arc<Settings> {
    app.state().settings.clone()
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_missed_while_down_runs_once_at_the_next_start(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // Daily at 01:30: today's or yesterday's slot has passed with no run.
    let Some(app) = spawn_app_with(backend, |s| {
        s.scheduler = true;
        only_dormancy(s, "0 30 1 * * *");
    })
    .await
    else {
        return;
    };
    wait_for(|| runs_of(&app, "dormancy").0 == 1).await;
    let mut settings = (*app_settings(&app)).clone();
    only_dormancy(&mut settings, "0 30 1 * * *");
    // A restart (a second instance starting) finds the slot taken: no second catch-up.
    let mut again = jobs::scheduler::start(second_instance(&app, settings))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    again.shutdown().await.unwrap();
    assert_eq!(runs_of(&app, "dormancy"), (1, 1, 1));
    let trigger: String = job_runs::table
        .select(job_runs::trigger_kind)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(trigger, "catch-up");
}

async fn wait_for(mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting");
}

#[rstest]
#[tokio::test]
async fn admins_see_every_job_and_run_one_now(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    let clerk = app.login_as(Role::Clerk).await;
    assert_eq!(
        app.get(&clerk, "/admin/jobs").await.status(),
        StatusCode::FORBIDDEN
    );
    let page = app.get_html(&admin, "/admin/jobs").await;
    for job in ["reverify", "deliver-mail", "dormancy", "backup"] {
        assert!(page.contains(job), "{job} listed");
    }
    assert!(page.contains("已逾期"), "never-run jobs show as overdue");

    let response = app.post_form(&admin, "/admin/jobs/dormancy/run", &[]).await;
    assert_eq!(location(&response), "/admin/jobs");
    let page = app.get_html(&admin, "/admin/jobs").await;
    assert!(page.contains("to_pending_activation=0"), "{page}");
    assert_eq!(runs_of(&app, "dormancy"), (1, 1, 1));
    let unknown = app.post_form(&admin, "/admin/jobs/nope/run", &[]).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let output = app.cli().args(["job", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        listed.contains("dormancy") && listed.contains("0 30 1 * * *"),
        "{listed}"
    );
    assert!(listed.contains("OVERDUE"), "{listed}");
    let output = app.cli().args(["job", "run", "nope"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("deliver-mail"));
}

#[rstest]
#[tokio::test]
async fn a_run_cut_off_by_a_crash_is_marked_failed_by_the_next_run(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let now = chrono::Utc::now().naive_utc();
    // Two runs that never recorded an end: one from a process that died seven hours
    // ago, one that may still be working.
    for (slot, started) in [
        (
            now - chrono::TimeDelta::hours(8),
            now - chrono::TimeDelta::hours(7),
        ),
        (
            now - chrono::TimeDelta::hours(2),
            now - chrono::TimeDelta::hours(1),
        ),
    ] {
        diesel::insert_into(job_runs::table)
            .values((
                job_runs::job.eq("dormancy"),
                job_runs::slot.eq(slot),
                job_runs::trigger_kind.eq("schedule"),
                job_runs::instance.eq("gone"),
                job_runs::started_at.eq(started),
                job_runs::result.eq("running"),
            ))
            .execute(&mut *app.conn())
            .unwrap();
    }
    let output = app.cli().args(["job", "run", "dormancy"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let runs: Vec<(String, String, String)> = job_runs::table
        .filter(job_runs::job.eq("dormancy"))
        .filter(job_runs::instance.eq("gone"))
        .order(job_runs::started_at)
        .select((job_runs::result, job_runs::error, job_runs::instance))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].0, "failed", "the seven-hour-old run is given up");
    assert!(runs[0].1.contains("abandoned"), "{:?}", runs[0]);
    assert_eq!(
        runs[1].0, "running",
        "a run of an hour ago may still be working"
    );

    let admin = app.login_as(Role::Admin).await;
    let page = app.get_html(&admin, "/admin/jobs").await;
    assert!(
        page.contains("abandoned"),
        "the jobs page shows why it failed"
    );
}
