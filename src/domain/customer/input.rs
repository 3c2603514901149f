//! The customer form (and an import row, which has the same columns) and its check.

use chrono::NaiveDate;

use super::{
    check_credit_code, check_resident_id, normalize_email, normalize_phone, parse_past_date,
    parse_tags, CustomerType, OccupantRole, Source,
};
use crate::domain::validation::{required_text, FieldErrors};

pub const NAME_MAX: usize = 100;
pub const COMMUNITY_MAX: usize = 64;
pub const BUILDING_MAX: usize = 32;
pub const UNIT_MAX: usize = 32;
pub const NOTES_MAX: usize = 2000;
pub const LEGAL_REPRESENTATIVE_MAX: usize = 64;

/// What the form posts or an import row holds, as typed. The CSV columns are these names,
/// in this order, without the two enterprise-only fields at the end.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CustomerInput {
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub customer_type: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub first_contact_at: String,
    #[serde(default)]
    pub last_interaction_at: String,
    #[serde(default)]
    pub last_verified_at: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub legal_representative: String,
}

impl CustomerInput {
    /// The tags field as the form shows stored tags (`parse_tags` reads it back).
    pub fn with_tags(self, tags: &[String]) -> CustomerInput {
        CustomerInput {
            tags: tags.join("; "),
            ..self
        }
    }

    /// Puts one posted field over the stored values (a partial post keeps the rest);
    /// names that are not the form's fields are ignored.
    pub fn overlay(&mut self, key: &str, value: String) {
        let slot = match key {
            "name" => &mut self.name,
            "type" => &mut self.customer_type,
            "phone" => &mut self.phone,
            "email" => &mut self.email,
            "community" => &mut self.community,
            "building" => &mut self.building,
            "unit" => &mut self.unit,
            "role" => &mut self.role,
            "id_number" => &mut self.id_number,
            "tags" => &mut self.tags,
            "source" => &mut self.source,
            "first_contact_at" => &mut self.first_contact_at,
            "last_interaction_at" => &mut self.last_interaction_at,
            "last_verified_at" => &mut self.last_verified_at,
            "notes" => &mut self.notes,
            "credit_code" => &mut self.credit_code,
            "legal_representative" => &mut self.legal_representative,
            _ => return,
        };
        *slot = value;
    }
}

/// A record's fields once checked and normalised; ready to be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDraft {
    pub name: String,
    pub customer_type: CustomerType,
    pub phone: String,
    pub email: Option<String>,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub role: Option<OccupantRole>,
    pub id_number: Option<String>,
    pub tags: Vec<String>,
    /// Always set by `check`; optional for records that predate the rule.
    pub source: Option<Source>,
    pub first_contact_at: NaiveDate,
    pub last_interaction_at: Option<NaiveDate>,
    pub last_verified_at: Option<NaiveDate>,
    pub notes: String,
    pub credit_code: Option<String>,
    pub legal_representative: Option<String>,
}

