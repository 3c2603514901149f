//! The customer form (new record, edit), its fields in order.

use askama::Template;

use super::labels::{display_value, field_label_key};
use crate::db::change_reports::ChangeReport;
use crate::db::customers::Customer;
use crate::domain::customer::{CustomerInput, CustomerType, OccupantRole, Source};
use crate::domain::history::Change;
use crate::domain::validation::FieldErrors;
use crate::views::PageCtx;

/// One input of the customer form.
pub struct FormField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub required: bool,
    pub options: Vec<(&'static str, &'static str)>,
    pub input_type: &'static str,
    pub placeholder: String,
    pub wide: bool,
    /// The community select's names (shown as they are, not locale keys).
    pub names: Vec<String>,
}

impl FormField {
    pub fn is_selected(&self, value: &str) -> bool {
        self.value == value
    }
}

/// The form's fields in order, filled with what was typed. `communities` are those the
/// user may choose; the typed or stored one is shown too, so that nothing changes unseen.
pub fn form_fields(
    input: &CustomerInput,
    id_placeholder: Option<&str>,
    communities: &[String],
) -> Vec<FormField> {
    let text = |name, label, value: &str, required| FormField {
        name,
        label,
        value: value.to_string(),
        required,
        options: Vec::new(),
        input_type: "text",
        placeholder: String::new(),
        wide: false,
        names: Vec::new(),
    };
    let choice = |name, label, value: &str, options: Vec<(&'static str, &'static str)>| FormField {
        options,
        ..text(name, label, value, true)
    };
    let date = |name, label, value: &str, required| FormField {
        input_type: "date",
        ..text(name, label, value, required)
    };
    vec![
        FormField {
            wide: true,
            ..text("name", "customer-name", &input.name, true)
        },
        choice(
            "type",
            "customer-type",
            &input.customer_type,
            CustomerType::ALL
                .iter()
                .map(|t| (t.as_str(), t.label_key()))
                .collect(),
        ),
        choice(
            "role",
            "customer-role",
            &input.role,
            OccupantRole::ALL
                .iter()
                .map(|r| (r.as_str(), r.label_key()))
                .collect(),
        ),
        FormField {
            input_type: "tel",
            ..text("phone", "customer-phone", &input.phone, true)
        },
        FormField {
            input_type: "email",
            ..text("email", "customer-email", &input.email, false)
        },
        FormField {
            names: with_typed(communities, &input.community),
            ..text("community", "customer-community", &input.community, true)
        },
        text("building", "customer-building", &input.building, false),
        text("unit", "customer-unit", &input.unit, false),
        FormField {
            placeholder: id_placeholder.unwrap_or("").to_string(),
            ..text("id_number", "customer-id-number", &input.id_number, false)
        },
        text(
            "credit_code",
            "customer-credit-code",
            &input.credit_code,
            false,
        ),
        text(
            "legal_representative",
            "customer-legal-representative",
            &input.legal_representative,
            false,
        ),
        FormField {
            wide: true,
            placeholder: "风险/欠费; 价值/高净值".into(),
            ..text("tags", "customer-tags", &input.tags, false)
        },
        choice(
            "source",
            "customer-source",
            &input.source,
            Source::ALL
                .iter()
                .map(|s| (s.as_str(), s.label_key()))
                .collect(),
        ),
        date(
            "first_contact_at",
            "customer-first-contact",
            &input.first_contact_at,
            true,
        ),
        date(
            "last_interaction_at",
            "customer-last-interaction",
            &input.last_interaction_at,
            false,
        ),
        date(
            "last_verified_at",
            "customer-last-verified",
            &input.last_verified_at,
            false,
        ),
        FormField {
            wide: true,
            ..text("notes", "customer-notes", &input.notes, false)
        },
    ]
}

fn with_typed(names: &[String], typed: &str) -> Vec<String> {
    let mut names = names.to_vec();
    if !typed.is_empty() && !names.iter().any(|n| n == typed) {
        names.insert(0, typed.to_string());
    }
    names
}

#[derive(Template)]
#[template(path = "customers/form.html")]
pub struct FormPage {
    pub ctx: PageCtx,
    pub code: Option<String>,
    pub version: Option<i32>,
    pub fields: Vec<FormField>,
    pub reason: String,
    pub errors: FieldErrors,
    pub similar: Vec<Customer>,
    pub conflicts: Vec<Change>,
    pub report: Option<ChangeReport>,
}

impl FormPage {
    pub fn field_label(&self, field: &str) -> String {
        self.ctx.t(field_label_key(field))
    }

    pub fn value(&self, field: &str, value: Option<&str>) -> String {
        display_value(&self.ctx, field, value)
    }
}
