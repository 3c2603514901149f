//! Signing in and out, forced password change, lock-out, sessions, CSRF.

use std::time::Duration;

use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{
    assert_redirect_to, new_client, spawn_app, spawn_app_with, Backend, PASSWORD,
};

#[rstest]
#[tokio::test]
async fn the_first_admin_must_change_the_generated_password_before_anything_else(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let client = &app.client;

    let response = app.login(client, "admin", &app.admin_password).await;
    assert_redirect_to(&response, "/account/password");
    // Every other page sends them back to the form.
    assert_redirect_to(&app.get(client, "/").await, "/account/password");
    assert_redirect_to(&app.get(client, "/admin/users").await, "/account/password");
    let form = app.get_html(client, "/account/password").await;
    assert!(form.contains("请先设置你自己的新密码"));

    let weak = app
        .post_form(
            client,
            "/account/password",
            &[
                ("current_password", &app.admin_password),
                ("new_password", "short"),
                ("confirm_password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak
        .text()
        .await
        .unwrap()
        .contains("密码至少需要 10 个字符"));

    let changed = app
        .post_form(
            client,
            "/account/password",
            &[
                ("current_password", &app.admin_password),
                ("new_password", "a-new-admin-password"),
                ("confirm_password", "a-new-admin-password"),
            ],
        )
        .await;
    assert_redirect_to(&changed, "/");
    let home = app.get_html(client, "/").await;
    assert!(home.contains("你好，admin"));
    assert!(home.contains("系统管理员"));

    // The generated password no longer works; the new one does.
    let (other, _) = new_client();
    assert_eq!(
        app.login(&other, "admin", &app.admin_password)
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_redirect_to(
        &app.login(&other, "admin", "a-new-admin-password").await,
        "/",
    );
}

#[rstest]
#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_message(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("wang", &[Role::Clerk], None);

    let wrong = app.login(&app.client, "wang", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong_page = wrong.text().await.unwrap();
    assert!(wrong_page.contains("用户名或密码错误"));
    // What was typed stays in the form.
    assert!(wrong_page.contains("value=\"wang\""));

    let unknown = app.login(&app.client, "nobody", "not-the-password").await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.text().await.unwrap().contains("用户名或密码错误"));
    assert_redirect_to(&app.get(&app.client, "/").await, "/login");
}

#[rstest]
#[tokio::test]
async fn five_failures_lock_the_name_until_the_lock_runs_out(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |s| s.lockout_seconds = 2).await else {
        return;
    };
    app.create_user("li", &[Role::Clerk], None);

    for _ in 0..5 {
        app.login(&app.client, "li", "wrong-password-x").await;
    }
    // Even the right password is refused while locked.
    let locked = app.login(&app.client, "li", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(locked.text().await.unwrap().contains("已暂时锁定"));
    // An unknown name locks the same way, so the lock reveals nothing.
    for _ in 0..5 {
        app.login(&app.client, "ghost", "wrong-password-x").await;
    }
    assert!(app
        .login(&app.client, "ghost", "x")
        .await
        .text()
        .await
        .unwrap()
        .contains("已暂时锁定"));

    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_redirect_to(&app.login(&app.client, "li", PASSWORD).await, "/");
}

#[rstest]
#[tokio::test]
async fn signing_out_makes_a_copied_cookie_useless(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("zhao", &[Role::Clerk], None);
    assert_redirect_to(&app.login(&app.client, "zhao", PASSWORD).await, "/");
    let copied = app.jar_cookie();

    assert_redirect_to(&app.post_form(&app.client, "/logout", &[]).await, "/login");
    assert_redirect_to(&app.get(&app.client, "/").await, "/login");

    let (thief, jar) = new_client();
    jar.add_cookie_str(&copied, &app.address.parse().unwrap());
    assert_redirect_to(&app.get(&thief, "/").await, "/login");
}

#[rstest]
#[tokio::test]
async fn a_session_idle_past_the_timeout_ends(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    // 0.05 minutes = 3 seconds.
    let Some(app) = spawn_app_with(backend, |s| s.session_idle_minutes = 0.05).await else {
        return;
    };
    app.create_user("sun", &[Role::Clerk], None);
    assert_redirect_to(&app.login(&app.client, "sun", PASSWORD).await, "/");
    // Activity keeps it alive...
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(app.get(&app.client, "/").await.status(), StatusCode::OK);
    // ...idleness ends it.
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    assert_redirect_to(&app.get(&app.client, "/").await, "/login");
}

#[rstest]
#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;

    let without = admin
        .post(app.url("/admin/offices"))
        .form(&[("name", "东城管理处"), ("communities", "阳光花园")])
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let page = without.text().await.unwrap();
    assert!(
        page.contains("表单已过期或来源不明"),
        "a 403 page in the layout: {page}"
    );
    assert!(page.contains("href=\"/\""));

    let forged = admin
        .post(app.url("/admin/offices"))
        .form(&[
            ("name", "东城管理处"),
            ("communities", "阳光花园"),
            ("csrf_token", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    // Nothing was stored.
    assert!(!app
        .get_html(&admin, "/admin/offices")
        .await
        .contains("东城管理处"));
    // The sign-out form without a token does not sign out either.
    let logout = admin.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&admin, "/").await.status(), StatusCode::OK);
}

#[rstest]
#[tokio::test]
async fn a_disabled_user_is_signed_out_at_once_and_cannot_sign_in(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.create_user("qian", &[Role::Clerk], None);
    let (clerk, _) = new_client();
    assert_redirect_to(&app.login(&clerk, "qian", PASSWORD).await, "/");

    let admin = app.login_as(Role::Admin).await;
    let disabled = app
        .post_form(&admin, &format!("/admin/users/{id}/disable"), &[])
        .await;
    assert_redirect_to(&disabled, "/admin/users");

    assert_redirect_to(&app.get(&clerk, "/").await, "/login");
    let again = app.login(&clerk, "qian", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.unwrap().contains("用户名或密码错误"));
}

#[rstest]
#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_but_not_this_one(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("zhou", &[Role::Manager], None);
    let (laptop, _) = new_client();
    let (phone, _) = new_client();
    assert_redirect_to(&app.login(&laptop, "zhou", PASSWORD).await, "/");
    assert_redirect_to(&app.login(&phone, "zhou", PASSWORD).await, "/");

    let changed = app
        .post_form(
            &laptop,
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another-long-secret"),
                ("confirm_password", "another-long-secret"),
            ],
        )
        .await;
    assert_redirect_to(&changed, "/");
    assert!(app.get_html(&laptop, "/").await.contains("密码已修改"));
    assert_redirect_to(&app.get(&phone, "/").await, "/login");
}

#[rstest]
#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_the_login_page_and_back_after(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("wu", &[Role::Auditor], None);
    let response = app.get(&app.client, "/audit?action=sign_in").await;
    assert_redirect_to(&response, "/login?next=%2Faudit%3Faction%3Dsign_in");

    let form = app
        .get_html(&app.client, "/login?next=%2Faudit%3Faction%3Dsign_in")
        .await;
    assert!(form.contains("value=\"/audit?action=sign_in\""));
    let token = crate::helpers::csrf_in(&form).unwrap();
    let signed_in = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "wu"),
            ("password", PASSWORD),
            ("next", "/audit?action=sign_in"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_redirect_to(&signed_in, "/audit?action=sign_in");
    // A next that leaves the site is ignored.
    let (other, _) = new_client();
    let token = app.csrf_token(&other).await;
    let offsite = other
        .post(app.url("/login"))
        .form(&[
            ("username", "wu"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_redirect_to(&offsite, "/");
}
