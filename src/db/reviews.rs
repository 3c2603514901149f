//! `customers`, `cleanup_decisions` and `legal_reviews`: the review lists' writes and the
//! decisions' own reads. Together because one review moves through all three: a dormant
//! customer's status moves (and their callbacks), a manager decides, a legal review
//! approves the decision, the archive marks it done. The lists as pages show them are in
//! `queries::reviews`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{cleanup_decisions, communities, customers, legal_reviews};
use super::{now, DbConnection};

/// Moves up to `limit` customers (lowest ids above `after` first) from status `from` to
/// `to` in one statement: those whose last contact — the last interaction, else the first contact —
/// was before `contact_before`, and whose status has not changed since `settled_before`
/// (a "keep" decision holds a while). Raises their version and returns each one's id,
/// code and new version, for the history rows and log entries of the same transaction.
pub fn move_dormant(
    conn: &mut DbConnection,
    from: &str,
    to: &str,
    contact_before: NaiveDate,
    settled_before: NaiveDateTime,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<(i32, String, i32)>> {
    let chosen: Vec<i32> = customers::table
        .filter(customers::status.eq(from.to_string()))
        .filter(customers::id.gt(after))
        .filter(
            customers::last_interaction_at
                .lt(contact_before)
                .or(customers::last_interaction_at
                    .is_null()
                    .and(customers::first_contact_at.lt(contact_before))),
        )
        .filter(
            customers::status_changed_at
                .is_null()
                .or(customers::status_changed_at.lt(settled_before)),
        )
        .order(customers::id)
        .limit(limit)
        .select(customers::id)
        .load(conn)?;
    let at = now();
    // The status again: a record saved since the SELECT (PostgreSQL) keeps its own.
    let update = diesel::update(
        customers::table
            .filter(customers::id.eq_any(&chosen))
            .filter(customers::status.eq(from.to_string())),
    )
    .set((
        customers::status.eq(to.to_string()),
        customers::version.eq(customers::version + 1),
        customers::updated_at.eq(at),
        customers::status_changed_at.eq(at),
    ))
    .returning((customers::id, customers::code, customers::version));
    let mut moved: Vec<(i32, String, i32)> = match conn {
        DbConnection::Pg(c) => update.get_results(c)?,
        DbConnection::Sqlite(c) => update.get_results(c)?,
    };
    moved.sort_unstable_by_key(|(id, _, _)| *id);
    Ok(moved)
}

/// A manager's decision on a customer of the cleanup list.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cleanup_decisions)]
pub struct Decision {
    pub customer_id: i32,
    pub decision: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: NaiveDateTime,
    pub legal_review_id: Option<i32>,
    pub archived_at: Option<NaiveDateTime>,
}

/// A legal review that approves the archiving decisions linked to it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = legal_reviews)]
pub struct LegalReview {
    pub id: i32,
    pub reviewer: String,
    pub reviewed_on: NaiveDate,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

/// The communities' filter for a user with an office; `None` sees all.
macro_rules! scoped {
    ($query:expr, $office:expr) => {{
        let mut query = $query;
        if let Some(office) = $office {
            let names = communities::table
                .filter(communities::office_id.eq(office))
                .select(communities::name);
            query = query.filter(customers::community.eq_any(names));
        }
        query
    }};
}
pub(crate) use scoped;

/// Notes that someone called the customer back just now.
pub fn set_callback(conn: &mut DbConnection, customer_id: i32) -> QueryResult<()> {
    diesel::update(customers::table.find(customer_id))
        .set(customers::last_callback_at.eq(now()))
        .execute(conn)
        .map(drop)
}

/// Records (or replaces) a manager's decision; a new decision needs a new legal review.
pub fn decide(
    conn: &mut DbConnection,
    customer_id: i32,
    decision: &str,
    reason: &str,
    by: &str,
) -> QueryResult<()> {
    diesel::delete(cleanup_decisions::table.find(customer_id)).execute(conn)?;
    diesel::insert_into(cleanup_decisions::table)
        .values((
            cleanup_decisions::customer_id.eq(customer_id),
            cleanup_decisions::decision.eq(decision),
            cleanup_decisions::reason.eq(reason),
            cleanup_decisions::decided_by.eq(by),
            cleanup_decisions::decided_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Drops the manager's decision on a customer (a "keep" sends them back to active).
pub fn forget_decision(conn: &mut DbConnection, customer_id: i32) -> QueryResult<()> {
    diesel::delete(cleanup_decisions::table.find(customer_id))
        .execute(conn)
        .map(drop)
}

/// Customers marked for archiving that no legal review covers yet, within the scope.
pub fn awaiting_review(conn: &mut DbConnection, office: Option<i32>) -> QueryResult<Vec<i32>> {
    scoped!(
        customers::table
            .inner_join(cleanup_decisions::table)
            .filter(cleanup_decisions::decision.eq("archive"))
            .filter(cleanup_decisions::legal_review_id.is_null())
            .filter(cleanup_decisions::archived_at.is_null())
            .into_boxed(),
        office
    )
    .select(customers::id)
    .load(conn)
}

/// Customers marked for archiving with a legal review, not archived yet, within the scope.
pub fn approved(conn: &mut DbConnection, office: Option<i32>) -> QueryResult<Vec<i32>> {
    scoped!(
        customers::table
            .inner_join(cleanup_decisions::table)
            .filter(cleanup_decisions::decision.eq("archive"))
            .filter(cleanup_decisions::legal_review_id.is_not_null())
            .filter(cleanup_decisions::archived_at.is_null())
            .into_boxed(),
        office
    )
    .select(customers::id)
    .load(conn)
}

/// Stores a legal review and links it to the given decisions.
pub fn record_legal_review(
    conn: &mut DbConnection,
    reviewer: &str,
    reviewed_on: NaiveDate,
    note: &str,
    by: &str,
    customer_ids: &[i32],
) -> QueryResult<i32> {
    diesel::insert_into(legal_reviews::table)
        .values((
            legal_reviews::reviewer.eq(reviewer),
            legal_reviews::reviewed_on.eq(reviewed_on),
            legal_reviews::note.eq(note),
            legal_reviews::recorded_by.eq(by),
            legal_reviews::recorded_at.eq(now()),
        ))
        .execute(conn)?;
    let id: i32 = legal_reviews::table
        .order(legal_reviews::id.desc())
        .select(legal_reviews::id)
        .first(conn)?;
    diesel::update(
        cleanup_decisions::table.filter(cleanup_decisions::customer_id.eq_any(customer_ids)),
    )
    .set(cleanup_decisions::legal_review_id.eq(id))
    .execute(conn)?;
    Ok(id)
}

/// Notes that a decision's customer was archived.
pub fn mark_archived(conn: &mut DbConnection, customer_id: i32) -> QueryResult<()> {
    diesel::update(cleanup_decisions::table.find(customer_id))
        .set(cleanup_decisions::archived_at.eq(now()))
        .execute(conn)
        .map(drop)
}

/// The legal review with this id, if any.
pub fn legal_review(conn: &mut DbConnection, id: i32) -> QueryResult<Option<LegalReview>> {
    legal_reviews::table
        .find(id)
        .select(LegalReview::as_select())
        .first(conn)
        .optional()
}

/// The latest legal reviews, newest first.
pub fn recent_legal_reviews(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<LegalReview>> {
    legal_reviews::table
        .order(legal_reviews::id.desc())
        .limit(limit)
        .select(LegalReview::as_select())
        .load(conn)
}
