//! Bulk loads into empty customer tables. An import into an empty database (an office
//! moving its spreadsheet in) drops the secondary indexes of the customer tables, and on
//! PostgreSQL their foreign keys, and builds them once at the end: one sorted build costs
//! far less than inserting each row into each index (100k rows on SQLite: 4.1 s with the
//! indexes in place, 2.9 s + 0.4 s without; PostgreSQL: see the README).
//!
//! The definitions are saved in `deferred_indexes` by the transaction that drops them, and
//! `restore` runs at every start, so an import that dies half-way leaves nothing missing
//! for longer than until the next command. Unique indexes and primary keys stay: the
//! import relies on them.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::schema::deferred_indexes;
use crate::db::{now, write_tx, DbConnection};

/// The tables an import fills. `customer_grams` exists on PostgreSQL only; on SQLite the
/// catalog simply lists nothing for it.
const TABLES: &str =
    "'customers', 'customer_contacts', 'customer_tags', 'customer_versions', 'customer_grams'";

const INDEX: &str = "index";
const FOREIGN_KEY: &str = "foreign key";

#[derive(QueryableByName, Queryable)]
struct Definition {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Drops the secondary indexes (and PostgreSQL foreign keys) of the customer tables,
/// saving their definitions in the same transaction; returns how many it dropped.
pub fn defer(conn: &mut DbConnection) -> QueryResult<usize> {
    write_tx(conn, |c| {
        let found = diesel::sql_query(catalog_query(c)).load::<Definition>(c)?;
        let at = now();
        for item in &found {
            diesel::insert_into(deferred_indexes::table)
                .values((
                    deferred_indexes::name.eq(&item.name),
                    deferred_indexes::kind.eq(&item.kind),
                    deferred_indexes::table_name.eq(&item.table_name),
                    deferred_indexes::definition.eq(&item.definition),
                    deferred_indexes::deferred_at.eq(at),
                ))
                .execute(c)?;
            let drop = if item.kind == FOREIGN_KEY {
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    quoted(&item.table_name),
                    quoted(&item.name)
                )
            } else {
                format!("DROP INDEX {}", quoted(&item.name))
            };
            diesel::sql_query(drop).execute(c)?;
        }
        Ok(found.len())
    })
}

/// Builds whatever `defer` left listed, each in a transaction of its own that also takes
/// it off the list, so that other writers wait for one build at a time, not for all of
/// them; returns how many it built. Safe to run at any time, also while an import is
/// still going: what exists already is only taken off the list.
///
/// With a `helper` connection (PostgreSQL), the indexes are built two at a time, one on
/// each connection: each build keeps one core busy (100k records: 4.6 s one by one).
/// The foreign keys come after all of them, on `conn` alone: checking one locks both
/// its tables, and against a build on the other connection that could deadlock.
pub fn restore(conn: &mut DbConnection, helper: Option<&mut DbConnection>) -> QueryResult<usize> {
    let (indexes, keys): (Vec<_>, Vec<_>) = pending(conn)?
        .into_iter()
        .partition(|item| item.kind == INDEX);
    let built = match helper {
        None => build_all(conn, &indexes)?,
        Some(helper) => {
            let (mine, theirs) = share_out(indexes);
            let (here, there) = std::thread::scope(|scope| {
                let there = scope.spawn(|| build_all(helper, &theirs));
                (build_all(conn, &mine), there.join())
            });
            let there = there.unwrap_or_else(|_| {
                Err(diesel::result::Error::QueryBuilderError(
                    "the thread building indexes failed".into(),
                ))
            });
            here? + there?
        }
    };
    Ok(built + build_all(conn, &keys)?)
}

fn build_all(conn: &mut DbConnection, items: &[Definition]) -> QueryResult<usize> {
    let mut built = 0;
    for item in items {
        built += write_tx(conn, |c| build(c, item))?;
    }
    Ok(built)
}

/// Two lists of about equal work, the heaviest builds first: a GIN index (trigrams, digit
/// runs) takes about ten times as long as a B-tree over the same rows.
fn share_out(mut indexes: Vec<Definition>) -> (Vec<Definition>, Vec<Definition>) {
    let weight = |item: &Definition| {
        if item.definition.contains(" USING gin ") {
            10
        } else {
            1
        }
    };
    indexes.sort_by_key(|item| std::cmp::Reverse(weight(item)));
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    let (mut my_load, mut their_load) = (0, 0);
    for item in indexes {
        if my_load <= their_load {
            my_load += weight(&item);
            mine.push(item);
        } else {
            their_load += weight(&item);
            theirs.push(item);
        }
    }
    (mine, theirs)
}

