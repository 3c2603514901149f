//! `interactions`: calls, visits, emails, messages logged on a record.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::interactions;
use super::{now, DbConnection};
use crate::domain::audit::Actor;

/// Deserialize: PostgreSQL's record page reads these as JSON (`record_details`).
#[derive(Debug, Clone, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = interactions)]
pub struct Interaction {
    pub id: i32,
    pub customer_id: i32,
    pub occurred_on: NaiveDate,
    pub channel: String,
    pub summary: String,
    pub created_by_id: Option<i32>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    customer_id: i32,
    on: NaiveDate,
    channel: &str,
    summary: &str,
    actor: &Actor,
) -> QueryResult<()> {
    diesel::insert_into(interactions::table)
        .values((
            interactions::customer_id.eq(customer_id),
            interactions::occurred_on.eq(on),
            interactions::channel.eq(channel),
            interactions::summary.eq(summary),
            interactions::created_by_id.eq(actor.id()),
            interactions::created_by.eq(actor.name()),
            interactions::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The latest interactions of a record, newest first.
pub fn recent(
    conn: &mut DbConnection,
    customer_id: i32,
    limit: i64,
) -> QueryResult<Vec<Interaction>> {
    interactions::table
        .filter(interactions::customer_id.eq(customer_id))
        .order((interactions::occurred_on.desc(), interactions::id.desc()))
        .limit(limit)
        .select(Interaction::as_select())
        .load(conn)
}
