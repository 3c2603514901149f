//! `verify_tokens`: personal re-verification links. Only the token's hash is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::verify_tokens;
use super::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = verify_tokens)]
pub struct VerifyToken {
    pub id: i32,
    pub token_hash: String,
    pub customer_id: i32,
    /// The due date the link was sent for.
    pub cycle: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
}

impl VerifyToken {
    /// Unused and not expired at `at`.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        self.used_at.is_none() && self.expires_at > at
    }
}

/// Stores a new link. Call inside the transaction that queues its mail.
pub fn insert(
    conn: &mut DbConnection,
    token_hash: &str,
    customer_id: i32,
    cycle: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(verify_tokens::table)
        .values((
            verify_tokens::token_hash.eq(token_hash),
            verify_tokens::customer_id.eq(customer_id),
            verify_tokens::cycle.eq(cycle),
            verify_tokens::created_at.eq(now()),
            verify_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// A new link for each `(token hash, customer id, cycle)`, in multi-row INSERTs. Call
/// inside the transaction that queues their mails.
pub fn insert_many(
    conn: &mut DbConnection,
    links: &[(String, i32, String)],
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    let at = now();
    let rows: Vec<_> = links
        .iter()
        .map(|(hash, customer_id, cycle)| {
            (
                verify_tokens::token_hash.eq(hash),
                verify_tokens::customer_id.eq(*customer_id),
                verify_tokens::cycle.eq(cycle),
                verify_tokens::created_at.eq(at),
                verify_tokens::expires_at.eq(expires_at),
            )
        })
        .collect();
    for chunk in rows.chunks(super::ROWS_PER_INSERT) {
        super::conn::insert_rows!(conn, verify_tokens::table, chunk)?;
    }
    Ok(())
}

pub fn find_by_hash(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<VerifyToken>> {
    verify_tokens::table
        .filter(verify_tokens::token_hash.eq(token_hash))
        .select(VerifyToken::as_select())
        .first(conn)
        .optional()
}

/// Marks the link used with its outcome if it is still open; false when another request
/// used it first (or it expired), and then nothing is written.
pub fn use_once(conn: &mut DbConnection, id: i32, outcome: &str) -> QueryResult<bool> {
    let at = now();
    let updated = diesel::update(
        verify_tokens::table
            .find(id)
            .filter(verify_tokens::used_at.is_null())
            .filter(verify_tokens::expires_at.gt(at)),
    )
    .set((
        verify_tokens::used_at.eq(at),
        verify_tokens::outcome.eq(outcome),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
