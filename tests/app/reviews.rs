//! Dormancy: the sweep, the pending-activation and cleanup lists, keep / archive with a
//! legal review, and archived records being read-only.

use chrono::Months;
use dossier::db::customers;
use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::customers::{create, log_actions, office_clerk, person, post, with};
use crate::helpers::{location, spawn_app, Backend, TestApp};

fn months_ago(months: u32) -> String {
    crate::helpers::office_today()
        .checked_sub_months(Months::new(months))
        .unwrap()
        .to_string()
}

fn status_of(app: &TestApp, code: &str) -> String {
    customers::find_by_code(&mut app.conn(), code)
        .unwrap()
        .unwrap()
        .status
}

/// Sets when the customer was last talked to (and first contacted, 3 years ago).
fn silent_since(app: &TestApp, code: &str, last_interaction: Option<&str>) {
    let last = last_interaction.map_or("NULL".to_string(), |d| format!("'{d}'"));
    app.execute_sql(&format!(
        "UPDATE customers SET first_contact_at = '{}', last_interaction_at = {last} \
         WHERE code = '{code}'",
        months_ago(37)
    ));
}

fn run_dormancy(app: &TestApp) -> String {
    let output = app.cli().args(["job", "run", "dormancy"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

#[rstest]
#[tokio::test]
async fn silent_customers_move_to_the_review_lists_and_an_interaction_brings_them_back(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let seven = create(&app, &clerk, &person("周七月", "13800000001")).await;
    let thirty = create(&app, &clerk, &person("吴三十", "13800000002")).await;
    let recent = create(&app, &clerk, &person("郑近期", "13800000003")).await;
    silent_since(&app, &seven, Some(&months_ago(7)));
    silent_since(&app, &thirty, None);
    silent_since(&app, &recent, Some(&months_ago(1)));

    let report = run_dormancy(&app);
    assert!(report.contains("to_pending_activation=1"), "{report}");
    assert!(report.contains("to_cleanup=1"), "{report}");
    assert_eq!(status_of(&app, &seven), "pending_activation");
    assert_eq!(status_of(&app, &thirty), "cleanup");
    assert_eq!(status_of(&app, &recent), "active");

    // The move is a version of the record, with its reason.
    let history = app
        .get_html(&clerk, &format!("/customers/{seven}/history"))
        .await;
    assert!(history.contains("no interaction for 6 months"), "{history}");

    let pending = app.get_html(&clerk, "/reviews/pending-activation").await;
    assert!(
        pending.contains(&seven) && !pending.contains(&thirty),
        "{pending}"
    );
    let cleanup = app.get_html(&clerk, "/reviews/cleanup").await;
    assert!(cleanup.contains(&thirty) && !cleanup.contains(&seven));

    // No answer: noted, still pending. Reached: an interaction, active again.
    let path = format!("/reviews/pending-activation/{seven}/callback");
    let response = post(
        &app,
        &clerk,
        &path,
        &[("outcome", "no_answer".into()), ("note", "无人接听".into())],
    )
    .await;
    assert_eq!(location(&response), "/reviews/pending-activation");
    assert_eq!(status_of(&app, &seven), "pending_activation");
    assert!(log_actions(&app)
        .iter()
        .any(|(a, t, d)| a == "callback_logged" && t == &seven && d == "无人接听"));
    let response = post(
        &app,
        &clerk,
        &path,
        &[("outcome", "reached".into()), ("note", "客户仍在住".into())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &seven), "active");

    // A second sweep leaves them where they are.
    let report = run_dormancy(&app);
    assert!(report.contains("to_pending_activation=0"), "{report}");
    assert_eq!(status_of(&app, &seven), "active");
    assert_eq!(status_of(&app, &thirty), "cleanup");
}

#[rstest]
#[tokio::test]
async fn a_manager_keeps_or_archives_after_a_legal_review_and_archived_records_are_read_only(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let manager = app.login_as(Role::Manager).await;
    let clerk = app.login_as(Role::Clerk).await;
    let admin = app.login_as(Role::Admin).await;
    let keep = create(&app, &manager, &person("冯保留", "13800000011")).await;
    let gone = create(&app, &manager, &person("陈归档", "13800000012")).await;
    for code in [&keep, &gone] {
        silent_since(&app, code, None);
    }
    run_dormancy(&app);
    assert_eq!(status_of(&app, &gone), "cleanup");

    // Only managers decide; admins do not even see the list.
    let decide = |code: &str| format!("/reviews/cleanup/{code}/decide");
    let refused = post(
        &app,
        &clerk,
        &decide(&gone),
        &[("decision", "archive".into()), ("reason", "x".into())],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&admin, "/reviews/cleanup").await.status(),
        StatusCode::FORBIDDEN
    );

    // Keep: active again at once, and the next sweep does not move them back.
    let response = post(
        &app,
        &manager,
        &decide(&keep),
        &[
            ("decision", "keep".into()),
            ("reason", "仍是业主，电话已核实".into()),
        ],
    )
    .await;
    assert_eq!(location(&response), "/reviews/cleanup");
    assert_eq!(status_of(&app, &keep), "active");
    run_dormancy(&app);
    assert_eq!(status_of(&app, &keep), "active");

    // Archive needs a reason, then a legal review, then the bulk archive.
    let response = post(
        &app,
        &manager,
        &decide(&gone),
        &[("decision", "archive".into()), ("reason", "".into())],
    )
    .await;
    assert_eq!(location(&response), "/reviews/cleanup");
    let page = app.get_html(&manager, "/reviews/cleanup").await;
    assert!(
        !page.contains("提议归档，待法务审核"),
        "nothing proposed without a reason"
    );
    post(
        &app,
        &manager,
        &decide(&gone),
        &[
            ("decision", "archive".into()),
            ("reason", "已搬离三年".into()),
        ],
    )
    .await;
    let page = app.get_html(&manager, "/reviews/cleanup").await;
    assert!(page.contains("提议归档，待法务审核"), "{page}");

    let review = [
        ("reviewer", "法务部 王律师".to_string()),
        ("reviewed_on", "".to_string()),
        ("note", "符合保存期限规定".to_string()),
    ];
    let response = post(&app, &manager, "/reviews/cleanup/legal-review", &review).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("法务部 王律师") && page.contains("符合保存期限规定"),
        "keeps what was typed"
    );
    let review = with(
        review.to_vec(),
        "reviewed_on",
        &crate::helpers::office_today().to_string(),
    );
    let response = post(&app, &manager, "/reviews/cleanup/legal-review", &review).await;
    assert_eq!(location(&response), "/reviews/cleanup");
    assert_eq!(
        status_of(&app, &gone),
        "cleanup",
        "the review alone archives nothing"
    );

    let response = post(&app, &manager, "/reviews/cleanup/archive", &[]).await;
    assert_eq!(location(&response), "/reviews/cleanup");
    assert_eq!(status_of(&app, &gone), "archived");
    let actions = log_actions(&app);
    for action in [
        "cleanup_decided",
        "legal_review_recorded",
        "customers_archived",
    ] {
        assert!(
            actions.iter().any(|(a, _, _)| a == action),
            "{action} logged"
        );
    }

    // Archived: read-only, and out of the default search.
    assert_eq!(
        app.get(&manager, &format!("/customers/{gone}/edit"))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    let edit = post(
        &app,
        &manager,
        &format!("/customers/{gone}/update"),
        &[
            ("version", "3".into()),
            ("notes", "x".into()),
            ("reason", "x".into()),
        ],
    )
    .await;
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    let interaction = post(
        &app,
        &manager,
        &format!("/customers/{gone}/interactions"),
        &[
            ("occurred_on", crate::helpers::office_today().to_string()),
            ("channel", "call".into()),
            ("summary", "x".into()),
        ],
    )
    .await;
    assert_eq!(interaction.status(), StatusCode::CONFLICT);
    let list = app.get_html(&manager, "/customers?q=陈归档").await;
    assert!(
        !list.contains(&gone),
        "archived records are left out by default"
    );
    let list = app
        .get_html(&manager, "/customers?q=陈归档&status=archived")
        .await;
    assert!(list.contains(&gone), "the status filter shows them");
}

#[rstest]
#[tokio::test]
async fn a_clerk_sees_only_their_office_on_the_review_lists(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let manager = app.login_as(Role::Manager).await;
    let code = create(&app, &manager, &person("孙他处", "13800000021")).await;
    silent_since(&app, &code, Some(&months_ago(8)));
    run_dormancy(&app);
    let other = office_clerk(&app, "北城管理处", "北城花园").await;
    let page = app.get_html(&other, "/reviews/pending-activation").await;
    assert!(!page.contains(&code));
    let response = post(
        &app,
        &other,
        &format!("/reviews/pending-activation/{code}/callback"),
        &[("outcome", "no_answer".into())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(app
        .get_html(&manager, "/reviews/pending-activation")
        .await
        .contains(&code));
}
