//! A short search (a surname, phone digits) narrowed by type, status, community or tag.
//! SQLite answers it from its token index, which holds the filtered values too; these
//! tests hold it to the records as stored after every kind of write that changes them,
//! and to PostgreSQL's answers, which come from the records themselves.

use rstest::rstest;

use crate::customers::{codes_on, create, import_generated, person, post, tag_id, urlencode, with};
use crate::helpers::{assert_redirect_to, spawn_app, Backend, TestApp};
use dossier::domain::role::Role;
use reqwest::Client;

/// The record codes a list page shows for `q` and the extra filters.
async fn found(app: &TestApp, client: &Client, q: &str, extra: &str) -> Vec<String> {
    let path = format!("/customers?q={}{extra}", urlencode(q));
    codes_on(&app.get_html(client, &path).await).0
}

#[tokio::test]
async fn sqlite_and_postgresql_agree_on_every_filter_after_an_import_and_a_sweep() {
    let Some(pg) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let sqlite = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let mut clients = Vec::new();
    for app in [&sqlite, &pg] {
        import_generated(app, &["--count", "2000", "--seed", "13"]);
        let output = app.cli().args(["job", "run", "dormancy"]).output().unwrap();
        assert!(output.status.success());
        clients.push(app.login_as(Role::Manager).await);
    }
    let extras = [
        "&type=vip",
        "&type=enterprise",
        "&status=active",
        "&status=pending_activation",
        "&status=cleanup",
        "&community=翠湖花园",
        "&community=Maple%20Court",
        "&tag=VIP",
        "&tag=频繁投诉",
        "&tag=no-such-tag",
        "&type=vip&tag=高净值&status=active",
    ];
    let mut non_empty = 0;
    for q in ["王", "李", "张", "陈", "欧阳", "1313", "5678"] {
        for extra in extras {
            let a = found(&sqlite, &clients[0], q, extra).await;
            let b = found(&pg, &clients[1], q, extra).await;
            assert_eq!(a, b, "q={q}{extra}");
            non_empty += usize::from(!a.is_empty());
        }
    }
    assert!(non_empty > 40, "the filters find records: {non_empty}");
}

#[rstest]
#[tokio::test]
async fn a_short_search_with_a_filter_follows_edits_tags_and_merges(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let manager = app.login_as(Role::Manager).await;
    let code = create(
        &app,
        &manager,
        &with(person("禤一鸣", "13900000071"), "tags", "测试/甲"),
    )
    .await;
    let q = "禤";
    assert_eq!(
        found(&app, &manager, q, "&type=personal").await,
        [code.as_str()]
    );
    assert!(found(&app, &manager, q, "&type=vip").await.is_empty());
    assert_eq!(found(&app, &manager, q, "&tag=测试").await, [code.as_str()]);

    // An edit of the type and the tags.
    let fields = vec![
        ("type", "vip".to_string()),
        ("tags", "测试/乙".to_string()),
        ("version", "1".to_string()),
        ("reason", "升级为VIP".to_string()),
    ];
    assert_redirect_to(
        &post(
            &app,
            &manager,
            &format!("/customers/{code}/update"),
            &fields,
        )
        .await,
        &format!("/customers/{code}"),
    );
    assert_eq!(found(&app, &manager, q, "&type=vip").await, [code.as_str()]);
    assert!(found(&app, &manager, q, "&type=personal").await.is_empty());
    assert_eq!(
        found(&app, &manager, q, "&tag=测试/乙").await,
        [code.as_str()]
    );
    assert!(found(&app, &manager, q, "&tag=测试/甲").await.is_empty());
    assert_eq!(found(&app, &manager, q, "&tag=测试").await, [code.as_str()]);

    // A tag merged into another.
    let id = tag_id(&app, &manager, "测试/乙").await;
    let other = create(
        &app,
        &manager,
        &with(person("禤二", "13900000072"), "tags", "测试/丙"),
    )
    .await;
    assert_redirect_to(
        &post(
            &app,
            &manager,
            &format!("/tags/{id}/move"),
            &[("path", "测试/丙".into())],
        )
        .await,
        "/tags",
    );
    assert_eq!(
        found(&app, &manager, q, "&tag=测试/丙").await,
        [other.as_str(), code.as_str()]
    );
    assert_eq!(
        found(&app, &manager, q, "&tag=测试/丙&type=vip").await,
        [code.as_str()]
    );
    assert_eq!(
        found(&app, &manager, q, "&community=阳光花园&status=active").await,
        [other.as_str(), code.as_str()]
    );
}

#[tokio::test]
async fn an_index_left_without_filters_is_rebuilt_at_the_next_start() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite");
    import_generated(&app, &["--count", "400", "--seed", "3"]);
    let manager = app.login_as(Role::Manager).await;
    let extras = [
        "&status=active",
        "&type=vip",
        "&community=翠湖花园",
        "&tag=VIP",
    ];
    let mut before = Vec::new();
    for extra in extras {
        before.push(found(&app, &manager, "王", extra).await);
    }
    assert!(!before[0].is_empty());
    // What migration 000801 leaves behind in a database from before it.
    app.execute_sql(
        "DELETE FROM customer_search_grams; \
         UPDATE app_flags SET value = 'true' WHERE name = 'rebuild_search_grams';",
    );
    assert!(found(&app, &manager, "王", "&status=active")
        .await
        .is_empty());
    let output = app.cli().args(["job", "list"]).output().unwrap();
    assert!(output.status.success());
    for (extra, before) in extras.iter().zip(&before) {
        assert_eq!(&found(&app, &manager, "王", extra).await, before, "{extra}");
    }
}
