//! Re-verification: the job's mail with a personal link, the link pages, the call list.

use chrono::{Months, NaiveDate};
use diesel::prelude::*;
use dossier::db::schema::{audit_log, customers, outbox, verify_tokens};
use dossier::domain::personal_link;
use dossier::domain::role::Role;
use reqwest::{Client, StatusCode};
use rstest::rstest;

use crate::helpers::{assert_redirect_to, location, new_client, spawn_app, Backend, TestApp};

const ID_NUMBER: &str = "11010119900307002X";

fn today() -> NaiveDate {
    crate::helpers::office_today()
}

fn months_ago(months: u32) -> NaiveDate {
    today().checked_sub_months(Months::new(months)).unwrap()
}

/// Creates a record through the form and returns its code.
async fn create(
    app: &TestApp,
    client: &Client,
    name: &str,
    phone: &str,
    email: &str,
    kind: &str,
) -> String {
    let fields = [
        ("name", name),
        ("type", kind),
        ("phone", phone),
        ("email", email),
        ("community", "阳光花园"),
        ("building", "3"),
        ("unit", "1202"),
        ("role", "owner"),
        ("id_number", ID_NUMBER),
        ("tags", ""),
        ("source", "walk-in"),
        ("first_contact_at", "2024-03-01"),
        ("last_interaction_at", ""),
        ("last_verified_at", ""),
        ("notes", ""),
        ("reason", "登记"),
        ("confirm_duplicate", "yes"),
    ];
    let response = app.post_form(client, "/customers", &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap_or_default()
    );
    location(&response)
        .trim_start_matches("/customers/")
        .to_string()
}

/// Makes the record last verified on `on`.
fn verified_on(app: &TestApp, code: &str, on: NaiveDate) {
    app.execute_sql(&format!(
        "UPDATE customers SET last_verified_at = '{on}', first_contact_at = '2020-01-01' WHERE code = '{code}'"
    ));
}

