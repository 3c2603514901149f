//! The home page: the user's office, the reported changes past their deadline, and
//! whether the latest backup failed.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::db::{backups, change_reports, offices, DbConnection};

/// Who asks, as far as the home page cares.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    /// Their office; none for a user over all offices.
    pub office_id: Option<i32>,
    /// May read customer records (and so handles reported changes).
    pub reads_customers: bool,
    /// Looks after the jobs, backups among them.
    pub watches_backups: bool,
}

/// What the home page shows besides the user's own name and roles.
#[derive(Debug, Clone)]
pub struct Home {
    /// The office's name.
    pub office: Option<String>,
    /// Reported changes past their deadline in the office, for users who read records.
    pub overdue: Option<i64>,
    /// The latest backup failed (told only to those who watch backups).
    pub backup_failing: bool,
}

/// The home page for `viewer` at `now` (a stored, UTC instant).
pub fn for_viewer(
    conn: &mut DbConnection,
    viewer: Viewer,
    now: NaiveDateTime,
) -> QueryResult<Home> {
    let office = match viewer.office_id {
        Some(id) => offices::find(conn, id)?.map(|o| o.name),
        None => None,
    };
    let overdue = if viewer.reads_customers {
        Some(change_reports::overdue_count(conn, viewer.office_id, now)?)
    } else {
        None
    };
    let backup_failing = viewer.watches_backups && backups::failing(conn)?;
    Ok(Home {
        office,
        overdue,
        backup_failing,
    })
}
