//! A record's fields as each layer sees them: the stored record as its form shows it, the
//! checked form turned into stored fields, the stored fields as a history snapshot, and a
//! snapshot back into fields.

use chrono::NaiveDate;
use diesel::QueryResult;

use crate::crypto::Keys;
use crate::db::customers::{Customer, CustomerFields};
use crate::db::{enterprise_contacts, tags, DbConnection};
use crate::domain::customer::{mask_id_number, CustomerDraft, CustomerInput};
use crate::domain::history::Snapshot;

/// The field name under which versions record key-contact changes.
pub(super) const KEY_CONTACTS: &str = "key_contacts";

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

/// The stored record as its edit form shows it, tags aside (another table: add them with
/// `CustomerInput::with_tags`). The ID number is blank: the form shows it masked, and
/// blank means unchanged. It lives here, not in `domain`, because it reads the table's
/// model, and the domain knows no SQL.
impl From<&Customer> for CustomerInput {
    fn from(c: &Customer) -> CustomerInput {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        CustomerInput {
            name: c.name.clone(),
            customer_type: c.customer_type.clone(),
            phone: c.phone.clone(),
            email: c.email.clone().unwrap_or_default(),
            community: c.community.clone(),
            building: c.building.clone(),
            unit: c.unit.clone(),
            role: c.occupant_role.clone().unwrap_or_default(),
            id_number: String::new(),
            tags: String::new(),
            source: c.source.clone(),
            first_contact_at: c.first_contact_at.to_string(),
            last_interaction_at: date(c.last_interaction_at),
            last_verified_at: date(c.last_verified_at),
            notes: c.notes.clone(),
            credit_code: c.credit_code.clone().unwrap_or_default(),
            legal_representative: c.legal_representative.clone().unwrap_or_default(),
        }
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
pub(super) fn from_snapshot(
    s: &Snapshot,
    current: &CustomerFields,
) -> (CustomerFields, Vec<String>) {
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
