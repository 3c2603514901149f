//! `customers`, `code_serials` and the name grams: the records, their codes, and the
//! search paths (FTS5 trigram / pg_trgm for three characters and more; name grams for
//! one and two: the `customer_grams` table on PostgreSQL, the FTS5 table
//! `customer_search_grams` on SQLite, which also holds four-digit runs for phone digits).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{code_serials, communities, customer_grams, customer_tags, customers, tags};
use super::search_index::{
    self, customer_search_grams, digit_cover, digit_cover_query, Changed, Entry,
};
use super::{now, DbConnection};

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

/// Every stored phone number (for duplicate checks during an import).
pub fn all_phones(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    customers::table
        .select((customers::phone, customers::code))
        .load(conn)
}

/// Inserts a record as version 1 and indexes its name. Call inside a transaction.
pub fn insert(
    conn: &mut DbConnection,
    code: &str,
    fields: &CustomerFields,
) -> QueryResult<Customer> {
    let id = insert_new(conn, code, fields)?;
    customers::table
        .find(id)
        .select(Customer::as_select())
        .first(conn)
}

/// Inserts a record and its name grams; returns its id. (`RETURNING` does not build on
/// the two-backend connection type, hence the match.)
pub fn insert_new(
    conn: &mut DbConnection,
    code: &str,
    fields: &CustomerFields,
) -> QueryResult<i32> {
    let at = now();
    let text = fields.search_text(code);
    let row = (
        customers::code.eq(code),
        fields,
        customers::version.eq(1),
        customers::search_text.eq(&text),
        customers::created_at.eq(at),
        customers::updated_at.eq(at),
    );
    let insert = diesel::insert_into(customers::table)
        .values(row)
        .returning(customers::id);
    let id = match conn {
        DbConnection::Pg(c) => insert.get_result(c)?,
        DbConnection::Sqlite(c) => insert.get_result(c)?,
    };
    search_index::add(conn, &[entry(id, fields, &text, &[])])?;
    index_text(conn, id, id)?;
    Ok(id)
}

/// The search index's entry of a record being written.
fn entry<'a>(id: i32, fields: &'a CustomerFields, text: &'a str, tag_ids: &'a [i32]) -> Entry<'a> {
    Entry {
        id,
        name: &fields.name,
        search_text: text,
        customer_type: &fields.customer_type,
        status: &fields.status,
        community: &fields.community,
        tag_ids,
    }
}