fn pending(conn: &mut DbConnection) -> QueryResult<Vec<Definition>> {
    deferred_indexes::table
        .select((
            deferred_indexes::name,
            deferred_indexes::kind,
            deferred_indexes::table_name,
            deferred_indexes::definition,
        ))
        .order(deferred_indexes::name)
        .load(conn)
}

/// Runs one saved definition unless it exists already, and takes it off the list.
fn build(conn: &mut DbConnection, item: &Definition) -> QueryResult<usize> {
    // Another process may have built it and taken it off the list since it was read. On
    // PostgreSQL the row stays locked until this commits, so that two processes do not
    // build the same index (SQLite's write lock already keeps them apart).
    let listed = deferred_indexes::table
        .find(&item.name)
        .select(deferred_indexes::name);
    let listed: Option<String> = match conn {
        DbConnection::Pg(pg) => listed.for_update().first(pg).optional()?,
        DbConnection::Sqlite(_) => listed.first(conn).optional()?,
    };
    if listed.is_none() {
        return Ok(0);
    }
    let built = if exists(conn, item)? {
        0
    } else {
        if let DbConnection::Pg(pg) = conn {
            use diesel::connection::SimpleConnection;
            // GIN builds sort in this much memory before they spill to disk (the trigram
            // index of 100k records: 1.7 s with 256 MB).
            pg.batch_execute("SET LOCAL maintenance_work_mem = '256MB'")?;
        }
        diesel::sql_query(&item.definition).execute(conn)?;
        1
    };
    diesel::delete(deferred_indexes::table.find(&item.name)).execute(conn)?;
    Ok(built)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn exists(conn: &mut DbConnection, item: &Definition) -> QueryResult<bool> {
    let sql = match (&*conn, item.kind.as_str()) {
        (DbConnection::Sqlite(_), _) => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name = ?"
        }
        (DbConnection::Pg(_), FOREIGN_KEY) => {
            "SELECT count(*) AS n FROM pg_constraint c \
             JOIN pg_namespace s ON s.oid = c.connamespace \
             WHERE s.nspname = current_schema() AND c.conname = $1"
        }
        (DbConnection::Pg(_), _) => {
            "SELECT count(*) AS n FROM pg_class c \
             JOIN pg_namespace s ON s.oid = c.relnamespace \
             WHERE s.nspname = current_schema() AND c.relname = $1"
        }
    };
    let found = diesel::sql_query(sql)
        .bind::<Text, _>(&item.name)
        .get_result::<Count>(conn)?;
    Ok(found.n > 0)
}

/// What `defer` drops, with the statements that make each again, from the catalog (so a
/// later migration's indexes are included without being listed here).
fn catalog_query(conn: &DbConnection) -> String {
    match conn {
        // `sql` is NULL for the indexes behind UNIQUE and PRIMARY KEY constraints.
        DbConnection::Sqlite(_) => format!(
            "SELECT name, '{INDEX}' AS kind, tbl_name AS table_name, sql AS definition \
             FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({TABLES})"
        ),
        DbConnection::Pg(_) => format!(
            "SELECT i.relname::text AS name, '{INDEX}' AS kind, t.relname::text AS table_name, \
                    pg_get_indexdef(x.indexrelid) AS definition \
             FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_class t ON t.oid = x.indrelid \
             JOIN pg_namespace s ON s.oid = t.relnamespace \
             WHERE s.nspname = current_schema() AND t.relname IN ({TABLES}) \
               AND NOT x.indisunique AND NOT x.indisprimary \
             UNION ALL \
             SELECT c.conname::text, '{FOREIGN_KEY}', t.relname::text, \
                    'ALTER TABLE ' || quote_ident(t.relname) || ' ADD CONSTRAINT ' \
                    || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid) \
             FROM pg_constraint c \
             JOIN pg_class t ON t.oid = c.conrelid \
             JOIN pg_namespace s ON s.oid = t.relnamespace \
             WHERE s.nspname = current_schema() AND t.relname IN ({TABLES}) \
               AND c.contype = 'f'"
        ),
    }
}

/// An identifier in double quotes, for names read from the catalog.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
