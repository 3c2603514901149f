//! `customers` and `code_serials`: the record model, its stored fields and its codes.
//! Writes, lookups, duplicates and the search each have their own file beside this one
//! (`write`, `import`, `find`, `similar`, `search/`); their items are re-exported here,
//! so `db::customers::X` names them all.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{code_serials, customers};
use super::DbConnection;

mod find;
mod import;
pub mod search;
mod similar;
mod write;

pub use find::{count, find_by_code, find_by_id, in_office};
pub use import::{all_phones, insert_many, tidy_after_bulk_load};
pub use search::{count_cap, escape_like, search, search_by_id_number, Search, COUNT_CAP};
pub use similar::similar;
pub use write::{bump_version, insert, insert_new, lock, update_if_version};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = customers)]
pub struct Customer {
    pub id: i32,
    pub code: String,
    pub customer_type: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub occupant_role: Option<String>,
    pub id_number_enc: Option<String>,
    pub id_number_index: Option<String>,
    pub id_number_masked: Option<String>,
    pub credit_code: Option<String>,
    pub legal_representative: Option<String>,
    pub source: String,
    pub first_contact_at: NaiveDate,
    pub last_interaction_at: Option<NaiveDate>,
    pub last_verified_at: Option<NaiveDate>,
    pub notes: String,
    pub status: String,
    pub version: i32,
    pub search_text: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The stored fields a save writes (everything but keys, version and timestamps).
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = customers, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct CustomerFields {
    pub customer_type: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub occupant_role: Option<String>,
    pub id_number_enc: Option<String>,
    pub id_number_index: Option<String>,
    pub id_number_masked: Option<String>,
    pub credit_code: Option<String>,
    pub legal_representative: Option<String>,
    pub source: String,
    pub first_contact_at: NaiveDate,
    pub last_interaction_at: Option<NaiveDate>,
    pub last_verified_at: Option<NaiveDate>,
    pub notes: String,
    pub status: String,
}

impl CustomerFields {
    /// What the search box matches, lower-cased: code, name, phone, email, unit.
    pub fn search_text(&self, code: &str) -> String {
        let email = self.email.as_deref().unwrap_or("");
        format!(
            "{code} {} {} {email} {}-{} {}",
            self.name, self.phone, self.building, self.unit, self.unit
        )
        .to_lowercase()
    }
}

impl From<&Customer> for CustomerFields {
    fn from(c: &Customer) -> CustomerFields {
        CustomerFields {
            customer_type: c.customer_type.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            community: c.community.clone(),
            building: c.building.clone(),
            unit: c.unit.clone(),
            occupant_role: c.occupant_role.clone(),
            id_number_enc: c.id_number_enc.clone(),
            id_number_index: c.id_number_index.clone(),
            id_number_masked: c.id_number_masked.clone(),
            credit_code: c.credit_code.clone(),
            legal_representative: c.legal_representative.clone(),
            source: c.source.clone(),
            first_contact_at: c.first_contact_at,
            last_interaction_at: c.last_interaction_at,
            last_verified_at: c.last_verified_at,
            notes: c.notes.clone(),
            status: c.status.clone(),
        }
    }
}

/// Takes the next serial for a code prefix like `P-2026`; serials are never reused.
/// Call inside the write transaction that inserts the record.
pub fn next_code(conn: &mut DbConnection, letter: char, year: i32) -> QueryResult<String> {
    let prefix = format!("{letter}-{year}");
    let row = (
        code_serials::prefix.eq(&prefix),
        code_serials::last_serial.eq(0),
    );
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(code_serials::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(code_serials::table)
            .values(row)
            .execute(c)?,
    };
    diesel::update(code_serials::table.find(&prefix))
        .set(code_serials::last_serial.eq(code_serials::last_serial + 1))
        .execute(conn)?;
    let serial: i32 = code_serials::table
        .find(&prefix)
        .select(code_serials::last_serial)
        .first(conn)?;
    Ok(format!("{prefix}-{serial:06}"))
}

/// Reserves `count` serials for a prefix at once and returns the first (for imports).
pub fn reserve_codes(
    conn: &mut DbConnection,
    letter: char,
    year: i32,
    count: i32,
) -> QueryResult<i32> {
    let prefix = format!("{letter}-{year}");
    let row = (
        code_serials::prefix.eq(&prefix),
        code_serials::last_serial.eq(0),
    );
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(code_serials::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(code_serials::table)
            .values(row)
            .execute(c)?,
    };
    diesel::update(code_serials::table.find(&prefix))
        .set(code_serials::last_serial.eq(code_serials::last_serial + count))
        .execute(conn)?;
    let last: i32 = code_serials::table
        .find(&prefix)
        .select(code_serials::last_serial)
        .first(conn)?;
    Ok(last - count + 1)
}
