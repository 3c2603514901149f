//! `communities` (小区), each belonging to one office.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::communities;
use super::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = communities)]
pub struct Community {
    pub id: i32,
    pub office_id: i32,
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

/// The names among `names` that already belong to another office than `office_id`.
pub fn taken_elsewhere(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    names: &[String],
) -> QueryResult<Vec<String>> {
    let mut query = communities::table
        .filter(communities::name.eq_any(names))
        .select(communities::name)
        .into_boxed();
    if let Some(id) = office_id {
        query = query.filter(communities::office_id.ne(id));
    }
    query.load(conn)
}

/// Makes the office's communities exactly `names`: adds the new, removes the dropped.
/// Call inside a transaction; removing one that records still point at fails on its
/// foreign key, and the caller reports that.
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
        diesel::delete(communities::table.filter(communities::id.eq_any(dropped))).execute(conn)?;
    }
    let at = now();
    for name in names
        .iter()
        .filter(|n| !existing.iter().any(|c| &c.name == *n))
    {
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
