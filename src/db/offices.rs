//! `offices` (管理处): each holds communities (see `communities`) and clerks (`users`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::communities::{self, Community};
use super::schema::offices;
use super::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = offices)]
pub struct Office {
    pub id: i32,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An office with its communities, as the admin pages show them.
#[derive(Debug, Clone)]
pub struct OfficeWithCommunities {
    pub office: Office,
    pub communities: Vec<Community>,
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Office>> {
    offices::table
        .find(id)
        .select(Office::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Office>> {
    offices::table
        .filter(offices::name.eq(name))
        .select(Office::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Office>> {
    offices::table
        .order(offices::name)
        .select(Office::as_select())
        .load(conn)
}

/// Every office with its communities, in two queries.
pub fn list_with_communities(conn: &mut DbConnection) -> QueryResult<Vec<OfficeWithCommunities>> {
    let all = list(conn)?;
    let mut communities = communities::list(conn)?;
    Ok(all
        .into_iter()
        .map(|office| {
            let (mine, rest) = communities
                .drain(..)
                .partition(|c| c.office_id == Some(office.id));
            communities = rest;
            OfficeWithCommunities {
                office,
                communities: mine,
            }
        })
        .collect())
}

/// Inserts an office. Call inside a transaction.
pub fn create(conn: &mut DbConnection, name: &str) -> QueryResult<Office> {
    let at = now();
    diesel::insert_into(offices::table)
        .values((
            offices::name.eq(name),
            offices::created_at.eq(at),
            offices::updated_at.eq(at),
        ))
        .execute(conn)?;
    find_by_name(conn, name)?.ok_or(diesel::result::Error::NotFound)
}

pub fn rename(conn: &mut DbConnection, id: i32, name: &str) -> QueryResult<()> {
    diesel::update(offices::table.find(id))
        .set((offices::name.eq(name), offices::updated_at.eq(now())))
        .execute(conn)
        .map(drop)
}
