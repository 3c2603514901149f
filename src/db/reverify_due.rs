//! Customers due for re-verification (复核): the `reverify` job's batches and the call list
//! of those the mail cannot reach. "Due" is decided by two cutoff dates (one per cycle
//! length, see `domain::reverify::Cycles::cutoff`), so both backends run the same SQL.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Integer, Text};

use super::customers::Customer;
use super::schema::{communities, customers};
use super::{Backend, DbConnection};
use crate::domain::reverify::Cycles;

type Boxed<'a> = customers::BoxedQuery<'a, <DbConnection as Connection>::Backend>;

/// Not archived, and verified (or, never verified, first contacted) on or before the cutoff
/// of the record's cycle.
fn due<'a>(cycles: Cycles, today: NaiveDate) -> Boxed<'a> {
    customers::table.into_boxed().filter(
        sql::<Bool>(
            "customers.status <> 'archived' AND ((customers.customer_type = 'vip' \
             AND COALESCE(customers.last_verified_at, customers.first_contact_at) <= ",
        )
        .bind::<Date, _>(cycles.cutoff(true, today))
        .sql(
            ") OR (customers.customer_type <> 'vip' \
             AND COALESCE(customers.last_verified_at, customers.first_contact_at) <= ",
        )
        .bind::<Date, _>(cycles.cutoff(false, today))
        .sql("))"),
    )
}

/// The next due records after `after_id`, by id (the job walks them in batches).
pub fn batch(
    conn: &mut DbConnection,
    cycles: Cycles,
    today: NaiveDate,
    after_id: i32,
    limit: i64,
) -> QueryResult<Vec<Customer>> {
    due(cycles, today)
        .filter(customers::id.gt(after_id))
        .order(customers::id)
        .limit(limit)
        .select(Customer::as_select())
        .load(conn)
}

/// Due records the mail cannot reach: no email, or the latest re-verification mail
/// ended `failed` or `unknown`. Within an office's communities if given.
fn unreachable<'a>(cycles: Cycles, today: NaiveDate, office_id: Option<i32>) -> Boxed<'a> {
    let mut query = due(cycles, today).filter(sql::<Bool>(
        "(customers.email IS NULL OR customers.email = '' OR EXISTS (\
           SELECT 1 FROM outbox o WHERE o.state IN ('failed', 'unknown') AND o.id = (\
             SELECT MAX(o2.id) FROM outbox o2 \
             WHERE o2.customer_id = customers.id AND o2.kind = 'reverify')))",
    ));
    if let Some(office) = office_id {
        let names = communities::table
            .filter(communities::office_id.eq(office))
            .select(communities::name);
        query = query.filter(customers::community.eq_any(names));
    }
    query
}

/// One page of the call list, longest overdue first, and how many there are.
pub fn call_list(
    conn: &mut DbConnection,
    cycles: Cycles,
    today: NaiveDate,
    office_id: Option<i32>,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Customer>, i64)> {
    let total: i64 = unreachable(cycles, today, office_id)
        .count()
        .get_result(conn)?;
    let base = "COALESCE(customers.last_verified_at, customers.first_contact_at)";
    // The due date itself, for the order: date arithmetic is the one thing that differs.
    let query = unreachable(cycles, today, office_id);
    let query = match conn.backend() {
        Backend::Sqlite => query.order(
            sql::<Text>(&format!(
                "date({base}, CASE WHEN customers.customer_type = 'vip' THEN "
            ))
            .bind::<Text, _>(format!("+{} months", cycles.vip_months))
            .sql(" ELSE ")
            .bind::<Text, _>(format!("+{} months", cycles.months))
            .sql(" END)"),
        ),
        Backend::Postgres => query.order(
            sql::<Date>(&format!(
                "({base} + CASE WHEN customers.customer_type = 'vip' THEN make_interval(months => "
            ))
            .bind::<Integer, _>(cycles.vip_months as i32)
            .sql(") ELSE make_interval(months => ")
            .bind::<Integer, _>(cycles.months as i32)
            .sql(") END)"),
        ),
    };
    let rows = query
        .then_order_by(customers::id)
        .offset((page - 1).max(0) * per_page)
        .limit(per_page)
        .select(Customer::as_select())
        .load(conn)?;
    Ok((rows, total))
}
