use actix_web::HttpResponse;
use serde::Deserialize;

use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::see_other;
use crate::web::form::Form;
use crate::web::safe_next;
use crate::web::session::TypedSession;

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    next: Option<String>,
}

/// `POST /lang`: switches the interface language and goes back.
pub async fn switch(
    session: TypedSession,
    Form(form): Form<LangForm>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&form.lang)
        .ok_or_else(|| AppError::BadRequest("unknown language".into()))?;
    session.set_lang(lang)?;
    Ok(see_other(&safe_next(form.next.as_deref())))
}
