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
/// Replaces all key contacts of a record (a restore).
pub fn replace_all(
    conn: &mut DbConnection,
    customer_id: i32,
    contacts: &[StoredContact],
) -> QueryResult<()> {
    diesel::delete(
        enterprise_contacts::table.filter(enterprise_contacts::customer_id.eq(customer_id)),
    )
    .execute(conn)?;
    for k in contacts {
        insert(conn, customer_id, &k.name, &k.title, &k.phone, &k.email)?;
    }
    Ok(())
}

/// Key contacts as a version stores them (the `key_contacts` field of a change).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredContact {
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
}

/// The value a version records: JSON, or none when there are no key contacts.
pub fn to_version_value(contacts: &[KeyContact]) -> Option<String> {
    if contacts.is_empty() {
        return None;
    }
    let stored: Vec<StoredContact> = contacts
        .iter()
        .map(|k| StoredContact {
            name: k.name.clone(),
            title: k.title.clone(),
            phone: k.phone.clone(),
            email: k.email.clone(),
        })
        .collect();
    serde_json::to_string(&stored).ok()
}

/// The inverse of `to_version_value`; an unreadable value reads as no contacts.
pub fn from_version_value(value: Option<&str>) -> Vec<StoredContact> {
    value
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default()
}

pub fn delete(conn: &mut DbConnection, customer_id: i32, id: i32) -> QueryResult<bool> {
    let removed = diesel::delete(
        enterprise_contacts::table
            .filter(enterprise_contacts::id.eq(id))
            .filter(enterprise_contacts::customer_id.eq(customer_id)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}
