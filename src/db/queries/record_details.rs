//! What the record page shows besides the record: its tags, contacts, recent interactions,
//! open reported changes and, for an enterprise, its key contacts.
//!
//! On SQLite these are four cached statements in-process. On PostgreSQL each statement
//! is a round trip (about 70 µs of CPU between server, libpq and the kernel, on the same
//! two cores), so there they come back from one statement, as JSON arrays built by
//! subqueries that mirror the four queries. The record-page tests run on both backends and
//! check what each part shows.

use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::change_reports::{self, ChangeReport};
use crate::db::customer_contacts::{self, Contact};
use crate::db::enterprise_contacts::{self, KeyContact};
use crate::db::interactions::{self, Interaction};
use crate::db::{tags, DbConnection};

#[derive(Debug, Clone, Default)]
pub struct Details {
    /// Tag paths, in order.
    pub tags: Vec<String>,
    /// Every phone and email the record has had, current and replaced.
    pub contacts: Vec<Contact>,
    /// The newest `interactions` ones, newest first.
    pub interactions: Vec<Interaction>,
    /// Reported changes not applied yet, the first due first.
    pub open_reports: Vec<ChangeReport>,
    /// An enterprise's key contacts (asked for with `with_key_contacts`), else none.
    pub key_contacts: Vec<KeyContact>,
}

pub fn of_customer(
    conn: &mut DbConnection,
    customer_id: i32,
    interactions: i64,
    with_key_contacts: bool,
) -> QueryResult<Details> {
    let mut details = match &mut *conn {
        DbConnection::Pg(c) => in_one_statement(c, customer_id, interactions)?,
        conn => Details {
            tags: tags::of_customer(conn, customer_id)?,
            contacts: customer_contacts::of_customer(conn, customer_id)?,
            interactions: interactions::recent(conn, customer_id, interactions)?,
            open_reports: change_reports::open_for_customer(conn, customer_id)?,
            key_contacts: Vec::new(),
        },
    };
    if with_key_contacts {
        details.key_contacts = enterprise_contacts::of_customer(conn, customer_id)?;
    }
    Ok(details)
}

fn in_one_statement(
    conn: &mut PgConnection,
    customer_id: i32,
    interactions: i64,
) -> QueryResult<Details> {
    let (tags, contacts, recent, open_reports): (String, String, String, String) = DetailsQuery {
        customer_id,
        interactions,
    }
    .get_result(conn)?;
    Ok(Details {
        key_contacts: Vec::new(),
        tags: from_json(&tags)?,
        contacts: from_json(&contacts)?,
        interactions: from_json(&recent)?,
        open_reports: from_json(&open_reports)?,
    })
}

fn from_json<T: serde::de::DeserializeOwned>(json: &str) -> QueryResult<T> {
    serde_json::from_str(json).map_err(|e| diesel::result::Error::DeserializationError(e.into()))
}

/// The statement: its text never changes, so diesel keeps it prepared and PostgreSQL
/// settles on one plan.
#[derive(Debug, Clone, Copy, QueryId)]
struct DetailsQuery {
    customer_id: i32,
    interactions: i64,
}

impl Query for DetailsQuery {
    type SqlType = (Text, Text, Text, Text);
}

impl RunQueryDsl<PgConnection> for DetailsQuery {}

impl QueryFragment<Pg> for DetailsQuery {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        // tags::of_customer
        out.push_sql(
            "SELECT (SELECT coalesce(json_agg(t.path ORDER BY t.path), '[]') \
             FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = ",
        );
        out.push_bind_param::<Integer, _>(&self.customer_id)?;
        // customer_contacts::of_customer
        out.push_sql(
            ")::text, (SELECT coalesce(json_agg(c ORDER BY c.kind, c.valid_from DESC), '[]') \
             FROM customer_contacts c WHERE c.customer_id = ",
        );
        out.push_bind_param::<Integer, _>(&self.customer_id)?;
        // interactions::recent
        out.push_sql(
            ")::text, (SELECT coalesce(json_agg(i ORDER BY i.occurred_on DESC, i.id DESC), '[]') \
             FROM (SELECT * FROM interactions WHERE customer_id = ",
        );
        out.push_bind_param::<Integer, _>(&self.customer_id)?;
        out.push_sql(" ORDER BY occurred_on DESC, id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.interactions)?;
        // change_reports::open_for_customer
        out.push_sql(
            ") i)::text, (SELECT coalesce(json_agg(r ORDER BY r.due_at), '[]') \
             FROM change_reports r WHERE r.applied_at IS NULL AND r.customer_id = ",
        );
        out.push_bind_param::<Integer, _>(&self.customer_id)?;
        out.push_sql(")::text");
        Ok(())
    }
}
