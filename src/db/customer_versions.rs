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

/// Who a version the app writes by itself names: no user, `changed_by` "system".
pub static SYSTEM: Actor = Actor::System;

impl<'a> NewVersion<'a> {
    /// The one shape of a version the app writes by itself (a scheduled job): no user
    /// (`changed_by_id` NULL, `changed_by` "system"), a reason in both languages saying
    /// what did it (`"6 个月无互动，转入待激活 / no interaction for 6 months: pending
    /// activation"`), and the usual change list (`history::to_json`). A job that writes
    /// many in one statement builds the same row in SQL: see `one_change_sql`.
    pub fn system(customer_id: i32, version: i32, reason: &'a str, changes: String) -> Self {
        NewVersion {
            customer_id,
            version,
            actor: &SYSTEM,
            reason,
            changes,
            restored_from: None,
            change_report_id: None,
        }
    }
}

/// A one-field change list as an SQL text expression, the same text `history::to_json`
/// writes for `[Change { field, old, new }]`, for versions made by `INSERT … SELECT`
/// (both backends: `||` and `COALESCE`). `old_sql` and `new_sql` are SQL text
/// expressions (on PostgreSQL cast dates to text) whose values need no JSON escaping,
/// such as status names and ISO dates; SQL NULL becomes JSON null.
pub fn one_change_sql(field: &str, old_sql: &str, new_sql: &str) -> String {
    let quoted = |sql: &str| format!("COALESCE('\"' || {sql} || '\"', 'null')");
    format!(
        "'[{{\"field\":\"{field}\",\"old\":' || {} || ',\"new\":' || {} || '}}]'",
        quoted(old_sql),
        quoted(new_sql)
    )
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
    super::conn::insert_bulk!(
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

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{Connection, RunQueryDsl, SqliteConnection};

    use super::one_change_sql;
    use crate::domain::history::{to_json, Change};

    #[test]
    fn a_change_list_built_in_sql_is_the_one_to_json_writes() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        for (old, new) in [
            (Some("active"), Some("cleanup")),
            (None, Some("2026-12-03")),
        ] {
            let sql_of = |v: Option<&str>| v.map_or("NULL".to_string(), |v| format!("'{v}'"));
            let built: String = diesel::select(diesel::dsl::sql::<Text>(&one_change_sql(
                "status",
                &sql_of(old),
                &sql_of(new),
            )))
            .get_result(&mut conn)
            .unwrap();
            let change = Change {
                field: "status".into(),
                old: old.map(str::to_string),
                new: new.map(str::to_string),
            };
            assert_eq!(built, to_json(&[change]));
        }
    }
}
