//! The record page, with its small forms (an interaction, a reported change).

use askama::Template;
use chrono::NaiveDateTime;

use crate::db::change_reports::ChangeReport;
use crate::db::customer_contacts::Contact;
use crate::db::customers::Customer;
use crate::db::enterprise_contacts::KeyContact;
use crate::db::interactions::Interaction;
use crate::domain::interaction::CHANNELS;
use crate::domain::validation::FieldErrors;
use crate::views::PageCtx;

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
    pub interaction: crate::domain::interaction::InteractionInput,
    pub report: crate::domain::change_report::ReportInput,
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
