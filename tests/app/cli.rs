//! The command line: settings checks and user management.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use dossier::db::users;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{assert_redirect_to, new_client, spawn_app, Backend, TestApp};

fn dossier() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dossier"));
    for var in [
        "DATABASE_URL",
        "DOSSIER_BIND",
        "DOSSIER_DATA_DIR",
        "DOSSIER_PASSWORD",
        "DOSSIER_SECRET_KEY",
    ] {
        command.env_remove(var);
    }
    command
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn a_bad_setting_stops_the_start_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("DOSSIER_BIND", "not-an-address", "bind"),
        ("DOSSIER_COOKIE_SECURE", "perhaps", "cookie_secure"),
        ("DOSSIER_SESSION_IDLE_MINUTES", "0", "session_idle_minutes"),
        ("DATABASE_URL", "mysql://localhost/x", "database_url"),
        ("DOSSIER_SECRET_KEY", "short", "secret_key"),
        ("DOSSIER_CRON_BACKUP", "0 2 * * *", "cron.backup"),
        ("DOSSIER_SMTP_URL", "http://relay.local", "smtp_url"),
        ("DOSSIER_CLEANUP_MONTHS", "12", "cleanup_months"),
        ("DOSSIER_PUBLIC_URL", "dossier.local", "public_url"),
        ("DOSSIER_TIMEZONE", "Mars/Olympus_Mons", "timezone"),
    ];
    for (var, value, key) in cases {
        let output = dossier()
            .args(["serve", "--data-dir"])
            .arg(dir.path())
            .env(var, value)
            .output()
            .unwrap();
        let message = text(&output);
        assert!(
            !output.status.success(),
            "{var}={value} must stop the start"
        );
        assert!(message.contains(key), "{var}: names the key: {message}");
        assert!(!message.contains("panicked"), "{var}: no panic: {message}");
        if key != "secret_key" {
            assert!(message.contains(value), "{var}: names the value: {message}");
        }
    }
    std::fs::write(
        dir.path().join("dossier.toml"),
        "lockout_threshold = \"many\"\n",
    )
    .unwrap();
    let output = dossier()
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("lockout_threshold") && text(&output).contains("many"),
        "{}",
        text(&output)
    );
}

#[test]
fn an_unreachable_postgresql_is_reported_within_ten_seconds() {
    let started = Instant::now();
    let output = dossier()
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(started.elapsed() < Duration::from_secs(10));
    let message = text(&output);
    assert!(
        message.contains("cannot connect to the database") && message.contains("127.0.0.1"),
        "{message}"
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "list", "--help"],
        vec!["user", "passwd", "--help"],
        vec!["user", "disable", "--help"],
        vec!["audit", "verify", "--help"],
    ] {
        let output = dossier().args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

fn user_cli(app: &TestApp, args: &[&str], password: Option<&str>) -> Output {
    let mut command = app.cli();
    command
        .arg("user")
        .args(args)
        .env_remove("DOSSIER_PASSWORD");
    if let Some(password) = password {
        command.env("DOSSIER_PASSWORD", password);
    }
    command.output().unwrap()
}

#[rstest]
#[tokio::test]
async fn users_added_on_the_command_line_sign_in_without_a_forced_change(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(dossier::domain::role::Role::Admin).await;
    app.post_form(
        &admin,
        "/admin/offices",
        &[("name", "北城管理处"), ("communities", "松园")],
    )
    .await;

    let added = user_cli(
        &app,
        &[
            "add",
            "Xu",
            "--role",
            "clerk",
            "--role",
            "manager",
            "--office",
            "北城管理处",
        ],
        Some("xu-long-password"),
    );
    assert!(added.status.success(), "{}", text(&added));
    let (client, _) = new_client();
    assert_redirect_to(&app.login(&client, "xu", "xu-long-password").await, "/");

    let refusals = [
        (
            vec!["add", "weak", "--role", "clerk"],
            Some("123"),
            "at least 10 characters",
        ),
        (
            vec!["add", "common", "--role", "clerk"],
            Some("password123"),
            "too common",
        ),
        (
            vec!["add", "odd", "--role", "janitor"],
            Some("odd-long-password"),
            "Unknown role",
        ),
        (
            vec!["add", "lost", "--role", "clerk", "--office", "无此管理处"],
            Some("lost-long-password"),
            "no office named",
        ),
        (
            vec!["add", "xu", "--role", "clerk"],
            Some("xu-long-password"),
            "taken",
        ),
        (
            vec!["add", "silent", "--role", "clerk"],
            None,
            "DOSSIER_PASSWORD",
        ),
    ];
    for (args, password, message) in refusals {
        let output = user_cli(&app, &args, password);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            text(&output).contains(message),
            "{args:?}: {}",
            text(&output)
        );
    }

    let list = user_cli(&app, &["list"], None);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("xu") && listed.contains("manager,clerk") && listed.contains("北城管理处"),
        "{listed}"
    );
    assert!(!listed.contains("weak"));

    let passwd = user_cli(&app, &["passwd", "xu"], Some("xu-second-password"));
    assert!(passwd.status.success(), "{}", text(&passwd));
    assert_redirect_to(&app.get(&client, "/").await, "/login");
    assert_redirect_to(&app.login(&client, "xu", "xu-second-password").await, "/");

    let disabled = user_cli(&app, &["disable", "xu"], None);
    assert!(disabled.status.success());
    assert_eq!(app.get(&client, "/").await.status(), StatusCode::SEE_OTHER);
    let user = users::find_by_username(&mut app.conn(), "xu")
        .unwrap()
        .unwrap();
    assert!(user.disabled);
}

/// Freed memory (each sign-in's 19 MiB Argon2 hash) must go back to the system, or the
/// server keeps it: `serve` restarts itself once with mimalloc's settings for that, in
/// the same process (same PID) and still serving.
#[cfg(unix)]
#[test]
fn the_server_runs_with_freed_memory_given_back_to_the_system() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let mut command = dossier();
    for (name, _) in dossier::cli::serve::ALLOCATOR_SETTINGS {
        command.env_remove(name);
    }
    let mut child = command
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("DOSSIER_SCHEDULER", "false")
        .env("DOSSIER_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut address = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Dossier: ") {
            address = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        address.is_some(),
        "the server started and printed its address"
    );
    let settings: Vec<String> = environ
        .split(|b| *b == 0)
        .map(String::from_utf8_lossy)
        .filter(|v| v.starts_with("MIMALLOC_"))
        .map(|v| v.into_owned())
        .collect();
    assert!(
        settings.contains(&"MIMALLOC_PURGE_DELAY=0".to_string()),
        "{settings:?}"
    );
    assert!(
        settings.contains(&"MIMALLOC_ARENA_EAGER_COMMIT=0".to_string()),
        "{settings:?}"
    );
}
