//! SQLite's search paths, all through FTS5: the trigram table `customers_fts` for three
//! characters and more, and the token index `customer_search_grams` (see `index`) for
//! name pieces and digit runs, with the page's filters as tokens too.

use diesel::prelude::*;
use diesel::SqliteConnection;

use super::index::{self, customer_search_grams, digit_cover_query};
use super::{Boxed, Search};
use crate::db::schema::{communities, customer_tags, customers, tags};
use crate::db::DbConnection;

// The FTS5 table as diesel sees it: its rowid, and the hidden column named like the table
// that `MATCH` takes. Through the query builder, unlike a raw SQL fragment, the search
// statement is prepared once per connection and then reused.
diesel::table! {
    customers_fts (rowid) {
        rowid -> Integer,
        #[sql_name = "customers_fts"]
        whole -> diesel::sql_types::Text,
        search_text -> diesel::sql_types::Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(customers_fts, customers);

diesel::allow_tables_to_appear_in_same_query!(customer_search_grams, tags);
diesel::allow_tables_to_appear_in_same_query!(customer_search_grams, customer_tags);
diesel::allow_tables_to_appear_in_same_query!(customer_search_grams, communities);
diesel::infix_operator!(Matches, " MATCH ");

/// Adds the records with ids `first..=last` to the SQLite FTS5 index, in one statement:
/// FTS5 writes its pending terms at the end of every statement, so one row at a time (a
/// trigger) made an import twice as slow. PostgreSQL's trigram index needs nothing.
pub(in crate::db::customers) fn index_text(
    conn: &mut DbConnection,
    first: i32,
    last: i32,
) -> QueryResult<()> {
    if let DbConnection::Sqlite(c) = conn {
        diesel::insert_into(customers_fts::table)
            .values(
                customers::table
                    .filter(customers::id.between(first, last))
                    .select((customers::id, customers::search_text)),
            )
            .into_columns((customers_fts::rowid, customers_fts::search_text))
            .execute(c)?;
    }
    Ok(())
}

/// `query` narrowed to the records holding a few trigrams that cover `text` (three
/// characters or more); the caller's LIKE keeps those holding the text itself.
pub(super) fn with_trigrams_of<'a>(query: Boxed<'a>, text: &str) -> Boxed<'a> {
    // A quoted phrase of every trigram gives the same answer, but FTS5 then reads every
    // position of every trigram: for digits, whose trigrams are in tens of thousands of
    // records at 1M, 35% slower.
    let matching = customers_fts::table
        .filter(Matches::new(
            customers_fts::whole,
            trigram_cover(text).into_sql::<diesel::sql_types::Text>(),
        ))
        .select(customers_fts::rowid);
    query.filter(customers::id.eq_any(matching))
}

/// A one- or two-character search (`gram`, lower-cased): its name piece's token.
pub(super) fn gram_ids(
    c: &mut SqliteConnection,
    search: &Search,
    tag_ids: Option<&[i32]>,
    gram: &str,
    limit: i64,
) -> QueryResult<Vec<i32>> {
    let token = format!("\"{}\"", hex::encode(gram));
    sqlite_grams(c, search, tag_ids, token, None, limit)
}

/// A search of four digits or more: the digit runs that cover them, then LIKE.
pub(super) fn digit_ids(
    c: &mut SqliteConnection,
    search: &Search,
    tag_ids: Option<&[i32]>,
    digits: &str,
    limit: i64,
) -> QueryResult<Vec<i32>> {
    let contains = format!("%{digits}%");
    let cover = digit_cover_query(digits);
    sqlite_grams(c, search, tag_ids, cover, Some(contains), limit)
}

