//! An import into an empty database builds the indexes at the end (`db::bulk_load`): no
//! index or key may be missing afterwards, nor after an import that died half-way.

use diesel::prelude::*;
use diesel::sql_types::Text;
use dossier::db::{bulk_load, customers, DbConnection};
use rstest::rstest;

use crate::customers::import_generated;
use crate::helpers::{spawn_app, Backend, TestApp};

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every index and foreign key of the app's tables, as their definitions.
pub(crate) fn indexes_and_keys(app: &TestApp) -> Vec<String> {
    let mut conn = app.conn();
    let sql = match &*conn {
        DbConnection::Sqlite(_) => {
            "SELECT name || ': ' || coalesce(sql, tbl_name) AS line FROM sqlite_master \
             WHERE type = 'index' ORDER BY 1"
        }
        DbConnection::Pg(_) => {
            "SELECT indexdef AS line FROM pg_indexes WHERE schemaname = current_schema() \
             UNION ALL SELECT conname || ': ' || pg_get_constraintdef(c.oid) FROM pg_constraint c \
             JOIN pg_namespace s ON s.oid = c.connamespace \
             WHERE s.nspname = current_schema() AND c.contype = 'f' ORDER BY 1"
        }
    };
    diesel::sql_query(sql)
        .load::<Line>(&mut *conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

pub(crate) fn deferred_count(app: &TestApp) -> i64 {
    use dossier::db::schema::deferred_indexes;
    deferred_indexes::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

#[rstest]
#[tokio::test]
async fn an_import_into_an_empty_database_leaves_every_index_and_key_in_place(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let before = indexes_and_keys(&app);
    assert!(
        before.iter().any(|l| l.contains("customers_phone")),
        "{before:#?}"
    );

    import_generated(&app, &["--count", "600", "--seed", "3"]);

    assert_eq!(customers::count(&mut app.conn()).unwrap(), 600);
    assert_eq!(indexes_and_keys(&app), before);
    assert_eq!(deferred_count(&app), 0);
}

#[rstest]
#[tokio::test]
async fn indexes_left_out_by_an_interrupted_import_are_built_at_the_next_start(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let before = indexes_and_keys(&app);
    // What an import does first; then it "dies".
    let deferred = bulk_load::defer(&mut app.conn()).unwrap();
    assert!(deferred >= 9, "deferred {deferred}");
    assert_eq!(deferred_count(&app) as usize, deferred);
    let during = indexes_and_keys(&app);
    assert!(
        !during.iter().any(|l| l.contains("customers_phone")),
        "{during:#?}"
    );
    // Someone built one of them by hand in the meantime: it is taken off the list, not
    // built twice.
    app.execute_sql("CREATE INDEX customers_phone ON customers (phone)");

    let output = app.cli().arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    assert_eq!(indexes_and_keys(&app), before);
    assert_eq!(deferred_count(&app), 0);
}
