//! The customers' token index for short searches: one entry per record that holds the
//! one- and two-character pieces of its name, and on SQLite also the runs of four digits
//! in its search text and the values the list page filters by (type, community, tags),
//! so that `q=王&type=vip` is one intersection inside the index instead of a look at
//! each of 王's thousands of records. Not the status: the sweep and the review decisions
//! change it thousands of records at a time, and re-indexing each batch made the first
//! sweep of 100k records 50% slower (21 -> 32 s) and the searches beside it slower
//! still (p99 43 -> 113 ms); a status filter is SQL (see `sqlite`).
//!
//! SQLite keeps it in the contentless FTS5 table `customer_search_grams` (migrations
//! 000005 and 000801); PostgreSQL keeps the name pieces in `customer_grams` and finds
//! digits and filters through its own indexes. Every write that changes a record's name,
//! search text, type, community or tags calls `refresh` (or `add` for new ones).

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::app_flags;
use crate::db::schema::{customer_grams, customer_tags, customers};
use crate::db::DbConnection;

// SQLite's index (see the module doc), contentless: only rowids come back.
diesel::table! {
    customer_search_grams (rowid) {
        rowid -> Integer,
        #[sql_name = "customer_search_grams"]
        whole -> diesel::sql_types::Text,
        grams -> diesel::sql_types::Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(customer_search_grams, customers);

/// Set by migration 000801, which emptied SQLite's index to add the filter tokens: the
/// next start rebuilds it (`rebuild_if_asked`).
pub const REBUILD_ASKED: &str = "rebuild_search_grams";

/// What a record's entry is made of.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub id: i32,
    pub name: &'a str,
    pub search_text: &'a str,
    pub customer_type: &'a str,
    pub community: &'a str,
    pub tag_ids: &'a [i32],
}

/// What changed on the records being refreshed: PostgreSQL's index holds name pieces
/// only, so it has nothing to do for a change of the filtered values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// The name or the search text (and maybe filtered values too).
    Text,
    /// Only type, community or tags.
    Filters,
}

/// The one- and two-character pieces of a name, lower-cased, without spaces, once each.
pub fn grams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out.sort();
    out.dedup();
    out
}

/// A name piece as SQLite's index holds it: the hex of its UTF-8 bytes, so the ascii
/// tokenizer keeps it whole whatever its script.
pub fn gram_token(gram: &str) -> String {
    hex::encode(gram)
}

// The filter tokens start with a letter that is no hex digit and not the digit runs' `n`,
// so no token of one kind can equal one of another.
pub fn type_token(value: &str) -> String {
    format!("y{}", hex::encode(value))
}

pub fn community_token(value: &str) -> String {
    format!("k{}", hex::encode(value))
}

pub fn tag_token(id: i32) -> String {
    format!("g{id}")
}

/// A record's tokens in SQLite's index.
pub fn tokens(entry: &Entry) -> String {
    let mut tokens: Vec<String> = grams(entry.name).iter().map(|g| gram_token(g)).collect();
    tokens.extend(digit_grams(entry.search_text));
    tokens.push(type_token(entry.customer_type));
    tokens.push(community_token(entry.community));
    tokens.extend(entry.tag_ids.iter().map(|id| tag_token(*id)));
    tokens.join(" ")
}

