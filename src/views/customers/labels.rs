//! How stored customer values read on the pages: the labels of types, statuses, sources
//! and roles, the fields in the form's order, and stored values as people read them
//! (history, conflicts).

use crate::domain::customer::{CustomerType, OccupantRole, Source, Status};
use crate::domain::history::Change;
use crate::views::PageCtx;

/// The label key of a stored customer type ("any" for one no longer known).
pub fn type_label(stored: &str) -> &'static str {
    stored
        .parse::<CustomerType>()
        .map_or("customer-any", |t| t.label_key())
}

/// The label key of a stored status.
pub fn status_label(stored: &str) -> &'static str {
    stored
        .parse::<Status>()
        .map_or("customer-any", |s| s.label_key())
}

/// The label key of a stored source.
pub fn source_label(stored: &str) -> &'static str {
    stored
        .parse::<Source>()
        .map_or("customer-any", |s| s.label_key())
}

/// The label key of a stored occupant role; none when unset or no longer known.
pub fn role_label(stored: Option<&str>) -> Option<&'static str> {
    stored
        .and_then(|r| r.parse::<OccupantRole>().ok())
        .map(|r| r.label_key())
}

/// Fields in the form's order, so history and conflicts read like the form.
const FIELD_ORDER: [&str; 19] = [
    "name",
    "type",
    "role",
    "phone",
    "email",
    "community",
    "building",
    "unit",
    "id_number",
    "credit_code",
    "legal_representative",
    "tags",
    "source",
    "first_contact_at",
    "last_interaction_at",
    "last_verified_at",
    "notes",
    "status",
    "key_contacts",
];

/// Sorts changes into the form's order.
pub fn in_form_order(mut changes: Vec<Change>) -> Vec<Change> {
    changes.sort_by_key(|c| {
        FIELD_ORDER
            .iter()
            .position(|f| *f == c.field)
            .unwrap_or(FIELD_ORDER.len())
    });
    changes
}

/// A stored value as people read it: codes of choices become their labels.
pub fn display_value(ctx: &PageCtx, field: &str, value: Option<&str>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    if field == "key_contacts" {
        return crate::db::enterprise_contacts::from_version_value(Some(value))
            .iter()
            .map(|k| {
                [
                    k.name.as_str(),
                    k.title.as_str(),
                    k.phone.as_str(),
                    k.email.as_str(),
                ]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
            })
            .collect::<Vec<_>>()
            .join("; ");
    }
    let key = match field {
        "type" => value.parse::<CustomerType>().ok().map(|t| t.label_key()),
        "role" => value.parse::<OccupantRole>().ok().map(|r| r.label_key()),
        "source" => value.parse::<Source>().ok().map(|s| s.label_key()),
        "status" => value.parse::<Status>().ok().map(|s| s.label_key()),
        _ => None,
    };
    key.map_or_else(|| value.to_string(), |k| ctx.t(k))
}

/// The label key of a form field, for history and conflicts.
pub fn field_label_key(field: &str) -> &'static str {
    match field {
        "name" => "customer-name",
        "type" => "customer-type",
        "role" => "customer-role",
        "phone" => "customer-phone",
        "email" => "customer-email",
        "community" => "customer-community",
        "building" => "customer-building",
        "unit" => "customer-unit",
        "id_number" => "customer-id-number",
        "credit_code" => "customer-credit-code",
        "legal_representative" => "customer-legal-representative",
        "tags" => "customer-tags",
        "source" => "customer-source",
        "first_contact_at" => "customer-first-contact",
        "last_interaction_at" => "customer-last-interaction",
        "last_verified_at" => "customer-last-verified",
        "notes" => "customer-notes",
        "status" => "customer-status",
        "key_contacts" => "customer-key-contacts",
        _ => "customer-field",
    }
}
