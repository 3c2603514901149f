//! Dormancy and the review lists: the sweep that moves silent customers to pending
//! activation or cleanup, callbacks, and the managers' keep / archive decisions with
//! their legal review. Every status move is a new version of the record.

use std::time::Instant;

use chrono::{Months, NaiveDate};

use super::customers::amend;
use super::Caller;
use crate::clock::Clock;
use crate::db::customer_versions::{self, NewVersion};
use crate::db::customers::{self, Customer};
use crate::db::{audit_log, reviews, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::Status;
use crate::domain::history::{self, Change};
use crate::domain::legal_review::{self, LegalReviewDraft};
use crate::domain::validation::{required_text, FieldErrors};
use crate::service::Error;

use crate::domain::legal_review::LegalReviewInput;

/// Customers moved per transaction. Each batch is one UPDATE, one INSERT of its versions
/// and one append of its log entries: on SQLite it holds the write lock for milliseconds,
/// and the sweep then pauses (`db::rest_after_batch`) so that people's saves and the log of their
/// searches get their turn.
const BATCH: i64 = 250;

/// What one sweep moved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub to_pending: i64,
    pub to_cleanup: i64,
    /// Batches that could not be moved, with why; the sweep went on with the next move.
    pub skipped: Vec<String>,
    /// Stopped between two batches because `go_on` said so; a later sweep goes on.
    pub interrupted: bool,
}

/// Moves customers with no interaction for `dormant_months` to pending activation, and
/// for `cleanup_months` to the cleanup list, each move a new version of the record and a
/// log entry, as an edit would leave. A customer whose status changed within
/// `dormant_months` (kept by a manager, say) stays where they are.
pub fn sweep(
    conn: &mut DbConnection,
    caller: &Caller,
    clock: &Clock,
    dormant_months: u32,
    cleanup_months: u32,
    go_on: &dyn Fn() -> bool,
) -> Result<Sweep, Error> {
    let today = clock.today();
    let months_before = |m: u32| today.checked_sub_months(Months::new(m)).unwrap_or(today);
    let dormant_cutoff = months_before(dormant_months);
    let cleanup_cutoff = months_before(cleanup_months);
    // A status settled since the office's midnight of that day, not UTC's.
    let settled_before = clock.start_of_day(dormant_cutoff);
    let mut result = Sweep::default();
    let (active, pending, cleanup) = (Status::Active, Status::PendingActivation, Status::Cleanup);
    let moves = [
        (active, cleanup, cleanup_cutoff),
        (pending, cleanup, cleanup_cutoff),
        (active, pending, dormant_cutoff),
    ];
    for (from, to, cutoff) in moves {
        let reason = match to {
            Status::Cleanup => format!(
                "{cleanup_months} 个月无互动，转入待清理 / no interaction for {cleanup_months} months: cleanup list"
            ),
            _ => format!(
                "{dormant_months} 个月无互动，转入待激活 / no interaction for {dormant_months} months: pending activation"
            ),
        };
        let changes = history::to_json(&[Change {
            field: "status".into(),
            old: Some(from.as_str().to_string()),
            new: Some(to.as_str().to_string()),
        }]);
        let batch = Batch {
            from,
            to,
            contact_before: cutoff,
            settled_before,
            reason: &reason,
            changes: &changes,
        };
        // Each batch starts after the last record the one before moved: starting at the
        // lowest id every time read all the records already moved again (PostgreSQL, 100k
        // records, 317 batches: the last ones read 79k rows each).
        let mut after = 0;
        loop {
            if !go_on() {
                result.interrupted = true;
                return Ok(result);
            }
            let started = Instant::now();
            let moved = match write_tx(conn, |c| move_batch(c, caller, &batch, after)) {
                Ok((moved, last)) => {
                    after = last.unwrap_or(after);
                    moved
                }
                Err(e) => {
                    result
                        .skipped
                        .push(format!("{} -> {}: {e:?}", from.as_str(), to.as_str()));
                    break;
                }
            };
            match to {
                Status::Cleanup => result.to_cleanup += moved,
                _ => result.to_pending += moved,
            }
            if moved < BATCH {
                break;
            }
            crate::db::rest_after_batch(started.elapsed());
        }
    }
    Ok(result)
}

/// One status move of the sweep.
struct Batch<'a> {
    from: Status,
    to: Status,
    contact_before: NaiveDate,
    settled_before: chrono::NaiveDateTime,
    reason: &'a str,
    /// The version's change list, the same for every customer of the move.
    changes: &'a str,
}

/// Moves up to `BATCH` customers with ids above `after`, with a version and a log entry
/// each; returns how many, and the highest id moved.
fn move_batch(
    c: &mut DbConnection,
    caller: &Caller,
    batch: &Batch,
    after: i32,
) -> Result<(i64, Option<i32>), Error> {
    let moved = reviews::move_dormant(
        c,
        batch.from.as_str(),
        batch.to.as_str(),
        batch.contact_before,
        batch.settled_before,
        after,
        BATCH,
    )?;
    let versions: Vec<NewVersion> = moved
        .iter()
        .map(|(id, _, version)| NewVersion {
            customer_id: *id,
            version: *version,
            actor: &caller.actor,
            reason: batch.reason,
            changes: batch.changes.to_string(),
            restored_from: None,
            change_report_id: None,
        })
        .collect();
    customer_versions::insert_many(c, &versions)?;
    // What `customers::save` logs for the same change.
    let events: Vec<Event> = moved
        .iter()
        .map(|(_, code, version)| {
            Event::new(
                caller.actor.clone(),
                Action::CustomerUpdated,
                code,
                &caller.address,
            )
            .details(format!(
                "v{version}; fields: status; reason: {}",
                batch.reason
            ))
        })
        .collect();
    audit_log::append_many(c, &events)?;
    Ok((moved.len() as i64, moved.last().map(|(id, _, _)| *id)))
}

