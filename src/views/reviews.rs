//! The review lists: pending activation and cleanup.

use askama::Template;
use chrono::{Months, NaiveDateTime};

use super::PageCtx;
use crate::db::queries::reviews::ReviewRow;
use crate::db::reviews::{Decision, LegalReview};
use crate::domain::legal_review::LegalReviewInput;
use crate::domain::validation::FieldErrors;

/// A callback is due every quarter.
const CALLBACK_EVERY_MONTHS: u32 = 3;

#[derive(Template)]
#[template(path = "reviews/pending.html")]
pub struct PendingPage {
    pub ctx: PageCtx,
    pub rows: Vec<ReviewRow>,
    pub total: i64,
    pub page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub can_edit: bool,
    pub now: NaiveDateTime,
}

impl PendingPage {
    pub fn total_label(&self, key: &str) -> String {
        self.ctx.t_args(key, &[("count", self.total.to_string())])
    }

    pub fn page_label(&self) -> String {
        self.ctx
            .t_args("page-number", &[("page", self.page.to_string())])
    }

    /// Never called back, or not in the last quarter.
    pub fn callback_due(&self, row: &ReviewRow) -> bool {
        let quarter_ago = self
            .now
            .checked_sub_months(Months::new(CALLBACK_EVERY_MONTHS))
            .unwrap_or(self.now);
        row.last_callback_at.is_none_or(|at| at < quarter_ago)
    }
}

#[derive(Template)]
#[template(path = "reviews/cleanup.html")]
pub struct CleanupPage {
    pub ctx: PageCtx,
    pub rows: Vec<(ReviewRow, Option<Decision>)>,
    pub total: i64,
    pub page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub can_decide: bool,
    pub awaiting_review: usize,
    pub approved: usize,
    pub reviews: Vec<LegalReview>,
    pub legal: LegalReviewInput,
    pub errors: FieldErrors,
}

impl CleanupPage {
    pub fn total_label(&self, key: &str) -> String {
        self.ctx.t_args(key, &[("count", self.total.to_string())])
    }

    pub fn page_label(&self) -> String {
        self.ctx
            .t_args("page-number", &[("page", self.page.to_string())])
    }

    pub fn decision_label(&self, decision: &Option<Decision>) -> String {
        match decision {
            None => self.ctx.t("cleanup-undecided"),
            Some(d) if d.decision == "archive" && d.legal_review_id.is_some() => self.ctx.t_args(
                "cleanup-approved",
                &[(
                    "review",
                    format!("{}", d.legal_review_id.unwrap_or_default()),
                )],
            ),
            Some(d) if d.decision == "archive" => self.ctx.t("cleanup-proposed"),
            Some(_) => self.ctx.t("cleanup-kept"),
        }
    }

    pub fn count_label(&self, key: &str, n: &usize) -> String {
        self.ctx.t_args(key, &[("count", n.to_string())])
    }
}
