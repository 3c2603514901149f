//! `key_check`: the fingerprint of the keys the data was encrypted with, and whether any
//! record in `customers` holds encrypted data (then a missing key file stops the start).

use diesel::prelude::*;

use super::schema::{customers, key_check};
use super::DbConnection;

pub fn fingerprint(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    key_check::table
        .find(1)
        .select(key_check::fingerprint)
        .first(conn)
        .optional()
}

pub fn set(conn: &mut DbConnection, fingerprint: &str) -> QueryResult<()> {
    diesel::insert_into(key_check::table)
        .values((key_check::id.eq(1), key_check::fingerprint.eq(fingerprint)))
        .execute(conn)
        .map(drop)
}

/// Whether any record holds an encrypted field.
pub fn any_encrypted(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        customers::table.filter(customers::id_number_enc.is_not_null()),
    ))
    .get_result(conn)
}
