//! A reported change (变更登记) that needs no edit is closed with "no change needed" and a
//! reason: it leaves the open queue and its overdue count, and the queue's list of
//! closed reports says why.

use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::customers::{create, log_actions, office_clerk, person, post};
use crate::helpers::{assert_redirect_to, spawn_app, Backend};

/// The first report id the queue offers to close.
fn first_report_id(queue: &str) -> String {
    queue
        .split("/changes/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the queue offers \"no change needed\"")
        .to_string()
}

#[rstest]
#[tokio::test]
async fn a_report_that_needs_no_edit_is_closed_with_a_reason_and_is_no_longer_overdue(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("郑和", "13811112222")).await;
    let three_days_ago = (chrono::Utc::now().date_naive() - chrono::Duration::days(3)).to_string();
    let reported = post(
        &app,
        &clerk,
        &format!("/customers/{code}/changes"),
        &[
            ("reported_on", three_days_ago),
            ("description", "客户反映已搬至 5 栋".into()),
        ],
    )
    .await;
    assert_eq!(reported.status(), StatusCode::SEE_OTHER);
    let queue = app.get_html(&clerk, "/changes").await;
    assert!(queue.contains("已逾期") && queue.contains("无需修改"));
    let id = first_report_id(&queue);
    let path = format!("/changes/{id}/no-change");

    // Without a reason: the queue again, the message by the field, nothing closed.
    let refused = post(&app, &clerk, &path, &[("reason", "   ".into())]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains("请说明为何无需修改") && page.contains("客户反映已搬至 5 栋"));
    let too_long = "核".repeat(201);
    let refused = post(&app, &clerk, &path, &[("reason", too_long.clone())]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("内容过长") && page.contains(&format!("value=\"{too_long}\"")),
        "the reason typed is kept"
    );
    assert!(app
        .get_html(&clerk, "/")
        .await
        .contains("逾期未处理的变更登记：1 条"));

    // Those who may not apply reported changes may not close them either.
    let auditor = app.login_as(Role::Auditor).await;
    let forbidden = post(&app, &auditor, &path, &[("reason", "无".into())]).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let other_office = office_clerk(&app, "北区管理处", "北苑").await;
    let forbidden = post(&app, &other_office, &path, &[("reason", "无".into())]).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);

    let closed = post(
        &app,
        &clerk,
        &path,
        &[("reason", "电话核实：客户仍住 3 栋，登记有误".into())],
    )
    .await;
    assert_redirect_to(&closed, "/changes");
    let queue = app.get_html(&clerk, "/changes").await;
    assert!(
        queue.contains("没有待处理的变更登记") && !queue.contains("已逾期"),
        "the report is no longer open: {queue}"
    );
    assert!(
        queue.contains("客户反映已搬至 5 栋")
            && queue.contains("电话核实：客户仍住 3 栋，登记有误"),
        "the queue's closed list says why"
    );
    assert!(app
        .get_html(&clerk, "/")
        .await
        .contains("逾期未处理的变更登记：0 条"));
    let record = dossier::db::customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(record.version, 1, "the record itself is unchanged");
    assert!(log_actions(&app).iter().any(|(action, target, details)| {
        action == "change_closed_unchanged" && *target == code && details.contains("登记有误")
    }));

    // Sent twice: the second one finds it closed and writes nothing.
    let again = post(&app, &clerk, &path, &[("reason", "重复提交".into())]).await;
    assert_redirect_to(&again, "/changes");
    assert!(!app.get_html(&clerk, "/changes").await.contains("重复提交"));
}
