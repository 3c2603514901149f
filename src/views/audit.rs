use askama::Template;

use super::PageCtx;
use crate::db::audit_log::Entry;

/// The filters as typed, to show them back in the form and in page links.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default, skip_serializing)]
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub ctx: PageCtx,
    pub query: AuditQuery,
    pub actions: Vec<&'static str>,
    pub entries: Vec<Entry>,
    pub page: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub error: Option<String>,
}

impl AuditPage {
    pub fn is_selected(&self, action: &str) -> bool {
        self.query.action == action
    }

    pub fn page_label(&self) -> String {
        self.ctx
            .t_args("page-number", &[("page", self.page.to_string())])
    }

    pub fn action_label(&self, action: &str) -> String {
        self.ctx.t(&format!("action-{}", action.replace('_', "-")))
    }
}
