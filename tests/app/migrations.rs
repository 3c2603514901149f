//! The two migration folders agree, and every migration can be undone and redone.

use diesel::prelude::*;
use diesel::sql_types::Text;
use dossier::db::{migrate, DbConnection};
use rstest::rstest;

use crate::helpers::{pg_schema_url, Backend};

fn folder_names(backend: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations_each_with_up_and_down() {
    let sqlite = folder_names("sqlite");
    assert_eq!(sqlite, folder_names("postgres"));
    assert!(!sqlite.is_empty());
    for backend in ["sqlite", "postgres"] {
        for name in &sqlite {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend)
                .join(name);
            assert!(
                dir.join("up.sql").exists() && dir.join("down.sql").exists(),
                "{backend}/{name}"
            );
        }
    }
}

#[derive(QueryableByName, PartialEq, Eq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// A text form of the schema: tables, columns, indexes, triggers.
fn schema_dump(conn: &mut DbConnection) -> Vec<String> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY type, name"
        }
        DbConnection::Pg(_) => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations' \
             UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename <> '__diesel_schema_migrations' \
             UNION ALL SELECT tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal \
             ORDER BY 1"
        }
    };
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

#[rstest]
fn up_down_up_leaves_the_same_schema(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend {
        Backend::Sqlite => dir.path().join("m.db").display().to_string(),
        Backend::Postgres => match pg_schema_url() {
            Some((url, _)) => url,
            None => return,
        },
    };
    let mut conn = DbConnection::open(&url).unwrap();
    let applied = migrate::run_pending(&mut conn).unwrap();
    assert_eq!(applied.len(), folder_names("sqlite").len());
    let first = schema_dump(&mut conn);
    assert!(first.iter().any(|l| l.contains("audit_log")), "{first:#?}");

    migrate::revert_all(&mut conn).unwrap();
    assert!(schema_dump(&mut conn).is_empty(), "down removes everything");
    migrate::run_pending(&mut conn).unwrap();
    assert_eq!(schema_dump(&mut conn), first);
}
