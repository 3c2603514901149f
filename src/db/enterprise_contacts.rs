//! `enterprise_contacts`: the key contacts of an enterprise customer.

use diesel::prelude::*;

use super::schema::enterprise_contacts;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = enterprise_contacts)]
pub struct KeyContact {
    pub id: i32,
    pub customer_id: i32,
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
}

pub fn of_customer(conn: &mut DbConnection, customer_id: i32) -> QueryResult<Vec<KeyContact>> {
    enterprise_contacts::table
        .filter(enterprise_contacts::customer_id.eq(customer_id))
        .order(enterprise_contacts::id)
        .select(KeyContact::as_select())
        .load(conn)
}

pub fn insert(
    conn: &mut DbConnection,
    customer_id: i32,
    name: &str,
    title: &str,
    phone: &str,
    email: &str,
) -> QueryResult<()> {
    diesel::insert_into(enterprise_contacts::table)
        .values((
            enterprise_contacts::customer_id.eq(customer_id),
            enterprise_contacts::name.eq(name),
            enterprise_contacts::title.eq(title),
            enterprise_contacts::phone.eq(phone),
            enterprise_contacts::email.eq(email),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes one contact of this record; returns whether there was one.
pub fn delete(conn: &mut DbConnection, customer_id: i32, id: i32) -> QueryResult<bool> {
    let removed = diesel::delete(
        enterprise_contacts::table
            .filter(enterprise_contacts::id.eq(id))
            .filter(enterprise_contacts::customer_id.eq(customer_id)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}
