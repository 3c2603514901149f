//! Customer records: create, change (with optimistic locking), restore, reveal, log an
//! interaction, report a change. Each runs in one transaction with its history row and
//! its operation-log entry.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::QueryResult;

use super::Caller;
use crate::clock::Clock;
use crate::crypto::Keys;
use crate::db::customers::{self, Customer, CustomerFields};
use crate::db::{
    audit_log, change_reports, customer_contacts, customer_versions, enterprise_contacts,
    interactions, tags, write_tx, DbConnection,
};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::{mask_id_number, CustomerDraft, Status};
use crate::domain::history::{self, Change, Snapshot};
use crate::domain::validation::{required_text, FieldErrors};
use crate::error::AppError;

/// The field name under which versions record key-contact changes.
const KEY_CONTACTS: &str = "key_contacts";

/// How long a reported change may wait before it is overdue.
pub const CHANGE_DEADLINE_HOURS: i64 = 48;

/// The stored fields for a checked form. `keep_id` keeps the stored ID number (the form
/// shows it masked, so an empty ID field means "unchanged").
pub fn to_fields(
    draft: &CustomerDraft,
    keys: &Keys,
    status: &str,
    existing: Option<&Customer>,
    keep_id: bool,
) -> CustomerFields {
    let (id_number_enc, id_number_index, id_number_masked) = match (&draft.id_number, existing) {
        (None, Some(old)) if keep_id => (
            old.id_number_enc.clone(),
            old.id_number_index.clone(),
            old.id_number_masked.clone(),
        ),
        (None, _) => (None, None, None),
        (Some(number), old) => {
            let index = keys.blind_index().of(number);
            match old {
                // The same number again keeps its ciphertext, so history shows no change.
                Some(old) if old.id_number_index.as_deref() == Some(index.as_str()) => (
                    old.id_number_enc.clone(),
                    old.id_number_index.clone(),
                    old.id_number_masked.clone(),
                ),
                _ => (
                    Some(keys.cipher().encrypt(number)),
                    Some(index),
                    Some(mask_id_number(number)),
                ),
            }
        }
    };
    CustomerFields {
        customer_type: draft.customer_type.as_str().to_string(),
        name: draft.name.clone(),
        phone: draft.phone.clone(),
        email: draft.email.clone(),
        community: draft.community.clone(),
        building: draft.building.clone(),
        unit: draft.unit.clone(),
        occupant_role: draft.role.map(|r| r.as_str().to_string()),
        id_number_enc,
        id_number_index,
        id_number_masked,
        credit_code: draft.credit_code.clone(),
        legal_representative: draft.legal_representative.clone(),
        source: draft
            .source
            .map(|s| s.as_str())
            .unwrap_or("phone")
            .to_string(),
        first_contact_at: draft.first_contact_at,
        last_interaction_at: draft.last_interaction_at,
        last_verified_at: draft.last_verified_at,
        notes: draft.notes.clone(),
        status: status.to_string(),
    }
}

/// A record's tags as history sees them: in one order whatever order they were typed or
/// read in, `;` between them.
pub fn tags_value(tags: &[String]) -> Option<String> {
    let mut tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    tags.sort_unstable();
    (!tags.is_empty()).then(|| tags.join(";"))
}

