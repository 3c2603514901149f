//! A record's history: every version with the fields it changed.

use askama::Template;
use chrono::NaiveDateTime;

use super::labels::{display_value, field_label_key};
use crate::db::customers::Customer;
use crate::domain::history::Change;
use crate::views::PageCtx;

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
