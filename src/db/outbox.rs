//! `outbox`: mail waiting to go out, written in the same transaction as the change that
//! causes it. The `deliver-mail` job sends it (its claims and outcomes are in
//! `delivery`); `/admin/outbox` shows it.

pub mod delivery;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox;
use super::{audit_log, now, write_tx, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::domain::outbox::MailState;

/// A mail to queue, one per recipient.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// What caused it, e.g. `reverify`.
    pub kind: String,
    /// Unique per mail that must go out once, e.g. `reverify:P-2026-000042:2026-11-23`.
    pub idempotency_key: String,
    pub customer_id: Option<i32>,
    pub customer_code: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// The personal link's token, encrypted with the field key; the body then holds
    /// `personal_link::PLACEHOLDER` where the link goes (built as the mail is sent).
    pub link_token_enc: Option<String>,
}

/// Queues a mail and logs it, inside the caller's transaction. Returns the new row's id,
/// or `None` when a mail with the same idempotency key was queued before (nothing is
/// written then: the caller's change may go ahead, the mail goes out once).
pub fn enqueue(conn: &mut DbConnection, mail: &NewMail, actor: &Actor) -> QueryResult<Option<i32>> {
    let queued = insert_and_log(conn, std::slice::from_ref(mail), actor)?;
    Ok(queued.first().map(|(id, _)| *id))
}

/// `enqueue` for many mails in a few statements (a job's batch): the rows in one multi-row
/// INSERT that skips keys queued before, and their log entries in one append. Returns the
/// idempotency keys that were queued now.
pub fn enqueue_many(
    conn: &mut DbConnection,
    mails: &[NewMail],
    actor: &Actor,
) -> QueryResult<Vec<String>> {
    let queued = insert_and_log(conn, mails, actor)?;
    Ok(queued.into_iter().map(|(_, key)| key).collect())
}

/// The rows of `mails` that are new (a key queued before is skipped: a duplicate must not
/// abort a PostgreSQL transaction), and a log entry for each; returns their ids and keys.
fn insert_and_log(
    conn: &mut DbConnection,
    mails: &[NewMail],
    actor: &Actor,
) -> QueryResult<Vec<(i32, String)>> {
    if mails.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let values: Vec<_> = mails
        .iter()
        .map(|mail| {
            (
                outbox::idempotency_key.eq(&mail.idempotency_key),
                outbox::kind.eq(&mail.kind),
                outbox::customer_id.eq(mail.customer_id),
                outbox::customer_code.eq(&mail.customer_code),
                outbox::recipient.eq(&mail.recipient),
                outbox::subject.eq(&mail.subject),
                outbox::body.eq(&mail.body),
                outbox::link_token_enc.eq(&mail.link_token_enc),
                outbox::state.eq("queued"),
                outbox::next_attempt_at.eq(at),
                outbox::created_at.eq(at),
                outbox::updated_at.eq(at),
            )
        })
        .collect();
    let returned = (outbox::id, outbox::idempotency_key);
    let mut queued: Vec<(i32, String)> = Vec::with_capacity(mails.len());
    // 12 values a row: well under SQLite's limit of bound values per statement.
    for chunk in values.chunks(super::ROWS_PER_INSERT) {
        let rows: Vec<(i32, String)> = match conn {
            DbConnection::Pg(c) => diesel::insert_into(outbox::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .returning(returned)
                .get_results(c)?,
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(outbox::table)
                .values(chunk)
                .returning(returned)
                .get_results(c)?,
        };
        queued.extend(rows);
    }
    // RETURNING gives no order: the log follows the order of the mails.
    queued.sort_unstable_by_key(|(id, _)| *id);
    let code_of: std::collections::HashMap<&str, &NewMail> = mails
        .iter()
        .map(|m| (m.idempotency_key.as_str(), m))
        .collect();
    let events: Vec<Event> = queued
        .iter()
        .filter_map(|(id, key)| {
            let mail = code_of.get(key.as_str())?;
            Some(
                Event::new(
                    actor.clone(),
                    Action::MailQueued,
                    format!("mail:{id}"),
                    "scheduler",
                )
                .details(format!("{} {}", mail.kind, mail.customer_code)),
            )
        })
        .collect();
    audit_log::append_many(conn, &events)?;
    Ok(queued)
}

/// One outbox row, body included: for the worker and for a manager reading one mail.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Mail {
    pub id: i32,
    pub kind: String,
    pub customer_code: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_answer: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// See `NewMail::link_token_enc`; cleared once the mail is sent.
    pub link_token_enc: Option<String>,
}