fn run_job(app: &TestApp) -> String {
    let output = app.cli().args(["job", "run", "reverify"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// (idempotency key, recipient, body) of every queued mail, the body as it will be sent
/// (the stored one holds a placeholder; the link's token is stored encrypted).
fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    let rows: Vec<(String, String, String, Option<String>)> = outbox::table
        .order(outbox::id)
        .select((
            outbox::idempotency_key,
            outbox::recipient,
            outbox::body,
            outbox::link_token_enc,
        ))
        .load(&mut *app.conn())
        .unwrap();
    rows.into_iter()
        .map(|(key, recipient, body, sealed)| {
            let body = match sealed {
                Some(sealed) => {
                    let token = app.state().keys.cipher().decrypt(&sealed).unwrap();
                    let link = personal_link::verify_link("http://127.0.0.1:8080", &token);
                    personal_link::with_link(&body, &link)
                }
                None => body,
            };
            (key, recipient, body)
        })
        .collect()
}

fn token_in(body: &str) -> String {
    let start = body.find("/verify/").expect("a link") + "/verify/".len();
    body[start..start + 64].to_string()
}

fn last_verified(app: &TestApp, code: &str) -> Option<NaiveDate> {
    customers::table
        .filter(customers::code.eq(code))
        .select(customers::last_verified_at)
        .first(&mut *app.conn())
        .unwrap()
}

fn log_head(app: &TestApp) -> i64 {
    audit_log::table
        .select(diesel::dsl::max(audit_log::seq))
        .first::<Option<i64>>(&mut *app.conn())
        .unwrap()
        .unwrap_or(0)
}

fn log_has(app: &TestApp, action: &str, target: &str) -> bool {
    diesel::select(diesel::dsl::exists(
        audit_log::table
            .filter(audit_log::action.eq(action))
            .filter(audit_log::target.eq(target)),
    ))
    .get_result(&mut *app.conn())
    .unwrap()
}

/// A due record with an email, mailed by the job; returns its code and link token.
async fn mailed_customer(app: &TestApp, clerk: &Client) -> (String, String) {
    let code = create(
        app,
        clerk,
        "王伟",
        "13812345678",
        "wang.wei@example.com",
        "personal",
    )
    .await;
    verified_on(app, &code, months_ago(13));
    run_job(app);
    let (_, _, body) = mails(app).pop().expect("a mail");
    (code, token_in(&body))
}

#[rstest]
#[tokio::test]
async fn a_due_customer_gets_one_mail_per_cycle_with_a_personal_link(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let due = create(
        &app,
        &clerk,
        "王伟",
        "13812345678",
        "wang.wei@example.com",
        "personal",
    )
    .await;
    verified_on(&app, &due, months_ago(13));
    // Seven months: due for a VIP, not for a personal customer.
    let vip = create(
        &app,
        &clerk,
        "李娜",
        "13912345678",
        "li.na@example.com",
        "vip",
    )
    .await;
    verified_on(&app, &vip, months_ago(7));
    let recent = create(
        &app,
        &clerk,
        "张三",
        "13712345678",
        "zhang@example.com",
        "personal",
    )
    .await;
    verified_on(&app, &recent, months_ago(7));
    let archived = create(
        &app,
        &clerk,
        "赵六",
        "13612345678",
        "zhao@example.com",
        "personal",
    )
    .await;
    verified_on(&app, &archived, months_ago(30));
    app.execute_sql(&format!(
        "UPDATE customers SET status = 'archived' WHERE code = '{archived}'"
    ));
    let no_email = create(&app, &clerk, "钱七", "13512345678", "", "personal").await;
    verified_on(&app, &no_email, months_ago(13));

    let printed = run_job(&app);
    assert!(
        printed.contains("queued=2") && printed.contains("no_email=1"),
        "{printed}"
    );
    let queued = mails(&app);
    let keys: Vec<&str> = queued.iter().map(|(k, _, _)| k.as_str()).collect();
    let due_date = months_ago(13).checked_add_months(Months::new(12)).unwrap();
    let vip_due = months_ago(7).checked_add_months(Months::new(6)).unwrap();
    // Due the same day: the VIP first.
    assert_eq!(
        keys,
        [
            format!("reverify:{vip}:{vip_due}"),
            format!("reverify:{due}:{due_date}")
        ]
    );
    let (_, recipient, body) = &queued[1];
    assert_eq!(recipient, "wang.wei@example.com");
    assert!(body.contains("王伟") && body.contains("/verify/"), "{body}");
    assert!(
        !body.contains(ID_NUMBER) && !body.contains("002X"),
        "{body}"
    );
    // Only the token's hash is stored.
    let token = token_in(body);
    let hashes: Vec<String> = verify_tokens::table
        .select(verify_tokens::token_hash)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(hashes.len(), 2);
    assert!(!hashes.contains(&token));

    // Again: nothing new, and no second link.
    let printed = run_job(&app);
    assert!(printed.contains("already_queued=2"), "{printed}");
    assert_eq!(mails(&app).len(), 2);
    let tokens: i64 = verify_tokens::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(tokens, 2);
}

#[rstest]
#[tokio::test]
async fn the_link_shows_the_record_masked_changes_nothing_when_opened_and_confirms_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let (code, token) = mailed_customer(&app, &clerk).await;
    let before = (last_verified(&app, &code), log_head(&app));

    let (customer, _) = new_client();
    let link = format!("/verify/{token}");
    for _ in 0..2 {
        let page = app.get_html(&customer, &link).await;
        assert!(
            page.contains("王伟") && page.contains("138****5678"),
            "{page}"
        );
        assert!(page.contains("w***@example.com") && page.contains("1101**********002X"));
        assert!(!page.contains("13812345678") && !page.contains(ID_NUMBER));
        assert!(page.contains("name=\"csrf_token\""));
    }
    assert_eq!(
        (last_verified(&app, &code), log_head(&app)),
        before,
        "GET writes nothing"
    );
    let used: Option<chrono::NaiveDateTime> = verify_tokens::table
        .select(verify_tokens::used_at)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(used, None);

    let confirmed = app
        .post_form(&customer, &format!("{link}/confirm"), &[])
        .await;
    assert_redirect_to(&confirmed, "/verify-thanks/confirmed");
    assert!(app
        .get_html(&customer, "/verify-thanks/confirmed")
        .await
        .contains("谢谢"));
    assert_eq!(last_verified(&app, &code), Some(today()));
    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    assert!(
        history.contains("客户通过复核链接确认信息无误"),
        "{history}"
    );
    assert!(log_has(&app, "customer_verified", &code));
    let outcome: Option<String> = verify_tokens::table
        .select(verify_tokens::outcome)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(outcome.as_deref(), Some("confirmed"));

    // The same link again: a friendly page without the record, and nothing written.
    let head = log_head(&app);
    let again = app.get(&customer, &link).await;
    assert_eq!(again.status(), StatusCode::GONE);
    let page = again.text().await.unwrap();
    assert!(page.contains("已经使用过") && !page.contains("王伟") && !page.contains("138****"));
    let twice = app
        .post_form(&customer, &format!("{link}/confirm"), &[])
        .await;
    assert_eq!(twice.status(), StatusCode::GONE);
    assert_eq!(log_head(&app), head);
}

#[rstest]
#[tokio::test]
async fn something_changed_goes_to_the_two_day_queue_and_leaves_the_record_as_it_is(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let (code, token) = mailed_customer(&app, &clerk).await;
    let version = |app: &TestApp| -> i32 {
        customers::table
            .filter(customers::code.eq(&code))
            .select(customers::version)
            .first(&mut *app.conn())
            .unwrap()
    };
    let before = version(&app);
    let (customer, _) = new_client();
    let change = format!("/verify/{token}/change");

    let empty = app
        .post_form(&customer, &change, &[("description", "   ")])
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().await.unwrap().contains("此项必填"));
    let long = "长".repeat(1001);
    let refused = app
        .post_form(&customer, &change, &[("description", &long)])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().await.unwrap().contains(&long),
        "what was typed is kept"
    );

    let sent = app
        .post_form(
            &customer,
            &change,
            &[("description", "已搬至 5 栋\n新电话 13900001111")],
        )
        .await;
    assert_redirect_to(&sent, "/verify-thanks/changed");
    let queue = app.get_html(&clerk, "/changes").await;
    assert!(
        queue.contains("已搬至 5 栋") && queue.contains("客户（复核链接）"),
        "{queue}"
    );
    assert_eq!(version(&app), before, "the record itself is not edited");
    assert!(log_has(&app, "change_reported", &code));
    let again = app
        .post_form(&customer, &change, &[("description", "再来一次")])
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
}

