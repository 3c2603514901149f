//! Customers due for re-verification (复核): the `reverify` job's batches and the call list
//! of those the mail cannot reach. "Due" is decided by two cutoff dates (one per cycle
//! length, see `domain::reverify::Cycles::cutoff`), so both backends run the same SQL.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Integer, Text};

use crate::db::customers::Customer;
use crate::db::schema::{communities, customers};
use crate::db::{Backend, DbConnection};
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

/// The columns a re-verification mail needs.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = customers)]
pub struct DueRecord {
    pub id: i32,
    pub code: String,
    pub name: String,
    pub email: Option<String>,
    pub customer_type: String,
    pub first_contact_at: NaiveDate,
    pub last_verified_at: Option<NaiveDate>,
}

/// The due date of a record's current cycle as `YYYY-MM-DD`, in SQL: its last verification
/// (else first contact) plus its cycle, a day past the end of a month falling back to the
/// month's last day as chrono's `checked_add_months` does (`Cycles::due_date`), so that
/// the text equals the date in the mail's idempotency key (`mail_key`).
fn due_date_sql(backend: Backend, cycles: Cycles) -> String {
    let base = "COALESCE(customers.last_verified_at, customers.first_contact_at)";
    // Whole numbers from the settings, never user input.
    let (vip, other) = (cycles.vip_months, cycles.months);
    match backend {
        // 'floor' (SQLite 3.46+) clamps to the month's end; the default rolls over.
        Backend::Sqlite => format!(
            "date({base}, CASE WHEN customers.customer_type = 'vip' THEN '+{vip} months' \
             ELSE '+{other} months' END, 'floor')"
        ),
        Backend::Postgres => format!(
            "to_char({base} + CASE WHEN customers.customer_type = 'vip' \
             THEN interval '{vip} months' ELSE interval '{other} months' END, 'YYYY-MM-DD')"
        ),
    }
}

/// Due records with an email whose mail for this cycle is (`queued`) or is not yet in the
/// outbox, found by its idempotency key.
fn with_email<'a>(backend: Backend, cycles: Cycles, today: NaiveDate, queued: bool) -> Boxed<'a> {
    let not = if queued { "" } else { "NOT " };
    due(cycles, today).filter(sql::<Bool>(&format!(
        "customers.email IS NOT NULL AND TRIM(customers.email) <> '' AND {not}EXISTS (\
           SELECT 1 FROM outbox o WHERE o.idempotency_key = \
           'reverify:' || customers.code || ':' || {})",
        due_date_sql(backend, cycles)
    )))
}

/// Up to `limit` due records whose mail is not yet queued, longest overdue first (the
/// earliest due date), VIPs first among those due the same day.
pub fn next_to_queue(
    conn: &mut DbConnection,
    cycles: Cycles,
    today: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<DueRecord>> {
    let backend = conn.backend();
    with_email(backend, cycles, today, false)
        .order(sql::<Text>(&due_date_sql(backend, cycles)))
        .then_order_by(sql::<Bool>("customers.customer_type = 'vip'").desc())
        .then_order_by(customers::id)
        .limit(limit)
        .select(DueRecord::as_select())
        .load(conn)
}

/// How many due records the job has still to mail (the backlog a daily limit leaves).
pub fn not_yet_queued(
    conn: &mut DbConnection,
    cycles: Cycles,
    today: NaiveDate,
) -> QueryResult<i64> {
    let backend = conn.backend();
    with_email(backend, cycles, today, false)
        .count()
        .get_result(conn)
}

/// How many due records have this cycle's mail queued already.
pub fn already_queued(
    conn: &mut DbConnection,
    cycles: Cycles,
    today: NaiveDate,
) -> QueryResult<i64> {
    let backend = conn.backend();
    with_email(backend, cycles, today, true)
        .count()
        .get_result(conn)
}

/// How many due records have no email (they are on the call list).
pub fn without_email(
    conn: &mut DbConnection,
    cycles: Cycles,
    today: NaiveDate,
) -> QueryResult<i64> {
    due(cycles, today)
        .filter(sql::<Bool>(
            "(customers.email IS NULL OR TRIM(customers.email) = '')",
        ))
        .count()
        .get_result(conn)
}
