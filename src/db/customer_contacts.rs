//! `customer_contacts`: every phone and email a record has had. A replaced one keeps its
//! row with `valid_until` set, so it is shown as no longer valid, never deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::customer_contacts;
use super::{now, DbConnection};

/// Deserialize: PostgreSQL's record page reads these as JSON (`record_details`).
#[derive(Debug, Clone, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = customer_contacts)]
pub struct Contact {
    pub id: i32,
    pub customer_id: i32,
    pub kind: String,
    pub value: String,
    pub valid_from: NaiveDateTime,
    pub valid_until: Option<NaiveDateTime>,
}

impl Contact {
    pub fn is_valid(&self) -> bool {
        self.valid_until.is_none()
    }
}

/// Makes `value` the current contact of `kind`, ending the previous one. Call inside the
/// transaction that saves the record.
pub fn replace(
    conn: &mut DbConnection,
    customer_id: i32,
    kind: &str,
    value: Option<&str>,
) -> QueryResult<()> {
    let at = now();
    let current = customer_contacts::table
        .filter(customer_contacts::customer_id.eq(customer_id))
        .filter(customer_contacts::kind.eq(kind))
        .filter(customer_contacts::valid_until.is_null());
    let same: Option<Contact> = current
        .select(Contact::as_select())
        .first(conn)
        .optional()?;
    if same.as_ref().map(|c| c.value.as_str()) == value {
        return Ok(());
    }
    diesel::update(current)
        .set(customer_contacts::valid_until.eq(at))
        .execute(conn)?;
    if let Some(value) = value {
        diesel::insert_into(customer_contacts::table)
            .values((
                customer_contacts::customer_id.eq(customer_id),
                customer_contacts::kind.eq(kind),
                customer_contacts::value.eq(value),
                customer_contacts::valid_from.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn of_customer(conn: &mut DbConnection, customer_id: i32) -> QueryResult<Vec<Contact>> {
    customer_contacts::table
        .filter(customer_contacts::customer_id.eq(customer_id))
        .order((
            customer_contacts::kind,
            customer_contacts::valid_from.desc(),
        ))
        .select(Contact::as_select())
        .load(conn)
}

/// Records the first contact of a new record (no earlier one to end).
/// `insert_first` for many records at once (the import): (customer, kind, value).
pub fn insert_first_many(
    conn: &mut DbConnection,
    rows: &[(i32, &'static str, &str)],
) -> QueryResult<()> {
    let at = now();
    // Owned values: see `sqlite_insert_chunks!`.
    let values: Vec<_> = rows
        .iter()
        .map(|(customer_id, kind, value)| {
            (
                customer_contacts::customer_id.eq(*customer_id),
                customer_contacts::kind.eq(*kind),
                customer_contacts::value.eq(value.to_string()),
                customer_contacts::valid_from.eq(at),
            )
        })
        .collect();
    super::conn::insert_bulk!(
        conn,
        customer_contacts::table,
        &values,
        super::ROWS_PER_INSERT * 4
    )
}

pub fn insert_first(
    conn: &mut DbConnection,
    customer_id: i32,
    kind: &str,
    value: &str,
) -> QueryResult<()> {
    diesel::insert_into(customer_contacts::table)
        .values((
            customer_contacts::customer_id.eq(customer_id),
            customer_contacts::kind.eq(kind),
            customer_contacts::value.eq(value),
            customer_contacts::valid_from.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}
