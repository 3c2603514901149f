//! The scratch copies a backup makes on its way: folders in the backup folder (`.making-…`
//! while the copy is made and sealed, `.checking-…` while it is restored and checked) and,
//! on PostgreSQL, a scratch database (`dossier_verify_<database oid>_<key>`).
//!
//! Each is locked while in use: the folder by a file lock on its `lock` file, the database
//! by a session advisory lock on `<key>`. The operating system or the server drops the
//! lock when its process dies, so a scratch copy whose lock can be taken was left by a
//! backup that was killed, and the next backup removes it; one whose lock is held belongs
//! to a backup running now (another instance, or `dossier backup`) and stays.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use tempfile::TempDir;

use crate::db::{Backend, DbConnection};

const FOLDER_PREFIXES: [&str; 2] = [".making-", ".checking-"];
const LOCK_FILE: &str = "lock";
/// A folder without its lock file is in its first instant, or older than locks: after
/// this long, it is the latter.
const UNLOCKED_GRACE: Duration = Duration::from_secs(60);

/// A scratch folder, locked while it lives, removed with everything in it when dropped.
pub struct Folder {
    dir: TempDir,
    _lock: File,
}

impl Folder {
    /// `prefix` is `.making-` or `.checking-`.
    pub fn new(parent: &Path, prefix: &str) -> anyhow::Result<Folder> {
        debug_assert!(FOLDER_PREFIXES.contains(&prefix));
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(parent)
            .with_context(|| format!("cannot write in {}", parent.display()))?;
        let lock = File::create(dir.path().join(LOCK_FILE))?;
        lock.lock()?;
        Ok(Folder { dir, _lock: lock })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes the scratch folders in `parent` and the scratch databases that no running
/// backup holds. Returns how many.
pub fn remove_stale(parent: &Path, conn: &mut DbConnection) -> anyhow::Result<usize> {
    let mut removed = remove_stale_folders(parent);
    if conn.backend() == Backend::Postgres {
        removed += remove_stale_databases(conn)?;
    }
    Ok(removed)
}

fn remove_stale_folders(parent: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !FOLDER_PREFIXES.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        let path = entry.path();
        let stale = match File::open(path.join(LOCK_FILE)) {
            // Taken: its backup is gone. The lock is kept until the folder is removed.
            Ok(lock) => lock.try_lock().is_ok(),
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > UNLOCKED_GRACE),
        };
        if !stale {
            continue;
        }
        match std::fs::remove_dir_all(&path) {
            Ok(()) => {
                tracing::warn!(folder = %path.display(), "removed a scratch folder a stopped backup left");
                removed += 1;
            }
            Err(e) => {
                tracing::error!(folder = %path.display(), error = %e, "cannot remove a stale scratch folder")
            }
        }
    }
    removed
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Taken {
    #[diesel(sql_type = Bool)]
    taken: bool,
}

/// Scratch databases of this database are named after its oid: the advisory locks that
/// guard them are per database, so another database's would always look free.
fn database_prefix(conn: &mut DbConnection) -> QueryResult<String> {
    diesel::sql_query(
        "SELECT 'dossier_verify_' || oid::text || '_' AS name FROM pg_database \
         WHERE datname = current_database()",
    )
    .get_result::<Name>(conn)
    .map(|n| n.name)
}

/// A new scratch database, locked by this connection until `drop_database`.
pub fn create_database(conn: &mut DbConnection) -> anyhow::Result<String> {
    let key = rand::random::<u64>() >> 1;
    let name = format!("{}{key:016x}", database_prefix(conn)?);
    take_lock(conn, key as i64)?;
    if let Err(e) = conn.batch_execute(&format!("CREATE DATABASE {name}")) {
        unlock(conn, key as i64);
        return Err(e.into());
    }
    Ok(name)
}

/// Drops a scratch database made by `create_database` and releases its lock.
pub fn drop_database(conn: &mut DbConnection, name: &str) {
    if let Err(e) = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
        tracing::error!(database = %name, error = %e, "cannot drop the scratch database");
        return;
    }
    if let Some(key) = key_of(name) {
        unlock(conn, key);
    }
}

fn remove_stale_databases(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let prefix = database_prefix(conn)?;
    let names = diesel::sql_query(
        "SELECT datname::text AS name FROM pg_database WHERE starts_with(datname::text, $1)",
    )
    .bind::<Text, _>(&prefix)
    .load::<Name>(conn)?;
    let mut removed = 0;
    for Name { name } in names {
        let Some(key) = key_of(&name) else { continue };
        let taken = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS taken")
            .bind::<BigInt, _>(key)
            .get_result::<Taken>(conn)?
            .taken;
        if !taken {
            continue;
        }
        drop_database(conn, &name);
        tracing::warn!(database = %name, "removed a scratch database a stopped backup left");
        removed += 1;
    }
    Ok(removed)
}

/// The lock key a scratch database's name ends with.
fn key_of(name: &str) -> Option<i64> {
    let (_, hex) = name.rsplit_once('_')?;
    i64::from_str_radix(hex, 16).ok()
}

fn take_lock(conn: &mut DbConnection, key: i64) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(key)
        .execute(conn)
        .map(drop)
}

fn unlock(conn: &mut DbConnection, key: i64) {
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(key)
        .execute(conn);
    if let Err(e) = unlocked {
        tracing::error!(error = %e, "cannot release a scratch database's lock");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_left_unlocked_is_removed_and_one_in_use_stays() {
        let parent = tempfile::tempdir().unwrap();
        let in_use = Folder::new(parent.path(), ".checking-").unwrap();
        let left = Folder::new(parent.path(), ".making-").unwrap();
        let left_path = left.path().to_path_buf();
        // What a killed process leaves: the folder, its files, and no lock holder.
        std::mem::forget(left.dir);
        drop(left._lock);
        std::fs::write(left_path.join("copy"), b"half a database").unwrap();
        std::fs::create_dir(parent.path().join("kept")).unwrap();

        assert_eq!(remove_stale_folders(parent.path()), 1);
        assert!(!left_path.exists());
        assert!(in_use.path().exists());
        assert!(parent.path().join("kept").exists());
    }

    #[test]
    fn the_key_is_read_back_from_the_name() {
        assert_eq!(key_of("dossier_verify_16384_00000000000000ff"), Some(255));
        assert_eq!(key_of("dossier_verify_16384_zz"), None);
    }
}
