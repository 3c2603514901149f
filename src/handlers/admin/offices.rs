use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::{communities, offices};
use crate::domain::community::AssignInput;
use crate::domain::office::{self, OfficeInput};
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::communities as communities_service;
use crate::service::offices as service;
use crate::service::Error;
use crate::state::AppState;
use crate::views::admin::{OfficeFormPage, OfficesPage};
use crate::views::{render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::{FlashKind, TypedSession};

/// `GET /admin/offices`: the offices, and the communities that wait for one.
pub async fn list(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    list_page(ctx, &state, None, FieldErrors::default()).await
}

async fn list_page(
    ctx: PageCtx,
    state: &AppState,
    refused: Option<(i32, String)>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (offices, unassigned) = state
        .db(|c| {
            Ok((
                offices::list_with_communities(c)?,
                communities::unassigned(c)?,
            ))
        })
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = OfficesPage {
        ctx,
        offices,
        unassigned,
        refused,
        errors,
    };
    render_status(status, &page)
}

/// `POST /admin/communities/{id}/assign`: a community an import brought gets its office.
pub async fn assign(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    Form(input): Form<AssignInput>,
) -> Result<HttpResponse, AppError> {
    let (id, caller, typed) = (id.into_inner(), caller(&req, &me), input.clone());
    let assigned = state
        .db(move |c| communities_service::assign(c, &caller, id, &input))
        .await;
    match assigned {
        Ok((community, office)) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args(
                    "flash-community-assigned",
                    &[("community", community), ("office", office)],
                ),
            )?;
            Ok(see_other("/admin/offices"))
        }
        Err(AppError::Invalid(errors)) => {
            list_page(ctx, &state, Some((id, typed.office_id)), errors).await
        }
        Err(other) => Err(other),
    }
}

fn form_page(
    ctx: PageCtx,
    office_id: Option<i32>,
    form: OfficeInput,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &OfficeFormPage {
            ctx,
            office_id,
            form,
            errors,
        },
    )
}

/// `GET /admin/offices/new`
pub async fn new(ctx: PageCtx) -> Result<HttpResponse, AppError> {
    form_page(ctx, None, OfficeInput::default(), FieldErrors::default())
}

/// `POST /admin/offices`
pub async fn create(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    Form(input): Form<OfficeInput>,
) -> Result<HttpResponse, AppError> {
    save(req, ctx, me, session, state, None, input).await
}

/// `GET /admin/offices/{id}/edit`
pub async fn edit(
    ctx: PageCtx,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = state
        .db(move |c| {
            let office = offices::find(c, id)?.ok_or(Error::NotFound)?;
            let names: Vec<String> = communities::of_office(c, id)?
                .into_iter()
                .map(|c| c.name)
                .collect();
            Ok(OfficeInput {
                name: office.name,
                communities: names.join("\n"),
            })
        })
        .await?;
    form_page(ctx, Some(id), input, FieldErrors::default())
}

/// `POST /admin/offices/{id}/update`
pub async fn update(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    Form(input): Form<OfficeInput>,
) -> Result<HttpResponse, AppError> {
    save(req, ctx, me, session, state, Some(id.into_inner()), input).await
}

async fn save(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: Option<i32>,
    input: OfficeInput,
) -> Result<HttpResponse, AppError> {
    let details = match office::check(&input) {
        Ok(details) => details,
        Err(errors) => return form_page(ctx, id, input, errors),
    };
    let caller = caller(&req, &me);
    let name = details.name.clone();
    let saved = state
        .db(move |c| match id {
            Some(id) => service::update(c, &caller, id, &details),
            None => service::create(c, &caller, &details).map(drop),
        })
        .await;
    match saved {
        Ok(()) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args("flash-office-saved", &[("name", name)]),
            )?;
            Ok(see_other("/admin/offices"))
        }
        Err(AppError::Invalid(errors)) => form_page(ctx, id, input, errors),
        Err(other) => Err(other),
    }
}
