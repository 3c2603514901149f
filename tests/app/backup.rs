//! Backups: encrypted, verified by restoring, restorable onto a new machine with the key
//! file alone; failures shown to admins until a good one; off-site copies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use dossier::crypto::Keys;
use dossier::db::schema::{backups, customers};
use dossier::db::DbConnection;
use dossier::domain::role::Role;
use reqwest::StatusCode;
use rstest::rstest;

use crate::customers::{create, person, with};
use crate::helpers::{location, pg_base_url, spawn_app, Backend, TestApp};

const ID_NUMBER: &str = "11010119900307002X";

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `dossier backup` and returns the file it printed.
fn back_up(app: &TestApp) -> PathBuf {
    let output = app.cli().arg("backup").output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    PathBuf::from(stdout.lines().next().expect("the path comes first"))
}

/// A place to restore into: an empty data folder, and for PostgreSQL an empty database
/// with the backed-up schema on the search path. Dropped by the caller.
struct Target {
    data_dir: tempfile::TempDir,
    url: Option<String>,
    database: Option<String>,
}

fn new_target(app: &TestApp) -> Target {
    let data_dir = tempfile::tempdir().unwrap();
    match app.backend {
        Backend::Sqlite => Target {
            data_dir,
            url: None,
            database: None,
        },
        Backend::Postgres => {
            let database = format!("dossier_restore_{:016x}", rand::random::<u64>());
            let base = pg_base_url();
            let mut admin = DbConnection::open(&base).unwrap();
            admin
                .batch_execute(&format!("CREATE DATABASE {database}"))
                .unwrap();
            let schema = app
                .db_url
                .split("search_path%3D")
                .nth(1)
                .unwrap()
                .to_string();
            let server = base.rsplit_once('/').unwrap().0;
            Target {
                data_dir,
                url: Some(format!(
                    "{server}/{database}?options=-csearch_path%3D{schema}"
                )),
                database: Some(database),
            }
        }
    }
}

impl Target {
    fn dossier(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dossier"));
        command.arg("--data-dir").arg(self.data_dir.path());
        command.env_remove("DATABASE_URL");
        if let Some(url) = &self.url {
            command.env("DATABASE_URL", url);
        }
        command
    }

    fn conn(&self) -> DbConnection {
        let url = self.url.clone().unwrap_or_else(|| {
            self.data_dir
                .path()
                .join("dossier.db")
                .display()
                .to_string()
        });
        DbConnection::open(&url).unwrap()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(database) = &self.database {
            if let Ok(mut admin) = DbConnection::open(&pg_base_url()) {
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"));
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[rstest]
#[tokio::test]
async fn a_backup_is_encrypted_verified_and_restores_on_a_new_machine_with_the_key_file(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(
        &app,
        &clerk,
        &with(person("欧阳备份", "13912345678"), "id_number", ID_NUMBER),
    )
    .await;
    create(&app, &clerk, &person("司马恢复", "13912345679")).await;

    let file = back_up(&app);
    let bytes = std::fs::read(&file).unwrap();
    for secret in ["欧阳备份", "13912345678", "P-20"] {
        assert!(!contains(&bytes, secret), "{secret} in clear in the backup");
    }
    let (state, detail): (String, String) = backups::table
        .select((backups::state, backups::detail))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(state, "verified", "{detail}");
    assert!(detail.contains("customers=2"), "{detail}");

    let key_file = app.data_dir.path().join("exported-keys.json");
    let output = app
        .cli()
        .args(["keys", "export"])
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let again = app
        .cli()
        .args(["keys", "export"])
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(!again.status.success(), "an export never overwrites");

    // A tampered file is refused and leaves nothing behind.
    let target = new_target(&app);
    let mut altered = bytes.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x40;
    let tampered = app.data_dir.path().join("tampered.backup");
    std::fs::write(&tampered, &altered).unwrap();
    let output = target
        .dossier()
        .arg("restore")
        .arg(&tampered)
        .arg("--keys")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("does not decrypt"),
        "{}",
        text(&output)
    );
    assert!(!target.data_dir.path().join("dossier.db").exists());

    // The backup and the key file alone: same customers, versions, an intact log, and
    // the ID number still decrypts.
    let output = target
        .dossier()
        .arg("restore")
        .arg(&file)
        .arg("--keys")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("customers 2") && text(&output).contains("operation log intact"),
        "{}",
        text(&output)
    );
    let output = target.dossier().args(["audit", "verify"]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let mut restored = target.conn();
    let (count, encrypted): (i64, Option<String>) = (
        customers::table.count().get_result(&mut restored).unwrap(),
        customers::table
            .filter(customers::code.eq(&code))
            .select(customers::id_number_enc)
            .first(&mut restored)
            .unwrap(),
    );
    assert_eq!(count, 2);
    let keys = Keys::read(&target.data_dir.path().join("keys.json")).unwrap();
    assert_eq!(
        keys.cipher().decrypt(&encrypted.unwrap()).unwrap(),
        ID_NUMBER
    );
    let output = target.dossier().args(["user", "list"]).output().unwrap();
    assert!(
        output.status.success(),
        "the restored app starts: {}",
        text(&output)
    );

    // A second restore onto the now full target needs --force.
    let output = target
        .dossier()
        .arg("restore")
        .arg(&file)
        .arg("--keys")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).contains("--force"), "{}", text(&output));
    let output = target
        .dossier()
        .arg("restore")
        .arg(&file)
        .arg("--force")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

#[rstest]
#[tokio::test]
async fn a_failed_backup_warns_every_admin_until_a_good_one_and_the_page_lists_them(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    let clerk = app.login_as(Role::Clerk).await;
    assert_eq!(
        app.get(&clerk, "/admin/backups").await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(!app.get_html(&admin, "/").await.contains("最近一次备份失败"));

    // A backup folder that cannot exist: the run fails and says why.
    let output = app
        .cli()
        .arg("backup")
        .env("DOSSIER_BACKUP_DIR", "/dev/null/backups")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).contains("backup folder"), "{}", text(&output));
    let home = app.get_html(&admin, "/").await;
    assert!(home.contains("最近一次备份失败"), "{home}");
    assert!(!app.get_html(&clerk, "/").await.contains("最近一次备份失败"));

    // Back up now from the page: verified, listed, and the warning is gone.
    let response = app.post_form(&admin, "/admin/backups/run", &[]).await;
    assert_eq!(location(&response), "/admin/backups");
    let page = app.get_html(&admin, "/admin/backups").await;
    assert!(
        page.contains(".backup") && page.contains("已校验"),
        "{page}"
    );
    assert!(!app.get_html(&admin, "/").await.contains("最近一次备份失败"));
}

#[rstest]
#[tokio::test]
async fn a_verified_backup_goes_off_site_once_a_week_with_the_same_checksum(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let offsite = tempfile::tempdir().unwrap();
    let run = |app: &TestApp| {
        let output = app
            .cli()
            .arg("backup")
            .env("DOSSIER_BACKUP_OFFSITE_DIR", offsite.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));
    };
    run(&app);
    let copies: Vec<PathBuf> = std::fs::read_dir(offsite.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let (name, sha256): (String, String) = backups::table
        .select((backups::file_name, backups::sha256))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(copies[0].file_name().unwrap().to_string_lossy(), name);
    assert_eq!(sha(&copies[0]), sha256);
    run(&app);
    assert_eq!(
        std::fs::read_dir(offsite.path()).unwrap().count(),
        1,
        "weekly, not at every backup"
    );
}

fn sha(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}
