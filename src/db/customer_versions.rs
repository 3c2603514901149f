//! `customer_versions`: one row per save, holding only the fields that changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::customer_versions;
use super::{now, DbConnection};
use crate::domain::audit::Actor;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customer_versions)]
pub struct Version {
    pub id: i32,
    pub customer_id: i32,
    pub version: i32,
    pub changed_at: NaiveDateTime,
    pub changed_by_id: Option<i32>,
    pub changed_by: String,
    pub reason: String,
    /// JSON array of `{"field", "old", "new"}`.
    pub changes: String,
    pub restored_from: Option<i32>,
    pub change_report_id: Option<i32>,
}

/// What a save adds to the history.
pub struct NewVersion<'a> {
    pub customer_id: i32,
    pub version: i32,
    pub actor: &'a Actor,
    pub reason: &'a str,
    pub changes: String,
    pub restored_from: Option<i32>,
    pub change_report_id: Option<i32>,
}

/// `insert` for many records at once (the import).
pub fn insert_many(conn: &mut DbConnection, versions: &[NewVersion]) -> QueryResult<()> {
    let at = now();
    // Owned values: see `sqlite_insert_chunks!`.
    let values: Vec<_> = versions
        .iter()
        .map(|v| {
            (
                customer_versions::customer_id.eq(v.customer_id),
                customer_versions::version.eq(v.version),
                customer_versions::changed_at.eq(at),
                customer_versions::changed_by_id.eq(v.actor.id()),
                customer_versions::changed_by.eq(v.actor.name().to_string()),
                customer_versions::reason.eq(v.reason.to_string()),
                customer_versions::changes.eq(v.changes.clone()),
                customer_versions::restored_from.eq(v.restored_from),
                customer_versions::change_report_id.eq(v.change_report_id),
            )
        })
        .collect();
    super::insert_bulk!(
        conn,
        customer_versions::table,
        &values,
        super::ROWS_PER_INSERT * 2
    )?;
    Ok(())
}

pub fn insert(conn: &mut DbConnection, v: &NewVersion) -> QueryResult<()> {
    diesel::insert_into(customer_versions::table)
        .values((
            customer_versions::customer_id.eq(v.customer_id),
            customer_versions::version.eq(v.version),
            customer_versions::changed_at.eq(now()),
            customer_versions::changed_by_id.eq(v.actor.id()),
            customer_versions::changed_by.eq(v.actor.name()),
            customer_versions::reason.eq(v.reason),
            customer_versions::changes.eq(&v.changes),
            customer_versions::restored_from.eq(v.restored_from),
            customer_versions::change_report_id.eq(v.change_report_id),
        ))
        .execute(conn)
        .map(drop)
}

/// Every version of a record, newest first.
pub fn of_customer(conn: &mut DbConnection, customer_id: i32) -> QueryResult<Vec<Version>> {
    customer_versions::table
        .filter(customer_versions::customer_id.eq(customer_id))
        .order(customer_versions::version.desc())
        .select(Version::as_select())
        .load(conn)
}

/// The versions after `version`, newest first: what to undo to get back to it.
pub fn newer_than(
    conn: &mut DbConnection,
    customer_id: i32,
    version: i32,
) -> QueryResult<Vec<Version>> {
    customer_versions::table
        .filter(customer_versions::customer_id.eq(customer_id))
        .filter(customer_versions::version.gt(version))
        .order(customer_versions::version.desc())
        .select(Version::as_select())
        .load(conn)
}
