//! PostgreSQL's search paths besides pg_trgm (which `filtered` reaches with LIKE alone):
//! name pieces through `customer_grams`, digit runs through the expression index on
//! `dossier_digit_runs`.

use diesel::prelude::*;
use diesel::PgConnection;

use super::index::digit_cover;
use super::{other_filters, Search};
use crate::db::schema::{communities, customer_grams, customer_tags, customers};

diesel::define_sql_function! {
    /// PostgreSQL's index of four-digit runs (migration 000006): the same runs as
    /// `index::digit_grams`, without the `n`.
    fn dossier_digit_runs(text: diesel::sql_types::Text) -> diesel::sql_types::Array<diesel::sql_types::Text>;
}

/// A search of four digits or more: the records whose digit runs hold the runs that
/// cover them, then LIKE.
pub(super) fn digit_ids(
    c: &mut PgConnection,
    search: &Search,
    tag_ids: Option<&[i32]>,
    digits: &str,
    limit: i64,
) -> QueryResult<Vec<i32>> {
    let runs: Vec<String> = digit_cover(digits).into_iter().map(String::from).collect();
    other_filters!(
        customers::table
            .filter(dossier_digit_runs(customers::search_text).contains(runs))
            .filter(customers::search_text.like(format!("%{digits}%")))
            .into_boxed(),
        search,
        tag_ids
    )
    .select(customers::id)
    .order(customers::id.desc())
    .limit(limit)
    .load(c)
}

/// A one- or two-character search (`gram`, lower-cased): its name piece's records, in
/// id order.
pub(super) fn gram_ids(
    c: &mut PgConnection,
    search: &Search,
    tag_ids: Option<&[i32]>,
    gram: String,
    limit: i64,
) -> QueryResult<Vec<i32>> {
    let mut query = other_filters!(
        customer_grams::table
            .inner_join(customers::table)
            .filter(customer_grams::gram.eq(gram))
            .into_boxed(),
        search,
        tag_ids
    );
    if search.filters_records() {
        // The generic plan of a prepared statement is made for an average name
        // piece, and looks each one's records up one by one to check the
        // filter: a common surname with a rare type (q=王&type=vip at 1M
        // records) took 6 ms so, where its own plan, a merge join, takes 1.
        query = query.filter(crate::db::conn::constant::plan_each_time());
    }
    query
        .select(customer_grams::customer_id)
        .order(customer_grams::customer_id.desc())
        .limit(limit)
        .load(c)
}