/// Adds the records with ids `first..=last` to the SQLite FTS5 index, in one statement:
/// FTS5 writes its pending terms at the end of every statement, so one row at a time (a
/// trigger) made an import twice as slow. PostgreSQL's trigram index needs nothing.
fn index_text(conn: &mut DbConnection, first: i32, last: i32) -> QueryResult<()> {
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

/// Writes new field values if the record is still at `expected_version`; returns false
/// (and writes nothing) when someone saved in between.
pub fn update_if_version(
    conn: &mut DbConnection,
    customer: &Customer,
    expected_version: i32,
    fields: &CustomerFields,
) -> QueryResult<bool> {
    let text = fields.search_text(&customer.code);
    let updated = diesel::update(
        customers::table
            .find(customer.id)
            .filter(customers::version.eq(expected_version)),
    )
    .set((
        fields,
        customers::version.eq(customers::version + 1),
        customers::search_text.eq(&text),
        customers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    let changed = if fields.name != customer.name || text != customer.search_text {
        Some(Changed::Text)
    } else if fields.customer_type != customer.customer_type
        || fields.status != customer.status
        || fields.community != customer.community
    {
        Some(Changed::Filters)
    } else {
        None
    };
    if let (1, Some(changed)) = (updated, changed) {
        search_index::refresh(conn, &[customer.id], changed)?;
    }
    if updated == 1 && fields.status != customer.status {
        diesel::update(customers::table.find(customer.id))
            .set(customers::status_changed_at.eq(now()))
            .execute(conn)?;
    }
    Ok(updated == 1)
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
        DbConnection::Sqlite(c) => {
            super::sqlite_insert_chunks!(c, customers::table, &values, super::ROWS_PER_INSERT)?
        }
        DbConnection::Pg(c) => {
            for chunk in values.chunks(super::ROWS_PER_INSERT) {
                diesel::insert_into(customers::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    let mut ids_by_code: HashMap<String, i32> = HashMap::with_capacity(rows.len());
    let codes: Vec<&str> = rows.iter().map(|(code, _)| code.as_str()).collect();
    for chunk in codes.chunks(super::ROWS_PER_INSERT * 10) {
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
    search_index::add(conn, &entries)?;
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

/// Raises the record's version (a change kept outside its own columns, such as its key
/// contacts) and returns the new number.
pub fn bump_version(conn: &mut DbConnection, id: i32) -> QueryResult<i32> {
    diesel::update(customers::table.find(id))
        .set((
            customers::version.eq(customers::version + 1),
            customers::updated_at.eq(now()),
        ))
        .returning(customers::version)
        .get_result(conn)
}

pub fn find_by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Customer>> {
    customers::table
        .find(id)
        .select(Customer::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Customer>> {
    customers::table
        .filter(customers::code.eq(code))
        .select(Customer::as_select())
        .first(conn)
        .optional()
}

/// The record as it is now, held until the transaction ends, for a save that checks its
/// version first. PostgreSQL reads without locking at READ COMMITTED, so two saves of one
/// version could both see it current and the second would only find out at its UPDATE;
/// `FOR UPDATE` makes the second wait and then read the first one's version. SQLite's
/// write transaction (`BEGIN IMMEDIATE`) already holds the whole database.
pub fn lock(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Customer>> {
    let query = || customers::table.find(id);
    match conn {
        DbConnection::Pg(c) => query()
            .select(Customer::as_select())
            .for_update()
            .first(c)
            .optional(),
        DbConnection::Sqlite(c) => query().select(Customer::as_select()).first(c).optional(),
    }
}

/// The one- and two-character pieces of a name, lower-cased.
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

type Boxed<'a> = customers::BoxedQuery<'a, <DbConnection as Connection>::Backend>;

/// The filters other than the search text, on any query that has the customers table;
/// `$tag_ids` (an `Option<&[i32]>`) are the ids of the tag asked for and its sub-tags.
macro_rules! other_filters {
    ($query:expr, $search:expr, $tag_ids:expr) => {{
        let mut query = $query;
        let search: &Search = $search;
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
                query = query.filter(customers::status.ne(super::constant::text("archived")))
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

diesel::define_sql_function! {
    /// PostgreSQL's index of four-digit runs (migration 000006): the same runs as
    /// `search_index::digit_grams`, without the `n`.
    fn dossier_digit_runs(text: diesel::sql_types::Text) -> diesel::sql_types::Array<diesel::sql_types::Text>;
}

/// Four or more digits and nothing else (a phone fragment, a unit, a code's serial): the
/// four-digit runs find them (SQLite's gram index, PostgreSQL's `dossier_digit_runs`).
fn digits_of(search: &Search) -> Option<String> {
    let text = search.text.trim();
    (text.len() >= 4 && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.to_string())
}

/// Ids from SQLite's token index (`query` is an FTS5 MATCH), newest first, with the
/// other filters, and `contains` (a LIKE pattern on the search text) when the tokens
/// alone do not say the record matches. Type, status, community and tags are tokens of
/// the index too: the index intersects them with the name pieces or digits, and only
/// records that pass them all are read (a common surname with a rare type read each of
/// the surname's records before).
fn sqlite_grams(
    c: &mut diesel::SqliteConnection,
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
    // The tags are in the MATCH; the other filters stay in SQL too, where they cost
    // a look at the matches only (and hold the office's communities).
    let mut ids = other_filters!(
        customer_search_grams::table
            .inner_join(customers::table.on(customers::id.eq(customer_search_grams::rowid)))
            .filter(Matches::new(
                customer_search_grams::whole,
                query.into_sql::<diesel::sql_types::Text>(),
            ))
            .into_boxed(),
        search,
        None::<&[i32]>
    );
    if let Some(pattern) = contains {
        ids = ids.filter(customers::search_text.like(pattern));
    }
    ids.select(customer_search_grams::rowid)
        .order(customer_search_grams::rowid.desc())
        .limit(limit)
        .load(c)
}

/// The page's filters as terms of SQLite's token index (see `search_index`).
fn filter_tokens(search: &Search, tag_ids: Option<&[i32]>) -> Vec<String> {
    let mut terms = Vec::new();
    terms.extend(
        search
            .customer_type
            .as_deref()
            .map(search_index::type_token),
    );
    terms.extend(search.status.as_deref().map(search_index::status_token));
    terms.extend(
        search
            .community
            .as_deref()
            .map(search_index::community_token),
    );
    if let Some(ids) = tag_ids {
        let any: Vec<String> = ids.iter().map(|id| search_index::tag_token(*id)).collect();
        terms.push(format!("({})", any.join(" OR ")));
    }
    terms
}

/// The ids of the tag the page filters by and of its sub-tags: `Some(empty)` when no such
/// tag exists (nothing matches), `None` when the page has no tag filter.
fn tag_filter(conn: &mut DbConnection, search: &Search) -> QueryResult<Option<Vec<i32>>> {
    search
        .tag
        .as_deref()
        .map(|path| super::tags::ids_under(conn, path))
        .transpose()
}

/// A one- or two-character search (a surname): the name-gram index.
fn gram_of(search: &Search) -> Option<String> {
    let text = search.text.trim().to_lowercase();
    (1..=2).contains(&text.chars().count()).then_some(text)
}

fn filtered<'a>(
    backend: super::Backend,
    search: &'a Search,
    tag_ids: Option<&'a [i32]>,
) -> Boxed<'a> {
    let mut query = customers::table.into_boxed();
    let text = search.text.trim().to_lowercase();
    if text.chars().count() >= 3 {
        let contains = customers::search_text
            .like(format!("%{}%", escape_like(&text)))
            .escape('\\');
        query = match backend {
            super::Backend::Sqlite => {
                // The FTS5 index narrows the records down to those holding a few
                // trigrams that cover the text, and LIKE keeps those holding the text
                // itself. A quoted phrase of every trigram gives the same answer, but
                // FTS5 then reads every position of every trigram: for digits, whose
                // trigrams are in tens of thousands of records at 1M, 35% slower.
                let matching = customers_fts::table
                    .filter(Matches::new(
                        customers_fts::whole,
                        trigram_cover(&text).into_sql::<diesel::sql_types::Text>(),
                    ))
                    .select(customers_fts::rowid);
                query
                    .filter(customers::id.eq_any(matching))
                    .filter(contains)
            }
            super::Backend::Postgres => query.filter(contains),
        };
    }
    other_filters!(query, search, tag_ids)
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
            let token = format!("\"{}\"", hex::encode(gram));
            sqlite_grams(c, search, tag_ids, token, None, limit)?
        }
        (None, Some(digits), DbConnection::Sqlite(c)) => {
            let contains = format!("%{digits}%");
            let cover = digit_cover_query(&digits);
            sqlite_grams(c, search, tag_ids, cover, Some(contains), limit)?
        }
        (None, Some(digits), DbConnection::Pg(c)) => {
            let runs: Vec<String> = digit_cover(&digits).into_iter().map(String::from).collect();
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
            .load(c)?
        }
        (Some(gram), _, DbConnection::Pg(c)) => {
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
                query = query.filter(super::constant::plan_each_time());
            }
            query
                .select(customer_grams::customer_id)
                .order(customer_grams::customer_id.desc())
                .limit(limit)
                .load(c)?
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
        super::filter_ids!(query, conn, customers::id, &wanted)
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

/// Records that look like the same customer: same phone, email, ID number, or name and unit.
pub fn similar(
    conn: &mut DbConnection,
    fields: &CustomerFields,
    except_id: Option<i32>,
) -> QueryResult<Vec<Customer>> {
    let mut query = customers::table
        .select(Customer::as_select())
        .into_boxed()
        .filter(customers::phone.eq(fields.phone.clone()))
        .or_filter(
            customers::name
                .eq(fields.name.clone())
                .and(customers::community.eq(fields.community.clone()))
                .and(customers::unit.eq(fields.unit.clone())),
        );
    if let Some(email) = &fields.email {
        query = query.or_filter(customers::email.eq(email.clone()));
    }
    if let Some(index) = &fields.id_number_index {
        query = query.or_filter(customers::id_number_index.eq(index.clone()));
    }
    // The record itself is dropped here rather than in SQL, where it would bind to the
    // last OR term only.
    let mut found = query.limit(11).load(conn)?;
    found.retain(|c| Some(c.id) != except_id);
    found.truncate(10);
    Ok(found)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    customers::table.count().get_result(conn)
}

/// Whether the record's community belongs to the office.
pub fn in_office(conn: &mut DbConnection, community: &str, office_id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        communities::table
            .filter(communities::office_id.eq(office_id))
            .filter(communities::name.eq(community)),
    ))
    .get_result(conn)
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
