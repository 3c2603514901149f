//! Revealing an ID number: decrypted only for someone allowed, with the reason logged.

use anyhow::Context;

use super::{check_reason, Caller};
use crate::crypto::Keys;
use crate::db::customers::Customer;
use crate::db::{audit_log, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::service::Error;

/// Decrypts the ID number for someone allowed to see it, with the reason logged.
pub fn reveal(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    customer: &Customer,
    reason: &str,
) -> Result<String, Error> {
    let reason = check_reason(reason)?;
    let stored = customer.id_number_enc.as_deref().ok_or(Error::NotFound)?;
    let plain = keys
        .cipher()
        .decrypt(stored)
        .with_context(|| format!("ID number of {} cannot be decrypted", customer.code))?;
    let event = Event::new(
        caller.actor.clone(),
        Action::IdNumberRevealed,
        &customer.code,
        &caller.address,
    )
    .details(format!("reason: {reason}"));
    audit_log::record(conn, &event)?;
    Ok(plain)
}
