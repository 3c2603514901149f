//! One record's writes: a new record, a save that checks the version, a raised version,
//! and the lock a save takes first.

use diesel::prelude::*;

use super::search::index::{self, Changed, Entry};
use super::search::sqlite::index_text;
use super::{Customer, CustomerFields};
use crate::db::schema::customers;
use crate::db::{now, DbConnection};

/// Inserts a record as version 1 and indexes its name. Call inside a transaction.
pub fn insert(
    conn: &mut DbConnection,
    code: &str,
    fields: &CustomerFields,
) -> QueryResult<Customer> {
    let id = insert_new(conn, code, fields)?;
    customers::table
        .find(id)
        .select(Customer::as_select())
        .first(conn)
}

/// Inserts a record and its name grams; returns its id. (`RETURNING` does not build on
/// the two-backend connection type, hence the match.)
pub fn insert_new(
    conn: &mut DbConnection,
    code: &str,
    fields: &CustomerFields,
) -> QueryResult<i32> {
    let at = now();
    let text = fields.search_text(code);
    let row = (
        customers::code.eq(code),
        fields,
        customers::version.eq(1),
        customers::search_text.eq(&text),
        customers::created_at.eq(at),
        customers::updated_at.eq(at),
    );
    let insert = diesel::insert_into(customers::table)
        .values(row)
        .returning(customers::id);
    let id = match conn {
        DbConnection::Pg(c) => insert.get_result(c)?,
        DbConnection::Sqlite(c) => insert.get_result(c)?,
    };
    index::add(conn, &[entry(id, fields, &text, &[])])?;
    index_text(conn, id, id)?;
    Ok(id)
}

/// The search index's entry of a record being written.
pub(super) fn entry<'a>(
    id: i32,
    fields: &'a CustomerFields,
    text: &'a str,
    tag_ids: &'a [i32],
) -> Entry<'a> {
    Entry {
        id,
        name: &fields.name,
        search_text: text,
        customer_type: &fields.customer_type,
        community: &fields.community,
        tag_ids,
    }
}

/// Writes new field values if the record is still at `expected_version`; returns false
/// (and writes nothing) when someone saved in between.
pub fn update_if_version(
    conn: &mut DbConnection,
    customer: &Customer,
    expected_version: i32,
    fields: &CustomerFields,
) -> QueryResult<bool> {
    let text = fields.search_text(&customer.code);
    let updated = diesel::update(
        customers::table
            .find(customer.id)
            .filter(customers::version.eq(expected_version)),
    )
    .set((
        fields,
        customers::version.eq(customers::version + 1),
        customers::search_text.eq(&text),
        customers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    let changed = if fields.name != customer.name || text != customer.search_text {
        Some(Changed::Text)
    } else if fields.customer_type != customer.customer_type
        || fields.community != customer.community
    {
        Some(Changed::Filters)
    } else {
        None
    };
    if let (1, Some(changed)) = (updated, changed) {
        index::refresh(conn, &[customer.id], changed)?;
    }
    if updated == 1 && fields.status != customer.status {
        diesel::update(customers::table.find(customer.id))
            .set(customers::status_changed_at.eq(now()))
            .execute(conn)?;
    }
    Ok(updated == 1)
}

/// Raises the record's version (a change kept outside its own columns, such as its key
/// contacts) and returns the new number.
pub fn bump_version(conn: &mut DbConnection, id: i32) -> QueryResult<i32> {
    diesel::update(customers::table.find(id))
        .set((
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(now()),
        ))
        .returning(customers::version)
        .get_result(conn)
}

/// The record as it is now, held until the transaction ends, for a save that checks its
/// version first. PostgreSQL reads without locking at READ COMMITTED, so two saves of one
/// version could both see it current and the second would only find out at its UPDATE;
/// `FOR UPDATE` makes the second wait and then read the first one's version. SQLite's
/// write transaction (`BEGIN IMMEDIATE`) already holds the whole database.
pub fn lock(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Customer>> {
    let query = || customers::table.find(id);
    match conn {
        DbConnection::Pg(c) => query()
            .select(Customer::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConnection::Sqlite(c) => query().select(Customer::as_select()).first(c).optional(),
    }
}
