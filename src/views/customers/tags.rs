//! The tag tree page.

use askama::Template;

use crate::views::PageCtx;

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
