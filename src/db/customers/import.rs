//! What an import writes and reads besides one record's save: many records at once, the
//! tidying after a bulk load, and the stored phone numbers its duplicate check reads.

use diesel::prelude::*;

use super::search::index::{self, Entry};
use super::search::sqlite::index_text;
use super::write::entry;
use super::CustomerFields;
use crate::db::schema::customers;
use crate::db::{now, DbConnection};

/// Every stored phone number (for duplicate checks during an import).
pub fn all_phones(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    customers::table
        .select((customers::phone, customers::code))
        .load(conn)
}

/// Inserts new records with multi-row statements (the import `import_id`) and returns
/// their ids, in the order given; `tag_ids` holds each row's tags, for the search index
/// (the caller attaches them). Call inside the write transaction that reserved the codes.
pub fn insert_many(
    conn: &mut DbConnection,
    import_id: i32,
    rows: &[(String, CustomerFields)],
    tag_ids: &[Vec<i32>],
) -> QueryResult<Vec<i32>> {
    use std::collections::HashMap;
    let at = now();
    let texts: Vec<String> = rows
        .iter()
        .map(|(code, fields)| fields.search_text(code))
        .collect();
    // Owned values (see `sqlite_insert_chunks!`): cloning the fields costs less than
    // preparing the statement anew for every chunk.
    let values: Vec<_> = rows
        .iter()
        .zip(&texts)
        .map(|((code, fields), text)| {
            (
                customers::code.eq(code.clone()),
                fields.clone(),
                customers::version.eq(1),
                customers::search_text.eq(text.clone()),
                customers::created_at.eq(at),
                customers::updated_at.eq(at),
                customers::import_id.eq(Some(import_id)),
            )
        })
        .collect();
    match conn {
        DbConnection::Sqlite(c) => crate::db::conn::sqlite_insert_chunks!(
            c,
            customers::table,
            &values,
            crate::db::ROWS_PER_INSERT
        )?,
        DbConnection::Pg(c) => {
            for chunk in values.chunks(crate::db::ROWS_PER_INSERT) {
                diesel::insert_into(customers::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    let mut ids_by_code: HashMap<String, i32> = HashMap::with_capacity(rows.len());
    let codes: Vec<&str> = rows.iter().map(|(code, _)| code.as_str()).collect();
    for chunk in codes.chunks(crate::db::ROWS_PER_INSERT * 10) {
        let found: Vec<(i32, String)> = customers::table
            .filter(customers::code.eq_any(chunk))
            .select((customers::id, customers::code))
            .load(conn)?;
        ids_by_code.extend(found.into_iter().map(|(id, code)| (code, id)));
    }
    let ids = rows
        .iter()
        .map(|(code, _)| ids_by_code.get(code).copied().ok_or(diesel::NotFound))
        .collect::<QueryResult<Vec<i32>>>()?;
    let entries: Vec<Entry> = ids
        .iter()
        .zip(rows)
        .zip(&texts)
        .zip(tag_ids)
        .map(|(((id, (_, fields)), text), tags)| entry(*id, fields, text, tags))
        .collect();
    index::add(conn, &entries)?;
    // The new ids are all above every older one (SQLite hands out max(id) + 1 and this
    // transaction holds the write lock), so the range holds these records only.
    if let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) {
        index_text(conn, first, last)?;
    }
    Ok(ids)
}

/// After a bulk load: SQLite merges the FTS5 index into one segment (an import leaves
/// dozens, and every search reads them all: 100k records, phone-digit search 3,200 ->
/// 3,800 req/s); PostgreSQL vacuums the tables that grew and gathers their planner
/// statistics, which autovacuum would otherwise do some minutes later.
pub fn tidy_after_bulk_load(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute(
            "INSERT INTO customers_fts (customers_fts) VALUES ('optimize'); \
             INSERT INTO customer_search_grams (customer_search_grams) VALUES ('optimize');",
        ),
        // VACUUM, not only ANALYZE: it also moves the trigram index's pending list (rows
        // GIN has not sorted in yet, which every search reads through) into the index,
        // and marks the pages all-visible for index-only scans. Measured at 100k records:
        // the phone search's plan ran 0.29 ms instead of 0.64 ms.
        DbConnection::Pg(c) => c.batch_execute(
            "VACUUM ANALYZE customers, customer_grams, customer_versions, customer_contacts, \
             customer_tags",
        ),
    }
}
