//! Logging an interaction (服务记录) on a record: the entry, the record's later
//! `last_interaction_at` as a new version, and the log entry, in one transaction.

use chrono::NaiveDate;

use super::customers::{amend, ensure_editable};
use super::Caller;
use crate::db::customers::Customer;
use crate::db::{audit_log, interactions, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::Status;
use crate::domain::interaction::{self, InteractionInput};
use crate::service::Error;

/// Logs a call, visit… on the record and moves `last_interaction_at` forward.
pub fn log_interaction(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    input: &InteractionInput,
    today: NaiveDate,
) -> Result<(), Error> {
    let draft = interaction::check(input, today).map_err(Error::Invalid)?;
    ensure_editable(customer)?;
    write_tx(conn, |c| record(c, caller, customer, &draft))
}

/// The writes of `log_interaction`, inside a transaction the caller holds.
pub(crate) fn record(
    c: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    draft: &interaction::InteractionDraft,
) -> Result<(), Error> {
    let on = draft.occurred_on;
    interactions::insert(
        c,
        customer.id,
        on,
        &draft.channel,
        &draft.summary,
        &caller.actor,
    )?;
    // The later date is a change of the record like any other: a version, so that
    // the history replays to the record as it is (none if the date is not later).
    let reason = format!(
        "有新的服务记录 / interaction logged: {} {on}",
        draft.channel
    );
    amend(c, caller, customer, &reason, |f| {
        if f.last_interaction_at.is_none_or(|last| last < on) {
            f.last_interaction_at = Some(on);
        }
        // Someone talked to them: a dormant customer is active again.
        if f.status == Status::PendingActivation.as_str() || f.status == Status::Cleanup.as_str() {
            f.status = Status::Active.as_str().to_string();
        }
    })?;
    let event = Event::new(
        caller.actor.clone(),
        Action::InteractionLogged,
        &customer.code,
        &caller.address,
    )
    .details(format!("{} on {on}", draft.channel));
    audit_log::append(c, &event)?;
    Ok(())
}
