//! `audit_log` and `audit_head`: the append-only, hash-chained operation log.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_head, audit_log};
use super::{now, write_tx, DbConnection};
use crate::domain::audit::{Canonical, Event};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i32>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub address: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    fn computed_hash(&self) -> String {
        Canonical {
            seq: self.seq,
            at: self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            target: &self.target,
            address: &self.address,
            details: &self.details,
            prev_hash: &self.prev_hash,
        }
        .hash()
    }
}

/// Appends one entry. Call inside the write transaction of the change it describes, so
/// the two are stored together or not at all.
pub fn append(conn: &mut DbConnection, event: &Event) -> QueryResult<i64> {
    append_many(conn, std::slice::from_ref(event)).map(|range| *range.end())
}

/// Appends entries in the order given and returns their numbers. Three statements
/// whatever their count (the group commit of views and searches writes hundreds a
/// second; on PostgreSQL each statement is a round trip).
pub fn append_many(
    conn: &mut DbConnection,
    events: &[Event],
) -> QueryResult<std::ops::RangeInclusive<i64>> {
    let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
    // Taking the numbers by an UPDATE first locks the head row (PostgreSQL) or the
    // database (SQLite) until commit: appends are serialised and the chain stays linear.
    let (last, mut prev_hash): (i64, String) = diesel::update(audit_head::table.find(1))
        .set(audit_head::seq.eq(audit_head::seq + count))
        .returning((audit_head::seq, audit_head::hash))
        .get_result(conn)?;
    let first = last - count + 1;
    if events.is_empty() {
        return Ok(first..=last);
    }
    let at = now();
    let mut rows = Vec::with_capacity(events.len());
    for (seq, event) in (first..=last).zip(events) {
        let hash = Canonical {
            seq,
            at,
            actor_id: event.actor.id(),
            actor: event.actor.name(),
            action: event.action.as_str(),
            target: &event.target,
            address: &event.address,
            details: &event.details,
            prev_hash: &prev_hash,
        }
        .hash();
        rows.push((
            audit_log::seq.eq(seq),
            audit_log::at.eq(at),
            audit_log::actor_id.eq(event.actor.id()),
            audit_log::actor.eq(event.actor.name()),
            audit_log::action.eq(event.action.as_str()),
            audit_log::target.eq(&event.target),
            audit_log::address.eq(&event.address),
            audit_log::details.eq(&event.details),
            audit_log::prev_hash.eq(std::mem::take(&mut prev_hash)),
            audit_log::hash.eq(hash.clone()),
        ));
        prev_hash = hash;
    }
    // PostgreSQL: one multi-row INSERT (one round trip). SQLite: diesel inserts the rows
    // one by one with a cached statement.
    for chunk in rows.chunks(super::ROWS_PER_INSERT) {
        super::conn::insert_rows!(conn, audit_log::table, chunk)?;
    }
    diesel::update(audit_head::table.find(1))
        .set(audit_head::hash.eq(&prev_hash))
        .execute(conn)?;
    Ok(first..=last)
}

/// Appends one entry in a transaction of its own, for events that change nothing else.
pub fn record(conn: &mut DbConnection, event: &Event) -> QueryResult<i64> {
    write_tx(conn, |c| append(c, event))
}

/// Filters of the operation-log page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    /// Exclusive upper bound.
    pub until: Option<NaiveDateTime>,
}

/// One page of entries, newest first, and whether there is a next page. Fetches one row
/// more than asked rather than counting: the log grows to millions of rows.
pub fn page(
    conn: &mut DbConnection,
    filter: &Filter,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Entry>, bool)> {
    let mut query = audit_log::table.select(Entry::as_select()).into_boxed();
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::at.lt(until));
    }
    let mut rows: Vec<Entry> = query
        .order(audit_log::seq.desc())
        .offset((page - 1).max(0) * per_page)
        .limit(per_page + 1)
        .load(conn)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok((rows, more))
}

/// The outcome of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64, head: String },
    Broken { seq: i64, reason: String },
}

/// Walks the log in order, recomputing each hash and its link to the one before, then
/// compares the end with the head row (which catches entries cut off the end).
pub fn verify(conn: &mut DbConnection) -> QueryResult<Verdict> {
    const BATCH: i64 = 2_000;
    let mut expected_seq = 1;
    let mut prev_hash = crate::domain::audit::GENESIS_HASH.to_string();
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq)
            .limit(BATCH)
            .select(Entry::as_select())
            .load(conn)?;
        for entry in &batch {
            if entry.seq != expected_seq {
                return Ok(broken(expected_seq, "missing (deleted)"));
            }
            if entry.prev_hash != prev_hash {
                return Ok(broken(entry.seq, "does not link to the entry before it"));
            }
            if entry.computed_hash() != entry.hash {
                return Ok(broken(
                    entry.seq,
                    "altered: its content does not match its hash",
                ));
            }
            prev_hash.clone_from(&entry.hash);
            expected_seq += 1;
        }
        if (batch.len() as i64) < BATCH {
            break;
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::hash))
        .first(conn)?;
    let last = expected_seq - 1;
    if head_seq != last || head_hash != prev_hash {
        return Ok(broken(
            last + 1,
            "missing: entries were removed from the end of the log",
        ));
    }
    Ok(Verdict::Intact {
        entries: last,
        head: prev_hash,
    })
}

fn broken(seq: i64, reason: &str) -> Verdict {
    Verdict::Broken {
        seq,
        reason: reason.to_string(),
    }
}
