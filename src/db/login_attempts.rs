//! `login_attempts`: failed sign-ins per typed user name, and lock-outs.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::login_attempts;
use super::{now, DbConnection};

/// What one more failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Counted(i32),
    LockedNow,
}

/// When the name's lock-out ends, if it is locked now.
pub fn locked_until(conn: &mut DbConnection, username: &str) -> QueryResult<Option<NaiveDateTime>> {
    let until: Option<Option<NaiveDateTime>> = login_attempts::table
        .find(username)
        .select(login_attempts::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|t| *t > now()))
}

/// Counts a failed sign-in and locks the name at `threshold`. Call inside a write
/// transaction: the increment happens in SQL, so concurrent failures all count.
pub fn record_failure(
    conn: &mut DbConnection,
    username: &str,
    threshold: i32,
    lock_for: Duration,
) -> QueryResult<Failure> {
    let at = now();
    let row = (
        login_attempts::username.eq(username),
        login_attempts::failures.eq(0),
        login_attempts::updated_at.eq(at),
    );
    // The row may be created by a concurrent failure: insert it only where missing.
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(login_attempts::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(login_attempts::table)
            .values(row)
            .execute(c)?,
    };
    let mine = login_attempts::table.find(username);
    // A lock that has run out starts the count again.
    diesel::update(mine.filter(login_attempts::locked_until.le(at)))
        .set((
            login_attempts::failures.eq(0),
            login_attempts::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::update(mine)
        .set((
            login_attempts::failures.eq(login_attempts::failures + 1),
            login_attempts::updated_at.eq(at),
        ))
        .execute(conn)?;
    let failures: i32 = mine.select(login_attempts::failures).first(conn)?;
    if failures < threshold {
        return Ok(Failure::Counted(failures));
    }
    diesel::update(mine)
        .set((
            login_attempts::failures.eq(0),
            login_attempts::locked_until.eq(Some(at + lock_for)),
        ))
        .execute(conn)?;
    Ok(Failure::LockedNow)
}

/// Forgets the failures of a name after a successful sign-in.
pub fn clear(conn: &mut DbConnection, username: &str) -> QueryResult<()> {
    diesel::delete(login_attempts::table.find(username))
        .execute(conn)
        .map(drop)
}
