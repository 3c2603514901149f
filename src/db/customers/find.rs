//! Lookups of one record (by id, by code) and the counts the pages ask for.

use diesel::prelude::*;

use super::Customer;
use crate::db::schema::{communities, customers};
use crate::db::DbConnection;

/// The record with this id, if any.
pub fn find_by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Customer>> {
    customers::table
        .find(id)
        .select(Customer::as_select())
        .first(conn)
        .optional()
}

/// The record with this code (`P-2026-000042`), if any.
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Customer>> {
    customers::table
        .filter(customers::code.eq(code))
        .select(Customer::as_select())
        .first(conn)
        .optional()
}

/// How many records there are, archived ones included.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    customers::table.count().get_result(conn)
}

/// Whether the record's community belongs to the office.
pub fn in_office(conn: &mut DbConnection, community: &str, office_id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        communities::table
            .filter(communities::office_id.eq(office_id))
            .filter(communities::name.eq(community)),
    ))
    .get_result(conn)
}
