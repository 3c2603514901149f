//! Reported changes (变更登记): logging one, due `CHANGE_DEADLINE_HOURS` later; and
//! closing one that needs no edit of the record (the customer's details were already
//! right, or the report was a mistake), which leaves the queue with the reason, who and
//! when, and gives the record no version.

use chrono::Duration;

use super::customers::{check_scope, ensure_editable};
use super::Caller;
use crate::clock::Clock;
use crate::db::change_reports::{self, ChangeReport};
use crate::db::customers::Customer;
use crate::db::{audit_log, customers, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::change_report::{self, ReportInput, CHANGE_DEADLINE_HOURS};
use crate::service::Error;

/// Logs a change the customer reported; it is due `CHANGE_DEADLINE_HOURS` after it was
/// reported (a report logged late is not given more time: one reported on an earlier day
/// counts from that day's start in the office).
pub fn report_change(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    input: &ReportInput,
    clock: &Clock,
) -> Result<(), Error> {
    let today = clock.today();
    ensure_editable(customer)?;
    let draft = change_report::check(input, today).map_err(Error::Invalid)?;
    let reported_on = draft.reported_on;
    let reported_at = if reported_on == today {
        clock.now_stored()
    } else {
        clock.start_of_day(reported_on)
    };
    let due_at = reported_at + Duration::hours(CHANGE_DEADLINE_HOURS);
    write_tx(conn, |c| {
        change_reports::insert(
            c,
            customer.id,
            reported_at,
            due_at,
            &draft.description,
            &caller.actor,
        )?;
        let event = Event::new(
            caller.actor.clone(),
            Action::ChangeReported,
            &customer.code,
            &caller.address,
        )
        .details(format!(
            "reported {reported_on}; due {}",
            clock.local(due_at).format("%Y-%m-%d %H:%M")
        ));
        audit_log::append(c, &event)?;
        Ok(())
    })
}

/// What `close_without_change` came to.
pub enum Closed {
    Closed(ChangeReport),
    /// Someone applied or closed it meanwhile; nothing was written.
    AlreadyClosed,
}

/// "No change needed" (无需修改): closes report `id` with the reason given, if the caller's
/// office reaches its record.
pub fn close_without_change(
    conn: &mut DbConnection,
    caller: &Caller,
    office_id: Option<i32>,
    id: i32,
    reason: &str,
) -> Result<Closed, Error> {
    let reason = change_report::check_close_reason(reason).map_err(Error::Invalid)?;
    write_tx(conn, |c| {
        let report = change_reports::find(c, id)?.ok_or(Error::NotFound)?;
        let customer = customers::find_by_id(c, report.customer_id)?.ok_or(Error::NotFound)?;
        check_scope(c, office_id, &customer)?;
        if !change_reports::close_without_change(c, id, &reason, caller.actor.name())? {
            return Ok(Closed::AlreadyClosed);
        }
        audit_log::append(
            c,
            &Event::new(
                caller.actor.clone(),
                Action::ChangeClosedUnchanged,
                &customer.code,
                &caller.address,
            )
            .details(format!("report #{id}; reason: {reason}")),
        )?;
        let closed = change_reports::find(c, id)?.ok_or(Error::NotFound)?;
        Ok(Closed::Closed(closed))
    })
}
