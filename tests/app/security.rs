//! Nothing sensitive readable where it should not be: ID numbers typed in the search box,
//! control characters in any input, the headers of answers made outside the handlers.

use diesel::prelude::*;
use dossier::db::DbConnection;
use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::customers::{create, log_actions, person, post, with};
use crate::helpers::{spawn_app, Backend, TestApp};

/// A valid resident ID (checksum, birth date), its masked form, and its 15-digit
/// predecessor (the same person before 1999: no century, no check character).
const ID_NUMBER: &str = "44030119900307399X";
const ID_MASKED: &str = "4403**********399X";
const LEGACY_ID: &str = "440301900307399";

/// Where the database holds `needle` as plain text: the names of the tables whose rows
/// hold it (PostgreSQL), or of the files that do (SQLite's database and its WAL, which
/// hold every table, index and FTS segment as written).
pub(crate) fn places_holding(app: &TestApp, needle: &str) -> Vec<String> {
    match app.backend {
        Backend::Sqlite => ["dossier.db", "dossier.db-wal"]
            .into_iter()
            // Read by another process: closing a descriptor of the database file in this
            // one would drop the locks of every SQLite connection the test holds on it.
            .filter(|file| {
                let path = app.data_dir.path().join(file);
                path.exists()
                    && std::process::Command::new("grep")
                        .args(["-q", "-a", "-F", "--", needle])
                        .arg(&path)
                        .status()
                        .expect("grep")
                        .success()
            })
            .map(str::to_string)
            .collect(),
        Backend::Postgres => {
            #[derive(QueryableByName)]
            struct Name {
                #[diesel(sql_type = diesel::sql_types::Text)]
                name: String,
            }
            #[derive(QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = app.conn();
            let DbConnection::Pg(pg) = &mut *conn else {
                unreachable!("a PostgreSQL app")
            };
            let tables: Vec<Name> = diesel::sql_query(
                "SELECT table_name::text AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            )
            .load(pg)
            .unwrap();
            assert!(tables.len() > 10, "the app's own tables");
            tables
                .into_iter()
                .filter(|t| {
                    let found: Count = diesel::sql_query(format!(
                        "SELECT count(*) AS n FROM \"{}\" r WHERE r::text LIKE $1",
                        t.name
                    ))
                    .bind::<diesel::sql_types::Text, _>(format!("%{needle}%"))
                    .get_result(pg)
                    .unwrap();
                    found.n > 0
                })
                .map(|t| t.name)
                .collect()
        }
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

#[rstest]
#[tokio::test]
async fn an_id_number_typed_in_the_search_box_finds_its_record_and_is_stored_masked_only(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(
        &app,
        &clerk,
        &with(person("欧阳娜娜", "13812345678"), "id_number", ID_NUMBER),
    )
    .await;
    create(&app, &clerk, &person("欧阳修", "13912345678")).await;
    assert!(
        places_holding(&app, ID_NUMBER).is_empty(),
        "stored encrypted"
    );

    let lower = ID_NUMBER.to_lowercase();
    let spaced = "4403 0119 9003 0739 9x";
    for (typed, masked) in [
        (ID_NUMBER, ID_MASKED),
        (lower.as_str(), ID_MASKED),
        (spaced, ID_MASKED),
        (LEGACY_ID, "4403*******7399"),
    ] {
        let page = app
            .get_html(&clerk, &format!("/customers?q={}", urlencode(typed)))
            .await;
        assert!(page.contains(&code), "{typed} finds the record: {page}");
        assert!(!page.contains("欧阳修"), "{typed} finds that record only");
        assert!(page.contains(masked), "{typed} shown masked: {page}");
    }
    // Another number finds nothing; a filter still applies.
    let other = app
        .get_html(&clerk, "/customers?q=110101199003070021")
        .await;
    assert!(!other.contains(&code));
    let filtered = app
        .get_html(&clerk, &format!("/customers?q={ID_NUMBER}&type=vip"))
        .await;
    assert!(!filtered.contains(&code));

    let searches: Vec<String> = log_actions(&app)
        .into_iter()
        .filter(|(action, _, _)| action == "customers_searched")
        .map(|(_, _, details)| details)
        .collect();
    assert_eq!(searches.len(), 6, "{searches:?}");
    assert!(
        searches
            .iter()
            .all(|d| d.contains("**") && !d.contains("30739") && !d.contains("900307")),
        "{searches:?}"
    );
    let audit = app.login_as(Role::Auditor).await;
    let page = app.get_html(&audit, "/audit").await;
    assert!(page.contains("customers_searched") || page.contains(ID_MASKED));
    for plain in [ID_NUMBER, lower.as_str(), LEGACY_ID, "9003 0739"] {
        assert!(!page.contains(plain), "{plain} on /audit");
        assert_eq!(
            places_holding(&app, plain),
            Vec::<String>::new(),
            "{plain} in the database"
        );
    }
}

#[rstest]
#[tokio::test]
async fn a_nul_byte_in_any_input_is_refused_with_a_message_never_stored_never_a_500(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (anonymous, _) = crate::helpers::new_client();
    let response = app.login(&anonymous, "admin\0", "whatever-password").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("控制字符"));

    let clerk = app.login_as(Role::Clerk).await;
    let response = post(&app, &clerk, "/customers", &person("王\0伟", "13812345678")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let notes = with(person("王伟", "13812345678"), "notes", "一\u{1b}二");
    let response = post(&app, &clerk, "/customers", &notes).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let response = clerk
        .get(app.url("/customers?q=%E7%8E%8B%00"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap();
    assert!(page.contains("control character"), "{page}");
    let response = app.get(&clerk, "/customers/P-2026%00").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Line breaks and tabs in a multi-line field are text like any other.
    let notes = with(person("王伟", "13812345678"), "notes", "一\r\n二\t三");
    create(&app, &clerk, &notes).await;
    let count: i64 = dossier::db::customers::count(&mut app.conn()).unwrap();
    assert_eq!(count, 1, "only the record without control characters");
}

#[rstest]
#[tokio::test]
async fn an_answer_made_outside_the_handlers_has_the_security_headers_too(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let huge = format!("notes={}", "x".repeat(300 * 1024));
    let response = clerk
        .post(app.url("/customers"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(header("content-security-policy").contains("default-src 'self'"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert!(response.text().await.unwrap().contains("过大"));
}
