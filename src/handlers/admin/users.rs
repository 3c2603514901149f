use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db::{offices, users};
use crate::domain::role::Role;
use crate::domain::user::{self, UserInput};
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::users as service;
use crate::service::Error;
use crate::state::AppState;
use crate::views::admin::{UserFormPage, UsersPage};
use crate::views::{render, render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::{FlashKind, TypedSession};

/// `GET /admin/users`
pub async fn list(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (users, offices) = state
        .db(|c| Ok((users::list_with_roles(c)?, offices::list(c)?)))
        .await?;
    render(&UsersPage {
        ctx,
        users,
        offices,
    })
}

/// The user form page, new or edit, with what was typed and its errors.
async fn form_page(
    ctx: PageCtx,
    state: &AppState,
    user_id: Option<i32>,
    form: UserInput,
    errors: FieldErrors,
    reset_errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (offices, disabled) = state
        .db(move |c| {
            let disabled = match user_id {
                Some(id) => users::find(c, id)?.ok_or(Error::NotFound)?.disabled,
                None => false,
            };
            Ok((offices::list(c)?, disabled))
        })
        .await?;
    let status = if errors.is_empty() && reset_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UserFormPage {
        ctx,
        user_id,
        disabled,
        form,
        errors,
        reset_errors,
        offices,
        all_roles: Role::ALL,
    };
    render_status(status, &page)
}

/// `GET /admin/users/new`
pub async fn new(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    form_page(
        ctx,
        &state,
        None,
        UserInput::default(),
        FieldErrors::default(),
        FieldErrors::default(),
    )
    .await
}

/// `POST /admin/users`: the new user must change the initial password at first sign-in.
pub async fn create(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    Form(input): Form<UserInput>,
) -> Result<HttpResponse, AppError> {
    let details = match user::check(&input, true) {
        Ok(details) => details,
        Err(errors) => {
            return form_page(ctx, &state, None, input, errors, FieldErrors::default()).await
        }
    };
    let (caller, typed) = (caller(&req, &me), input.password.clone());
    match state
        .db(move |c| service::create(c, &caller, &details, &typed, true))
        .await
    {
        Ok(user) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args("flash-user-created", &[("name", user.username)]),
            )?;
            Ok(see_other("/admin/users"))
        }
        Err(AppError::Invalid(errors)) => {
            form_page(ctx, &state, None, input, errors, FieldErrors::default()).await
        }
        Err(other) => Err(other),
    }
}

/// `GET /admin/users/{id}/edit`
pub async fn edit(
    ctx: PageCtx,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let input = edit_input(&state, id).await?;
    form_page(
        ctx,
        &state,
        Some(id),
        input,
        FieldErrors::default(),
        FieldErrors::default(),
    )
    .await
}

/// `POST /admin/users/{id}/update`: name, roles, office.
pub async fn update(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    Form(mut input): Form<UserInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // The user name cannot change; show the stored one whatever was posted.
    input.username = state
        .db(move |c| Ok(users::find(c, id)?.ok_or(Error::NotFound)?.username))
        .await?;
    let details = match user::check(&input, false) {
        Ok(details) => details,
        Err(errors) => {
            return form_page(ctx, &state, Some(id), input, errors, FieldErrors::default()).await
        }
    };
    let caller = caller(&req, &me);
    match state
        .db(move |c| service::update(c, &caller, id, &details))
        .await
    {
        Ok(()) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args("flash-user-saved", &[("name", input.username)]),
            )?;
            Ok(see_other("/admin/users"))
        }
        Err(AppError::Invalid(errors)) => {
            form_page(ctx, &state, Some(id), input, errors, FieldErrors::default()).await
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

/// `POST /admin/users/{id}/password`: a new initial password; the user's sessions end.
pub async fn reset_password(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
    Form(form): Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let caller = caller(&req, &me);
    match state
        .db(move |c| service::reset_password(c, &caller, id, &form.password, true))
        .await
    {
        Ok(user) => {
            session.flash(
                FlashKind::Success,
                ctx.t_args("flash-password-reset", &[("name", user.username)]),
            )?;
            Ok(see_other("/admin/users"))
        }
        Err(AppError::Invalid(errors)) => {
            let input = edit_input(&state, id).await?;
            form_page(ctx, &state, Some(id), input, FieldErrors::default(), errors).await
        }
        Err(other) => Err(other),
    }
}

async fn edit_input(state: &AppState, id: i32) -> Result<UserInput, AppError> {
    state
        .db(move |c| {
            let (user, roles) = users::find_with_roles(c, id)?.ok_or(Error::NotFound)?;
            Ok(UserInput {
                username: user.username,
                display_name: user.display_name,
                roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
                office_id: user.office_id.map(|o| o.to_string()).unwrap_or_default(),
                password: String::new(),
            })
        })
        .await
}

/// `POST /admin/users/{id}/disable`
pub async fn disable(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    set_disabled(req, ctx, me, session, state, id.into_inner(), true).await
}

/// `POST /admin/users/{id}/enable`
pub async fn enable(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    set_disabled(req, ctx, me, session, state, id.into_inner(), false).await
}

async fn set_disabled(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: i32,
    disabled: bool,
) -> Result<HttpResponse, AppError> {
    let caller = caller(&req, &me);
    match state
        .db(move |c| service::set_disabled(c, &caller, id, disabled))
        .await
    {
        Ok(user) => {
            let key = if disabled {
                "flash-user-disabled"
            } else {
                "flash-user-enabled"
            };
            session.flash(
                FlashKind::Success,
                ctx.t_args(key, &[("name", user.username)]),
            )?;
            Ok(see_other("/admin/users"))
        }
        Err(AppError::Invalid(errors)) => {
            let key = errors.get("status").unwrap_or("err-page-bad-request");
            session.flash(FlashKind::Error, ctx.t(key))?;
            Ok(see_other(&format!("/admin/users/{id}/edit")))
        }
        Err(other) => Err(other),
    }
}
