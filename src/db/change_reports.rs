//! `change_reports` (变更登记): changes customers reported, due within two days.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{change_reports, communities, customers};
use super::{now, DbConnection};
use crate::domain::audit::Actor;

/// Deserialize: PostgreSQL's record page reads these as JSON (`record_details`).
#[derive(Debug, Clone, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = change_reports)]
pub struct ChangeReport {
    pub id: i32,
    pub customer_id: i32,
    pub reported_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub description: String,
    pub reported_by_id: Option<i32>,
    pub reported_by: String,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub applied_version: Option<i32>,
    pub applied_by: Option<String>,
    /// Set when the report was closed without an edit ("no change needed"): why. Such a
    /// report has `applied_at` and `applied_by` and no `applied_version`.
    pub no_change_reason: Option<String>,
}

/// A report with the record it is about, for the queue page.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub report: ChangeReport,
    pub code: String,
    pub name: String,
}

pub fn insert(
    conn: &mut DbConnection,
    customer_id: i32,
    reported_at: NaiveDateTime,
    due_at: NaiveDateTime,
    description: &str,
    actor: &Actor,
) -> QueryResult<()> {
    insert_by(
        conn,
        customer_id,
        reported_at,
        due_at,
        description,
        actor.id(),
        actor.name(),
    )
}

/// As `insert`, with the reporter named in words (e.g. a customer through their link).
pub fn insert_by(
    conn: &mut DbConnection,
    customer_id: i32,
    reported_at: NaiveDateTime,
    due_at: NaiveDateTime,
    description: &str,
    reported_by_id: Option<i32>,
    reported_by: &str,
) -> QueryResult<()> {
    diesel::insert_into(change_reports::table)
        .values((
            change_reports::customer_id.eq(customer_id),
            change_reports::reported_at.eq(reported_at),
            change_reports::due_at.eq(due_at),
            change_reports::description.eq(description),
            change_reports::reported_by_id.eq(reported_by_id),
            change_reports::reported_by.eq(reported_by),
            change_reports::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<ChangeReport>> {
    change_reports::table
        .find(id)
        .select(ChangeReport::as_select())
        .first(conn)
        .optional()
}

/// Links the report to the version that applied it. Call inside the save's transaction.
pub fn mark_applied(conn: &mut DbConnection, id: i32, version: i32, by: &str) -> QueryResult<()> {
    diesel::update(
        change_reports::table
            .find(id)
            .filter(change_reports::applied_at.is_null()),
    )
    .set((
        change_reports::applied_at.eq(now()),
        change_reports::applied_version.eq(version),
        change_reports::applied_by.eq(by),
    ))
    .execute(conn)
    .map(drop)
}

/// Closes an open report without a new version ("no change needed"), with the reason.
/// False when it was closed already. Call inside the use case's transaction.
pub fn close_without_change(
    conn: &mut DbConnection,
    id: i32,
    reason: &str,
    by: &str,
) -> QueryResult<bool> {
    let updated = diesel::update(
        change_reports::table
            .find(id)
            .filter(change_reports::applied_at.is_null()),
    )
    .set((
        change_reports::applied_at.eq(now()),
        change_reports::applied_by.eq(by),
        change_reports::no_change_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The reports closed last (applied as a version or closed as needing no change), the
/// latest first, within an office if given: the queue's own history.
pub fn recently_closed(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<OpenReport>> {
    list(conn, office_id, limit, true)
}

/// Open reports, earliest due first (so overdue ones lead), within an office if given.
pub fn open(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<OpenReport>> {
    list(conn, office_id, limit, false)
}

/// The queue's two lists: open reports by due time, or closed ones latest first.
fn list(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    limit: i64,
    closed: bool,
) -> QueryResult<Vec<OpenReport>> {
    let query = change_reports::table
        .inner_join(customers::table)
        .select((ChangeReport::as_select(), customers::code, customers::name))
        .limit(limit)
        .into_boxed();
    let mut query = if closed {
        query
            .filter(change_reports::applied_at.is_not_null())
            .order((change_reports::applied_at.desc(), change_reports::id.desc()))
    } else {
        query
            .filter(change_reports::applied_at.is_null())
            .order(change_reports::due_at)
    };
    if let Some(office) = office_id {
        let names = communities::table
            .filter(communities::office_id.eq(office))
            .select(communities::name);
        query = query.filter(customers::community.eq_any(names));
    }
    let rows: Vec<(ChangeReport, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(report, code, name)| OpenReport { report, code, name })
        .collect())
}

/// How many open reports are past due at `now` (the app's clock), within an office if given.
pub fn overdue_count(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let mut query = change_reports::table
        .inner_join(customers::table)
        .filter(change_reports::applied_at.is_null())
        .filter(change_reports::due_at.lt(now))
        .count()
        .into_boxed();
    if let Some(office) = office_id {
        let names = communities::table
            .filter(communities::office_id.eq(office))
            .select(communities::name);
        query = query.filter(customers::community.eq_any(names));
    }
    query.get_result(conn)
}

/// Open reports of one record.
pub fn open_for_customer(
    conn: &mut DbConnection,
    customer_id: i32,
) -> QueryResult<Vec<ChangeReport>> {
    change_reports::table
        .filter(change_reports::customer_id.eq(customer_id))
        .filter(change_reports::applied_at.is_null())
        .order(change_reports::due_at)
        .select(ChangeReport::as_select())
        .load(conn)
}
