//! `outbox`: mail waiting to go out, written in the same transaction as the change that
//! causes it. The `deliver-mail` job sends it; `/admin/outbox` shows it.

use diesel::prelude::*;

use super::schema::outbox;
use super::{audit_log, now, DbConnection};
use crate::domain::audit::{Action, Actor, Event};

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
}

/// Queues a mail and logs it, inside the caller's transaction. Returns the new row's id,
/// or `None` when a mail with the same idempotency key was queued before (nothing is
/// written then: the caller's change may go ahead, the mail goes out once).
pub fn enqueue(conn: &mut DbConnection, mail: &NewMail, actor: &Actor) -> QueryResult<Option<i32>> {
    let at = now();
    let values = (
        outbox::idempotency_key.eq(&mail.idempotency_key),
        outbox::kind.eq(&mail.kind),
        outbox::customer_id.eq(mail.customer_id),
        outbox::customer_code.eq(&mail.customer_code),
        outbox::recipient.eq(&mail.recipient),
        outbox::subject.eq(&mail.subject),
        outbox::body.eq(&mail.body),
        outbox::state.eq("queued"),
        outbox::next_attempt_at.eq(at),
        outbox::created_at.eq(at),
        outbox::updated_at.eq(at),
    );
    // ON CONFLICT DO NOTHING: a duplicate must not abort a PostgreSQL transaction.
    let inserted = match conn {
        DbConnection::Pg(c) => diesel::insert_into(outbox::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(outbox::table)
            .values(values)
            .execute(c)?,
    };
    if inserted == 0 {
        return Ok(None);
    }
    let id: i32 = outbox::table
        .filter(outbox::idempotency_key.eq(&mail.idempotency_key))
        .select(outbox::id)
        .first(conn)?;
    audit_log::append(
        conn,
        &Event::new(
            actor.clone(),
            Action::MailQueued,
            format!("mail:{id}"),
            "scheduler",
        )
        .details(format!("{} {}", mail.kind, mail.customer_code)),
    )?;
    Ok(Some(id))
}
