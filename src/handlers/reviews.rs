//! `/reviews/pending-activation` and `/reviews/cleanup`: the dormancy review lists.

use std::collections::HashMap;
use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::caller;
use super::customers::{load, Code};
use crate::db::queries::reviews;
use crate::domain::dormancy::{Callback, CleanupChoice};
use crate::domain::legal_review::LegalReviewInput;
use crate::domain::role::Permission;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::service::customers as customer_service;
use crate::service::reviews as service;
use crate::state::AppState;
use crate::views::reviews::{CleanupPage, PendingPage};
use crate::views::{render, render_status, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::page_number;
use crate::web::reply::Reply;
use crate::web::session::TypedSession;

const PER_PAGE: i64 = 50;

fn page_links(base: &str, page: i64, total: i64) -> (Option<String>, Option<String>) {
    let link = |p: i64| format!("{base}?page={p}");
    (
        (page > 1).then(|| link(page - 1)),
        (page * PER_PAGE < total).then(|| link(page + 1)),
    )
}

/// A choice the page offers as buttons: anything else is a bad request.
fn parse<T: FromStr<Err = &'static str>>(value: &str) -> Result<T, AppError> {
    value
        .parse()
        .map_err(|e: &str| AppError::BadRequest(e.into()))
}

/// `GET /reviews/pending-activation`: least recently called back first.
pub async fn pending(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let page = page_number(query.get("page").map(String::as_str));
    let office = user.office_id;
    let (rows, total) = state
        .db(move |c| Ok(reviews::pending_activation(c, office, page, PER_PAGE)?))
        .await?;
    let (prev_link, next_link) = page_links("/reviews/pending-activation", page, total);
    render(&PendingPage {
        ctx,
        rows,
        total,
        page,
        prev_link,
        next_link,
        can_edit: user.can(Permission::EditCustomers),
        now: state.clock.now_stored(),
    })
}

#[derive(Debug, Deserialize)]
pub struct CallbackInput {
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /reviews/pending-activation/{code}/callback`: reached (an interaction, which
/// makes the customer active) or no answer (the attempt is noted).
pub async fn callback(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(input): Form<CallbackInput>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    customer_service::ensure_editable(&customer)?;
    let caller = caller(&req, &user);
    let reached = parse::<Callback>(&input.outcome)? == Callback::Reached;
    let note = input.note.trim().to_string();
    let stored = customer.clone();
    let today = state.clock.today();
    state
        .db(move |c| {
            if reached {
                service::callback_reached(c, &caller, &stored, &note, today)
            } else {
                service::callback_attempt(c, &caller, &stored, &note)
            }
        })
        .await?;
    let key = if reached {
        "flash-callback-reached"
    } else {
        "flash-callback-noted"
    };
    Reply::new(ctx, &session, "/reviews/pending-activation")
        .done(|ctx| ctx.t_args(key, &[("code", customer.code.clone())]))
}

/// `GET /reviews/cleanup`
pub async fn cleanup(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let page = page_number(query.get("page").map(String::as_str));
    cleanup_page(
        ctx,
        user,
        state,
        page,
        LegalReviewInput::default(),
        FieldErrors::default(),
    )
    .await
}

async fn cleanup_page(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    page: i64,
    legal: LegalReviewInput,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let office = user.office_id;
    let found = state
        .read(move |c| Ok(reviews::cleanup_page(c, office, page, PER_PAGE)?))
        .await?;
    let total = found.total;
    let (prev_link, next_link) = page_links("/reviews/cleanup", page, total);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &CleanupPage {
            ctx,
            rows: found.rows,
            total,
            page,
            prev_link,
            next_link,
            can_decide: user.can(Permission::DecideCleanup),
            awaiting_review: found.awaiting_review,
            approved: found.approved,
            reviews: found.recent_reviews,
            legal,
            errors,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct DecideInput {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /reviews/cleanup/{code}/decide`: keep (active again at once) or propose archiving.
pub async fn decide(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(input): Form<DecideInput>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let caller = caller(&req, &user);
    let keep = parse::<CleanupChoice>(&input.decision)? == CleanupChoice::Keep;
    let stored = customer.clone();
    let reason = input.reason.clone();
    let outcome = state
        .db(move |c| {
            if keep {
                service::keep(c, &caller, &stored, &reason)
            } else {
                service::propose_archive(c, &caller, &stored, &reason)
            }
        })
        .await;
    let key = if keep {
        "flash-cleanup-kept"
    } else {
        "flash-cleanup-proposed"
    };
    Reply::new(ctx, &session, "/reviews/cleanup").or_flash(
        outcome,
        |ctx, ()| ctx.t_args(key, &[("code", customer.code.clone())]),
        |ctx, errors| {
            let key = errors.get("reason").unwrap_or("err-page-bad-request");
            format!("{}: {}", customer.code, ctx.t(key))
        },
    )
}

/// `POST /reviews/cleanup/legal-review`
pub async fn legal_review(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    Form(input): Form<LegalReviewInput>,
) -> Result<HttpResponse, AppError> {
    let caller = caller(&req, &user);
    let office = user.office_id;
    let typed = input.clone();
    let today = state.clock.today();
    let outcome = state
        .db(move |c| service::record_legal_review(c, &caller, office, &input, today))
        .await;
    Reply::new(ctx, &session, "/reviews/cleanup")
        .or_page(
            outcome,
            |ctx, count| {
                ctx.t_args(
                    "flash-legal-review-recorded",
                    &[("count", count.to_string())],
                )
            },
            |ctx, errors| cleanup_page(ctx, user, state, 1, typed, errors),
        )
        .await
}

/// `POST /reviews/cleanup/archive`: archives every approved customer in one go.
pub async fn archive(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let caller = caller(&req, &user);
    let office = user.office_id;
    let count = state
        .db(move |c| service::archive_approved(c, &caller, office))
        .await?;
    Reply::new(ctx, &session, "/reviews/cleanup")
        .done(|ctx| ctx.t_args("flash-archived", &[("count", count.to_string())]))
}
