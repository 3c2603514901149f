//! The list page's search: what it asks for (`Search`), the filters both backends apply
//! the same way, and which index each kind of search text goes to. Three characters and
//! more: FTS5 trigrams (SQLite) or pg_trgm (PostgreSQL) narrow, LIKE decides. One or two
//! (a surname) and four digits or more (a phone fragment): the token index, which SQLite
//! keeps in `customer_search_grams` and PostgreSQL in `customer_grams` and
//! `dossier_digit_runs` (see `index`). The backend-specific paths are in `sqlite` and
//! `postgres`.

use diesel::prelude::*;

use super::Customer;
use crate::db::schema::{communities, customer_tags, customers};
use crate::db::{Backend, DbConnection};

pub mod index;
mod postgres;
pub(super) mod sqlite;

/// What the list page asks for. `office_id` limits it to that office's communities.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub text: String,
    pub customer_type: Option<String>,
    pub community: Option<String>,
    pub status: Option<String>,
    pub tag: Option<String>,
    pub office_id: Option<i32>,
    pub include_archived: bool,
}

impl Search {
    /// Whether the page narrows the matches by type, community, status or tag.
    pub fn filters_records(&self) -> bool {
        self.customer_type.is_some()
            || self.community.is_some()
            || self.status.is_some()
            || self.tag.is_some()
    }
}

/// The fewest matches counted; beyond the cap the page says "more than". Clerks narrow a
/// search rather than page through it, and each counted match costs a row read, so
/// the first pages count this many and later ones up to their own last row.
pub const COUNT_CAP: i64 = 100;

/// How many matches a page counts before it says "more than".
pub fn count_cap(page: i64, per_page: i64) -> i64 {
    COUNT_CAP.max(page * per_page)
}
type Boxed<'a> = customers::BoxedQuery<'a, <DbConnection as Connection>::Backend>;

/// The filters other than the search text, on any query that has the customers table;
/// `$tag_ids` (an `Option<&[i32]>`) are the ids of the tag asked for and its sub-tags.
macro_rules! other_filters {
    ($query:expr, $search:expr, $tag_ids:expr) => {{
        let mut query = $query;
        let search: &$crate::db::customers::Search = $search;
        if let Some(t) = &search.customer_type {
            query = query.filter(customers::customer_type.eq(t));
        }
        if let Some(c) = &search.community {
            query = query.filter(customers::community.eq(c));
        }
        match &search.status {
            Some(s) => query = query.filter(customers::status.eq(s)),
            None if !search.include_archived => {
                // A constant, not a parameter: see `constant`.
                query =
                    query.filter(customers::status.ne($crate::db::conn::constant::text("archived")))
            }
            None => {}
        }
        match $tag_ids {
            // One tag: `tag_id = $1` reads its records in id order from the
            // (tag_id, customer_id) index, which PostgreSQL merges with a name piece's
            // records (1.4 ms at 100k); `= ANY` made it collect and sort them all (20 ms).
            Some(&[one]) => {
                let tagged = customer_tags::table
                    .filter(customer_tags::tag_id.eq(one))
                    .select(customer_tags::customer_id);
                query = query.filter(customers::id.eq_any(tagged));
            }
            Some(ids) => {
                let tagged = customer_tags::table
                    .filter(customer_tags::tag_id.eq_any(ids.to_vec()))
                    .select(customer_tags::customer_id);
                query = query.filter(customers::id.eq_any(tagged));
            }
            None => {}
        }
        if let Some(office) = search.office_id {
            let names = communities::table
                .filter(communities::office_id.eq(office))
                .select(communities::name);
            query = query.filter(customers::community.eq_any(names));
        }
        query
    }};
}
// `sqlite` and `postgres` put the same filters on their own queries.
use other_filters;

