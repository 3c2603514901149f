//! Backups: a consistent copy of the whole database (SQLite `VACUUM INTO`, PostgreSQL
//! `pg_dump` on an exported snapshot), encrypted with the backup key, checksummed, and
//! called good only after it was restored into a scratch database whose row counts and
//! operation-log head match the ones read from the same snapshot.

pub mod file;
pub mod rotation;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::crypto::Keys;
use crate::db::{self, Backend, DbConnection};
use crate::settings::Settings;
use file::Kind;

/// What a backup must hold, read from the snapshot it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub customers: i64,
    pub versions: i64,
    pub audit_entries: i64,
    pub audit_head: String,
}

impl Facts {
    pub fn describe(&self) -> String {
        format!(
            "customers={} versions={} audit_entries={} audit_head={}",
            self.customers,
            self.versions,
            self.audit_entries,
            &self.audit_head[..self.audit_head.len().min(16)]
        )
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Counts and the log head, on whatever connection (and snapshot) it is given.
pub fn facts(conn: &mut DbConnection) -> anyhow::Result<Facts> {
    let count = |conn: &mut DbConnection, table: &str| -> anyhow::Result<i64> {
        Ok(
            diesel::sql_query(format!("SELECT CAST(count(*) AS BIGINT) AS n FROM {table}"))
                .get_result::<Count>(conn)?
                .n,
        )
    };
    let head = diesel::sql_query("SELECT hash AS name FROM audit_head WHERE id = 1")
        .get_result::<Name>(conn)?
        .name;
    Ok(Facts {
        customers: count(conn, "customers")?,
        versions: count(conn, "customer_versions")?,
        audit_entries: count(conn, "audit_log")?,
        audit_head: head,
    })
}

/// A finished backup file and what it holds.
#[derive(Debug, Clone)]
pub struct Made {
    pub path: PathBuf,
    pub size: i64,
    pub sha256: String,
    pub facts: Facts,
    pub created_at: NaiveDateTime,
}

/// Makes an encrypted copy of the database in the backup folder.
pub fn make(settings: &Settings, keys: &Keys, conn: &mut DbConnection) -> anyhow::Result<Made> {
    let key = keys
        .backup_key()
        .context("the key file has no backup key (restart the app once to add one)")?;
    let dir = settings.backup_dir();
    crate::crypto::private_file::create_dir(&dir)
        .or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })
        .with_context(|| format!("cannot create the backup folder {}", dir.display()))?;
    let created_at = db::now();
    let name = format!("dossier-{}.backup", created_at.format("%Y%m%d-%H%M%S-%6f"));
    let scratch = tempfile::Builder::new()
        .prefix(".making-")
        .tempdir_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let plain = scratch.path().join("copy");
    let (kind, facts) = match conn.backend() {
        Backend::Sqlite => {
            let target = plain.display().to_string().replace('\'', "''");
            diesel::sql_query(format!("VACUUM INTO '{target}'")).execute(conn)?;
            let mut copy = DbConnection::open(&plain.display().to_string())
                .map_err(|e| anyhow::anyhow!("cannot open the copy: {e}"))?;
            (Kind::Sqlite, facts(&mut copy)?)
        }
        Backend::Postgres => dump_postgres(settings, conn, &plain)?,
    };
    let temp_out = scratch.path().join("sealed");
    file::encrypt(key, kind, &plain, &temp_out)?;
    let path = dir.join(&name);
    std::fs::rename(&temp_out, &path)
        .with_context(|| format!("cannot move the backup to {}", path.display()))?;
    let size = std::fs::metadata(&path)?.len() as i64;
    Ok(Made {
        sha256: file::sha256(&path)?,
        path,
        size,
        facts,
        created_at,
    })
}

/// `pg_dump` of the schema in use, from a snapshot exported by a REPEATABLE READ
/// transaction in which the counts and the log head are read: both see the same data.
fn dump_postgres(
    settings: &Settings,
    conn: &mut DbConnection,
    out: &Path,
) -> anyhow::Result<(Kind, Facts)> {
    let schema = diesel::sql_query("SELECT current_schema() AS name")
        .get_result::<Name>(conn)?
        .name;
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    let result = (|| -> anyhow::Result<Facts> {
        let snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS name")
            .get_result::<Name>(conn)?
            .name;
        let facts = facts(conn)?;
        let output = std::fs::File::create(out)?;
        let status = Command::new(&settings.backup.pg_dump)
            .arg("--dbname")
            .arg(settings.effective_database_url())
            .args(["--format=plain", "--no-owner", "--no-privileges"])
            .arg(format!("--schema={schema}"))
            .arg(format!("--snapshot={snapshot}"))
            .stdout(output)
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("cannot run {}", settings.backup.pg_dump))?;
        if !status.status.success() {
            bail!(
                "{} failed: {}",
                settings.backup.pg_dump,
                String::from_utf8_lossy(&status.stderr).trim()
            );
        }
        Ok(facts)
    })();
    let _ = conn.batch_execute("COMMIT");
    let facts = result?;
    if schema == "public" {
        drop_public_schema_creation(out)?;
    }
    Ok((Kind::Postgres { schema }, facts))
}

