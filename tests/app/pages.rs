//! What every page carries: headers, language, assets, health, error pages.

use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{new_client, pg_base_url, spawn_app, spawn_app_with, Backend};

#[rstest]
#[tokio::test]
async fn pages_are_utf8_html_with_the_security_headers(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for path in ["/login", "/no-such-page"] {
        let response = app.get(&app.client, path).await;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert_eq!(header("content-type"), "text/html; charset=utf-8", "{path}");
        assert!(header("content-security-policy").contains("default-src 'self'"));
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "same-origin");
    }
    let (fresh, _) = new_client();
    let cookie = app
        .get(&fresh, "/login")
        .await
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        cookie.contains("httponly")
            && cookie.contains("samesite=lax")
            && !cookie.contains("secure"),
        "{cookie}"
    );
}

#[rstest]
#[tokio::test]
async fn an_unknown_page_is_a_404_page_in_the_users_language(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get(&app.client, "/no-such-page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("找不到这个页面"));
    let english = app
        .client
        .get(app.url("/no-such-page"))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap();
    assert!(english
        .text()
        .await
        .unwrap()
        .contains("This page does not exist"));
}

#[rstest]
#[tokio::test]
async fn the_language_follows_the_browser_and_the_switch(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (client, _) = new_client();
    let zh = app.get_html(&client, "/login").await;
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains("登录"));
    let en = client
        .get(app.url("/login"))
        .header("accept-language", "en-US")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Sign in"));

    let switched = app
        .post_form(&client, "/lang", &[("lang", "en"), ("next", "/login")])
        .await;
    crate::helpers::assert_redirect_to(&switched, "/login");
    let after = app.get_html(&client, "/login").await;
    assert!(
        after.contains("User name") && after.contains("中文"),
        "the switch offers the way back"
    );
}

#[rstest]
#[tokio::test]
async fn each_role_sees_only_the_navigation_it_may_use(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let cases = [
        (
            Role::Admin,
            vec!["/admin/users", "/admin/offices"],
            vec!["/audit"],
        ),
        (
            Role::Auditor,
            vec!["/audit"],
            vec!["/admin/users", "/admin/offices"],
        ),
        (
            Role::Clerk,
            vec![],
            vec!["/audit", "/admin/users", "/admin/offices"],
        ),
    ];
    for (role, shown, hidden) in cases {
        let client = app.login_as(role).await;
        let home = app.get_html(&client, "/").await;
        for href in shown {
            assert!(
                home.contains(&format!("href=\"{href}\"")),
                "{role} sees {href}"
            );
        }
        for href in hidden {
            assert!(
                !home.contains(&format!("href=\"{href}\"")),
                "{role} does not see {href}"
            );
        }
    }
}

#[rstest]
#[tokio::test]
async fn the_stylesheet_is_versioned_and_cached_long(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let page = app.get_html(&app.client, "/login").await;
    let start = page.find("/static/app.css?v=").unwrap();
    let url = &page[start..start + page[start..].find('"').unwrap()];
    let css = app.get(&app.client, url).await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(css.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
    assert!(css.text().await.unwrap().contains("--accent"));
    assert_eq!(
        app.get(&app.client, "/static/secret.key").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[rstest]
#[tokio::test]
async fn healthz_answers_ok_with_the_database_reachable(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get(&app.client, "/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn healthz_answers_503_quickly_when_postgresql_goes_away() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    // A database of its own, so that it can be dropped under the running app.
    let Ok(mut admin) = diesel::PgConnection::establish(&pg_base_url()) else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "PostgreSQL is required in CI"
        );
        eprintln!("!!! SKIPPING a PostgreSQL test: PostgreSQL unreachable");
        return;
    };
    let name = format!("dossier_health_{}", std::process::id());
    // One statement per call: PostgreSQL runs a multi-statement string as one transaction.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let base = pg_base_url();
    let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
    let Some(app) = spawn_app_with(Backend::Postgres, |s| s.database_url = Some(url)).await else {
        return;
    };
    assert_eq!(
        app.get(&app.client, "/healthz").await.status(),
        StatusCode::OK
    );

    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
    // A new client: the first one's idle connection may have reached the server's
    // keep-alive limit while a loaded machine dropped the database, and a request sent
    // on it as the server closes it fails before it is answered.
    let (client, _) = new_client();
    let started = std::time::Instant::now();
    let response = app.get(&client, "/healthz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.text().await.unwrap(), "database unreachable");
}

#[rstest]
#[tokio::test]
async fn sign_in_attempts_from_one_address_are_rate_limited(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |s| s.login_rate_per_minute = 3).await else {
        return;
    };
    for attempt in 1..=3 {
        let response = app
            .login(&app.client, &format!("user{attempt}"), "wrong-password-1")
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}"
        );
    }
    let limited = app.login(&app.client, "admin", &app.admin_password).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text().await.unwrap().contains("请求过于频繁"));
}

/// PostgreSQL restarting (here: ending the app's connections) costs at most the second a
/// pooled connection is trusted; after that every page works again without a restart of
/// the app.
#[tokio::test]
async fn pages_work_again_after_postgresql_drops_the_connections() {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("dossier_drop_{}", std::process::id());
    let tagged = name.clone();
    let Some(app) = spawn_app_with(Backend::Postgres, move |s| {
        let url = s.database_url.take().expect("a PostgreSQL URL");
        s.database_url = Some(format!("{url}&application_name={tagged}"));
    })
    .await
    else {
        return;
    };
    let client = app.login_as(Role::Clerk).await;
    assert_eq!(
        app.get(&client, "/customers").await.status(),
        StatusCode::OK
    );

    let mut admin = diesel::PgConnection::establish(&pg_base_url()).expect("connect");
    let ended = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '{name}'"
    ))
    .execute(&mut admin)
    .expect("terminate");
    assert!(ended > 0, "the app's connections are found by name");

    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    // More requests than the pool has connections: each stale one is found and replaced.
    for _ in 0..8 {
        assert_eq!(
            app.get(&client, "/customers").await.status(),
            StatusCode::OK
        );
    }
}