/// Four or more digits and nothing else (a phone fragment, a unit, a code's serial): the
/// four-digit runs find them (SQLite's gram index, PostgreSQL's `dossier_digit_runs`).
fn digits_of(search: &Search) -> Option<String> {
    let text = search.text.trim();
    (text.len() >= 4 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

/// The ids of the tag the page filters by and of its sub-tags: `Some(empty)` when no such
/// tag exists (nothing matches), `None` when the page has no tag filter.
fn tag_filter(conn: &mut DbConnection, search: &Search) -> QueryResult<Option<Vec<i32>>> {
    search
        .tag
        .as_deref()
        .map(|path| crate::db::tags::ids_under(conn, path))
        .transpose()
}

/// A one- or two-character search (a surname): the name-gram index.
fn gram_of(search: &Search) -> Option<String> {
    let text = search.text.trim().to_lowercase();
    (1..=2).contains(&text.chars().count()).then_some(text)
}

/// The query of a search of three characters or more (or none), with the other filters.
fn filtered<'a>(backend: Backend, search: &'a Search, tag_ids: Option<&'a [i32]>) -> Boxed<'a> {
    let mut query = customers::table.into_boxed();
    let text = search.text.trim().to_lowercase();
    if text.chars().count() >= 3 {
        let contains = customers::search_text
            .like(format!("%{}%", escape_like(&text)))
            .escape('\\');
        query = match backend {
            Backend::Sqlite => sqlite::with_trigrams_of(query, &text).filter(contains),
            Backend::Postgres => query.filter(contains),
        };
    }
    other_filters!(query, search, tag_ids)
}

/// `%`, `_` and `\` typed by the user are literal (used with `.escape('\\')`, which both backends honour).
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One page of matches, newest first, and the number of matches up to
/// `count_cap(page, per_page) + 1`.
///
/// One statement finds the matching ids (the search runs once, and stops at the cap);
/// a second reads the page's records by id.
pub fn search(
    conn: &mut DbConnection,
    search: &Search,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Customer>, i64)> {
    let limit = count_cap(page, per_page) + 1;
    let tag_ids = tag_filter(conn, search)?;
    if tag_ids.as_ref().is_some_and(Vec::is_empty) {
        return Ok((Vec::new(), 0));
    }
    let tag_ids = tag_ids.as_deref();
    // A gram search is driven by the gram index in id order: a surname matches
    // thousands, and collecting them all first cost ~3 ms a page at 100k records.
    let ids: Vec<i32> = match (gram_of(search), digits_of(search), &mut *conn) {
        (Some(gram), _, DbConnection::Sqlite(c)) => {
            sqlite::gram_ids(c, search, tag_ids, &gram, limit)?
        }
        (None, Some(digits), DbConnection::Sqlite(c)) => {
            sqlite::digit_ids(c, search, tag_ids, &digits, limit)?
        }
        (None, Some(digits), DbConnection::Pg(c)) => {
            postgres::digit_ids(c, search, tag_ids, &digits, limit)?
        }
        (Some(gram), _, DbConnection::Pg(c)) => {
            postgres::gram_ids(c, search, tag_ids, gram, limit)?
        }
        (None, _, conn) => filtered(conn.backend(), search, tag_ids)
            .select(customers::id)
            .order(customers::id.desc())
            .limit(limit)
            .load(conn)?,
    };
    let skip = usize::try_from((page - 1).max(0) * per_page).unwrap_or(usize::MAX);
    let wanted: Vec<i32> = ids
        .iter()
        .skip(skip)
        .take(usize::try_from(per_page).unwrap_or(0))
        .copied()
        .collect();
    let rows = if wanted.is_empty() {
        Vec::new()
    } else {
        let query = customers::table.into_boxed();
        crate::db::conn::filter_ids!(query, conn, customers::id, &wanted)
            .select(Customer::as_select())
            .order(customers::id.desc())
            .load(conn)?
    };
    Ok((rows, ids.len() as i64))
}

/// `search` for a search text that is an ID number: the records whose blind index is
/// `index` (the indexed column; a person has one number, so a handful at most), with the
/// page's other filters, in the same shape as `search`.
pub fn search_by_id_number(
    conn: &mut DbConnection,
    search: &Search,
    index: &str,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Customer>, i64)> {
    let limit = count_cap(page, per_page) + 1;
    let tag_ids = tag_filter(conn, search)?;
    let found: Vec<Customer> = other_filters!(
        customers::table
            .filter(customers::id_number_index.eq(index.to_string()))
            .into_boxed(),
        search,
        tag_ids.as_deref()
    )
    .select(Customer::as_select())
    .order(customers::id.desc())
    .limit(limit)
    .load(conn)?;
    let total = found.len() as i64;
    let skip = usize::try_from((page - 1).max(0) * per_page).unwrap_or(usize::MAX);
    let rows = found
        .into_iter()
        .skip(skip)
        .take(usize::try_from(per_page).unwrap_or(0))
        .collect();
    Ok((rows, total))
}
