use askama::Template;

use super::PageCtx;
use crate::domain::validation::FieldErrors;

#[derive(Template)]
#[template(path = "account_password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub errors: FieldErrors,
    pub forced: bool,
}
