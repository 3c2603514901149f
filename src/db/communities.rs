//! `communities` (小区): each belongs to one office, or to none yet when an import brought
//! it (an admin assigns it on `/admin/offices`).

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::schema::{communities, customers};
use super::{now, DbConnection};
use crate::domain::community::Reach;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = communities)]
pub struct Community {
    pub id: i32,
    /// None until an admin gives the community to an office.
    pub office_id: Option<i32>,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Community>> {
    communities::table
        .order(communities::name)
        .select(Community::as_select())
        .load(conn)
}

pub fn of_office(conn: &mut DbConnection, office_id: i32) -> QueryResult<Vec<Community>> {
    communities::table
        .filter(communities::office_id.eq(office_id))
        .order(communities::name)
        .select(Community::as_select())
        .load(conn)
}

/// The communities that wait for an office.
pub fn unassigned(conn: &mut DbConnection) -> QueryResult<Vec<Community>> {
    communities::table
        .filter(communities::office_id.is_null())
        .order(communities::name)
        .select(Community::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Community>> {
    communities::table
        .find(id)
        .select(Community::as_select())
        .first(conn)
        .optional()
}

type Boxed<'a> = communities::BoxedQuery<'a, <DbConnection as Connection>::Backend>;

fn within(reach: Reach) -> Boxed<'static> {
    let query = communities::table.into_boxed();
    match reach {
        Reach::Office(office) => query.filter(communities::office_id.eq(office)),
        Reach::Assigned => query.filter(communities::office_id.is_not_null()),
        Reach::All => query,
    }
}

/// The names a user with `reach` may choose for a record, in name order.
pub fn choosable(conn: &mut DbConnection, reach: Reach) -> QueryResult<Vec<String>> {
    within(reach)
        .order(communities::name)
        .select(communities::name)
        .load(conn)
}

/// Whether `name` is one of the communities a user with `reach` may choose.
pub fn may_choose(conn: &mut DbConnection, reach: Reach, name: &str) -> QueryResult<bool> {
    within(reach)
        .filter(communities::name.eq(name.to_string()))
        .select(communities::id)
        .first::<i32>(conn)
        .optional()
        .map(|found| found.is_some())
}

/// Adds those of `names` that do not exist yet, without an office; returns the added
/// ones. A name added at the same moment by someone else is left to them.
pub fn add_unassigned(conn: &mut DbConnection, names: &[String]) -> QueryResult<Vec<String>> {
    let known: Vec<String> = communities::table
        .filter(communities::name.eq_any(names))
        .select(communities::name)
        .load(conn)?;
    let at = now();
    let mut added = Vec::new();
    for name in names.iter().filter(|n| !known.contains(n)) {
        let row = (communities::name.eq(name), communities::created_at.eq(at));
        let inserted = match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(communities::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into(communities::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute(c)?,
        };
        if inserted > 0 {
            added.push(name.clone());
        }
    }
    Ok(added)
}

/// Gives a community that waits for an office to `office_id`; false if it has one by now.
pub fn assign(conn: &mut DbConnection, id: i32, office_id: i32) -> QueryResult<bool> {
    let changed = diesel::update(
        communities::table
            .find(id)
            .filter(communities::office_id.is_null()),
    )
    .set(communities::office_id.eq(office_id))
    .execute(conn)?;
    Ok(changed > 0)
}

/// The names among `names` that already belong to another office than `office_id`.
/// A community that waits for an office is free to take.
pub fn taken_elsewhere(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    names: &[String],
) -> QueryResult<Vec<String>> {
    let mut query = communities::table
        .filter(communities::name.eq_any(names))
        .filter(communities::office_id.is_not_null())
        .select(communities::name)
        .into_boxed();
    if let Some(id) = office_id {
        query = query.filter(communities::office_id.ne(id));
    }
    query.load(conn)
}

/// Makes the office's communities exactly `names`: takes the new ones (those waiting for
/// an office among them), and lets go of the dropped. A dropped community that records
/// are filed under waits for an office again rather than leaving them under a name no
/// list offers; an unused one is deleted. Call inside a transaction.
pub fn replace_for_office(
    conn: &mut DbConnection,
    office_id: i32,
    names: &[String],
) -> QueryResult<()> {
    let existing = of_office(conn, office_id)?;
    let dropped: Vec<i32> = existing
        .iter()
        .filter(|c| !names.contains(&c.name))
        .map(|c| c.id)
        .collect();
    if !dropped.is_empty() {
        let unused = not(exists(
            customers::table.filter(customers::community.eq(communities::name)),
        ));
        diesel::delete(
            communities::table
                .filter(communities::id.eq_any(&dropped))
                .filter(unused),
        )
        .execute(conn)?;
        diesel::update(communities::table.filter(communities::id.eq_any(&dropped)))
            .set(communities::office_id.eq(None::<i32>))
            .execute(conn)?;
    }
    let added: Vec<&String> = names
        .iter()
        .filter(|n| !existing.iter().any(|c| &c.name == *n))
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    diesel::update(
        communities::table
            .filter(communities::name.eq_any(&added))
            .filter(communities::office_id.is_null()),
    )
    .set(communities::office_id.eq(office_id))
    .execute(conn)?;
    let taken: Vec<String> = communities::table
        .filter(communities::name.eq_any(&added))
        .select(communities::name)
        .load(conn)?;
    let at = now();
    for name in added.into_iter().filter(|n| !taken.contains(n)) {
        diesel::insert_into(communities::table)
            .values((
                communities::office_id.eq(office_id),
                communities::name.eq(name),
                communities::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
