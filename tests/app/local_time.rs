//! Local time: one clock in the offices' time zone (Asia/Shanghai by default) gives every
//! "today", due time, cron slot and shown time; instants stay stored in UTC.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use dossier::db::schema::{audit_log, customer_versions, customers, job_runs, outbox};
use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::customers::{create, log_actions, person, post, with};
use crate::helpers::{location, spawn_app, spawn_app_with, Backend, TestApp};

/// 2026-12-03 17:30 UTC: already 12-04 01:30 in Shanghai, still 12-03 in UTC.
fn after_shanghai_midnight() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 17, 30, 0).unwrap()
}

/// Shanghai is UTC+8 all year: worked out here without the app's clock.
fn shanghai(stored: NaiveDateTime, format: &str) -> String {
    (stored + chrono::Duration::hours(8))
        .format(format)
        .to_string()
}

fn utc(stored: NaiveDateTime, format: &str) -> String {
    stored.format(format).to_string()
}

async fn spawn_at(backend: Backend, at: chrono::DateTime<Utc>) -> Option<TestApp> {
    spawn_app_with(backend, |s| s.clock_start = Some(at)).await
}

#[rstest]
#[tokio::test]
async fn a_change_reported_after_midnight_in_shanghai_is_dated_and_due_there(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_at(backend, after_shanghai_midnight()).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("林晚", "13822223333")).await;
    let record = app.get_html(&clerk, &format!("/customers/{code}")).await;
    assert!(
        record.contains(r#"name="reported_on" type="date" value="2026-12-04""#),
        "the report form starts at the office's today: {record}"
    );

    // The office's today (in UTC still tomorrow) is a valid report date; it counts from now.
    let today = post(
        &app,
        &clerk,
        &format!("/customers/{code}/changes"),
        &[
            ("reported_on", "2026-12-04".into()),
            ("description", "客户凌晨来电：已搬至 5 栋".into()),
        ],
    )
    .await;
    assert_eq!(
        today.status(),
        StatusCode::SEE_OTHER,
        "{}",
        today.text().await.unwrap_or_default()
    );
    // Reported on 12-02 in the office: counted from that day's start there (12-01 16:00
    // UTC), so due 12-04 00:00 Shanghai, which has passed. Counted from UTC's midnight it
    // would be due at 08:00 and not be overdue yet.
    let earlier = post(
        &app,
        &clerk,
        &format!("/customers/{code}/changes"),
        &[
            ("reported_on", "2026-12-02".into()),
            ("description", "客户前天反映更换手机号".into()),
        ],
    )
    .await;
    assert_eq!(earlier.status(), StatusCode::SEE_OTHER);

    let queue = app.get_html(&clerk, "/changes").await;
    assert!(queue.contains("2026-12-06 01:30"), "{queue}");
    assert!(queue.contains("2026-12-04 00:00"), "{queue}");
    assert!(!queue.contains("UTC"), "{queue}");
    assert_eq!(queue.matches("已逾期").count(), 1, "{queue}");
    assert!(app
        .get_html(&clerk, "/")
        .await
        .contains("逾期未处理的变更登记：1 条"));
    let record = app.get_html(&clerk, &format!("/customers/{code}")).await;
    assert!(
        record.contains("2026-12-06 01:30") && !record.contains("UTC"),
        "{record}"
    );
    assert!(log_actions(&app)
        .iter()
        .any(|(action, target, details)| action == "change_reported"
            && target == &code
            && details.contains("due 2026-12-06 01:30")));
}

#[rstest]
#[tokio::test]
async fn pages_and_the_job_list_show_office_time_without_a_zone(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("陈时", "13833334444")).await;
    let admin = app.login_as(Role::Admin).await;
    let response = app.post_form(&admin, "/admin/jobs/dormancy/run", &[]).await;
    assert_eq!(location(&response), "/admin/jobs");
    let auditor = app.login_as(Role::Auditor).await;

    let mut conn = app.conn();
    let changed_at: NaiveDateTime = customer_versions::table
        .inner_join(customers::table)
        .filter(customers::code.eq(&code))
        .select(customer_versions::changed_at)
        .first(&mut *conn)
        .unwrap();
    let (started_at, slot): (NaiveDateTime, NaiveDateTime) = job_runs::table
        .filter(job_runs::job.eq("dormancy"))
        .select((job_runs::started_at, job_runs::slot))
        .first(&mut *conn)
        .unwrap();
    let logged_at: NaiveDateTime = audit_log::table
        .order(audit_log::seq.desc())
        .select(audit_log::at)
        .first(&mut *conn)
        .unwrap();
    drop(conn);

    let seconds = "%Y-%m-%d %H:%M:%S";
    let minutes = "%Y-%m-%d %H:%M";
    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    let jobs = app.get_html(&admin, "/admin/jobs").await;
    let audit = app.get_html(&auditor, "/audit").await;
    for (page, at, format) in [
        (&history, changed_at, minutes),
        (&jobs, started_at, seconds),
        (&audit, logged_at, seconds),
    ] {
        assert!(page.contains(&shanghai(at, format)), "{page}");
        assert!(!page.contains(&utc(at, format)), "{page}");
        assert!(!page.contains("UTC"), "{page}");
    }
    assert!(
        jobs.contains("Asia/Shanghai"),
        "the jobs page names the zone"
    );
    let run = app.get_html(&auditor, "/audit?action=job_run").await;
    let slot_shown = format!("slot={}", shanghai(slot, "%Y-%m-%dT%H:%M:%S"));
    assert!(run.contains(&slot_shown), "{run}");

    let output = app.cli().args(["job", "list"]).output().unwrap();
    let list = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{list}");
    assert!(list.contains(&shanghai(started_at, seconds)), "{list}");
    assert!(!list.contains(&utc(started_at, seconds)), "{list}");
}

