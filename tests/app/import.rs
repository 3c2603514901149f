//! `dossier import customers` is all or nothing, and a bad row never stops it: the row
//! goes to the rejects file with its line number (its cells made safe for spreadsheets)
//! and the good rows are stored.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use dossier::db::{customers, import_lock, imports};
use rstest::rstest;

use crate::bulk_load::{deferred_count, indexes_and_keys};
use crate::customers::{generate_customers, import_generated, log_actions};
use crate::helpers::{spawn_app, Backend, TestApp};

fn count(app: &TestApp) -> i64 {
    customers::count(&mut app.conn()).unwrap()
}

/// Starts importing `file` and kills the process (SIGKILL) as soon as some of its rows
/// are committed; returns how many of them were stored by then.
fn import_and_kill(app: &TestApp, file: &Path, already: i64) -> i64 {
    let mut child = app
        .cli()
        .args(["import", "customers"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(app) == already {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before any row was seen"
        );
        assert!(Instant::now() < deadline, "no row stored in two minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // A killed client's PostgreSQL session ends once the server notices it: the import's
    // lock goes with it.
    let running = imports::running(&mut app.conn()).unwrap();
    assert_eq!(running.len(), 1, "{running:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while import_lock::held(&mut app.conn(), running[0].id).unwrap() {
        assert!(Instant::now() < deadline, "the killed import's lock stays");
        std::thread::sleep(Duration::from_millis(50));
    }
    count(app) - already
}

/// `dossier migrate`, the next start after the kill; returns its log.
fn next_start(app: &TestApp) -> String {
    let output = app.cli().arg("migrate").output().unwrap();
    let log = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{log}");
    log
}

#[rstest]
#[tokio::test]
async fn an_import_killed_half_way_leaves_none_of_its_records_after_the_next_start(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let indexes = indexes_and_keys(&app);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.csv");
    generate_customers(&big, &["--count", "40000", "--seed", "21"]);

    // The first import into an empty database, which leaves the indexes out meanwhile.
    let stored = import_and_kill(&app, &big, 0);
    assert!(stored > 0 && stored < 40_000, "{stored} stored at the kill");
    assert_ne!(
        indexes_and_keys(&app),
        indexes,
        "killed while indexes were out"
    );

    let log = next_start(&app);
    assert!(
        log.contains("an import was cut off before it finished"),
        "{log}"
    );
    assert_eq!(
        count(&app),
        0,
        "none of the killed import's records is left"
    );
    assert_eq!(indexes_and_keys(&app), indexes);
    assert_eq!(deferred_count(&app), 0);
    assert!(log_actions(&app)
        .iter()
        .any(|(action, _, details)| action == "import_removed"
            && details.contains(&format!("removed the {stored} records"))
            // When it started, in the office's time like every time shown.
            && !details.contains("UTC")));

    // An import into a database that has records: only its own records go.
    import_generated(&app, &["--count", "300", "--seed", "22"]);
    assert_eq!(count(&app), 300);
    let stored = import_and_kill(&app, &big, 300);
    assert!(stored > 0, "{stored} stored at the kill");
    next_start(&app);
    assert_eq!(count(&app), 300, "the earlier import's records stay");
    assert_eq!(indexes_and_keys(&app), indexes);
    let statuses: Vec<String> = imports::running(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|i| i.status)
        .collect();
    assert!(statuses.is_empty(), "{statuses:?}");
}

/// A header and the given lines as a CSV file; returns its path.
fn write_csv(dir: &Path, lines: &[&str]) -> std::path::PathBuf {
    let path = dir.join("rows.csv");
    let mut text = dossier::service::import::HEADER.join(",");
    for line in lines {
        text.push('\n');
        text.push_str(line);
    }
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the import, which must succeed; returns its summary line.
fn import(app: &TestApp, file: &Path) -> String {
    let output = app
        .cli()
        .args(["import", "customers"])
        .arg(file)
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{summary}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    summary
}

/// The rows of the rejects file beside `file`, header left out.
fn rejects(file: &Path) -> Vec<Vec<String>> {
    let path = file.with_file_name("rows.rejects.csv");
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn good(name: &str, phone: &str) -> String {
    format!("{name},personal,{phone},,翠苑小区,3,101,owner,,,walk-in,2024-03-01,,,")
}

#[rstest]
#[tokio::test]
async fn a_short_row_and_an_unclosed_quote_are_rejected_by_line_and_the_good_rows_stored(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(
        dir.path(),
        &[
            &good("王一", "13800000001"),
            "a,b,c",
            &good("王二", "13800000002"),
            // The quote before the name is never closed.
            &format!("\"{}", good("王三", "13800000003")),
            &good("王四", "13800000004"),
            &good("王五", "13800000005"),
            // A note over two lines, quoted as it should be.
            &format!("{}\"第一行", good("王六", "13800000006")),
            "第二行\"",
            &good("王七", "12345"),
            &good("王八", "13800000008"),
        ],
    );

    let summary = import(&app, &file);

    assert!(
        summary.contains("imported 6 customers, rejected 3"),
        "{summary}"
    );
    assert_eq!(count(&app), 6);
    let rows = rejects(&file);
    let lines: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(lines, ["3", "5", "10"], "{rows:?}");
    assert!(
        rows[0][1].contains("expected 15 columns, found 3"),
        "{rows:?}"
    );
    assert_eq!(rows[0][2..5], ["a", "b", "c"]);
    assert_eq!(rows[0].len(), 17, "a short row is padded to the header");
    assert!(rows[1][1].contains("quote"), "{rows:?}");
    assert!(
        rows[1][2].starts_with("王三,personal,13800000003"),
        "{rows:?}"
    );
    assert!(rows[2][1].starts_with("phone"), "{rows:?}");
    let phones = customers::all_phones(&mut app.conn()).unwrap();
    let (_, code) = phones.iter().find(|(p, _)| p == "13800000006").unwrap();
    let record = customers::find_by_code(&mut app.conn(), code)
        .unwrap()
        .unwrap();
    assert_eq!(record.notes, "第一行\n第二行");
}

#[rstest]
#[tokio::test]
async fn the_rejects_file_holds_no_cell_a_spreadsheet_would_run_as_a_formula(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write_csv(
        dir.path(),
        &[
            "=cmd|' /C calc'!A0,personal,-1,@evil,翠苑小区,+86,\t101,owner,,,walk-in,2024-03-01,,,\"\r=1+1\"",
            "=1+1,b",
        ],
    );

    let summary = import(&app, &file);

    assert!(
        summary.contains("imported 0 customers, rejected 2"),
        "{summary}"
    );
    let rows = rejects(&file);
    assert_eq!(rows[0][2], "'=cmd|' /C calc'!A0");
    assert_eq!(rows[0][4], "'-1");
    assert_eq!(rows[0][5], "'@evil");
    assert_eq!(rows[0][7], "'+86");
    assert_eq!(rows[0][8], "'\t101");
    assert_eq!(rows[0][16], "'\r=1+1");
    assert_eq!(rows[1][2], "'=1+1");
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} in {rows:?}"
        );
    }
}
