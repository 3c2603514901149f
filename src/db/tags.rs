//! `tags` (the tree, by full path like `风险/欠费`) and `customer_tags`.

use diesel::prelude::*;

use super::schema::{customer_tags, tags};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: i32,
    pub path: String,
    pub parent_id: Option<i32>,
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Tag>> {
    tags::table
        .order(tags::path)
        .select(Tag::as_select())
        .load(conn)
}

/// The tag with this path, made (with its parents) when new. A new name without `/` lands
/// at the top level, where a manager can move it.
pub fn ensure(conn: &mut DbConnection, path: &str) -> QueryResult<i32> {
    if let Some(id) = tags::table
        .filter(tags::path.eq(path))
        .select(tags::id)
        .first(conn)
        .optional()?
    {
        return Ok(id);
    }
    let parent_id = match path.rsplit_once('/') {
        Some((parent, _)) => Some(ensure(conn, parent)?),
        None => None,
    };
    diesel::insert_into(tags::table)
        .values((tags::path.eq(path), tags::parent_id.eq(parent_id)))
        .execute(conn)?;
    tags::table
        .filter(tags::path.eq(path))
        .select(tags::id)
        .first(conn)
}

/// Sets a record's tags to exactly `paths`.
pub fn set_for_customer(
    conn: &mut DbConnection,
    customer_id: i32,
    paths: &[String],
) -> QueryResult<()> {
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(customer_id)))
        .execute(conn)?;
    for path in paths {
        let tag_id = ensure(conn, path)?;
        diesel::insert_into(customer_tags::table)
            .values((
                customer_tags::customer_id.eq(customer_id),
                customer_tags::tag_id.eq(tag_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Gives a record one more tag (a new record: nothing to replace).
pub fn attach(conn: &mut DbConnection, customer_id: i32, tag_id: i32) -> QueryResult<()> {
    diesel::insert_into(customer_tags::table)
        .values((
            customer_tags::customer_id.eq(customer_id),
            customer_tags::tag_id.eq(tag_id),
        ))
        .execute(conn)
        .map(drop)
}

pub fn of_customer(conn: &mut DbConnection, customer_id: i32) -> QueryResult<Vec<String>> {
    customer_tags::table
        .inner_join(tags::table)
        .filter(customer_tags::customer_id.eq(customer_id))
        .order(tags::path)
        .select(tags::path)
        .load(conn)
}

/// Tags of many records in one query (for list pages), as (customer id, path).
pub fn of_customers(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<Vec<(i32, String)>> {
    customer_tags::table
        .inner_join(tags::table)
        .filter(customer_tags::customer_id.eq_any(ids))
        .order(tags::path)
        .select((customer_tags::customer_id, tags::path))
        .load(conn)
}
