//! Backups: a consistent copy of the whole database (SQLite `VACUUM INTO`, PostgreSQL
//! `pg_dump` on an exported snapshot), encrypted with the backup key, checksummed, and
//! called good only after it was restored into a scratch database whose row counts and
//! operation-log head match the ones read from the same snapshot.

pub mod file;
pub mod restore;
pub mod rotation;
pub mod scratch;

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
use crate::stop::{Interrupted, Stop};
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

/// Makes an encrypted copy of the database in the backup folder. `stop` cuts `pg_dump`
/// short (the scratch copy goes with it).
pub fn make(
    settings: &Settings,
    keys: &Keys,
    conn: &mut DbConnection,
    stop: &Stop,
) -> anyhow::Result<Made> {
    let key = keys
        .backup_key()
        .context("the key file has no backup key (restart the app once to add one)")?;
    let dir = settings.backup_dir();
    crate::crypto::private_file::create_dir(&dir)
        .or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })
        .with_context(|| format!("cannot create the backup folder {}", dir.display()))?;
    let created_at = db::now();
    let name = format!("dossier-{}.backup", created_at.format("%Y%m%d-%H%M%S-%6f"));
    let scratch = scratch::Folder::new(&dir, ".making-")?;
    let plain = scratch.path().join("copy");
    let (kind, facts) = match conn.backend() {
        Backend::Sqlite => {
            let target = plain.display().to_string().replace('\'', "''");
            diesel::sql_query(format!("VACUUM INTO '{target}'")).execute(conn)?;
            let mut copy =
                DbConnection::open(&plain.display().to_string()).context("cannot open the copy")?;
            (Kind::Sqlite, facts(&mut copy)?)
        }
        Backend::Postgres => dump_postgres(settings, conn, &plain, stop)?,
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
    stop: &Stop,
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
        let mut command = Command::new(&settings.backup.pg_dump);
        command
            .arg("--dbname")
            .arg(settings.effective_database_url())
            .args(["--format=plain", "--no-owner", "--no-privileges"])
            .arg(format!("--schema={schema}"))
            .arg(format!("--snapshot={snapshot}"))
            .stdout(output);
        let (success, stderr) = run_child(command, &settings.backup.pg_dump, stop)?;
        if !success {
            bail!("{} failed: {}", settings.backup.pg_dump, stderr.trim());
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
/// is removed whatever happens (a killed process's, by the next backup: `scratch`);
/// `stop` cuts the restore short.
pub fn check(
    settings: &Settings,
    keys: &Keys,
    conn: &mut DbConnection,
    backup: &Path,
    stop: &Stop,
) -> anyhow::Result<Facts> {
    let key = keys
        .backup_key()
        .context("the key file has no backup key")?;
    let scratch = scratch::Folder::new(backup.parent().unwrap_or(Path::new(".")), ".checking-")?;
    let plain = scratch.path().join("copy");
    let header = file::decrypt(key, backup, &plain)?;
    match header.kind {
        Kind::Sqlite => {
            let mut copy = DbConnection::open(&plain.display().to_string())
                .context("the restored copy does not open")?;
            let ok = diesel::sql_query("PRAGMA quick_check").get_result::<QuickCheck>(&mut copy)?;
            if ok.quick_check != "ok" {
                bail!("the restored copy is damaged: {}", ok.quick_check);
            }
            facts(&mut copy)
        }
        Kind::Postgres { schema } => {
            let database = scratch::create_database(conn)?;
            let result = (|| {
                let url = other_database(&settings.effective_database_url(), &database, &schema)?;
                load_sql(settings, &url, &plain, stop)?;
                let mut copy =
                    DbConnection::open(&url).context("cannot open the scratch database")?;
                facts(&mut copy)
            })();
            scratch::drop_database(conn, &database);
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
/// error (or when `stop` is raised). `pg_trgm` lives in schema public, as the migrations
/// create it.
pub fn load_sql(settings: &Settings, url: &str, dump: &Path, stop: &Stop) -> anyhow::Result<()> {
    let mut command = Command::new(&settings.backup.psql);
    command
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
        .stdout(Stdio::null());
    let (success, stderr) = run_child(command, &settings.backup.psql, stop)?;
    if !success {
        bail!(
            "{} could not load the dump: {}",
            settings.backup.psql,
            stderr.trim()
        );
    }
    Ok(())
}

/// Runs `command` to its end and returns whether it succeeded and what it wrote to
/// stderr; kills it (`Interrupted`) once `stop` is raised: a dump or restore of a large
/// database takes longer than the app may take to stop.
fn run_child(mut command: Command, program: &str, stop: &Stop) -> anyhow::Result<(bool, String)> {
    use std::io::Read;
    let mut child = command
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {program}"))?;
    let stderr = child.stderr.take();
    // Read meanwhile: a child whose stderr pipe is full would wait for ever.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    loop {
        if let Some(status) = child.try_wait()? {
            let stderr = reader.join().unwrap_or_default();
            return Ok((status.success(), stderr));
        }
        if stop.is_raised() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Interrupted.into());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
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
