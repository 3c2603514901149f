//! `tags` (the tree, by full path like `风险/欠费`) and `customer_tags`: together because a
//! tag's path is what both the tree and a record's tags are read and written by.

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

/// The ids of the tag `path` and of every tag under it (none when there is no such tag).
pub fn ids_under(conn: &mut DbConnection, path: &str) -> QueryResult<Vec<i32>> {
    tags::table
        .filter(
            tags::path.eq(path).or(tags::path
                .like(format!("{}/%", super::customers::escape_like(path)))
                .escape('\\')),
        )
        .select(tags::id)
        .load(conn)
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
    super::customers::search::index::refresh(
        conn,
        &[customer_id],
        super::customers::search::index::Changed::Filters,
    )
}

/// Gives records more tags, many (customer, tag) pairs at once (the import, a merge). The
/// caller refreshes the search index (the import indexes its records with their tags).
pub fn attach_many(conn: &mut DbConnection, pairs: &[(i32, i32)]) -> QueryResult<()> {
    let values: Vec<_> = pairs
        .iter()
        .map(|(customer_id, tag_id)| {
            (
                customer_tags::customer_id.eq(*customer_id),
                customer_tags::tag_id.eq(*tag_id),
            )
        })
        .collect();
    super::conn::insert_bulk!(
        conn,
        customer_tags::table,
        &values,
        super::ROWS_PER_INSERT * 10
    )
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
    let query = customer_tags::table.inner_join(tags::table).into_boxed();
    super::conn::filter_ids!(query, conn, customer_tags::customer_id, ids)
        .order(tags::path)
        .select((customer_tags::customer_id, tags::path))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Tag>> {
    tags::table
        .find(id)
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_path(conn: &mut DbConnection, path: &str) -> QueryResult<Option<Tag>> {
    tags::table
        .filter(tags::path.eq(path))
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

/// Moves a tag and its sub-tags under a new path (renaming is a move). Call inside a
/// transaction; the caller checks that `to` is free and not inside the tag itself.
/// Whether the tag has sub-tags.
pub fn has_children(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        tags::table.filter(tags::parent_id.eq(id)),
    ))
    .get_result(conn)
}

/// Gives every record tagged `from` the tag `into` instead, then removes `from`. Returns
/// how many records it moved. `from` must have no sub-tags.
pub fn merge_into(conn: &mut DbConnection, from: &Tag, into: &Tag) -> QueryResult<usize> {
    let already: std::collections::HashSet<i32> = customer_tags::table
        .filter(customer_tags::tag_id.eq(into.id))
        .select(customer_tags::customer_id)
        .load::<i32>(conn)?
        .into_iter()
        .collect();
    let tagged: Vec<i32> = customer_tags::table
        .filter(customer_tags::tag_id.eq(from.id))
        .select(customer_tags::customer_id)
        .load(conn)?;
    let moving: Vec<(i32, i32)> = tagged
        .iter()
        .filter(|id| !already.contains(id))
        .map(|id| (*id, into.id))
        .collect();
    attach_many(conn, &moving)?;
    diesel::delete(customer_tags::table.filter(customer_tags::tag_id.eq(from.id))).execute(conn)?;
    diesel::delete(tags::table.find(from.id)).execute(conn)?;
    super::customers::search::index::refresh(
        conn,
        &tagged,
        super::customers::search::index::Changed::Filters,
    )?;
    Ok(moving.len())
}

pub fn move_to(conn: &mut DbConnection, tag: &Tag, to: &str) -> QueryResult<()> {
    let parent_id = match to.rsplit_once('/') {
        Some((parent, _)) => Some(ensure(conn, parent)?),
        None => None,
    };
    let prefix = format!("{}/", tag.path);
    let children: Vec<Tag> = tags::table
        .filter(
            tags::path
                .like(format!("{}%", super::customers::escape_like(&prefix)))
                .escape('\\'),
        )
        .select(Tag::as_select())
        .load(conn)?;
    diesel::update(tags::table.find(tag.id))
        .set((tags::path.eq(to), tags::parent_id.eq(parent_id)))
        .execute(conn)?;
    for child in children.iter().filter(|c| c.path.starts_with(&prefix)) {
        let new_path = format!("{to}/{}", &child.path[prefix.len()..]);
        diesel::update(tags::table.find(child.id))
            .set(tags::path.eq(new_path))
            .execute(conn)?;
    }
    Ok(())
}

/// The records that carry `tag` or one of its sub-tags.
pub fn customers_under(conn: &mut DbConnection, tag: &Tag) -> QueryResult<Vec<i32>> {
    let prefix = format!("{}/", tag.path);
    customer_tags::table
        .inner_join(tags::table)
        .filter(
            tags::id.eq(tag.id).or(tags::path
                .like(format!("{}%", super::customers::escape_like(&prefix)))
                .escape('\\')),
        )
        .select(customer_tags::customer_id)
        .distinct()
        .order(customer_tags::customer_id)
        .load(conn)
}

/// How many records carry each tag, as (tag id, count).
pub fn usage(conn: &mut DbConnection) -> QueryResult<Vec<(i32, i64)>> {
    use diesel::dsl::count_star;
    customer_tags::table
        .group_by(customer_tags::tag_id)
        .select((customer_tags::tag_id, count_star()))
        .load(conn)
}
