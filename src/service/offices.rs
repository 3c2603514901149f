//! Creating and changing offices and their communities.

use diesel::result::DatabaseErrorKind;

use super::{invalid, on_violation, Caller};
use crate::db::offices::Office;
use crate::db::{audit_log, communities, offices, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::office::OfficeDetails;
use crate::service::Error;

fn check_names(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    details: &OfficeDetails,
) -> Result<(), Error> {
    if let Some(other) = offices::find_by_name(conn, &details.name)? {
        if Some(other.id) != office_id {
            return Err(invalid("name", "err-office-name-taken"));
        }
    }
    if !communities::taken_elsewhere(conn, office_id, &details.communities)?.is_empty() {
        return Err(invalid("communities", "err-community-taken"));
    }
    Ok(())
}

fn event(caller: &Caller, action: Action, details: &OfficeDetails) -> Event {
    Event::new(
        caller.actor.clone(),
        action,
        format!("office:{}", details.name),
        &caller.address,
    )
    .details(format!("communities={}", details.communities.join(",")))
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    details: &OfficeDetails,
) -> Result<Office, Error> {
    write_tx(conn, |c| {
        check_names(c, None, details)?;
        let office = offices::create(c, &details.name).map_err(|e| {
            on_violation(
                e,
                DatabaseErrorKind::UniqueViolation,
                "name",
                "err-office-name-taken",
            )
        })?;
        communities::replace_for_office(c, office.id, &details.communities).map_err(|e| {
            on_violation(
                e,
                DatabaseErrorKind::UniqueViolation,
                "communities",
                "err-community-taken",
            )
        })?;
        audit_log::append(c, &event(caller, Action::OfficeCreated, details))?;
        Ok(office)
    })
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i32,
    details: &OfficeDetails,
) -> Result<(), Error> {
    write_tx(conn, |c| {
        offices::find(c, id)?.ok_or(Error::NotFound)?;
        check_names(c, Some(id), details)?;
        offices::rename(c, id, &details.name).map_err(|e| {
            on_violation(
                e,
                DatabaseErrorKind::UniqueViolation,
                "name",
                "err-office-name-taken",
            )
        })?;
        // A dropped community that records are filed under waits for an office again.
        communities::replace_for_office(c, id, &details.communities).map_err(|e| {
            on_violation(
                e,
                DatabaseErrorKind::ForeignKeyViolation,
                "communities",
                "err-community-in-use",
            )
        })?;
        audit_log::append(c, &event(caller, Action::OfficeUpdated, details))?;
        Ok(())
    })
}
