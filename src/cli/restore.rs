//! `dossier restore FILE --data-dir DIR [--keys KEYFILE] [--force]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::app::{connect, load_keys};
use crate::backup::{self, file, file::Kind};
use crate::crypto::{Keys, KEY_FILE};
use crate::db::{audit_log, Backend, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::settings::Settings;

pub fn run(
    settings: Settings,
    backup_file: PathBuf,
    key_file: Option<PathBuf>,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let installed = settings.data_dir().join(KEY_FILE);
    let keys = Keys::read(key_file.as_deref().unwrap_or(&installed)).with_context(|| {
        "the backup key is needed: give the file from `dossier keys export` with --keys"
    })?;
    let key = *keys
        .backup_key()
        .context("this key file has no backup key; use the one `dossier keys export` wrote")?;
    let header = file::header(&backup_file)?;
    std::fs::create_dir_all(settings.data_dir())?;
    let target = Backend::from_url(&settings.effective_database_url())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match (&header.kind, target) {
        (Kind::Sqlite, Backend::Sqlite) => restore_sqlite(&settings, &key, &backup_file, force)?,
        (Kind::Postgres { schema }, Backend::Postgres) => {
            restore_postgres(&settings, &key, &backup_file, schema, force)?
        }
        (Kind::Sqlite, Backend::Postgres) => {
            bail!("this is a SQLite backup; unset DATABASE_URL to restore it into the data folder")
        }
        (Kind::Postgres { .. }, Backend::Sqlite) => {
            bail!("this is a PostgreSQL backup; set DATABASE_URL to the database to restore into")
        }
    }
    if let Some(given) = &key_file {
        if given != &installed {
            keys.install(&installed)?;
        }
    }
    // Pending migrations (an older backup), then the key check against the restored data.
    load_keys(&settings)?;
    let mut conn = connect(&settings)?;
    let facts = backup::facts(&mut conn)?;
    let verdict = audit_log::verify(&mut conn)?;
    audit_log::record(
        &mut conn,
        &Event::new(Actor::System, Action::Restored, "database", "cli")
            .details(backup_file.display().to_string()),
    )?;
    println!("restored {}", backup_file.display());
    println!(
        "customers {}, versions {}, operation-log entries {}",
        facts.customers, facts.versions, facts.audit_entries
    );
    match verdict {
        audit_log::Verdict::Intact { entries, .. } => {
            println!("operation log intact ({entries} entries)");
            Ok(ExitCode::SUCCESS)
        }
        audit_log::Verdict::Broken { seq, reason } => {
            println!("operation log BROKEN at entry #{seq}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
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
    let mut conn = DbConnection::open(&url).map_err(|e| anyhow::anyhow!("{e}"))?;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
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
    backup::load_sql(settings, &url, &dump, &crate::jobs::Stop::default())
}

fn has_tables(path: &str) -> anyhow::Result<bool> {
    let mut conn = DbConnection::open(path).map_err(|e| anyhow::anyhow!("{e}"))?;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    Ok(diesel::sql_query(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM sqlite_master WHERE type = 'table'",
    )
    .get_result::<Count>(&mut conn)?
    .n > 0)
}