/// The page's filters on the records the token index found: the status (no token, see
/// `index`), the office's communities, and again type and community (tokens already,
/// this keeps an entry that fell behind from showing a record that no longer fits).
/// Type, community and the office are written `column || ''`, which no index of
/// `customers` answers: given `customer_type = ?`, SQLite 3.51's planner walked the type
/// index and asked FTS5 about each record, 1.5 s for q=王&type=vip at 100k records, where
/// the token index driving the join takes 0.5 ms. (A macro: the boxed join's type is not worth spelling out.)
macro_rules! unindexed_filters {
    ($query:expr, $search:expr) => {{
        let mut query = $query;
        let search: &Search = $search;
        if let Some(t) = &search.customer_type {
            query = query.filter(customers::customer_type.concat("").eq(t));
        }
        if let Some(c) = &search.community {
            query = query.filter(customers::community.concat("").eq(c));
        }
        match &search.status {
            // No token for it (see `index`), and left indexable: SQLite's own plan for
            // `status = ?` gave q=王&status=pending_activation 1,340 req/s at 100k where
            // `status || '' = ?` (the token index driving) gave 1,010.
            Some(s) => query = query.filter(customers::status.eq(s)),
            None if !search.include_archived => {
                query = query.filter(customers::status.concat("").ne("archived"))
            }
            None => {}
        }
        if let Some(office) = search.office_id {
            let names = communities::table
                .filter(communities::office_id.eq(office))
                .select(communities::name);
            query = query.filter(customers::community.concat("").eq_any(names));
        }
        query
    }};
}

/// Ids from SQLite's token index (`query` is an FTS5 MATCH), newest first, with the
/// other filters, and `contains` (a LIKE pattern on the search text) when the tokens
/// alone do not say the record matches. Type, community and tags are tokens of
/// the index too: the index intersects them with the name pieces or digits, and only
/// records that pass them all are read (a common surname with a rare type read each of
/// the surname's records before).
fn sqlite_grams(
    c: &mut SqliteConnection,
    search: &Search,
    tag_ids: Option<&[i32]>,
    query: String,
    contains: Option<String>,
    limit: i64,
) -> QueryResult<Vec<i32>> {
    let query = std::iter::once(query)
        .chain(filter_tokens(search, tag_ids))
        .collect::<Vec<_>>()
        .join(" AND ");
    let mut ids = unindexed_filters!(
        customer_search_grams::table
            .inner_join(customers::table.on(customers::id.eq(customer_search_grams::rowid)))
            .filter(Matches::new(
                customer_search_grams::whole,
                query.into_sql::<diesel::sql_types::Text>(),
            ))
            .into_boxed(),
        search
    );
    if let Some(pattern) = contains {
        ids = ids.filter(customers::search_text.like(pattern));
    }
    ids.select(customer_search_grams::rowid)
        .order(customer_search_grams::rowid.desc())
        .limit(limit)
        .load(c)
}

/// The page's filters as terms of SQLite's token index (see `index`).
fn filter_tokens(search: &Search, tag_ids: Option<&[i32]>) -> Vec<String> {
    let mut terms = Vec::new();
    terms.extend(search.customer_type.as_deref().map(index::type_token));
    terms.extend(search.community.as_deref().map(index::community_token));
    if let Some(ids) = tag_ids {
        let any: Vec<String> = ids.iter().map(|id| index::tag_token(*id)).collect();
        terms.push(format!("({})", any.join(" OR ")));
    }
    terms
}

/// An FTS5 query that every record containing `text` (3 characters or more) matches:
/// trigrams at every third character and the last one, quoted, joined by AND.
/// "1313425" gives `"131" AND "342" AND "425"`.
fn trigram_cover(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let last = chars.len().saturating_sub(3);
    let mut starts: Vec<usize> = (0..=last).step_by(3).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
        .into_iter()
        .map(|i| {
            let gram: String = chars[i..(i + 3).min(chars.len())].iter().collect();
            format!("\"{}\"", gram.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::trigram_cover;

    #[test]
    fn the_trigram_cover_reaches_the_last_character() {
        assert_eq!(trigram_cover("1313425"), r#""131" AND "342" AND "425""#);
        assert_eq!(trigram_cover("abc"), r#""abc""#);
        assert_eq!(trigram_cover("wang"), r#""wan" AND "ang""#);
        assert_eq!(trigram_cover("阳娜娜"), r#""阳娜娜""#);
        assert_eq!(trigram_cover("a\"bcd"), r#""a""b" AND "bcd""#);
    }
}
