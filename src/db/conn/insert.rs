//! Multi-row INSERTs on the two-backend connection: diesel builds them per backend only,
//! and the bulk ones differ in kind (PostgreSQL's COPY, SQLite's fixed-size chunks).

/// A multi-row INSERT (`diesel::insert_into(table).values(&rows)`): diesel builds it per
/// backend only, so this matches on the connection's variant.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg(c) => diesel::insert_into($table).values($rows).execute(c),
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
        }
    };
}
pub(crate) use insert_rows;

/// Many rows of `.eq()` tuples into `$table` (the import): on PostgreSQL one binary COPY,
/// which skips parsing and planning an INSERT of thousands of parameters (100k records:
/// the name grams alone took 4.5 s as INSERTs); on SQLite, `sqlite_insert_chunks!`.
macro_rules! insert_bulk {
    ($conn:expr, $table:expr, $rows:expr, $per_insert:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg(c) => diesel::copy_from($table)
                .from_insertable($rows)
                .execute(c)
                .map(drop),
            $crate::db::DbConnection::Sqlite(c) => {
                $crate::db::conn::sqlite_insert_chunks!(c, $table, $rows, $per_insert)
            }
        }
    };
}
pub(crate) use insert_bulk;

/// Multi-row INSERTs of `$per_insert` rows (a constant; SQLite's limit is 32,766
/// parameters a statement), then one of the rows left over. diesel keeps an INSERT of a
/// fixed-size array prepared, where it builds and prepares a slice's anew every time
/// (the import: 17% of its time went to that). The array's rows must own their values:
/// diesel knows the prepared statement by the rows' type, which must be `'static`.
macro_rules! sqlite_insert_chunks {
    ($c:expr, $table:expr, $rows:expr, $per_insert:expr) => {{
        let (full, rest) = $rows.as_chunks::<{ $per_insert }>();
        full.iter()
            .try_for_each(|chunk| {
                diesel::insert_into($table)
                    .values(chunk)
                    .execute(&mut *$c)
                    .map(drop)
            })
            .and_then(|()| match rest {
                [] => Ok(()),
                rest => diesel::insert_into($table)
                    .values(rest)
                    .execute(&mut *$c)
                    .map(drop),
            })
    }};
}
pub(crate) use sqlite_insert_chunks;

/// Rows per multi-row INSERT: SQLite allows 32,766 bound values per statement, and the
/// widest table (customers) binds 22 per row.
pub const ROWS_PER_INSERT: usize = 500;
