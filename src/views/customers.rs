//! The customer pages: list/search, form, record, history.

use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use crate::db::change_reports::ChangeReport;
use crate::db::customer_contacts::Contact;
use crate::db::customers::Customer;
use crate::db::enterprise_contacts::KeyContact;
use crate::db::interactions::Interaction;
use crate::domain::customer::{CustomerInput, CustomerType, OccupantRole, Source, Status};
use crate::domain::history::Change;
use crate::domain::interaction::CHANNELS;
use crate::domain::validation::FieldErrors;

/// The list's filters as typed (all in the URL).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default, rename = "type")]
    pub customer_type: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default, skip_serializing)]
    pub page: Option<String>,
}

/// One row of the list, with its labels resolved.
pub struct Row {
    pub code: String,
    pub name: String,
    pub type_label: &'static str,
    pub phone: String,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub tags: Vec<String>,
    pub status_label: &'static str,
}

pub fn type_label(stored: &str) -> &'static str {
    stored
        .parse::<CustomerType>()
        .map_or("customer-any", |t| t.label_key())
}

pub fn status_label(stored: &str) -> &'static str {
    stored
        .parse::<Status>()
        .map_or("customer-any", |s| s.label_key())
}

#[derive(Template)]
#[template(path = "customers/list.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub query: ListQuery,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub types: [CustomerType; 3],
    pub statuses: [Status; 4],
    pub communities: Vec<String>,
    pub tags: Vec<String>,
    pub can_edit: bool,
    pub error: Option<String>,
    /// The ID number searched for, masked, when the search text was one.
    pub id_searched: Option<String>,
}

impl ListPage {
    /// "Found by ID number 4403**********399X" when the search text was one.
    pub fn id_searched_label(&self) -> Option<String> {
        let id = self.id_searched.clone()?;
        Some(
            self.ctx
                .t_args("customer-searched-id-number", &[("id", id)]),
        )
    }

    pub fn is_community(&self, c: &str) -> bool {
        self.query.community == c
    }

    pub fn is_tag(&self, t: &str) -> bool {
        self.query.tag == t
    }

    pub fn count_label(&self) -> String {
        let cap = crate::db::customers::count_cap(self.page, self.per_page);
        let key = if self.total > cap {
            "customer-count-more"
        } else {
            "customer-count"
        };
        let shown = self.total.min(cap);
        self.ctx.t_args(key, &[("count", shown.to_string())])
    }

    pub fn page_label(&self) -> String {
        self.ctx
            .t_args("page-number", &[("page", self.page.to_string())])
    }
}

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

#[derive(Template)]
#[template(path = "customers/show.html")]
pub struct ShowPage {
    pub ctx: PageCtx,
    pub customer: Customer,
    pub type_label: &'static str,
    pub status_label: &'static str,
    pub source_label: &'static str,
    pub role_label: Option<&'static str>,
    pub tags: Vec<String>,
    pub old_contacts: Vec<Contact>,
    pub interactions: Vec<Interaction>,
    pub reports: Vec<ChangeReport>,
    pub is_enterprise: bool,
    pub key_contacts: Vec<KeyContact>,
    pub key_contacts_missing: bool,
    pub can_edit: bool,
    pub can_reveal: bool,
    pub revealed: Option<String>,
    pub channels: [(&'static str, &'static str); 5],
    pub now: NaiveDateTime,
    pub forms: RecordForms,
}

/// The record page's two small forms, as typed, and their errors (empty on a first view).
#[derive(Debug, Clone, Default)]
pub struct RecordForms {
    pub interaction: crate::service::customers::InteractionInput,
    pub report: crate::service::customers::ReportInput,
    pub errors: FieldErrors,
}

impl RecordForms {
    /// Blank forms dated today.
    pub fn today(today: &str) -> RecordForms {
        let mut forms = RecordForms::default();
        forms.interaction.occurred_on = today.to_string();
        forms.interaction.channel = "call".into();
        forms.report.reported_on = today.to_string();
        forms
    }
}

impl ShowPage {
    pub fn is_overdue(&self, report: &ChangeReport) -> bool {
        report.due_at < self.now
    }

    pub fn channel_label(&self, channel: &str) -> String {
        let key = CHANNELS
            .iter()
            .find(|(c, _)| *c == channel)
            .map_or("channel-other", |(_, k)| *k);
        self.ctx.t(key)
    }
}

/// A version with its visible changes.
pub struct VersionView {
    pub version: i32,
    pub changed_at: NaiveDateTime,
    pub changed_by: String,
    pub reason: String,
    pub restored_from: Option<i32>,
    pub changes: Vec<Change>,
}

#[derive(Template)]
#[template(path = "customers/history.html")]
pub struct HistoryPage {
    pub ctx: PageCtx,
    pub customer: Customer,
    pub versions: Vec<VersionView>,
    pub can_restore: bool,
}

impl HistoryPage {
    pub fn field_label(&self, field: &str) -> String {
        self.ctx.t(field_label_key(field))
    }

    pub fn value(&self, field: &str, value: Option<&str>) -> String {
        display_value(&self.ctx, field, value)
    }

    pub fn restored_label(&self, from: &i32) -> String {
        self.ctx
            .t_args("customer-restored-from", &[("version", from.to_string())])
    }

    pub fn restore_label(&self, version: &i32) -> String {
        self.ctx
            .t_args("customer-restore", &[("version", version.to_string())])
    }
}

/// One tag of the tree, indented by its depth.
pub struct TagRow {
    pub id: i32,
    pub path: String,
    pub name: String,
    pub depth: usize,
    pub records: i64,
}

#[derive(Template)]
#[template(path = "customers/tags.html")]
pub struct TagsPage {
    pub ctx: PageCtx,
    pub tags: Vec<TagRow>,
    pub can_manage: bool,
    /// The tag whose move was refused, the path typed, and the message key.
    pub refused: Option<(i32, String, &'static str)>,
}

impl TagsPage {
    pub fn indent(&self, depth: &usize) -> String {
        "\u{3000}".repeat(*depth)
    }

    pub fn typed_for(&self, id: &i32, path: &str) -> String {
        match &self.refused {
            Some((refused, typed, _)) if refused == id => typed.clone(),
            _ => path.to_string(),
        }
    }

    pub fn error_for(&self, id: &i32) -> Option<String> {
        self.refused
            .as_ref()
            .filter(|(refused, _, _)| refused == id)
            .map(|(_, _, key)| self.ctx.t(key))
    }
}
