//! Re-verification answers: the customer's "my details are correct" / "something changed"
//! from the personal link, and a clerk's "verified by phone" from the call list. Each runs
//! in one transaction with its history row and its operation-log entry.

use chrono::{Duration, NaiveDate};

use super::customers::{amend, Updated};
use super::Caller;
use crate::clock::Clock;
use crate::db::customers::{self, Customer};
use crate::db::verify_tokens::{self, VerifyToken};
use crate::db::{audit_log, change_reports, write_tx, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::domain::change_report::CHANGE_DEADLINE_HOURS;
use crate::domain::reverify::{looks_like_token, token_hash};
use crate::service::Error;

/// Longest "something changed" text a customer may send.
pub const DESCRIPTION_MAX: usize = 1000;
/// Longest note on a phone verification.
pub const NOTE_MAX: usize = 200;
/// Who the change queue shows as having reported a change sent from a link.
pub const REPORTED_BY_LINK: &str = "客户（复核链接）";

/// Why a link no longer opens a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gone {
    Unknown,
    Expired,
    Used,
}

/// What a link leads to.
pub enum Link {
    Open(Box<(VerifyToken, Customer)>),
    Gone(Gone),
}

/// Looks a link up without writing anything (mail scanners open links too).
pub fn open(conn: &mut DbConnection, token: &str) -> Result<Link, Error> {
    if !looks_like_token(token) {
        return Ok(Link::Gone(Gone::Unknown));
    }
    let Some(found) = verify_tokens::find_by_hash(conn, &token_hash(token))? else {
        return Ok(Link::Gone(Gone::Unknown));
    };
    if found.used_at.is_some() {
        return Ok(Link::Gone(Gone::Used));
    }
    if !found.is_open(crate::db::now()) {
        return Ok(Link::Gone(Gone::Expired));
    }
    match customers::find_by_id(conn, found.customer_id)? {
        Some(customer) if customer.status != "archived" => {
            Ok(Link::Open(Box::new((found, customer))))
        }
        _ => Ok(Link::Gone(Gone::Unknown)),
    }
}

/// Takes the link for this answer inside the transaction: the record, or why not.
fn take(c: &mut DbConnection, token: &str, outcome: &str) -> Result<Result<Customer, Gone>, Error> {
    let (found, customer) = match open(c, token)? {
        Link::Open(open) => *open,
        Link::Gone(why) => return Ok(Err(why)),
    };
    if !verify_tokens::use_once(c, found.id, outcome)? {
        return Ok(Err(Gone::Used));
    }
    Ok(Ok(customer))
}

/// "My details are correct": `last_verified_at` becomes today as a new version.
pub fn confirm(
    conn: &mut DbConnection,
    token: &str,
    address: &str,
    today: NaiveDate,
) -> Result<Result<(), Gone>, Error> {
    write_tx(conn, |c| {
        let customer = match take(c, token, "confirmed")? {
            Ok(customer) => customer,
            Err(why) => return Ok(Err(why)),
        };
        let caller = Caller {
            actor: Actor::Anonymous,
            address: address.to_string(),
        };
        let reason =
            "客户通过复核链接确认信息无误 / confirmed by the customer via the re-verification link";
        mark_verified(c, &caller, &customer, today, reason, "link")?;
        Ok(Ok(()))
    })
}

/// "Something changed": a reported change in the two-day queue; the record stays as it is.
pub fn report_change(
    conn: &mut DbConnection,
    token: &str,
    address: &str,
    description: &str,
    clock: &Clock,
) -> Result<Result<(), Gone>, Error> {
    write_tx(conn, |c| {
        let customer = match take(c, token, "changed")? {
            Ok(customer) => customer,
            Err(why) => return Ok(Err(why)),
        };
        let reported_at = clock.now_stored();
        let due_at = reported_at + Duration::hours(CHANGE_DEADLINE_HOURS);
        change_reports::insert_by(
            c,
            customer.id,
            reported_at,
            due_at,
            description,
            None,
            REPORTED_BY_LINK,
        )?;
        let event = Event::new(
            Actor::Anonymous,
            Action::ChangeReported,
            &customer.code,
            address,
        )
        .details(format!(
            "via re-verification link; due {}",
            clock.local(due_at).format("%Y-%m-%d %H:%M")
        ));
        audit_log::append(c, &event)?;
        Ok(Ok(()))
    })
}

/// "Verified by phone" from the call list, with the clerk's note in the reason.
pub fn verify_by_phone(
    conn: &mut DbConnection,
    caller: &Caller,
    code: &str,
    note: &str,
    today: NaiveDate,
) -> Result<(), Error> {
    let note = note.trim();
    if note.chars().count() > NOTE_MAX || note.chars().any(char::is_control) {
        return Err(super::invalid("note", "err-too-long"));
    }
    let reason = match note {
        "" => "电话复核 / verified by phone".to_string(),
        note => format!("电话复核 / verified by phone: {note}"),
    };
    write_tx(conn, |c| {
        let customer = customers::find_by_code(c, code)?.ok_or(Error::NotFound)?;
        mark_verified(c, caller, &customer, today, &reason, "phone")
    })
}

/// Sets `last_verified_at` to today as a new version (none if it already is today) and
/// logs `CustomerVerified`. Call inside a write transaction.
fn mark_verified(
    c: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    today: NaiveDate,
    reason: &str,
    how: &str,
) -> Result<(), Error> {
    // A clerk may save the record between the read and the write (PostgreSQL does not
    // lock on read): read it again and retry rather than fail.
    let mut version = None;
    let mut settled = false;
    for _ in 0..3 {
        let current = customers::find_by_code(c, &customer.code)?.ok_or(Error::NotFound)?;
        match amend(c, caller, &current, reason, |f| {
            f.last_verified_at = Some(today)
        }) {
            Ok(Updated::Saved(saved)) => {
                version = Some(saved.version);
                settled = true;
            }
            Ok(Updated::Unchanged) => settled = true,
            Err(Error::Conflict(_)) => continue,
            Err(other) => return Err(other),
        }
        break;
    }
    if !settled {
        return Err(Error::Internal(anyhow::anyhow!(
            "{} kept changing while it was being marked verified",
            customer.code
        )));
    }
    let details = match version {
        Some(v) => format!("{how}; v{v}; verified {today}; reason: {reason}"),
        None => format!("{how}; already verified {today}; reason: {reason}"),
    };
    audit_log::append(
        c,
        &Event::new(
            caller.actor.clone(),
            Action::CustomerVerified,
            &customer.code,
            &caller.address,
        )
        .details(details),
    )?;
    Ok(())
}
