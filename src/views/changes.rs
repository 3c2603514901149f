//! The reported-change queue (变更登记): open reports, overdue first, and the ones closed
//! last, each with how it was closed.

use askama::Template;
use chrono::NaiveDateTime;

use super::PageCtx;
use crate::db::change_reports::OpenReport;

#[derive(Template)]
#[template(path = "changes.html")]
pub struct ChangesPage {
    pub ctx: PageCtx,
    pub reports: Vec<OpenReport>,
    pub can_edit: bool,
    pub now: NaiveDateTime,
    /// Closed last, the latest first.
    pub closed: Vec<OpenReport>,
    /// A refused "no change needed": the report, the reason as typed, the message key.
    pub refused: Option<(i32, String, &'static str)>,
}

impl ChangesPage {
    pub fn is_overdue(&self, report: &OpenReport) -> bool {
        report.report.due_at < self.now
    }

    /// The reason typed for this report if its closing was refused, else empty.
    pub fn typed_for(&self, id: &i32) -> &str {
        match &self.refused {
            Some((refused, typed, _)) if refused == id => typed,
            _ => "",
        }
    }

    /// The message by the reason field of this report, if its closing was refused.
    pub fn error_for(&self, id: &i32) -> Option<String> {
        match &self.refused {
            Some((refused, _, key)) if refused == id => Some(self.ctx.t(key)),
            _ => None,
        }
    }

    /// How a closed report was closed: applied as a version, or no change needed.
    pub fn outcome(&self, closed: &OpenReport) -> String {
        match (
            &closed.report.applied_version,
            &closed.report.no_change_reason,
        ) {
            (Some(version), _) => self
                .ctx
                .t_args("changes-applied-as", &[("version", version.to_string())]),
            (None, Some(reason)) => self
                .ctx
                .t_args("changes-no-change-because", &[("reason", reason.clone())]),
            (None, None) => String::new(),
        }
    }
}
