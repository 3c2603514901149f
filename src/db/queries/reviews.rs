//! The review lists as their pages show them: pending activation (those to call back) and
//! cleanup (those a manager decides on, with the decision), a page at a time and scoped to
//! the user's office.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::reviews::{scoped, Decision};
use crate::db::schema::{cleanup_decisions, communities, customers};
use crate::db::DbConnection;

use crate::db::reviews::{approved, awaiting_review, recent_legal_reviews, LegalReview};

/// One customer of a review list.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct ReviewRow {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub phone: String,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub customer_type: String,
    pub first_contact_at: NaiveDate,
    pub last_interaction_at: Option<NaiveDate>,
    pub status_changed_at: Option<NaiveDateTime>,
    pub last_callback_at: Option<NaiveDateTime>,
}

/// A customer of the cleanup list with the manager's decision, if any.
pub type CleanupRow = (ReviewRow, Option<Decision>);

/// How many customers of the office (all offices when `None`) have `status`.
fn count_with_status(
    conn: &mut DbConnection,
    status: &str,
    office: Option<i32>,
) -> QueryResult<i64> {
    scoped!(
        customers::table
            .filter(customers::status.eq(status))
            .into_boxed(),
        office
    )
    .count()
    .get_result(conn)
}

/// Pending activation, those called back least recently (never first), one page and
/// the total.
pub fn pending_activation(
    conn: &mut DbConnection,
    office: Option<i32>,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<ReviewRow>, i64)> {
    let status = crate::domain::customer::Status::PendingActivation.as_str();
    let total = count_with_status(conn, status, office)?;
    let rows = scoped!(
        customers::table
            .filter(customers::status.eq(status))
            .into_boxed(),
        office
    )
    .order((
        customers::last_callback_at.is_not_null(),
        customers::last_callback_at,
        customers::id,
    ))
    .offset((page - 1).max(0) * per_page)
    .limit(per_page)
    .select(ReviewRow::as_select())
    .load(conn)?;
    Ok((rows, total))
}

/// The cleanup list with each customer's decision, if any; longest silent first.
pub fn cleanup(
    conn: &mut DbConnection,
    office: Option<i32>,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<CleanupRow>, i64)> {
    let status = crate::domain::customer::Status::Cleanup.as_str();
    let total = count_with_status(conn, status, office)?;
    let rows = scoped!(
        customers::table
            .left_join(cleanup_decisions::table)
            .filter(customers::status.eq(status))
            .into_boxed(),
        office
    )
    .order((
        customers::last_interaction_at.is_not_null(),
        customers::last_interaction_at,
        customers::id,
    ))
    .offset((page - 1).max(0) * per_page)
    .limit(per_page)
    .select((ReviewRow::as_select(), Option::<Decision>::as_select()))
    .load(conn)?;
    Ok((rows, total))
}

/// Everything the cleanup page shows: a page of the list with each one's decision, how
/// many decisions await a legal review and how many are approved, the latest reviews.
#[derive(Debug, Clone)]
pub struct CleanupPage {
    pub rows: Vec<CleanupRow>,
    pub total: i64,
    pub awaiting_review: usize,
    pub approved: usize,
    pub recent_reviews: Vec<LegalReview>,
}

/// The cleanup page of the office (all offices when `None`), page `page`.
pub fn cleanup_page(
    conn: &mut DbConnection,
    office: Option<i32>,
    page: i64,
    per_page: i64,
) -> QueryResult<CleanupPage> {
    let (rows, total) = cleanup(conn, office, page, per_page)?;
    Ok(CleanupPage {
        rows,
        total,
        awaiting_review: awaiting_review(conn, office)?.len(),
        approved: approved(conn, office)?.len(),
        recent_reviews: recent_legal_reviews(conn, 5)?,
    })
}
