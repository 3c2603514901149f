use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db::tags;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::tags as service;
use crate::state::AppState;
use crate::views::customers::{TagRow, TagsPage};
use crate::views::{render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::{FlashKind, TypedSession};

async fn page(
    ctx: PageCtx,
    user: &CurrentUser,
    state: &AppState,
    refused: Option<(i32, String, &'static str)>,
) -> Result<HttpResponse, AppError> {
    let (all, usage) = state.db(|c| Ok((tags::all(c)?, tags::usage(c)?))).await?;
    let rows = all
        .into_iter()
        .map(|t| TagRow {
            records: usage
                .iter()
                .find(|(id, _)| *id == t.id)
                .map_or(0, |(_, n)| *n),
            depth: t.path.matches('/').count(),
            name: t.path.rsplit('/').next().unwrap_or(&t.path).to_string(),
            id: t.id,
            path: t.path,
        })
        .collect();
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(
        status,
        &TagsPage {
            ctx,
            tags: rows,
            can_manage: user.can(Permission::ManageTags),
            refused,
        },
    )
}

/// `GET /tags`: the tag tree with how many records carry each tag.
pub async fn list(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page(ctx, &user, &state, None).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    path: String,
}

/// `POST /tags/{id}/move`: moves or renames a tag, its sub-tags with it.
pub async fn move_tag(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    Form(form): Form<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let (id, caller, typed) = (id.into_inner(), caller(&req, &user), form.path.clone());
    match state
        .db(move |c| service::move_tag(c, &caller, id, &typed))
        .await
    {
        Ok(path) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args("flash-tag-moved", &[("path", path)]),
            )?;
            Ok(see_other("/tags"))
        }
        Err(AppError::Invalid(errors)) => {
            let key = errors.get("path").unwrap_or("err-page-bad-request");
            page(ctx, &user, &state, Some((id, form.path, key))).await
        }
        Err(other) => Err(other),
    }
}
