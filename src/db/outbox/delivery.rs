//! The worker's side of the outbox: claiming due mail with a lease, settling each
//! attempt by the relay's answer, and giving up on leases that ran out.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{Mail, DUE};
use crate::db::schema::outbox;
use crate::db::{audit_log, now, write_tx, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::domain::outbox::mask_answer;

/// Turns every `sending` row whose lease ran out into `unknown`: the worker that held it
/// stopped mid-send, so the mail may have left. Returns how many.
pub fn expire_leases(conn: &mut DbConnection, batch: i64) -> QueryResult<usize> {
    write_tx(conn, |c| {
        let at = now();
        let expired: Vec<Mail> = outbox::table
            .filter(outbox::state.eq("sending"))
            .filter(outbox::lease_until.lt(at))
            .order(outbox::id)
            .limit(batch)
            .select(Mail::as_select())
            .load(c)?;
        for mail in &expired {
            diesel::update(outbox::table.find(mail.id))
                .set((
                    outbox::state.eq("unknown"),
                    outbox::lease_until.eq(None::<NaiveDateTime>),
                    outbox::updated_at.eq(at),
                ))
                .execute(c)?;
            log(
                c,
                Actor::System,
                Action::MailUnknown,
                mail,
                "lease expired mid-send",
            )?;
        }
        Ok(expired.len())
    })
}

/// Claims up to `batch` due mails for one worker: marks them `sending` with a lease, one
/// more attempt, logged, and commits before anyone talks to the relay. Two workers never
/// claim the same row: PostgreSQL skips rows another transaction has locked; SQLite's
/// `BEGIN IMMEDIATE` lets one writer in at a time.
pub fn claim_due(conn: &mut DbConnection, batch: i64, lease: Duration) -> QueryResult<Vec<Mail>> {
    write_tx(conn, |c| {
        let at = now();
        let due = outbox::table
            .filter(outbox::state.eq_any(DUE))
            .filter(outbox::next_attempt_at.le(at))
            .order((outbox::next_attempt_at, outbox::id))
            .limit(batch)
            .select(outbox::id);
        let ids: Vec<i32> = match c {
            DbConnection::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(lite) => due.load(lite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::state.eq("sending"),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::lease_until.eq(at + lease),
                outbox::updated_at.eq(at),
            ))
            .execute(c)?;
        let claimed: Vec<Mail> = outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order((outbox::next_attempt_at, outbox::id))
            .select(Mail::as_select())
            .load(c)?;
        for mail in &claimed {
            log(
                c,
                Actor::System,
                Action::MailSending,
                mail,
                &format!("attempt={}", mail.attempts),
            )?;
        }
        Ok(claimed)
    })
}

/// Where a claimed mail goes after its attempt.
#[derive(Debug, Clone)]
pub enum Settled {
    Sent,
    Retrying(NaiveDateTime),
    Failed,
    /// Not tried (the relay went away first): back in line, the attempt not counted.
    NotTried(NaiveDateTime),
}

/// Records the outcome of the attempt that claimed `mail`, logged. Only the claim that
/// made the attempt may settle it: a row someone changed meanwhile is left alone and
/// `false` returned.
pub fn settle(
    conn: &mut DbConnection,
    mail: &Mail,
    settled: &Settled,
    answer: &str,
) -> QueryResult<bool> {
    write_tx(conn, |c| {
        let at = now();
        let row = outbox::table
            .filter(outbox::id.eq(mail.id))
            .filter(outbox::attempts.eq(mail.attempts))
            .filter(outbox::state.eq_any(["sending", "unknown"]));
        let none = None::<NaiveDateTime>;
        let changed = match settled {
            Settled::Sent => diesel::update(row)
                .set((
                    outbox::state.eq("sent"),
                    outbox::sent_at.eq(Some(at)),
                    // The link has left: nothing here opens it any more.
                    outbox::link_token_enc.eq(None::<String>),
                    outbox::lease_until.eq(none),
                    outbox::last_answer.eq(answer),
                    outbox::updated_at.eq(at),
                ))
                .execute(c)?,
            Settled::Retrying(next) => diesel::update(row)
                .set((
                    outbox::state.eq("retrying"),
                    outbox::next_attempt_at.eq(next),
                    outbox::lease_until.eq(none),
                    outbox::last_answer.eq(answer),
                    outbox::updated_at.eq(at),
                ))
                .execute(c)?,
            Settled::Failed => diesel::update(row)
                .set((
                    outbox::state.eq("failed"),
                    outbox::lease_until.eq(none),
                    outbox::last_answer.eq(answer),
                    outbox::updated_at.eq(at),
                ))
                .execute(c)?,
            Settled::NotTried(next) => diesel::update(row)
                .set((
                    outbox::state.eq(if mail.attempts > 1 {
                        "retrying"
                    } else {
                        "queued"
                    }),
                    outbox::attempts.eq(outbox::attempts - 1),
                    outbox::next_attempt_at.eq(next),
                    outbox::lease_until.eq(none),
                    outbox::updated_at.eq(at),
                ))
                .execute(c)?,
        };
        if changed == 0 {
            return Ok(false);
        }
        let (action, details) = match settled {
            Settled::Sent => (Action::MailSent, format!("answer={answer}")),
            Settled::Retrying(next) => (
                Action::MailRetrying,
                format!("next={} answer={answer}", next.format("%Y-%m-%dT%H:%M:%S")),
            ),
            Settled::Failed => (Action::MailFailed, format!("answer={answer}")),
            Settled::NotTried(next) => (
                Action::MailRetrying,
                format!("not tried next={}", next.format("%Y-%m-%dT%H:%M:%S")),
            ),
        };
        // The log is read by people who must not see addresses; relays echo them.
        let details: String = mask_answer(&details, &mail.recipient)
            .chars()
            .take(300)
            .collect();
        log(c, Actor::System, action, mail, &details)?;
        Ok(true)
    })
}

/// Logs a state change of `mail` (target `mail:{id}`, the kind and customer code; never
/// the body or the address).
fn log(
    conn: &mut DbConnection,
    actor: Actor,
    action: Action,
    mail: &Mail,
    details: &str,
) -> QueryResult<i64> {
    let mut text = format!("{} {}", mail.kind, mail.customer_code);
    if !details.is_empty() {
        text.push(' ');
        text.push_str(details);
    }
    audit_log::append(
        conn,
        &Event::new(actor, action, format!("mail:{}", mail.id), "scheduler").details(text),
    )
}
