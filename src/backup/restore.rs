//! Restoring a backup in place of the database the settings name (`dossier restore`):
//! the key file, the backup's kind against the target's, the decrypted copy put in place;
//! then, once the app has opened it, what it holds and whether its log is intact.

use std::path::Path;

use anyhow::{bail, Context};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::file::{self, Kind};
use super::Facts;
use crate::crypto::{Keys, KEY_FILE};
use crate::db::{audit_log, Backend, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::settings::Settings;
use crate::stop::Stop;

/// Puts `backup_file` in place of the database, decrypted with the backup key of
/// `key_file` (else of the key file in the data folder), and installs that key file in the
/// data folder. An existing database is replaced only with `force`.
pub fn into_place(
    settings: &Settings,
    backup_file: &Path,
    key_file: Option<&Path>,
    force: bool,
) -> anyhow::Result<()> {
    let installed = settings.data_dir().join(KEY_FILE);
    let keys = Keys::read(key_file.unwrap_or(&installed)).with_context(|| {
        "the backup key is needed: give the file from `dossier keys export` with --keys"
    })?;
    let key = *keys
        .backup_key()
        .context("this key file has no backup key; use the one `dossier keys export` wrote")?;
    let header = file::header(backup_file)?;
    std::fs::create_dir_all(settings.data_dir())?;
    let target =
        Backend::from_url(&settings.effective_database_url()).map_err(anyhow::Error::msg)?;
    match (&header.kind, target) {
        (Kind::Sqlite, Backend::Sqlite) => restore_sqlite(settings, &key, backup_file, force)?,
        (Kind::Postgres { schema }, Backend::Postgres) => {
            restore_postgres(settings, &key, backup_file, schema, force)?
        }
        (Kind::Sqlite, Backend::Postgres) => {
            bail!("this is a SQLite backup; unset DATABASE_URL to restore it into the data folder")
        }
        (Kind::Postgres { .. }, Backend::Sqlite) => {
            bail!("this is a PostgreSQL backup; set DATABASE_URL to the database to restore into")
        }
    }
    if let Some(given) = key_file {
        if given != installed.as_path() {
            keys.install(&installed)?;
        }
    }
    Ok(())
}

/// On the restored database, opened by the app (pending migrations, the key check): what
/// it holds, whether its operation log is intact, and the log entry saying it was restored.
pub fn settle(
    conn: &mut DbConnection,
    backup_file: &Path,
) -> anyhow::Result<(Facts, audit_log::Verdict)> {
    let facts = super::facts(conn)?;
    let verdict = audit_log::verify(conn)?;
    audit_log::record(
        conn,
        &Event::new(Actor::System, Action::Restored, "database", "cli")
            .details(backup_file.display().to_string()),
    )?;
    Ok((facts, verdict))
}

fn restore_sqlite(
    settings: &Settings,
    key: &[u8; 32],
    backup_file: &Path,
    force: bool,
) -> anyhow::Result<()> {
    let target = settings.sqlite_path();
    if target.exists() && has_tables(&target.display().to_string())? && !force {
        bail!(
            "{} already holds a database; restore into an empty data folder, or add --force \
             to replace it",
            target.display()
        );
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".restoring-{:08x}.db", rand::random::<u32>()));
    file::decrypt(key, backup_file, &temp)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::rename(&temp, &target)
        .with_context(|| format!("cannot put the database in place at {}", target.display()))?;
    Ok(())
}

fn restore_postgres(
    settings: &Settings,
    key: &[u8; 32],
    backup_file: &Path,
    schema: &str,
    force: bool,
) -> anyhow::Result<()> {
    let url = settings.effective_database_url();
    let mut conn = DbConnection::open(&url)?;
    let tables = diesel::sql_query(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM information_schema.tables WHERE table_schema = $1",
    )
    .bind::<diesel::sql_types::Text, _>(schema)
    .get_result::<Count>(&mut conn)?
    .n;
    if tables > 0 && !force {
        bail!(
            "schema {schema} of {} already has {tables} tables; restore into an empty database, \
             or add --force to replace them",
            settings.effective_database_url_redacted()
        );
    }
    if tables > 0 || schema != "public" {
        let quoted = schema.replace('"', "\"\"");
        conn.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{quoted}\" CASCADE"))?;
        if schema == "public" {
            conn.batch_execute("CREATE SCHEMA public")?;
        }
    }
    let temp = tempfile::Builder::new()
        .prefix(".restoring-")
        .tempdir_in(settings.data_dir())?;
    let dump = temp.path().join("dump.sql");
    file::decrypt(key, backup_file, &dump)?;
    super::load_sql(settings, &url, &dump, &Stop::default())
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn has_tables(path: &str) -> anyhow::Result<bool> {
    let mut conn = DbConnection::open(path)?;
    Ok(diesel::sql_query(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM sqlite_master WHERE type = 'table'",
    )
    .get_result::<Count>(&mut conn)?
    .n > 0)
}