/// Every run of four ASCII digits in `text`, once each, as `n` + the digits.
pub fn digit_grams(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = chars
        .windows(4)
        .filter(|w| w.iter().all(char::is_ascii_digit))
        .map(|w| std::iter::once('n').chain(w.iter().copied()).collect())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Four-digit runs that every record whose search text holds the digits `digits` (four or
/// more) has: the run at every fourth digit and the last one. "1313425" gives 1313, 3425.
pub fn digit_cover(digits: &str) -> Vec<&str> {
    let last = digits.len().saturating_sub(4);
    let mut starts: Vec<usize> = (0..=last).step_by(4).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts.into_iter().map(|i| &digits[i..i + 4]).collect()
}

/// `digit_cover` as an FTS5 query on SQLite's index: `n1313 AND n3425`.
pub fn digit_cover_query(digits: &str) -> String {
    digit_cover(digits)
        .iter()
        .map(|run| format!("n{run}"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Indexes new records in as few statements as SQLite allows.
pub fn add(conn: &mut DbConnection, entries: &[Entry]) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            let rows: Vec<_> = entries
                .iter()
                .map(|entry| {
                    (
                        customer_search_grams::rowid.eq(entry.id),
                        customer_search_grams::grams.eq(tokens(entry)),
                    )
                })
                .collect();
            crate::db::conn::sqlite_insert_chunks!(
                c,
                customer_search_grams::table,
                &rows,
                crate::db::ROWS_PER_INSERT * 10
            )
        }
        DbConnection::Pg(c) => {
            let rows: Vec<_> = entries
                .iter()
                .flat_map(|entry| {
                    grams(entry.name).into_iter().map(move |gram| {
                        (
                            customer_grams::gram.eq(gram),
                            customer_grams::customer_id.eq(entry.id),
                        )
                    })
                })
                .collect();
            diesel::copy_from(customer_grams::table)
                .from_insertable(&rows)
                .execute(c)
                .map(drop)
        }
    }
}

/// Records per statement when refreshing or rebuilding.
const CHUNK: usize = 2_000;

/// Writes the entries of the records `ids` anew from their stored values. Call inside the
/// transaction that changed them.
pub fn refresh(conn: &mut DbConnection, ids: &[i32], changed: Changed) -> QueryResult<()> {
    if conn.backend() == crate::db::Backend::Postgres && changed == Changed::Filters {
        return Ok(());
    }
    for chunk in ids.chunks(CHUNK) {
        match conn {
            DbConnection::Sqlite(c) => diesel::delete(
                customer_search_grams::table.filter(customer_search_grams::rowid.eq_any(chunk)),
            )
            .execute(c)?,
            DbConnection::Pg(c) => diesel::delete(
                customer_grams::table.filter(customer_grams::customer_id.eq_any(chunk)),
            )
            .execute(c)?,
        };
        index_stored(conn, chunk)?;
    }
    Ok(())
}

type Stored = (i32, String, String, String, String);

/// Indexes the stored records `ids` (not in the index yet).
fn index_stored(conn: &mut DbConnection, ids: &[i32]) -> QueryResult<()> {
    let rows: Vec<Stored> = customers::table
        .filter(customers::id.eq_any(ids))
        .select((
            customers::id,
            customers::name,
            customers::search_text,
            customers::customer_type,
            customers::community,
        ))
        .load(conn)?;
    let pairs: Vec<(i32, i32)> = customer_tags::table
        .filter(customer_tags::customer_id.eq_any(ids))
        .select((customer_tags::customer_id, customer_tags::tag_id))
        .load(conn)?;
    let mut tagged: HashMap<i32, Vec<i32>> = HashMap::new();
    for (customer, tag) in pairs {
        tagged.entry(customer).or_default().push(tag);
    }
    let entries: Vec<Entry> = rows
        .iter()
        .map(|(id, name, text, customer_type, community)| Entry {
            id: *id,
            name,
            search_text: text,
            customer_type,
            community,
            tag_ids: tagged.get(id).map_or(&[], Vec::as_slice),
        })
        .collect();
    add(conn, &entries)
}

/// Rebuilds SQLite's index from the records when a migration asked for it (see
/// `REBUILD_ASKED`); returns how many records it indexed. One transaction: a start cut
/// off half way leaves the request in place and the next start begins again.
pub fn rebuild_if_asked(conn: &mut DbConnection) -> QueryResult<Option<usize>> {
    if conn.backend() != crate::db::Backend::Sqlite || !app_flags::is_set(conn, REBUILD_ASKED)? {
        return Ok(None);
    }
    crate::db::write_tx(conn, |c| {
        diesel::sql_query("DELETE FROM customer_search_grams").execute(c)?;
        let ids: Vec<i32> = customers::table
            .select(customers::id)
            .order(customers::id)
            .load(c)?;
        for chunk in ids.chunks(CHUNK) {
            index_stored(c, chunk)?;
        }
        diesel::sql_query(
            "INSERT INTO customer_search_grams (customer_search_grams) VALUES ('optimize')",
        )
        .execute(c)?;
        app_flags::set(c, REBUILD_ASKED, "false", "start")?;
        Ok(Some(ids.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_of_four_are_tokens_and_a_cover_reaches_the_last_digit() {
        assert_eq!(
            digit_grams("p-2026-000042 王五 13812345678 3-1201"),
            [
                "n0000", "n0004", "n0042", "n1201", "n1234", "n1381", "n2026", "n2345", "n3456",
                "n3812", "n4567", "n5678", "n8123"
            ]
        );
        assert!(digit_grams("abc 123 x4").is_empty());
        assert_eq!(digit_cover("1313425"), ["1313", "3425"]);
        assert_eq!(digit_cover("1234"), ["1234"]);
        assert_eq!(digit_cover_query("1313425"), "n1313 AND n3425");
        assert_eq!(digit_cover_query("12345678"), "n1234 AND n5678");
    }

    #[test]
    fn an_entry_holds_name_pieces_digit_runs_and_the_filtered_values() {
        let entry = Entry {
            id: 1,
            name: "王五",
            search_text: "1234",
            customer_type: "vip",
            community: "翠湖",
            tag_ids: &[3, 12],
        };
        assert_eq!(
            tokens(&entry),
            "e4ba94 e78e8b e78e8be4ba94 n1234 y766970 ke7bfa0e6b996 g3 g12"
        );
    }
}
