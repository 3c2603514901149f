//! The operation log: what lands in it, who may read it, and tamper detection.

use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{assert_redirect_to, spawn_app, Backend, TestApp, PASSWORD};

#[rstest]
#[tokio::test]
async fn an_auditor_reads_sign_ins_failures_lockouts_and_admin_changes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("ma", &[Role::Clerk], None);
    for _ in 0..5 {
        app.login(&app.client, "ma", "wrong-password-1").await;
    }
    let admin = app.login_as(Role::Admin).await;
    app.post_form(
        &admin,
        "/admin/offices",
        &[("name", "南城管理处"), ("communities", "桃园")],
    )
    .await;
    app.post_form(&admin, "/logout", &[]).await;
    let auditor = app.login_as(Role::Auditor).await;

    let log = app.get_html(&auditor, "/audit").await;
    for expected in [
        "登录失败",
        "账号锁定",
        "创建管理处",
        "office:南城管理处",
        "退出登录",
        "user:ma",
        "127.0.0.1",
    ] {
        assert!(log.contains(expected), "the log shows {expected}");
    }
    let failures = app.get_html(&auditor, "/audit?action=sign_in_failed").await;
    assert!(failures.contains("wrong password") && !failures.contains("创建管理处</td>"));
    let by_user = app.get_html(&auditor, "/audit?user=nobody-at-all").await;
    assert!(by_user.contains("没有符合条件的记录"));
    let today = crate::helpers::office_today().to_string();
    let dated = app
        .get_html(&auditor, &format!("/audit?from={today}&to={today}"))
        .await;
    assert!(dated.contains("账号锁定"));
    let bad_date = app.get(&auditor, "/audit?from=yesterday").await;
    assert_eq!(bad_date.status(), StatusCode::OK);
    assert!(bad_date.text().await.unwrap().contains("日期格式应为"));
    // Clerks and admins do not read the log.
    for role in [Role::Clerk, Role::Admin, Role::Manager] {
        let client = app.login_as(role).await;
        assert_eq!(
            app.get(&client, "/audit").await.status(),
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
}

#[rstest]
#[tokio::test]
async fn the_log_is_paginated_newest_first(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app_with_small_pages(backend).await else {
        return;
    };
    for _ in 0..12 {
        app.login(&app.client, "someone", "wrong-password-1").await;
    }
    let auditor = app.login_as(Role::Auditor).await;
    let first = app.get_html(&auditor, "/audit").await;
    assert!(first.contains("rel=\"next\"") && !first.contains("rel=\"prev\""));
    let second = app.get_html(&auditor, "/audit?page=2").await;
    assert!(second.contains("rel=\"prev\"") && second.contains("第 2 页"));
    assert_eq!(
        app.get(&auditor, "/audit?page=abc").await.status(),
        StatusCode::OK
    );
}

async fn spawn_app_with_small_pages(backend: Backend) -> Option<TestApp> {
    crate::helpers::spawn_app_with(backend, |s| s.audit_page_size = 10).await
}

fn verify(app: &TestApp) -> (bool, String) {
    let output = app
        .cli()
        .args(["audit", "verify"])
        .output()
        .expect("run dossier");
    let report = format!(
        "{}{} ({})",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        output.status
    );
    (output.status.success(), report)
}

/// Lifts the append-only triggers, as someone with direct database access could.
fn drop_triggers(app: &TestApp) {
    match app.backend {
        Backend::Sqlite => {
            app.execute_sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        }
        Backend::Postgres => app.execute_sql("DROP TRIGGER audit_log_no_change ON audit_log;"),
    }
}

async fn some_entries(app: &TestApp) {
    app.create_user("lin", &[Role::Clerk], None);
    for password in ["wrong-password-1", PASSWORD] {
        app.login(&app.client, "lin", password).await;
    }
    assert_redirect_to(&app.post_form(&app.client, "/logout", &[]).await, "/login");
}

#[rstest]
#[tokio::test]
async fn audit_verify_detects_an_altered_row(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    some_entries(&app).await;
    let (ok, summary) = verify(&app);
    assert!(ok, "{summary}");
    assert!(summary.contains("intact: 5 entries"), "{summary}");

    // The log refuses edits outright...
    let mut conn = dossier::db::DbConnection::open(&app.db_url).unwrap();
    use diesel::connection::SimpleConnection;
    assert!(conn
        .batch_execute("UPDATE audit_log SET details = 'x' WHERE seq = 3")
        .is_err());
    // ...and an edit made around that is found.
    drop_triggers(&app);
    app.execute_sql("UPDATE audit_log SET address = '10.0.0.9' WHERE seq = 3");
    let (ok, report) = verify(&app);
    assert!(!ok);
    assert!(
        report.contains("#3") && report.contains("altered"),
        "{report}"
    );
}

#[rstest]
#[tokio::test]
async fn audit_verify_detects_a_deleted_row_and_a_cut_off_end(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    some_entries(&app).await;
    drop_triggers(&app);

    app.execute_sql("DELETE FROM audit_log WHERE seq = 5");
    let (ok, report) = verify(&app);
    assert!(
        !ok && report.contains("#5") && report.contains("removed from the end"),
        "{report}"
    );

    app.execute_sql("DELETE FROM audit_log WHERE seq = 2");
    let (ok, report) = verify(&app);
    assert!(
        !ok && report.contains("#2") && report.contains("deleted"),
        "{report}"
    );
}
