//! Changing a record: every change is a new version with its history row and its log
//! entry, saved only on the version the change was made against (optimistic locking).

use super::fields::{snapshot, to_fields};
use super::{check_reason, ensure_editable, Caller};
use crate::crypto::Keys;
use crate::db::customers::{self, Customer, CustomerFields};
use crate::db::{
    audit_log, change_reports, customer_contacts, customer_versions, tags, write_tx, DbConnection,
};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::CustomerDraft;
use crate::domain::history::{self, Change};
use crate::service::communities;
use crate::service::{Conflict, Error};

/// What a change of the record came to (`update`, `amend`, `restore`). A change made
/// against an older version is refused with `Error::Conflict`.
pub enum Updated {
    Saved(Box<Customer>),
    Unchanged,
}

/// Saves a changed record if it is still at `expected_version`.
#[allow(clippy::too_many_arguments)]
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    customer: &Customer,
    expected_version: i32,
    draft: &CustomerDraft,
    keep_id: bool,
    reason: &str,
    report_id: Option<i32>,
) -> Result<Updated, Error> {
    let reason = check_reason(reason)?;
    ensure_editable(customer)?;
    let fields = to_fields(draft, keys, &customer.status, Some(customer), keep_id);
    write_tx(conn, |c| {
        let current = customers::lock(c, customer.id)?.ok_or(Error::NotFound)?;
        communities::check_choice(c, caller, &fields.community, Some(&current.community))?;
        let current_tags = tags::of_customer(c, current.id)?;
        if current.version != expected_version {
            let differences = history::diff(
                &snapshot(&CustomerFields::from(&current), &current_tags),
                &snapshot(&fields, &draft.tags),
            );
            let differences = differences.into_iter().filter(|d| !d.is_hidden()).collect();
            return Err(Error::Conflict(Box::new(Conflict {
                current,
                differences,
            })));
        }
        save(
            c,
            caller,
            &current,
            &current_tags,
            &fields,
            &draft.tags,
            &reason,
            None,
            report_id,
            Vec::new(),
        )
    })
}

/// Writes a new version: fields, tags, contacts, history row, log entry.
#[allow(clippy::too_many_arguments)]
pub(super) fn save(
    c: &mut DbConnection,
    caller: &Caller,
    current: &Customer,
    current_tags: &[String],
    fields: &CustomerFields,
    new_tags: &[String],
    reason: &str,
    restored_from: Option<i32>,
    report_id: Option<i32>,
    extra: Vec<Change>,
) -> Result<Updated, Error> {
    let mut changes = history::diff(
        &snapshot(&CustomerFields::from(current), current_tags),
        &snapshot(fields, new_tags),
    );
    changes.extend(extra);
    if changes.is_empty() {
        return Ok(Updated::Unchanged);
    }
    if !customers::update_if_version(c, current, current.version, fields)? {
        // Not reached while callers hold the row (`customers::lock`); if one does not,
        // the user still gets both values, never a bare refusal.
        let latest = customers::find_by_code(c, &current.code)?.ok_or(Error::NotFound)?;
        let latest_tags = tags::of_customer(c, latest.id)?;
        let differences = history::diff(
            &snapshot(&CustomerFields::from(&latest), &latest_tags),
            &snapshot(fields, new_tags),
        );
        return Err(Error::Conflict(Box::new(Conflict {
            current: latest,
            differences: differences.into_iter().filter(|d| !d.is_hidden()).collect(),
        })));
    }
    let version = current.version + 1;
    tags::set_for_customer(c, current.id, new_tags)?;
    customer_contacts::replace(c, current.id, "phone", Some(&fields.phone))?;
    customer_contacts::replace(c, current.id, "email", fields.email.as_deref())?;
    customer_versions::insert(
        c,
        &customer_versions::NewVersion {
            customer_id: current.id,
            version,
            actor: &caller.actor,
            reason,
            changes: history::to_json(&changes),
            restored_from,
            change_report_id: report_id,
        },
    )?;
    if let Some(report) = report_id {
        change_reports::mark_applied(c, report, version, caller.actor.name())?;
    }
    let names: Vec<&str> = changes
        .iter()
        .filter(|ch| !ch.is_hidden())
        .map(|ch| ch.field.as_str())
        .collect();
    let (action, mut details) = match restored_from {
        Some(from) => (
            Action::VersionRestored,
            format!("v{version} restores v{from}"),
        ),
        None => (Action::CustomerUpdated, format!("v{version}")),
    };
    details.push_str(&format!("; fields: {}; reason: {reason}", names.join(",")));
    audit_log::append(
        c,
        &Event::new(caller.actor.clone(), action, &current.code, &caller.address).details(details),
    )?;
    let saved = customers::find_by_code(c, &current.code)?.ok_or(Error::NotFound)?;
    Ok(Updated::Saved(Box::new(saved)))
}

/// Changes stored fields of a record as a new version — a status move, a verification
/// date, an interaction's date — with the reason given. The change is made to the record
/// as it is now (read again and held), whatever `record` was read earlier. Call inside
/// the write transaction.
pub fn amend(
    c: &mut DbConnection,
    caller: &Caller,
    record: &Customer,
    reason: &str,
    change: impl FnOnce(&mut CustomerFields),
) -> Result<Updated, Error> {
    let current = &customers::lock(c, record.id)?.ok_or(Error::NotFound)?;
    let current_tags = tags::of_customer(c, current.id)?;
    let mut fields = CustomerFields::from(current);
    change(&mut fields);
    save(
        c,
        caller,
        current,
        &current_tags,
        &fields,
        &current_tags,
        reason,
        None,
        None,
        Vec::new(),
    )
}