/// Checks every field and collects every error, one per field, keyed by the field's name.
pub fn check(input: &CustomerInput, today: NaiveDate) -> Result<CustomerDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let e = &mut errors;
    let name = required_text(e, "name", &input.name, NAME_MAX);
    let customer_type = required(e, "type", &input.customer_type, |v| {
        v.parse::<CustomerType>()
            .map_err(|_| "err-customer-type-unknown")
    });
    // `None` while the type itself is wrong: rules that depend on it wait until it is right.
    let enterprise = customer_type.map(|t| t == CustomerType::Enterprise);
    let phone = required(e, "phone", &input.phone, normalize_phone).unwrap_or_default();
    let email = optional(e, "email", &input.email, normalize_email);
    let community = required_text(e, "community", &input.community, COMMUNITY_MAX);
    let building = optional_text(e, "building", &input.building, BUILDING_MAX);
    let unit = optional_text(e, "unit", &input.unit, UNIT_MAX);
    let role = if enterprise == Some(false) {
        required(e, "role", &input.role, parse_role)
    } else {
        optional(e, "role", &input.role, parse_role)
    };
    let id_number = optional(e, "id_number", &input.id_number, |v| match enterprise {
        Some(true) => Err("err-id-number-enterprise"),
        _ => check_resident_id(v, today),
    });
    let tags = field(e, "tags", parse_tags(&input.tags)).unwrap_or_default();
    let source = required(e, "source", &input.source, |v| {
        v.parse::<Source>().map_err(|_| "err-source-unknown")
    });
    let first_contact_at = required(e, "first_contact_at", &input.first_contact_at, |v| {
        parse_past_date(v, today)?.ok_or("err-required")
    });
    // Interactions and verifications cannot come before the first contact.
    let later_date = |e: &mut FieldErrors, name: &'static str, value: &str| {
        let date = field(e, name, parse_past_date(value, today)).flatten();
        if let (Some(date), Some(first)) = (date, first_contact_at) {
            if date < first {
                e.add(name, "err-date-before-first-contact");
            }
        }
        date
    };
    let last_interaction_at = later_date(e, "last_interaction_at", &input.last_interaction_at);
    let last_verified_at = later_date(e, "last_verified_at", &input.last_verified_at);
    let notes = notes(e, &input.notes);
    let credit_code = optional(e, "credit_code", &input.credit_code, |v| {
        enterprise_only(enterprise)?;
        check_credit_code(v)
    });
    let legal_representative = optional_text(
        e,
        "legal_representative",
        &input.legal_representative,
        LEGAL_REPRESENTATIVE_MAX,
    );
    if !legal_representative.is_empty() {
        field(e, "legal_representative", enterprise_only(enterprise));
    }
    let legal_representative = Some(legal_representative).filter(|v| !v.is_empty());

    match (customer_type, first_contact_at) {
        (Some(customer_type), Some(first_contact_at)) if errors.is_empty() => Ok(CustomerDraft {
            name,
            customer_type,
            phone,
            email,
            community,
            building,
            unit,
            role,
            id_number,
            tags,
            source,
            first_contact_at,
            last_interaction_at,
            last_verified_at,
            notes,
            credit_code,
            legal_representative,
        }),
        _ => Err(errors),
    }
}

fn parse_role(value: &str) -> Result<OccupantRole, &'static str> {
    value
        .parse::<OccupantRole>()
        .map_err(|_| "err-occupant-role-unknown")
}

/// A credit code and a legal representative belong to enterprises (or to a type not yet
/// known, which has its own error).
fn enterprise_only(enterprise: Option<bool>) -> Result<(), &'static str> {
    match enterprise {
        Some(false) => Err("err-enterprise-only"),
        _ => Ok(()),
    }
}

/// The value, or its error recorded against `name`.
fn field<T>(
    errors: &mut FieldErrors,
    name: &'static str,
    result: Result<T, &'static str>,
) -> Option<T> {
    result.map_err(|key| errors.add(name, key)).ok()
}

/// Empty is `err-required`; anything else goes through `parse`.
fn required<T>(
    errors: &mut FieldErrors,
    name: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, &'static str>,
) -> Option<T> {
    let value = value.trim();
    if value.is_empty() {
        errors.add(name, "err-required");
        return None;
    }
    field(errors, name, parse(value))
}

/// Empty is `None`; anything else goes through `parse`.
fn optional<T>(
    errors: &mut FieldErrors,
    name: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, &'static str>,
) -> Option<T> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    field(errors, name, parse(value))
}

/// Free text that may be empty: trimmed, length-capped, no control characters.
fn optional_text(errors: &mut FieldErrors, name: &'static str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(name, "err-too-long");
    } else if value.chars().any(char::is_control) {
        errors.add(name, "err-invalid-chars");
    }
    value.to_string()
}

/// Notes keep their lines and tabs. Browsers post a textarea's line ends as CRLF, so those
/// become `\n` first rather than being refused as control characters.
fn notes(errors: &mut FieldErrors, value: &str) -> String {
    let notes = value.replace("\r\n", "\n").replace('\r', "\n");
    let notes = notes.trim();
    if notes.chars().count() > NOTES_MAX {
        errors.add("notes", "err-too-long");
    } else if notes
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        errors.add("notes", "err-invalid-chars");
    }
    notes.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posted_fields_go_over_the_stored_ones_and_other_names_are_ignored() {
        let mut input = CustomerInput {
            name: "王丽".into(),
            phone: "13800138000".into(),
            ..CustomerInput::default()
        }
        .with_tags(&["高净值".into(), "风险/欠费".into()]);
        input.overlay("phone", "13900139000".into());
        input.overlay("version", "7".into());
        assert_eq!(input.name, "王丽");
        assert_eq!(input.phone, "13900139000");
        assert_eq!(input.tags, "高净值; 风险/欠费");
    }
}
