//! `backups`: every backup the job made, what its restore check found, and where copies
//! went. (`failing` also reads the backup job's latest run in `job_runs`: a run that
//! failed before it wrote a row fails the backups too.)

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::backups;
use super::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = backups)]
pub struct BackupRow {
    pub id: i32,
    pub file_name: String,
    pub created_at: NaiveDateTime,
    pub size_bytes: i64,
    pub sha256: String,
    pub state: String,
    pub detail: String,
    pub customers_count: i64,
    pub audit_seq: i64,
    pub audit_hash: String,
    pub verified_at: Option<NaiveDateTime>,
    pub offsite_path: Option<String>,
    pub deleted_at: Option<NaiveDateTime>,
}

pub struct NewBackup<'a> {
    pub file_name: &'a str,
    pub created_at: NaiveDateTime,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub verified: bool,
    pub detail: &'a str,
    pub customers: i64,
    pub audit_entries: i64,
    pub audit_hash: &'a str,
}

pub fn insert(conn: &mut DbConnection, b: &NewBackup) -> QueryResult<i32> {
    diesel::insert_into(backups::table)
        .values((
            backups::file_name.eq(b.file_name),
            backups::created_at.eq(b.created_at),
            backups::size_bytes.eq(b.size_bytes),
            backups::sha256.eq(b.sha256),
            backups::state.eq(if b.verified { "verified" } else { "failed" }),
            backups::detail.eq(b.detail),
            backups::customers_count.eq(b.customers),
            backups::audit_seq.eq(b.audit_entries),
            backups::audit_hash.eq(b.audit_hash),
            backups::verified_at.eq(b.verified.then(now)),
        ))
        .execute(conn)?;
    backups::table
        .filter(backups::file_name.eq(b.file_name))
        .select(backups::id)
        .first(conn)
}

/// Backups whose files still exist, newest first.
pub fn present(conn: &mut DbConnection) -> QueryResult<Vec<BackupRow>> {
    backups::table
        .filter(backups::deleted_at.is_null())
        .order(backups::id.desc())
        .select(BackupRow::as_select())
        .load(conn)
}

/// The latest backups, newest first, rotated ones included.
pub fn recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<BackupRow>> {
    backups::table
        .order(backups::id.desc())
        .limit(limit)
        .select(BackupRow::as_select())
        .load(conn)
}

pub fn mark_deleted(conn: &mut DbConnection, id: i32) -> QueryResult<()> {
    diesel::update(backups::table.find(id))
        .set((backups::state.eq("deleted"), backups::deleted_at.eq(now())))
        .execute(conn)
        .map(drop)
}

pub fn set_offsite(conn: &mut DbConnection, id: i32, path: &str) -> QueryResult<()> {
    diesel::update(backups::table.find(id))
        .set(backups::offsite_path.eq(path))
        .execute(conn)
        .map(drop)
}

/// When a copy last went off-site.
pub fn last_offsite(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    backups::table
        .filter(backups::offsite_path.is_not_null())
        .select(diesel::dsl::max(backups::created_at))
        .first(conn)
}

/// Whether the latest backup, or the latest run of the backup job, failed: shown on
/// every admin's home page until a later one succeeds.
pub fn failing(conn: &mut DbConnection) -> QueryResult<bool> {
    use super::schema::job_runs;
    let latest_row: Option<String> = backups::table
        .order(backups::id.desc())
        .select(backups::state)
        .first(conn)
        .optional()?;
    let latest_run: Option<String> = job_runs::table
        .filter(job_runs::job.eq("backup"))
        .filter(job_runs::result.ne("running"))
        .order(job_runs::id.desc())
        .select(job_runs::result)
        .first(conn)
        .optional()?;
    Ok(latest_row.as_deref() == Some("failed") || latest_run.as_deref() == Some("failed"))
}