/// A callback that reached the customer: an interaction on the record (which makes them
/// active again) and the callback noted, in one transaction.
pub fn callback_reached(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    note: &str,
    today: chrono::NaiveDate,
) -> Result<(), Error> {
    let input = crate::domain::interaction::InteractionInput {
        occurred_on: today.to_string(),
        channel: "call".into(),
        summary: crate::domain::dormancy::callback_summary(note),
    };
    let draft = crate::domain::interaction::check(&input, today).map_err(Error::Invalid)?;
    super::customers::ensure_editable(customer)?;
    write_tx(conn, |c| {
        super::interactions::record(c, caller, customer, &draft)?;
        reviews::set_callback(c, customer.id)?;
        Ok(())
    })
}

/// A callback attempt on the pending-activation list that did not reach the customer
/// (one that did is logged as an interaction, which makes them active).
pub fn callback_attempt(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    note: &str,
) -> Result<(), Error> {
    let note: String = note.trim().chars().take(200).collect();
    write_tx(conn, |c| {
        reviews::set_callback(c, customer.id)?;
        audit_log::append(
            c,
            &Event::new(
                caller.actor.clone(),
                Action::CallbackLogged,
                &customer.code,
                &caller.address,
            )
            .details(note.clone()),
        )?;
        Ok(())
    })
}

/// Keep: back to active at once, with the reason, as a new version.
pub fn keep(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    reason: &str,
) -> Result<(), Error> {
    let reason = required_reason(reason)?;
    ensure_on_cleanup_list(customer)?;
    write_tx(conn, |c| {
        reviews::forget_decision(c, customer.id)?;
        amend(
            c,
            caller,
            customer,
            &format!("保留 / keep: {reason}"),
            |f| {
                f.status = Status::Active.as_str().to_string();
            },
        )?;
        log_decision(c, caller, customer, "keep", &reason)
    })
}

/// Marks for archiving; the archive itself waits for a legal review.
pub fn propose_archive(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    reason: &str,
) -> Result<(), Error> {
    let reason = required_reason(reason)?;
    ensure_on_cleanup_list(customer)?;
    write_tx(conn, |c| {
        reviews::decide(c, customer.id, "archive", &reason, caller.actor.name())?;
        log_decision(c, caller, customer, "archive", &reason)
    })
}

fn log_decision(
    c: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    decision: &str,
    reason: &str,
) -> Result<(), Error> {
    audit_log::append(
        c,
        &Event::new(
            caller.actor.clone(),
            Action::CleanupDecided,
            &customer.code,
            &caller.address,
        )
        .details(format!("{decision}: {reason}")),
    )?;
    Ok(())
}

fn required_reason(reason: &str) -> Result<String, Error> {
    let mut errors = FieldErrors::default();
    let reason = required_text(&mut errors, "reason", reason, 200);
    errors.into_result(reason).map_err(Error::Invalid)
}

fn ensure_on_cleanup_list(customer: &Customer) -> Result<(), Error> {
    if customer.status != Status::Cleanup.as_str() {
        return Err(super::invalid("reason", "err-not-on-cleanup-list"));
    }
    Ok(())
}

/// Records who reviewed the proposed archivings, when, and what they noted; it approves
/// every proposal in the caller's scope that no review covered yet. Returns how many.
pub fn record_legal_review(
    conn: &mut DbConnection,
    caller: &Caller,
    office: Option<i32>,
    input: &LegalReviewInput,
    today: NaiveDate,
) -> Result<usize, Error> {
    let LegalReviewDraft {
        reviewer,
        reviewed_on,
        note,
    } = legal_review::check(input, today).map_err(Error::Invalid)?;
    write_tx(conn, |c| {
        let ids = reviews::awaiting_review(c, office)?;
        if ids.is_empty() {
            return Err(super::invalid("reviewer", "err-nothing-to-review"));
        }
        let review = reviews::record_legal_review(
            c,
            &reviewer,
            reviewed_on,
            &note,
            caller.actor.name(),
            &ids,
        )?;
        audit_log::append(
            c,
            &Event::new(
                caller.actor.clone(),
                Action::LegalReviewRecorded,
                format!("legal_review:{review}"),
                &caller.address,
            )
            .details(format!(
                "{} customers; reviewer {reviewer} on {reviewed_on}",
                ids.len()
            )),
        )?;
        Ok(ids.len())
    })
}

/// Archives, in one transaction, every customer whose archiving a legal review approved.
pub fn archive_approved(
    conn: &mut DbConnection,
    caller: &Caller,
    office: Option<i32>,
) -> Result<usize, Error> {
    write_tx(conn, |c| {
        let ids = reviews::approved(c, office)?;
        let mut codes = Vec::with_capacity(ids.len());
        for id in &ids {
            let Some(current) = customers::find_by_id(c, *id)? else {
                continue;
            };
            amend(
                c,
                caller,
                &current,
                "清理归档（已法务审核）/ archived after legal review",
                |f| {
                    f.status = Status::Archived.as_str().to_string();
                },
            )?;
            reviews::mark_archived(c, *id)?;
            codes.push(current.code);
        }
        if !codes.is_empty() {
            audit_log::append(
                c,
                &Event::new(
                    caller.actor.clone(),
                    Action::CustomersArchived,
                    format!("{} customers", codes.len()),
                    &caller.address,
                )
                .details(codes.join(",")),
            )?;
        }
        Ok(codes.len())
    })
}