#[rstest]
#[tokio::test]
async fn expired_and_unknown_links_show_a_friendly_page(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let (code, token) = mailed_customer(&app, &clerk).await;
    app.execute_sql("UPDATE verify_tokens SET expires_at = '2020-01-01 00:00:00'");
    let (customer, _) = new_client();
    let expired = app.get(&customer, &format!("/verify/{token}")).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    let page = expired.text().await.unwrap();
    assert!(page.contains("已过期") && !page.contains("王伟"), "{page}");
    let confirm = app
        .post_form(&customer, &format!("/verify/{token}/confirm"), &[])
        .await;
    assert_eq!(confirm.status(), StatusCode::GONE);
    assert_eq!(last_verified(&app, &code), Some(months_ago(13)));

    let unknown = app
        .get(&customer, &format!("/verify/{}", "ab".repeat(32)))
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("链接无效"));
    let junk = app.get(&customer, "/verify/nonsense").await;
    assert_eq!(junk.status(), StatusCode::NOT_FOUND);
    let english = customer
        .get(app.url("/verify/nonsense"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert!(english
        .text()
        .await
        .unwrap()
        .contains("This link is not valid"));
}

#[rstest]
#[tokio::test]
async fn the_call_list_shows_who_mail_cannot_reach_until_verified_by_phone_within_the_office(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = crate::customers::office_clerk(&app, "东城管理处", "阳光花园").await;
    let other = crate::customers::office_clerk(&app, "西城管理处", "明月小区").await;
    let no_email = create(&app, &clerk, "钱七", "13512345678", "", "personal").await;
    verified_on(&app, &no_email, months_ago(13));
    let failed = create(
        &app,
        &clerk,
        "孙八",
        "13412345678",
        "sun@example.com",
        "personal",
    )
    .await;
    verified_on(&app, &failed, months_ago(14));
    let fine = create(
        &app,
        &clerk,
        "周九",
        "13312345678",
        "zhou@example.com",
        "personal",
    )
    .await;
    verified_on(&app, &fine, months_ago(13));
    run_job(&app);
    app.execute_sql(&format!(
        "UPDATE outbox SET state = 'failed' WHERE customer_code = '{failed}'"
    ));

    let list = app.get_html(&clerk, "/reviews/call-list").await;
    assert!(
        list.contains(&row(&no_email)) && list.contains("无邮箱"),
        "{list}"
    );
    assert!(
        list.contains(&row(&failed)) && list.contains("邮件发送失败"),
        "{list}"
    );
    assert!(
        !list.contains(&row(&fine)),
        "a mail on its way is not a call"
    );
    assert!(
        list.find(&row(&failed)).unwrap() < list.find(&row(&no_email)).unwrap(),
        "longest overdue first"
    );
    let elsewhere = app.get_html(&other, "/reviews/call-list").await;
    assert!(!elsewhere.contains(&row(&no_email)) && !elsewhere.contains(&row(&failed)));
    let refused = app
        .post_form(
            &other,
            &format!("/reviews/call-list/{no_email}/verified"),
            &[("note", "")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(last_verified(&app, &no_email), Some(months_ago(13)));

    let done = app
        .post_form(
            &clerk,
            &format!("/reviews/call-list/{no_email}/verified"),
            &[("note", "本人接听，信息无误")],
        )
        .await;
    assert_redirect_to(&done, "/reviews/call-list");
    let list = app.get_html(&clerk, "/reviews/call-list").await;
    assert!(list.contains("已记录为电话复核") && !list.contains(&row(&no_email)));
    assert_eq!(last_verified(&app, &no_email), Some(today()));
    let history = app
        .get_html(&clerk, &format!("/customers/{no_email}/history"))
        .await;
    assert!(history.contains("电话复核") && history.contains("本人接听，信息无误"));
    assert!(log_has(&app, "customer_verified", &no_email));

    // Admins never reach customer data.
    let admin = app.login_as(Role::Admin).await;
    assert_eq!(
        app.get(&admin, "/reviews/call-list").await.status(),
        StatusCode::FORBIDDEN
    );
}

/// A record's link in a list page (a flash may name the code too).
fn row(code: &str) -> String {
    format!("href=\"/customers/{code}\"")
}
