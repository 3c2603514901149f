//! The customer list and search page.

use askama::Template;

use crate::domain::customer::{CustomerType, Status};
use crate::views::PageCtx;

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
