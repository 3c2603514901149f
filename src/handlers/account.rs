use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::caller;
use crate::domain::password::PasswordChange;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::service::account;
use crate::state::AppState;
use crate::views::account::PasswordPage;
use crate::views::{render, render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::{FlashKind, TypedSession};

/// `GET /account/password`
pub async fn form(ctx: PageCtx, user: CurrentUser) -> Result<HttpResponse, AppError> {
    render(&PasswordPage {
        ctx,
        errors: FieldErrors::default(),
        forced: user.must_change_password,
    })
}

/// `POST /account/password`: this session stays signed in; all others end.
pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    Form(change): Form<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let caller = caller(&req, &user);
    let user_id = user.id;
    match state
        .db(move |c| account::change_password(c, &caller, user_id, &change))
        .await
    {
        Ok(epoch) => {
            session.set_epoch(epoch)?;
            session.flash(FlashKind::Success, ctx.t("flash-password-changed"))?;
            Ok(see_other("/"))
        }
        Err(AppError::Invalid(errors)) => {
            let page = PasswordPage {
                ctx,
                errors,
                forced: user.must_change_password,
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}
