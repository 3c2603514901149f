//! The customer list page: one page of a search with each record's tags, and the
//! filters' choices (the communities the user may pick, every tag).

use std::collections::HashMap;

use diesel::QueryResult;

use crate::db::customers::{self, Customer, Search};
use crate::db::{communities, tags, DbConnection};

/// A record found, with its tag paths in order.
#[derive(Debug, Clone)]
pub struct Listed {
    pub customer: Customer,
    pub tags: Vec<String>,
}

/// One page of the list and what its filters offer.
#[derive(Debug, Clone)]
pub struct CustomerList {
    pub rows: Vec<Listed>,
    /// How many match (counted up to `customers::count_cap`, one more meaning "more").
    pub total: i64,
    /// The communities of the search's office, or all of them without one.
    pub communities: Vec<String>,
    /// Every tag path, in order.
    pub tags: Vec<String>,
}

/// Page `page` of `search`. With `id_index` (the blind index of an ID number typed as
/// the search text) the records are found by it instead of by the text.
pub fn page(
    conn: &mut DbConnection,
    search: &Search,
    id_index: Option<&str>,
    page: i64,
    per_page: i64,
) -> QueryResult<CustomerList> {
    let (found, total) = match id_index {
        Some(index) => customers::search_by_id_number(conn, search, index, page, per_page)?,
        None => customers::search(conn, search, page, per_page)?,
    };
    let ids: Vec<i32> = found.iter().map(|f| f.id).collect();
    // One query for the page's tags (no query per row), grouped by record, in order.
    let mut tags_of: HashMap<i32, Vec<String>> = HashMap::new();
    for (id, path) in tags::of_customers(conn, &ids)? {
        tags_of.entry(id).or_default().push(path);
    }
    let rows = found
        .into_iter()
        .map(|customer| Listed {
            tags: tags_of.get(&customer.id).cloned().unwrap_or_default(),
            customer,
        })
        .collect();
    let communities = match search.office_id {
        Some(office) => communities::of_office(conn, office)?,
        None => communities::list(conn)?,
    };
    Ok(CustomerList {
        rows,
        total,
        communities: communities.into_iter().map(|c| c.name).collect(),
        tags: tags::all(conn)?.into_iter().map(|t| t.path).collect(),
    })
}