/// One row of the outbox list: no body (it holds customer data).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Listed {
    pub id: i32,
    pub kind: String,
    pub customer_code: String,
    pub recipient: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_answer: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The states a mail waits in for its next attempt.
const DUE: [&str; 2] = ["queued", "retrying"];

/// Mail waiting for its next attempt (queued or retrying), due or not.
pub fn count_waiting(conn: &mut DbConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::state.eq_any(DUE))
        .count()
        .get_result(conn)
}

/// One page of the list, newest first, optionally of one state, and whether there is
/// a next page (one row more is fetched rather than counting).
pub fn page(
    conn: &mut DbConnection,
    state: Option<MailState>,
    page: i64,
    per_page: i64,
) -> QueryResult<(Vec<Listed>, bool)> {
    let mut query = outbox::table.select(Listed::as_select()).into_boxed();
    if let Some(state) = state {
        query = query.filter(outbox::state.eq(state.as_str()));
    }
    let mut rows: Vec<Listed> = query
        .order(outbox::id.desc())
        .offset((page - 1).max(0) * per_page)
        .limit(per_page + 1)
        .load(conn)?;
    let more = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    Ok((rows, more))
}

/// Mail whose body still holds a raw personal link (queued before links were kept
/// apart): (id, state, body).
pub fn with_raw_links(
    conn: &mut DbConnection,
    after: i32,
    batch: i64,
) -> QueryResult<Vec<(i32, String, String)>> {
    outbox::table
        .filter(outbox::id.gt(after))
        .filter(outbox::link_token_enc.is_null())
        .filter(outbox::body.like("%/verify/%"))
        .order(outbox::id)
        .limit(batch)
        .select((outbox::id, outbox::state, outbox::body))
        .load(conn)
}

/// Replaces a body holding a raw link by its sealed form and the encrypted token (none
/// once the mail has left), if the mail is still in the state it was read in.
pub fn seal_link(
    conn: &mut DbConnection,
    id: i32,
    state: &str,
    body: &str,
    link_token_enc: Option<String>,
) -> QueryResult<bool> {
    let updated = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::state.eq(state))
            .filter(outbox::link_token_enc.is_null()),
    )
    .set((
        outbox::body.eq(body),
        outbox::link_token_enc.eq(link_token_enc),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// One mail, body included.
pub fn find(conn: &mut DbConnection, id: i32) -> QueryResult<Option<Mail>> {
    outbox::table
        .find(id)
        .select(Mail::as_select())
        .first(conn)
        .optional()
}

/// A person puts a failed or unknown mail back in the queue, due now. Returns the state
/// the mail was in: the caller refuses any state but failed or unknown (nothing written).
pub fn requeue(
    conn: &mut DbConnection,
    id: i32,
    actor: &Actor,
    address: &str,
) -> QueryResult<Option<MailState>> {
    write_tx(conn, |c| {
        let Some(mail) = find(c, id)? else {
            return Ok(None);
        };
        let state: MailState = mail.state.parse().unwrap_or(MailState::Sending);
        if !state.can_retry() {
            return Ok(Some(state));
        }
        let at = now();
        diesel::update(outbox::table.find(id))
            .set((
                outbox::state.eq("queued"),
                outbox::next_attempt_at.eq(at),
                outbox::lease_until.eq(None::<NaiveDateTime>),
                outbox::updated_at.eq(at),
            ))
            .execute(c)?;
        audit_log::append(
            c,
            &Event::new(
                actor.clone(),
                Action::MailRetryRequested,
                format!("mail:{id}"),
                address,
            )
            .details(format!("{} {} was={state}", mail.kind, mail.customer_code)),
        )?;
        Ok(Some(state))
    })
}

/// Opens one mail's body for a reader, logged in the same transaction.
pub fn read_body(
    conn: &mut DbConnection,
    id: i32,
    actor: &Actor,
    address: &str,
) -> QueryResult<Option<Mail>> {
    write_tx(conn, |c| {
        let Some(mail) = find(c, id)? else {
            return Ok(None);
        };
        audit_log::append(
            c,
            &Event::new(
                actor.clone(),
                Action::MailBodyViewed,
                format!("mail:{id}"),
                address,
            )
            .details(format!("{} {}", mail.kind, mail.customer_code)),
        )?;
        Ok(Some(mail))
    })
}
