//! `imports`: one row per import of customers, and taking an unfinished one's records out
//! again. Whether a running import's process is still alive is `import_lock`'s business.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{customer_contacts, customer_grams, customer_tags, customer_versions};
use super::schema::{customers, imports};
use super::{now, DbConnection};

pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const REMOVED: &str = "removed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct Import {
    pub id: i32,
    pub file: String,
    pub started_by: String,
    pub started_at: NaiveDateTime,
    pub status: String,
}

/// Adds a running import and returns its id.
pub fn insert(conn: &mut DbConnection, file: &str, started_by: &str) -> QueryResult<i32> {
    let row = (
        imports::file.eq(file),
        imports::started_by.eq(started_by),
        imports::started_at.eq(now()),
        imports::status.eq(RUNNING),
    );
    let insert = diesel::insert_into(imports::table)
        .values(row)
        .returning(imports::id);
    match conn {
        DbConnection::Pg(c) => insert.get_result(c),
        DbConnection::Sqlite(c) => insert.get_result(c),
    }
}

pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Import>> {
    imports::table
        .find(id)
        .select(Import::as_select())
        .first(conn)
        .optional()
}

/// Imports still marked running, oldest first: each one is either going on now or was
/// cut off.
pub fn running(conn: &mut DbConnection) -> QueryResult<Vec<Import>> {
    imports::table
        .filter(imports::status.eq(RUNNING))
        .order(imports::id)
        .select(Import::as_select())
        .load(conn)
}

/// Marks a running import done. Call in the transaction that logs it.
pub fn finish(conn: &mut DbConnection, id: i32) -> QueryResult<()> {
    diesel::update(imports::table.find(id).filter(imports::status.eq(RUNNING)))
        .set((imports::status.eq(DONE), imports::ended_at.eq(now())))
        .execute(conn)
        .map(drop)
}

/// Deletes every record a running import stored and marks it removed; returns how many
/// records went. Call in a write transaction.
///
/// The rows of the tables an import fills are deleted first, by hand: a first import
/// may have left their foreign keys out (PostgreSQL, `bulk_load`), so no cascade would
/// reach them, and on SQLite a cascade without their indexes would scan a child table
/// once per deleted record. The other tables (interactions logged meanwhile…) cascade.
pub fn remove_records(conn: &mut DbConnection, id: i32, because: &str) -> QueryResult<usize> {
    let of_import = || {
        customers::table
            .filter(customers::import_id.eq(id))
            .select(customers::id)
    };
    diesel::delete(customer_contacts::table)
        .filter(customer_contacts::customer_id.eq_any(of_import()))
        .execute(conn)?;
    diesel::delete(customer_tags::table)
        .filter(customer_tags::customer_id.eq_any(of_import()))
        .execute(conn)?;
    diesel::delete(customer_versions::table)
        .filter(customer_versions::customer_id.eq_any(of_import()))
        .execute(conn)?;
    // SQLite keeps name pieces in an FTS5 table, which the customers' trigger empties.
    if let DbConnection::Pg(c) = conn {
        diesel::delete(customer_grams::table)
            .filter(customer_grams::customer_id.eq_any(of_import()))
            .execute(c)?;
    }
    let removed =
        diesel::delete(customers::table.filter(customers::import_id.eq(id))).execute(conn)?;
    diesel::update(imports::table.find(id))
        .set((
            imports::status.eq(REMOVED),
            imports::ended_at.eq(now()),
            imports::removed_rows.eq(i32::try_from(removed).unwrap_or(i32::MAX)),
            imports::removed_because.eq(because),
        ))
        .execute(conn)?;
    Ok(removed)
}
