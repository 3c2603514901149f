//! Duplicate detection: records that look like the one being saved.

use diesel::prelude::*;

use super::{Customer, CustomerFields};
use crate::db::schema::customers;
use crate::db::DbConnection;

/// Records that look like the same customer: same phone, email, ID number, or name and unit.
pub fn similar(
    conn: &mut DbConnection,
    fields: &CustomerFields,
    except_id: Option<i32>,
) -> QueryResult<Vec<Customer>> {
    let mut query = customers::table
        .select(Customer::as_select())
        .into_boxed()
        .filter(customers::phone.eq(fields.phone.clone()))
        .or_filter(
            customers::name
                .eq(fields.name.clone())
                .and(customers::community.eq(fields.community.clone()))
                .and(customers::unit.eq(fields.unit.clone())),
        );
    if let Some(email) = &fields.email {
        query = query.or_filter(customers::email.eq(email.clone()));
    }
    if let Some(index) = &fields.id_number_index {
        query = query.or_filter(customers::id_number_index.eq(index.clone()));
    }
    // The record itself is dropped here rather than in SQL, where it would bind to the
    // last OR term only.
    let mut found = query.limit(11).load(conn)?;
    found.retain(|c| Some(c.id) != except_id);
    found.truncate(10);
    Ok(found)
}
