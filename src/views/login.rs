use askama::Template;

use super::PageCtx;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub username: String,
    pub next: String,
    /// Already in the user's language.
    pub error: Option<String>,
}
