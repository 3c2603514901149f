//! Customer records: create, change (with optimistic locking), restore, reveal. Each runs
//! in one transaction with its history row and its operation-log entry. The record's
//! sub-records have their own use cases beside this one (`interactions`,
//! `change_reports`, `key_contacts`).

mod create;
mod fields;
mod restore;
mod reveal;
mod update;

pub use create::{create, Created};
pub use fields::{current_state, snapshot, tags_value, to_fields};
pub use restore::restore;
pub use reveal::reveal;
pub use update::{amend, update, Updated};

use super::Caller;
use crate::db::customers::{self, Customer};
use crate::db::DbConnection;
use crate::domain::audit::{Action, Event};
use crate::domain::customer::Status;
use crate::domain::validation::{required_text, FieldErrors};
use crate::service::Error;

/// Every change of a record says why.
fn check_reason(reason: &str) -> Result<String, Error> {
    let mut errors = FieldErrors::default();
    let reason = required_text(&mut errors, "reason", reason, 200);
    errors.into_result(reason).map_err(Error::Invalid)
}

/// Archived records are read-only: every change is refused.
pub fn ensure_editable(customer: &Customer) -> Result<(), Error> {
    if customer.status == Status::Archived.as_str() {
        return Err(Error::Archived);
    }
    Ok(())
}

/// A clerk reaches a record only through their office's communities; users without an
/// office reach all. Refusal is 403, not 404: the code itself is not secret.
pub fn check_scope(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    customer: &Customer,
) -> Result<(), Error> {
    match office_id {
        Some(office) if !customers::in_office(conn, &customer.community, office)? => {
            Err(Error::Forbidden)
        }
        _ => Ok(()),
    }
}

/// The log entry of a user opening a record.
pub fn view_event(caller: &Caller, code: &str) -> Event {
    Event::new(
        caller.actor.clone(),
        Action::CustomerViewed,
        code,
        &caller.address,
    )
}

/// The log entry of a search (its filters, URL-encoded).
pub fn search_event(caller: &Caller, query: &str) -> Event {
    Event::new(
        caller.actor.clone(),
        Action::CustomersSearched,
        "customers",
        &caller.address,
    )
    .details(query)
}
