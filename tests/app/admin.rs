//! Users and offices, and who may touch them.

use dossier::db::{offices, users};
use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{assert_redirect_to, new_client, spawn_app, Backend, TestApp, PASSWORD};

const ADMIN_PAGES: [&str; 5] = [
    "/admin/users",
    "/admin/users/new",
    "/admin/users/1/edit",
    "/admin/offices",
    "/admin/offices/new",
];
const ADMIN_POSTS: [&str; 7] = [
    "/admin/users",
    "/admin/users/1/update",
    "/admin/users/1/password",
    "/admin/users/1/disable",
    "/admin/users/1/enable",
    "/admin/offices",
    "/admin/offices/1/update",
];

#[rstest]
#[tokio::test]
async fn every_admin_route_refuses_the_other_roles_and_the_signed_out(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for role in [Role::Clerk, Role::Manager, Role::Auditor] {
        let client = app.login_as(role).await;
        for path in ADMIN_PAGES {
            let response = app.get(&client, path).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{role} GET {path}"
            );
            let page = response.text().await.unwrap();
            assert!(
                page.contains("你没有权限访问这个页面") && page.contains("返回首页"),
                "{role} GET {path}"
            );
        }
        for path in ADMIN_POSTS {
            let response = app
                .post_form(
                    &client,
                    path,
                    &[("name", "x"), ("password", "x-long-password")],
                )
                .await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{role} POST {path}"
            );
        }
    }
    let (anonymous, _) = new_client();
    for path in ADMIN_PAGES {
        let response = app.get(&anonymous, path).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "signed out GET {path}"
        );
        assert!(crate::helpers::location(&response).starts_with("/login?next=%2Fadmin%2F"));
    }
    for path in ADMIN_POSTS {
        let response = app.post_form(&anonymous, path, &[]).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "signed out POST {path}"
        );
    }
    // Nothing was changed by any of it (the sample office comes with the clerk's sign-in).
    assert!(offices::list(&mut app.conn())
        .unwrap()
        .iter()
        .all(|o| o.name == crate::helpers::SAMPLE_OFFICE));
    assert!(!users::find(&mut app.conn(), 1).unwrap().unwrap().disabled);
}

async fn create_office(
    app: &TestApp,
    admin: &reqwest::Client,
    name: &str,
    communities: &str,
) -> i32 {
    let response = app
        .post_form(
            admin,
            "/admin/offices",
            &[("name", name), ("communities", communities)],
        )
        .await;
    assert_redirect_to(&response, "/admin/offices");
    offices::find_by_name(&mut app.conn(), name)
        .unwrap()
        .expect("office stored")
        .id
}

#[rstest]
#[tokio::test]
async fn an_admin_sets_up_an_office_and_a_clerk_who_then_signs_in(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    let office = create_office(&app, &admin, "东城管理处", "阳光花园\n翠湖苑").await;
    let list = app.get_html(&admin, "/admin/offices").await;
    assert!(list.contains("已保存管理处 东城管理处"));
    assert!(list.contains("阳光花园") && list.contains("翠湖苑"));

    let office_id = office.to_string();
    let created = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("username", "Chen.Jing"),
                ("display_name", "陈静"),
                ("roles", "clerk"),
                ("roles", "auditor"),
                ("office_id", &office_id),
                ("password", "initial-password-1"),
            ],
        )
        .await;
    assert_redirect_to(&created, "/admin/users");
    let users_page = app.get_html(&admin, "/admin/users").await;
    assert!(
        users_page.contains("chen.jing")
            && users_page.contains("陈静")
            && users_page.contains("东城管理处")
    );
    assert!(users_page.contains("资料管理专员") && users_page.contains("合规专员"));

    // The new clerk must choose their own password first, then sees their office.
    let (clerk, _) = new_client();
    assert_redirect_to(
        &app.login(&clerk, "chen.jing", "initial-password-1").await,
        "/account/password",
    );
    let changed = app
        .post_form(
            &clerk,
            "/account/password",
            &[
                ("current_password", "initial-password-1"),
                ("new_password", "chen-own-password"),
                ("confirm_password", "chen-own-password"),
            ],
        )
        .await;
    assert_redirect_to(&changed, "/");
    let home = app.get_html(&clerk, "/").await;
    assert!(home.contains("你好，陈静") && home.contains("东城管理处"));
    // The auditor role shows its page in the navigation; admin pages are not offered.
    assert!(home.contains("href=\"/audit\"") && !home.contains("href=\"/admin/users\""));
}

