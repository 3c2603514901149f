//! The personal re-verification link pages and the call list.

use askama::Template;

use super::PageCtx;

/// The customer's record as the link shows it: masked, nothing that identifies in full.
#[derive(Debug, Clone)]
pub struct MaskedRecord {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub community: String,
    pub building: String,
    pub unit: String,
    pub id_number: Option<String>,
}

#[derive(Template)]
#[template(path = "verify/show.html")]
pub struct VerifyPage {
    pub ctx: PageCtx,
    pub token: String,
    pub record: MaskedRecord,
    pub description: String,
    /// Locale key of the message by the description field.
    pub error: Option<&'static str>,
}

/// After an answer: thanks, and what happens next (a locale key).
#[derive(Template)]
#[template(path = "verify/done.html")]
pub struct VerifyDonePage {
    pub ctx: PageCtx,
    pub message: &'static str,
}

/// A link that no longer opens anything: unknown, expired or used (a locale key).
#[derive(Template)]
#[template(path = "verify/gone.html")]
pub struct VerifyGonePage {
    pub ctx: PageCtx,
    pub message: &'static str,
}

#[derive(Debug, Clone)]
pub struct CallRow {
    pub code: String,
    pub name: String,
    pub phone: String,
    pub due: String,
    /// Locale key: no email, or the mail failed.
    pub why: &'static str,
}

#[derive(Template)]
#[template(path = "reviews/call_list.html")]
pub struct CallListPage {
    pub ctx: PageCtx,
    pub rows: Vec<CallRow>,
    pub total: i64,
    pub page: i64,
    pub can_edit: bool,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

impl CallListPage {
    pub fn page_label(&self) -> String {
        self.ctx
            .t_args("page-number", &[("page", self.page.to_string())])
    }

    pub fn count_label(&self) -> String {
        self.ctx
            .t_args("call-list-count", &[("count", self.total.to_string())])
    }
}