/// Every database has schema `public` (with `pg_trgm` in it), so a dump that creates it
/// would stop at its first line on restore: those statements are left out.
fn drop_public_schema_creation(dump: &Path) -> anyhow::Result<()> {
    use std::io::{BufRead, BufWriter, Write};
    let filtered = dump.with_extension("filtered");
    {
        let input = std::io::BufReader::new(std::fs::File::open(dump)?);
        let mut output = BufWriter::new(std::fs::File::create(&filtered)?);
        for line in input.split(b'\n') {
            let line = line?;
            if line == b"CREATE SCHEMA public;" || line.starts_with(b"COMMENT ON SCHEMA public ") {
                continue;
            }
            output.write_all(&line)?;
            output.write_all(b"\n")?;
        }
        output.flush()?;
    }
    std::fs::rename(&filtered, dump)?;
    Ok(())
}

/// Restores `backup` into a scratch database and reads its facts back. The scratch copy
/// is removed whatever happens.
pub fn check(
    settings: &Settings,
    keys: &Keys,
    conn: &mut DbConnection,
    backup: &Path,
) -> anyhow::Result<Facts> {
    let key = keys
        .backup_key()
        .context("the key file has no backup key")?;
    let scratch = tempfile::Builder::new()
        .prefix(".checking-")
        .tempdir_in(backup.parent().unwrap_or(Path::new(".")))?;
    let plain = scratch.path().join("copy");
    let header = file::decrypt(key, backup, &plain)?;
    match header.kind {
        Kind::Sqlite => {
            let mut copy = DbConnection::open(&plain.display().to_string())
                .map_err(|e| anyhow::anyhow!("the restored copy does not open: {e}"))?;
            let ok = diesel::sql_query("PRAGMA quick_check").get_result::<QuickCheck>(&mut copy)?;
            if ok.quick_check != "ok" {
                bail!("the restored copy is damaged: {}", ok.quick_check);
            }
            facts(&mut copy)
        }
        Kind::Postgres { schema } => {
            let database = format!("dossier_verify_{:016x}", rand::random::<u64>());
            conn.batch_execute(&format!("CREATE DATABASE {database}"))?;
            let result = (|| {
                let url = other_database(&settings.effective_database_url(), &database, &schema)?;
                load_sql(settings, &url, &plain)?;
                let mut copy = DbConnection::open(&url)
                    .map_err(|e| anyhow::anyhow!("cannot open the scratch database: {e}"))?;
                facts(&mut copy)
            })();
            if let Err(e) =
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            {
                tracing::error!(%database, error = %e, "cannot drop the scratch database");
            }
            result
        }
    }
}

#[derive(QueryableByName)]
struct QuickCheck {
    #[diesel(sql_type = Text)]
    quick_check: String,
}

/// The same server and credentials, another database, the given schema first.
fn other_database(url: &str, database: &str, schema: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).context("the database URL does not parse")?;
    parsed.set_path(&format!("/{database}"));
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| k != "options")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parsed.set_query(None);
    {
        let mut pairs = parsed.query_pairs_mut();
        for (k, v) in &kept {
            pairs.append_pair(k, v);
        }
        pairs.append_pair("options", &format!("-csearch_path={schema}"));
    }
    Ok(parsed.to_string())
}

/// Loads a plain SQL dump with psql into the database at `url`, stopping at the first
/// error. `pg_trgm` lives in schema public, as the migrations create it.
pub fn load_sql(settings: &Settings, url: &str, dump: &Path) -> anyhow::Result<()> {
    let output = Command::new(&settings.backup.psql)
        .args([
            "--quiet",
            "--no-psqlrc",
            "-v",
            "ON_ERROR_STOP=1",
            "--dbname",
        ])
        .arg(url)
        .args([
            "-c",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
        ])
        .arg("--file")
        .arg(dump)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {}", settings.backup.psql))?;
    if !output.status.success() {
        bail!(
            "{} could not load the dump: {}",
            settings.backup.psql,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Copies a verified backup to the off-site folder (temp name, then rename) and checks
/// the copy's checksum. Returns the copy's path.
pub fn copy_offsite(backup: &Path, sha256: &str, offsite: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(offsite)
        .with_context(|| format!("the off-site folder {} is not reachable", offsite.display()))?;
    let name = backup.file_name().context("backup without a file name")?;
    let temp = offsite.join(format!(".{}.partial", name.to_string_lossy()));
    let target = offsite.join(name);
    std::fs::copy(backup, &temp)
        .with_context(|| format!("cannot copy to {}", offsite.display()))?;
    std::fs::File::open(&temp)?.sync_all()?;
    if file::sha256(&temp)? != sha256 {
        let _ = std::fs::remove_file(&temp);
        bail!("the off-site copy's checksum does not match");
    }
    std::fs::rename(&temp, &target)?;
    Ok(target)
}