#[rstest]
#[tokio::test]
async fn a_bad_user_form_comes_back_with_messages_and_what_was_typed(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    app.create_user("taken", &[Role::Clerk], None);
    let before = users::count(&mut app.conn()).unwrap();
    let long_name = "名".repeat(65);

    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("username", "taken"),
                ("display_name", "保留的名字"),
                ("roles", "clerk"),
                ("password", "initial-password-1"),
            ],
            "该用户名已被使用",
        ),
        (
            &[
                ("username", "newbie"),
                ("display_name", "保留的名字"),
                ("roles", "superuser"),
                ("password", "initial-password-1"),
            ],
            "未知的角色",
        ),
        (
            &[
                ("username", "newbie"),
                ("display_name", "保留的名字"),
                ("roles", "clerk"),
                ("office_id", "99999"),
                ("password", "initial-password-1"),
            ],
            "该管理处不存在",
        ),
        (
            &[
                ("username", "newbie"),
                ("display_name", &long_name),
                ("roles", "clerk"),
                ("password", "initial-password-1"),
            ],
            "内容过长",
        ),
        (
            &[
                ("username", "newbie"),
                ("display_name", "保留的名字"),
                ("password", "initial-password-1"),
            ],
            "请至少选择一个角色",
        ),
    ];
    for (fields, message) in cases {
        let response = app.post_form(&admin, "/admin/users", fields).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "expected {message}");
        let typed = fields.iter().find(|(k, _)| *k == "display_name").unwrap().1;
        assert!(
            page.contains(&format!("value=\"{typed}\"")),
            "the form keeps what was typed"
        );
    }
    let weak = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("username", "newbie"),
                ("roles", "clerk"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().await.unwrap().contains("这个密码太常见"));
    assert_eq!(
        users::count(&mut app.conn()).unwrap(),
        before,
        "nothing half-written"
    );
}

#[rstest]
#[tokio::test]
async fn an_office_name_or_community_cannot_be_used_twice(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    let east = create_office(&app, &admin, "东城管理处", "阳光花园").await;

    let same_name = app
        .post_form(
            &admin,
            "/admin/offices",
            &[("name", "东城管理处"), ("communities", "")],
        )
        .await;
    assert_eq!(same_name.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same_name.text().await.unwrap().contains("已有同名的管理处"));

    let stolen = app
        .post_form(
            &admin,
            "/admin/offices",
            &[("name", "西城管理处"), ("communities", "新城\n阳光花园")],
        )
        .await;
    assert_eq!(stolen.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = stolen.text().await.unwrap();
    assert!(page.contains("其中有小区已属于其他管理处") && page.contains("新城\n阳光花园"));
    assert!(offices::find_by_name(&mut app.conn(), "西城管理处")
        .unwrap()
        .is_none());

    // Renaming and changing its own communities works.
    let updated = app
        .post_form(
            &admin,
            &format!("/admin/offices/{east}/update"),
            &[("name", "东城一处"), ("communities", "阳光花园\n翠湖苑")],
        )
        .await;
    assert_redirect_to(&updated, "/admin/offices");
    let edit = app
        .get_html(&admin, &format!("/admin/offices/{east}/edit"))
        .await;
    assert!(edit.contains("value=\"东城一处\"") && edit.contains("翠湖苑"));
    assert_eq!(
        app.get(&admin, "/admin/offices/9999/edit").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[rstest]
#[tokio::test]
async fn a_password_reset_ends_the_users_sessions_and_forces_a_new_password(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.create_user("he", &[Role::Clerk], None);
    let (clerk, _) = new_client();
    assert_redirect_to(&app.login(&clerk, "he", PASSWORD).await, "/");
    let admin = app.login_as(Role::Admin).await;

    let short = app
        .post_form(
            &admin,
            &format!("/admin/users/{id}/password"),
            &[("password", "short")],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get(&clerk, "/").await.status(),
        StatusCode::OK,
        "a refused reset changes nothing"
    );

    let reset = app
        .post_form(
            &admin,
            &format!("/admin/users/{id}/password"),
            &[("password", "temporary-pass-9")],
        )
        .await;
    assert_redirect_to(&reset, "/admin/users");
    assert_redirect_to(&app.get(&clerk, "/").await, "/login");
    assert_redirect_to(
        &app.login(&clerk, "he", "temporary-pass-9").await,
        "/account/password",
    );
}

#[rstest]
#[tokio::test]
async fn an_admin_cannot_disable_themselves_or_drop_their_own_admin_role(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = app.create_user("boss", &[Role::Admin], None);
    let (admin, _) = new_client();
    assert_redirect_to(&app.login(&admin, "boss", PASSWORD).await, "/");

    let disable = app
        .post_form(&admin, &format!("/admin/users/{id}/disable"), &[])
        .await;
    assert_redirect_to(&disable, &format!("/admin/users/{id}/edit"));
    assert!(app
        .get_html(&admin, &format!("/admin/users/{id}/edit"))
        .await
        .contains("不能停用你自己的账号"));

    let demote = app
        .post_form(
            &admin,
            &format!("/admin/users/{id}/update"),
            &[("display_name", "Boss"), ("roles", "clerk")],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(demote
        .text()
        .await
        .unwrap()
        .contains("不能去掉你自己的系统管理员角色"));
    assert_eq!(
        users::roles_of(&mut app.conn(), id).unwrap(),
        vec![Role::Admin]
    );
}
