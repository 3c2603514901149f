//! Closing a reported change (变更登记) that needs no edit of the record: the customer's
//! details were already right, or the report was a mistake. The report leaves the queue
//! with the reason, who and when; the record gets no version.

use super::customers::check_scope;
use super::Caller;
use crate::db::change_reports::{self, ChangeReport};
use crate::db::{audit_log, customers, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::validation::{required_text, FieldErrors};
use crate::error::AppError;

/// Longest reason for closing a report without an edit.
pub const REASON_MAX: usize = 200;

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
) -> Result<Closed, AppError> {
    let mut errors = FieldErrors::default();
    if reason.trim().is_empty() {
        errors.add("reason", "err-no-change-reason");
    }
    let reason = required_text(&mut errors, "reason", reason, REASON_MAX);
    let reason = errors.into_result(reason).map_err(AppError::Invalid)?;
    write_tx(conn, |c| {
        let report = change_reports::find(c, id)?.ok_or(AppError::NotFound)?;
        let customer = customers::find_by_id(c, report.customer_id)?.ok_or(AppError::NotFound)?;
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
        let closed = change_reports::find(c, id)?.ok_or(AppError::NotFound)?;
        Ok(Closed::Closed(closed))
    })
}
