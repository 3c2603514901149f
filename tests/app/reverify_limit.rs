//! The re-verification backlog: a daily limit on the mails one run queues, longest overdue
//! first, and the backlog with the day it clears on the jobs page and in `job list`.

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use dossier::db::schema::{outbox, verify_tokens};
use dossier::domain::role::Role;
use reqwest::Client;
use rstest::rstest;

use crate::customers::{create, person, with};
use crate::helpers::{office_today, spawn_app, spawn_app_with, Backend, TestApp};

/// The first day of the month `months` before this one (the first: no month-end
/// rounding in the due dates).
fn first_of_month_before(months: u32) -> NaiveDate {
    let today = office_today();
    NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .unwrap()
        .checked_sub_months(Months::new(months))
        .unwrap()
}

/// A record of `kind` with an email, last verified on `verified`; returns its code.
async fn due_record(
    app: &TestApp,
    clerk: &Client,
    name: &str,
    phone: &str,
    kind: &str,
    verified: NaiveDate,
) -> String {
    let fields = with(
        with(
            person(name, phone),
            "email",
            &format!("c{phone}@example.com"),
        ),
        "type",
        kind,
    );
    let code = create(app, clerk, &fields).await;
    app.execute_sql(&format!(
        "UPDATE customers SET last_verified_at = '{verified}', first_contact_at = '2018-01-01' \
         WHERE code = '{code}'"
    ));
    code
}

/// Five due records; returns their codes in the order they must be mailed.
async fn five_due(app: &TestApp) -> Vec<String> {
    let clerk = app.login_as(Role::Clerk).await;
    // Created in another order than the one expected, so that ids do not decide it.
    let d = due_record(
        app,
        &clerk,
        "周丁",
        "13800000004",
        "personal",
        first_of_month_before(14),
    )
    .await;
    let e = due_record(
        app,
        &clerk,
        "吴戊",
        "13800000005",
        "vip",
        first_of_month_before(7),
    )
    .await;
    let c = due_record(
        app,
        &clerk,
        "张丙",
        "13800000003",
        "personal",
        first_of_month_before(16),
    )
    .await;
    let b = due_record(
        app,
        &clerk,
        "李乙",
        "13800000002",
        "vip",
        first_of_month_before(10),
    )
    .await;
    let a = due_record(
        app,
        &clerk,
        "王甲",
        "13800000001",
        "personal",
        first_of_month_before(20),
    )
    .await;
    // Due: a 8 months ago; b (VIP, 6-month cycle) and c 4 months ago; d 2; e 1.
    vec![a, b, c, d, e]
}

fn run_reverify(app: &TestApp, limit: &str) -> String {
    let output = app
        .cli()
        .env("DOSSIER_REVERIFY_DAILY_LIMIT", limit)
        .args(["job", "run", "reverify"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// The customer codes of the queued mails, in the order they were queued.
fn queued_codes(app: &TestApp) -> Vec<String> {
    outbox::table
        .order(outbox::id)
        .select(outbox::customer_code)
        .load(&mut *app.conn())
        .unwrap()
}

#[rstest]
#[tokio::test]
async fn a_run_queues_at_most_the_daily_limit_longest_overdue_first_and_vips_first_at_equal_age(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let order = five_due(&app).await;

    let printed = run_reverify(&app, "2");
    assert!(
        printed.contains(" queued=2") && printed.contains("backlog=3"),
        "{printed}"
    );
    assert_eq!(queued_codes(&app), order[..2]);

    let printed = run_reverify(&app, "2");
    assert!(
        printed.contains(" queued=2") && printed.contains("already_queued=2"),
        "{printed}"
    );
    assert_eq!(queued_codes(&app), order[..4]);

    run_reverify(&app, "2");
    assert_eq!(queued_codes(&app), order);
    let printed = run_reverify(&app, "2");
    assert!(
        printed.contains(" queued=0") && printed.contains("backlog=0"),
        "{printed}"
    );
    // One link per mail, none for the runs that had nothing left to queue.
    let links: i64 = verify_tokens::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(links, 5);
}

/// The day the run that queues the last of `waiting` mails happens, `per_day` a run.
fn clear_day(waiting: i64, per_day: i64) -> String {
    let settings = dossier::settings::Settings::default();
    let clock = dossier::clock::Clock::default();
    let schedule = dossier::jobs::JobName::Reverify.schedule(&settings);
    let next = dossier::jobs::next_after(&schedule, clock.now(), clock.zone()).unwrap();
    let first = clock.local(next).date_naive();
    let runs = (waiting + per_day - 1) / per_day;
    (first + chrono::Duration::days(runs - 1)).to_string()
}

#[rstest]
#[tokio::test]
async fn the_jobs_page_and_job_list_show_the_backlog_and_the_day_it_clears(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |s| s.reverify_daily_limit = 2).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    let none = app.get_html(&admin, "/admin/jobs").await;
    assert!(none.contains("待发积压：无"), "{none}");

    five_due(&app).await;
    // Five waiting at two a day: three runs.
    let day = clear_day(5, 2);
    let page = app.get_html(&admin, "/admin/jobs").await;
    assert!(
        page.contains("待发积压：5 位客户已到期、尚未排队（每天最多 2 封），预计")
            && page.contains(&format!("{day} 发完")),
        "{page}"
    );
    let english = admin
        .get(app.url("/admin/jobs"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        english.contains(&format!(
            "Backlog: 5 due, not yet queued (at most 2 a day); it clears on {day}."
        )),
        "{english}"
    );

    let output = app
        .cli()
        .env("DOSSIER_REVERIFY_DAILY_LIMIT", "2")
        .args(["job", "list"])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{listed}");
    assert!(
        listed.contains(&format!(
            "reverify backlog: 5 due, not yet queued (at most 2 a day); clears on {day}"
        )) && listed.contains("复核待发积压：5 位客户"),
        "{listed}"
    );

    // After one run: three left, two runs.
    run_reverify(&app, "2");
    let day = clear_day(3, 2);
    let page = app.get_html(&admin, "/admin/jobs").await;
    assert!(
        page.contains("待发积压：3 位客户") && page.contains(&format!("{day} 发完")),
        "{page}"
    );
}