/// A record's state as history sees it, keyed by the form's field names.
pub fn snapshot(f: &CustomerFields, tags: &[String]) -> Snapshot {
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    [
        ("name", text(&f.name)),
        ("type", text(&f.customer_type)),
        ("phone", text(&f.phone)),
        ("email", f.email.clone()),
        ("community", text(&f.community)),
        ("building", text(&f.building)),
        ("unit", text(&f.unit)),
        ("role", f.occupant_role.clone()),
        ("id_number", f.id_number_masked.clone()),
        ("id_number_enc", f.id_number_enc.clone()),
        ("id_number_index", f.id_number_index.clone()),
        ("credit_code", f.credit_code.clone()),
        ("legal_representative", f.legal_representative.clone()),
        ("source", text(&f.source)),
        ("first_contact_at", Some(f.first_contact_at.to_string())),
        ("last_interaction_at", date(f.last_interaction_at)),
        ("last_verified_at", date(f.last_verified_at)),
        ("notes", text(&f.notes)),
        ("status", text(&f.status)),
        ("tags", tags_value(tags)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The record as a version sees it (its fields, its tags and its key contacts), and its
/// tags.
pub fn current_state(
    conn: &mut DbConnection,
    customer: &Customer,
) -> QueryResult<(Snapshot, Vec<String>)> {
    let tags = tags::of_customer(conn, customer.id)?;
    let mut state = snapshot(&CustomerFields::from(customer), &tags);
    let contacts = enterprise_contacts::of_customer(conn, customer.id)?;
    state.insert(
        KEY_CONTACTS.into(),
        enterprise_contacts::to_version_value(&contacts),
    );
    Ok((state, tags))
}

/// The inverse of `snapshot`, for restoring a version.
fn from_snapshot(s: &Snapshot, current: &CustomerFields) -> (CustomerFields, Vec<String>) {
    let get = |k: &str| s.get(k).cloned().flatten();
    let date = |k: &str| get(k).and_then(|d| d.parse::<NaiveDate>().ok());
    let fields = CustomerFields {
        customer_type: get("type").unwrap_or_else(|| current.customer_type.clone()),
        name: get("name").unwrap_or_default(),
        phone: get("phone").unwrap_or_default(),
        email: get("email"),
        community: get("community").unwrap_or_default(),
        building: get("building").unwrap_or_default(),
        unit: get("unit").unwrap_or_default(),
        occupant_role: get("role"),
        id_number_enc: get("id_number_enc"),
        id_number_index: get("id_number_index"),
        id_number_masked: get("id_number"),
        credit_code: get("credit_code"),
        legal_representative: get("legal_representative"),
        source: get("source").unwrap_or_else(|| current.source.clone()),
        first_contact_at: date("first_contact_at").unwrap_or(current.first_contact_at),
        last_interaction_at: date("last_interaction_at"),
        last_verified_at: date("last_verified_at"),
        notes: get("notes").unwrap_or_default(),
        status: get("status").unwrap_or_else(|| current.status.clone()),
    };
    let tags = get("tags")
        .map(|t| t.split(';').map(str::to_string).collect())
        .unwrap_or_default();
    (fields, tags)
}

fn check_reason(reason: &str) -> Result<String, AppError> {
    let mut errors = FieldErrors::default();
    let reason = required_text(&mut errors, "reason", reason, 200);
    errors.into_result(reason).map_err(AppError::Invalid)
}

pub enum Created {
    Saved(Box<Customer>),
    /// Records that look like the same customer; nothing was stored.
    Similar(Vec<Customer>),
}

/// Creates a record as version 1. Similar records stop it unless `duplicate_ok`, and then
/// the reason given says why it was saved anyway.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    draft: &CustomerDraft,
    reason: &str,
    duplicate_ok: bool,
    today: NaiveDate,
) -> Result<Created, AppError> {
    let reason = check_reason(reason)?;
    let fields = to_fields(draft, keys, Status::Active.as_str(), None, false);
    write_tx(conn, |c| {
        super::communities::check_choice(c, caller, &fields.community, None)?;
        let similar = customers::similar(c, &fields, None)?;
        if !similar.is_empty() && !duplicate_ok {
            return Ok(Created::Similar(similar));
        }
        let code = customers::next_code(c, draft.customer_type.code_letter(), today.year())?;
        let customer = customers::insert(c, &code, &fields)?;
        tags::set_for_customer(c, customer.id, &draft.tags)?;
        customer_contacts::replace(c, customer.id, "phone", Some(&fields.phone))?;
        customer_contacts::replace(c, customer.id, "email", fields.email.as_deref())?;
        let changes = history::diff(&Snapshot::new(), &snapshot(&fields, &draft.tags));
        customer_versions::insert(
            c,
            &customer_versions::NewVersion {
                customer_id: customer.id,
                version: 1,
                actor: &caller.actor,
                reason: &reason,
                changes: history::to_json(&changes),
                restored_from: None,
                change_report_id: None,
            },
        )?;
        let mut details = format!("reason: {reason}");
        if !similar.is_empty() {
            let codes: Vec<&str> = similar.iter().map(|s| s.code.as_str()).collect();
            details.push_str(&format!("; saved although similar to {}", codes.join(",")));
        }
        audit_log::append(
            c,
            &Event::new(
                caller.actor.clone(),
                Action::CustomerCreated,
                &code,
                &caller.address,
            )
            .details(details),
        )?;
        Ok(Created::Saved(Box::new(customer)))
    })
}

pub enum Updated {
    Saved(Box<Customer>),
    Unchanged,
    /// Someone saved since the form was opened: the stored values differ from the typed ones.
    Conflict {
        current: Box<Customer>,
        differences: Vec<Change>,
    },
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
) -> Result<Updated, AppError> {
    let reason = check_reason(reason)?;
    ensure_editable(customer)?;
    let fields = to_fields(draft, keys, &customer.status, Some(customer), keep_id);
    write_tx(conn, |c| {
        let current = customers::lock(c, customer.id)?.ok_or(AppError::NotFound)?;
        super::communities::check_choice(c, caller, &fields.community, Some(&current.community))?;
        let current_tags = tags::of_customer(c, current.id)?;
        if current.version != expected_version {
            let differences = history::diff(
                &snapshot(&CustomerFields::from(&current), &current_tags),
                &snapshot(&fields, &draft.tags),
            );
            let differences = differences.into_iter().filter(|d| !d.is_hidden()).collect();
            return Ok(Updated::Conflict {
                current: Box::new(current),
                differences,
            });
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
fn save(
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
) -> Result<Updated, AppError> {
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
        let latest = customers::find_by_code(c, &current.code)?.ok_or(AppError::NotFound)?;
        let latest_tags = tags::of_customer(c, latest.id)?;
        let differences = history::diff(
            &snapshot(&CustomerFields::from(&latest), &latest_tags),
            &snapshot(fields, new_tags),
        );
        return Ok(Updated::Conflict {
            current: Box::new(latest),
            differences: differences.into_iter().filter(|d| !d.is_hidden()).collect(),
        });
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
    let saved = customers::find_by_code(c, &current.code)?.ok_or(AppError::NotFound)?;
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
) -> Result<Updated, AppError> {
    let current = &customers::lock(c, record.id)?.ok_or(AppError::NotFound)?;
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

/// Archived records are read-only: every change is refused.
pub fn ensure_editable(customer: &Customer) -> Result<(), AppError> {
    if customer.status == Status::Archived.as_str() {
        return Err(AppError::Archived);
    }
    Ok(())
}

/// Brings back the state of `version` as a new version that says so.
pub fn restore(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    version: i32,
    reason: &str,
) -> Result<Updated, AppError> {
    let reason = check_reason(reason)?;
    ensure_editable(customer)?;
    write_tx(conn, |c| {
        let current = customers::lock(c, customer.id)?.ok_or(AppError::NotFound)?;
        if version < 1 || version >= current.version {
            return Err(AppError::NotFound);
        }
        let current_fields = CustomerFields::from(&current);
        let (mut state, current_tags) = current_state(c, &current)?;
        let current_contacts = state.get(KEY_CONTACTS).cloned().flatten();
        for newer in customer_versions::newer_than(c, current.id, version)? {
            history::undo(&mut state, &history::from_json(&newer.changes));
        }
        let (fields, tags) = from_snapshot(&state, &current_fields);
        let old_contacts = state.get(KEY_CONTACTS).cloned().flatten();
        let mut extra = Vec::new();
        if old_contacts != current_contacts {
            let contacts = enterprise_contacts::from_version_value(old_contacts.as_deref());
            enterprise_contacts::replace_all(c, current.id, &contacts)?;
            extra.push(Change {
                field: KEY_CONTACTS.into(),
                old: current_contacts,
                new: old_contacts,
            });
        }
        save(
            c,
            caller,
            &current,
            &current_tags,
            &fields,
            &tags,
            &reason,
            Some(version),
            None,
            extra,
        )
    })
}

/// Decrypts the ID number for someone allowed to see it, with the reason logged.
pub fn reveal(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    customer: &Customer,
    reason: &str,
) -> Result<String, AppError> {
    let reason = check_reason(reason)?;
    let stored = customer
        .id_number_enc
        .as_deref()
        .ok_or(AppError::NotFound)?;
    let plain = keys.cipher().decrypt(stored).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "ID number of {} cannot be decrypted: {e}",
            customer.code
        ))
    })?;
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

/// Interaction channels, stored as text.
pub const CHANNELS: [(&str, &str); 5] = [
    ("call", "channel-call"),
    ("visit", "channel-visit"),
    ("email", "channel-email"),
    ("message", "channel-message"),
    ("other", "channel-other"),
];

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct InteractionInput {
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub summary: String,
}

/// Logs a call, visit… on the record and moves `last_interaction_at` forward.
pub fn log_interaction(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    input: &InteractionInput,
    today: NaiveDate,
) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let on = crate::domain::customer::parse_past_date(&input.occurred_on, today);
    let summary = required_text(&mut errors, "summary", &input.summary, 1000);
    if !CHANNELS.iter().any(|(c, _)| *c == input.channel) {
        errors.add("channel", "err-channel-unknown");
    }
    let on = match on {
        Ok(Some(on)) => on,
        Ok(None) => {
            errors.add("occurred_on", "err-required");
            today
        }
        Err(key) => {
            errors.add("occurred_on", key);
            today
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    ensure_editable(customer)?;
    write_tx(conn, |c| {
        interactions::insert(c, customer.id, on, &input.channel, &summary, &caller.actor)?;
        // The later date is a change of the record like any other: a version, so that
        // the history replays to the record as it is (none if the date is not later).
        let reason = format!(
            "有新的服务记录 / interaction logged: {} {on}",
            input.channel
        );
        amend(c, caller, customer, &reason, |f| {
            if f.last_interaction_at.is_none_or(|last| last < on) {
                f.last_interaction_at = Some(on);
            }
            // Someone talked to them: a dormant customer is active again.
            if f.status == Status::PendingActivation.as_str()
                || f.status == Status::Cleanup.as_str()
            {
                f.status = Status::Active.as_str().to_string();
            }
        })?;
        let event = Event::new(
            caller.actor.clone(),
            Action::InteractionLogged,
            &customer.code,
            &caller.address,
        )
        .details(format!("{} on {on}", input.channel));
        audit_log::append(c, &event)?;
        Ok(())
    })
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportInput {
    #[serde(default)]
    pub reported_on: String,
    #[serde(default)]
    pub description: String,
}

/// Logs a change the customer reported; it is due `CHANGE_DEADLINE_HOURS` after it was
/// reported (a report logged late is not given more time: one reported on an earlier day
/// counts from that day's start in the office).
pub fn report_change(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    input: &ReportInput,
    clock: &Clock,
) -> Result<(), AppError> {
    let today = clock.today();
    ensure_editable(customer)?;
    let mut errors = FieldErrors::default();
    let description = required_text(&mut errors, "description", &input.description, 500);
    let reported_on = match crate::domain::customer::parse_past_date(&input.reported_on, today) {
        Ok(Some(d)) => d,
        Ok(None) => today,
        Err(key) => {
            errors.add("reported_on", key);
            today
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
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
            &description,
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

/// A clerk reaches a record only through their office's communities; users without an
/// office reach all. Refusal is 403, not 404: the code itself is not secret.
pub fn check_scope(
    conn: &mut DbConnection,
    office_id: Option<i32>,
    customer: &Customer,
) -> Result<(), AppError> {
    match office_id {
        Some(office) if !customers::in_office(conn, &customer.community, office)? => {
            Err(AppError::Forbidden)
        }
        _ => Ok(()),
    }
}
