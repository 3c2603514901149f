//! The reported-change queue (变更登记) and closing a report that needs no edit.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db::change_reports;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::change_reports::{self as service, Closed};
use crate::state::AppState;
use crate::views::changes::ChangesPage;
use crate::views::{render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::{FlashKind, TypedSession};

/// How many closed reports the queue shows under the open ones.
const CLOSED_SHOWN: i64 = 50;

async fn queue_page(
    ctx: PageCtx,
    user: &CurrentUser,
    state: &AppState,
    status: StatusCode,
    refused: Option<(i32, String, &'static str)>,
) -> Result<HttpResponse, AppError> {
    let office = user.office_id;
    let (reports, closed) = state
        .db(move |c| {
            Ok((
                change_reports::open(c, office, 500)?,
                change_reports::recently_closed(c, office, CLOSED_SHOWN)?,
            ))
        })
        .await?;
    render_status(
        status,
        &ChangesPage {
            ctx,
            reports,
            can_edit: user.can(Permission::EditCustomers),
            now: state.clock.now_stored(),
            closed,
            refused,
        },
    )
}

/// `GET /changes`: open reported changes, earliest due (so overdue) first, then the
/// ones closed last.
pub async fn queue(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    queue_page(ctx, &user, &state, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct NoChangeForm {
    #[serde(default)]
    reason: String,
}

/// `POST /changes/{id}/no-change`: closes the report without an edit, with the reason;
/// without one the queue comes back with the message by that report's field.
pub async fn close_unchanged(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    Form(form): Form<NoChangeForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (caller, office, reason) = (caller(&req, &user), user.office_id, form.reason.clone());
    let outcome = state
        .db(move |c| service::close_without_change(c, &caller, office, id, &reason))
        .await;
    match outcome {
        Ok(Closed::Closed(_)) => {
            session.flash(FlashKind::Success, ctx.t("flash-report-closed"))?;
            Ok(see_other("/changes"))
        }
        Ok(Closed::AlreadyClosed) => {
            session.flash(FlashKind::Error, ctx.t("flash-report-already-closed"))?;
            Ok(see_other("/changes"))
        }
        Err(AppError::Invalid(errors)) => {
            let key = errors.get("reason").unwrap_or("err-page-bad-request");
            let refused = Some((id, form.reason, key));
            queue_page(
                ctx,
                &user,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                refused,
            )
            .await
        }
        Err(other) => Err(other),
    }
}
