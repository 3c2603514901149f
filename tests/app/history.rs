//! History that tells the truth: version 1 of an imported record, a version for every
//! change of a record's fields, and the same conflict page for a save that lost a race
//! on either backend.

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};
use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::customers::{create, person, post};
use crate::helpers::{spawn_app, Backend, TestApp};

/// The value of the form's hidden `version` field.
fn form_version(page: &str) -> Option<String> {
    let marker = "name=\"version\" value=\"";
    let start = page.find(marker)? + marker.len();
    Some(page[start..].split('"').next()?.to_string())
}

/// Holds the database where both saves must wait, so that they run at the same instant
/// in the database rather than one after the other: on PostgreSQL a row lock on the
/// record, on SQLite the write lock. Released when `release` is called.
struct Gate {
    pg: Option<diesel::PgConnection>,
    sqlite: Option<dossier::db::DbConnection>,
}

impl Gate {
    fn close(app: &TestApp, code: &str) -> Gate {
        match app.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&app.db_url).unwrap();
                conn.batch_execute(&format!(
                    "BEGIN; SELECT id FROM customers WHERE code = '{code}' FOR UPDATE;"
                ))
                .unwrap();
                Gate {
                    pg: Some(conn),
                    sqlite: None,
                }
            }
            Backend::Sqlite => {
                let mut conn = dossier::db::DbConnection::open(&app.db_url).unwrap();
                conn.batch_execute("BEGIN IMMEDIATE").unwrap();
                Gate {
                    pg: None,
                    sqlite: Some(conn),
                }
            }
        }
    }

    /// Waits until both saves wait behind the gate (PostgreSQL shows its lock waits;
    /// SQLite does not, so there both are simply given a moment to arrive), then opens it.
    async fn open_when_two_wait(mut self) {
        if let Some(conn) = self.pg.as_mut() {
            let waiting = "SELECT count(DISTINCT pid) FROM pg_locks \
                 WHERE locktype = 'tuple' AND relation = 'customers'::regclass \
                 AND pid <> pg_backend_pid()";
            let mut seen = 0;
            for _ in 0..500 {
                seen = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
                    "({waiting})"
                )))
                .get_result::<i64>(conn)
                .unwrap();
                if seen >= 2 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert_eq!(seen, 2, "both saves wait for the record");
            conn.batch_execute("COMMIT").unwrap();
        }
        if let Some(conn) = self.sqlite.as_mut() {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            conn.batch_execute("COMMIT").unwrap();
        }
    }
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_saves_of_one_version_at_once_give_the_loser_both_values_and_the_winners_version(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let (alice, bob) = (
        app.login_as(Role::Clerk).await,
        app.login_as(Role::Clerk).await,
    );
    let code = create(&app, &alice, &person("王伟", "13812345678")).await;
    let path = format!("/customers/{code}/update");
    let save = |phone: &str, reason: &str| {
        vec![
            ("phone", phone.to_string()),
            ("version", "1".to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let (alice_form, bob_form) = (
        save("13911110000", "客户来电更换手机号"),
        save("13722220000", "物业前台核对后更正"),
    );
    let gate = Gate::close(&app, &code);
    let (a, b, ()) = tokio::join!(
        post(&app, &alice, &path, &alice_form),
        post(&app, &bob, &path, &bob_form),
        gate.open_when_two_wait(),
    );
    let (winner_phone, loser) = match (a.status(), b.status()) {
        (StatusCode::SEE_OTHER, StatusCode::CONFLICT) => ("13911110000", b),
        (StatusCode::CONFLICT, StatusCode::SEE_OTHER) => ("13722220000", a),
        other => panic!("one save wins and one is refused, got {other:?}"),
    };
    let loser_phone = if winner_phone == "13911110000" {
        "13722220000"
    } else {
        "13911110000"
    };
    let page = loser.text().await.unwrap();
    assert!(
        page.contains("保存前已有他人修改了这条档案"),
        "the loser is told why: {page}"
    );
    assert!(
        page.contains(winner_phone) && page.contains(loser_phone),
        "the loser sees the stored value and their own"
    );
    assert_eq!(
        form_version(&page).as_deref(),
        Some("2"),
        "sending again is a deliberate overwrite of the version shown"
    );
    let stored = dossier::db::customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!((stored.phone.as_str(), stored.version), (winner_phone, 2));
}

/// The versions of a record, oldest first, replayed from nothing; and the record as it
/// is now, in the same terms (empty values left out).
fn replayed_and_current(
    app: &TestApp,
    code: &str,
) -> (
    dossier::domain::history::Snapshot,
    dossier::domain::history::Snapshot,
) {
    use dossier::domain::history;
    let mut conn = app.conn();
    let record = dossier::db::customers::find_by_code(&mut conn, code)
        .unwrap()
        .unwrap();
    let mut versions = dossier::db::customer_versions::of_customer(&mut conn, record.id).unwrap();
    versions.reverse();
    let numbers: Vec<i32> = versions.iter().map(|v| v.version).collect();
    assert_eq!(
        numbers,
        (1..=record.version).collect::<Vec<_>>(),
        "one version for every change of the record"
    );
    let lists: Vec<Vec<history::Change>> = versions
        .iter()
        .map(|v| history::from_json(&v.changes))
        .collect();
    let replayed = history::replay(lists.iter().map(Vec::as_slice));
    let (mut current, _) = dossier::service::customers::current_state(&mut conn, &record).unwrap();
    current.retain(|_, v| v.is_some());
    (replayed, current)
}

/// The history page's section of one version.
fn version_section(history: &str, version: i32) -> &str {
    let start = history
        .find(&format!("版本 {version}\n"))
        .or_else(|| history.find(&format!("版本 {version} ")))
        .or_else(|| history.find(&format!("版本 {version}<")))
        .unwrap_or_else(|| panic!("version {version} is listed"));
    let rest = &history[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[rstest]
#[tokio::test]
async fn an_imported_first_version_keeps_the_imported_values_after_unversioned_looking_writes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("one.csv");
    std::fs::write(
        &csv_path,
        format!(
            "{}\n欧阳娜娜,personal,13811112222,ouyang@example.com,翠苑小区,3,1201,owner,11010119900307002X,价值/高净值;风险/欠费,walk-in,2022-03-01,2023-01-02,2023-01-05,老客户\n",
            dossier::service::import::HEADER.join(",")
        ),
    )
    .unwrap();
    crate::customers::import_file(&app, &csv_path);
    let code: String = {
        use diesel::{QueryDsl, RunQueryDsl};
        use dossier::db::schema::customers;
        customers::table
            .select(customers::code)
            .first(&mut *app.conn())
            .unwrap()
    };
    let clerk = app.login_as(Role::Clerk).await;

    // An interaction moves the last-interaction date: a version of its own.
    let logged = post(
        &app,
        &clerk,
        &format!("/customers/{code}/interactions"),
        &[
            ("occurred_on", "2024-06-01".into()),
            ("channel", "call".into()),
            ("summary", "确认停车位".into()),
        ],
    )
    .await;
    assert_eq!(logged.status(), StatusCode::SEE_OTHER);
    // So does a verification by phone.
    let verified = post(
        &app,
        &clerk,
        &format!("/reviews/call-list/{code}/verified"),
        &[("note", "本人接听".into())],
    )
    .await;
    assert_eq!(verified.status(), StatusCode::SEE_OTHER);

    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    let first = version_section(&history, 1);
    for value in [
        "2023-01-02",
        "2023-01-05",
        "2022-03-01",
        "欧阳娜娜",
        "ouyang@example.com",
        "价值/高净值",
        "1101**********002X",
    ] {
        assert!(first.contains(value), "version 1 shows {value} as imported");
    }
    assert!(
        !first.contains("2024-06-01") && !first.contains("v1:"),
        "version 1 shows nothing that came later, and no ciphertext"
    );
    let second = version_section(&history, 2);
    assert!(
        second.contains("2023-01-02") && second.contains("2024-06-01"),
        "the interaction's version shows the date it replaced"
    );
    let (replayed, current) = replayed_and_current(&app, &code);
    assert_eq!(replayed, current, "the versions replay to the record");

    // A restore of version 1 is a version too, and the history still replays.
    let manager = app.login_as(Role::Manager).await;
    let restored = post(
        &app,
        &manager,
        &format!("/customers/{code}/restore/1"),
        &[("reason", "误操作，恢复导入时的信息".into())],
    )
    .await;
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    let record = dossier::db::customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        record.last_interaction_at,
        chrono::NaiveDate::from_ymd_opt(2023, 1, 2)
    );
    let (replayed, current) = replayed_and_current(&app, &code);
    assert_eq!(replayed, current, "the versions replay to the record");

    // Version 1 is stored, not worked out from the record: even a write behind the
    // app's back does not change what it says was imported.
    app.execute_sql(&format!(
        "UPDATE customers SET notes = '改过' WHERE code = '{code}'"
    ));
    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    let first = version_section(&history, 1);
    assert!(first.contains("老客户") && !first.contains("改过"));
}

#[rstest]
#[tokio::test]
async fn moving_a_tag_makes_a_version_of_every_record_that_carries_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("王伟", "13812345678")).await;
    let tag = dossier::db::tags::find_by_path(&mut app.conn(), "风险/欠费")
        .unwrap()
        .unwrap();
    let manager = app.login_as(Role::Manager).await;
    let moved = post(
        &app,
        &manager,
        &format!("/tags/{}/move", tag.id),
        &[("path", "风险/逾期欠费".into())],
    )
    .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    let second = version_section(&history, 2);
    assert!(
        second.contains("tag moved") && second.contains("风险/逾期欠费"),
        "{second}"
    );
    let (replayed, current) = replayed_and_current(&app, &code);
    assert_eq!(replayed, current, "the versions replay to the record");
}