#[rstest]
#[tokio::test]
async fn dormancy_reverify_and_the_schedules_take_today_from_the_office_clock(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_at(backend, after_shanghai_midnight()).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let mut codes = Vec::new();
    for (name, phone) in [
        ("周六三", "13800000063"),
        ("周六四", "13800000064"),
        ("吴复核", "13800000104"),
        ("吴复五", "13800000105"),
    ] {
        let fields = with(
            person(name, phone),
            "email",
            &format!("{phone}@example.com"),
        );
        codes.push(create(&app, &clerk, &fields).await);
    }
    // Today is 12-04 in Shanghai: six months back is 06-04, twelve is 2025-12-04. In UTC
    // (12-03) each boundary falls a day earlier and the first and third would stay put.
    for (code, last_interaction, last_verified) in [
        (&codes[0], "2026-06-03", "2026-06-03"),
        (&codes[1], "2026-06-04", "2026-06-04"),
        (&codes[2], "2026-11-01", "2025-12-04"),
        (&codes[3], "2026-11-01", "2025-12-05"),
    ] {
        app.execute_sql(&format!(
            "UPDATE customers SET last_interaction_at = '{last_interaction}', \
             last_verified_at = '{last_verified}' WHERE code = '{code}'"
        ));
    }
    let admin = app.login_as(Role::Admin).await;
    for job in ["dormancy", "reverify"] {
        let response = app
            .post_form(&admin, &format!("/admin/jobs/{job}/run"), &[])
            .await;
        assert_eq!(location(&response), "/admin/jobs");
    }
    let status = |code: &str| {
        customers::table
            .filter(customers::code.eq(code))
            .select(customers::status)
            .first::<String>(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(status(&codes[0]), "pending_activation");
    assert_eq!(status(&codes[1]), "active");
    let mailed = |code: &str| {
        outbox::table
            .filter(outbox::customer_code.eq(code))
            .count()
            .get_result::<i64>(&mut *app.conn())
            .unwrap()
    };
    assert_eq!(mailed(&codes[2]), 1, "verified twelve months ago today");
    assert_eq!(mailed(&codes[3]), 0, "due tomorrow");

    // Cron times are the office's: reverify at 07:00 and dormancy at 01:30 in Shanghai.
    let jobs = app.get_html(&admin, "/admin/jobs").await;
    assert!(jobs.contains("2026-12-04 07:00:00"), "{jobs}");
    assert!(jobs.contains("2026-12-05 01:30:00"), "{jobs}");
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_missed_while_down_is_the_office_time_slot(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // 17:45 UTC: the 01:30 Shanghai slot (17:30 UTC) passed a quarter of an hour ago;
    // read in UTC, the last 01:30 was sixteen hours ago.
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 17, 45, 0).unwrap();
    let Some(app) = spawn_app_with(backend, |s| {
        s.clock_start = Some(at);
        s.scheduler = true;
        s.cron.reverify = "0 0 0 1 1 * 2099".into();
        s.cron.deliver_mail = "0 0 0 1 1 * 2099".into();
        s.cron.backup = "0 0 0 1 1 * 2099".into();
        s.cron.dormancy = "0 30 1 * * *".into();
    })
    .await
    else {
        return;
    };
    let slot = || {
        job_runs::table
            .filter(job_runs::job.eq("dormancy"))
            .select(job_runs::slot)
            .first::<NaiveDateTime>(&mut *app.conn())
            .optional()
            .unwrap()
    };
    let mut caught_up = None;
    for _ in 0..100 {
        caught_up = slot();
        if caught_up.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        caught_up,
        Some(
            Utc.with_ymd_and_hms(2026, 12, 3, 17, 30, 0)
                .unwrap()
                .naive_utc()
        )
    );
}
