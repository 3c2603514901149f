//! The personal re-verification link (no sign-in): the customer sees their record masked
//! and answers "my details are correct" or "something changed". Opening the link writes
//! nothing: mail scanners open links too.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::reverify::{check_description, mask_email, mask_phone};
use crate::error::AppError;
use crate::service::reverify::{self as service, Gone, Link, DESCRIPTION_MAX};
use crate::state::AppState;
use crate::views::reverify::{MaskedRecord, VerifyDonePage, VerifyGonePage, VerifyPage};
use crate::views::{render, render_status, see_other, PageCtx};
use crate::web::client_address;
use crate::web::form::Form;

type Token = web::Path<String>;

/// `GET /verify/{token}`
pub async fn show(
    ctx: PageCtx,
    state: web::Data<AppState>,
    token: Token,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let lookup = token.clone();
    match state.db(move |c| service::open(c, &lookup)).await? {
        Link::Open(open) => render(&page(ctx, token, &open.1, String::new(), None)),
        Link::Gone(why) => gone(ctx, why),
    }
}

/// `POST /verify/{token}/confirm`
pub async fn confirm(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    token: Token,
) -> Result<HttpResponse, AppError> {
    let (token, address) = (token.into_inner(), client_address(&req));
    let today = state.clock.today();
    match state
        .db(move |c| service::confirm(c, &token, &address, today))
        .await?
    {
        Ok(()) => Ok(see_other("/verify-thanks/confirmed")),
        Err(why) => gone(ctx, why),
    }
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    description: String,
}

/// `POST /verify/{token}/change`: an empty or overlong text shows the form again with
/// what was typed.
pub async fn change(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    token: Token,
    Form(form): Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let (token, address) = (token.into_inner(), client_address(&req));
    let description = match check_description(&form.description, DESCRIPTION_MAX) {
        Ok(text) => text,
        Err(key) => {
            let lookup = token.clone();
            return match state.db(move |c| service::open(c, &lookup)).await? {
                Link::Open(open) => render_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &page(ctx, token, &open.1, form.description, Some(key)),
                ),
                Link::Gone(why) => gone(ctx, why),
            };
        }
    };
    let clock = state.clock;
    match state
        .db(move |c| service::report_change(c, &token, &address, &description, &clock))
        .await?
    {
        Ok(()) => Ok(see_other("/verify-thanks/changed")),
        Err(why) => gone(ctx, why),
    }
}

/// `GET /verify-thanks/{outcome}`
pub async fn thanks(ctx: PageCtx, outcome: web::Path<String>) -> Result<HttpResponse, AppError> {
    let message = match outcome.as_str() {
        "confirmed" => "verify-thanks-confirmed",
        "changed" => "verify-thanks-changed",
        _ => return Err(AppError::NotFound),
    };
    render(&VerifyDonePage { ctx, message })
}

fn page(
    ctx: PageCtx,
    token: String,
    customer: &crate::db::customers::Customer,
    description: String,
    error: Option<&'static str>,
) -> VerifyPage {
    VerifyPage {
        ctx,
        token,
        record: MaskedRecord {
            name: customer.name.clone(),
            phone: mask_phone(&customer.phone),
            email: customer.email.as_deref().map(mask_email),
            community: customer.community.clone(),
            building: customer.building.clone(),
            unit: customer.unit.clone(),
            id_number: customer.id_number_masked.clone(),
        },
        description,
        error,
    }
}

/// A friendly page without any record data: 404 for a link we never sent, 410 for one
/// that was used or ran out.
fn gone(ctx: PageCtx, why: Gone) -> Result<HttpResponse, AppError> {
    let (status, message) = match why {
        Gone::Unknown => (StatusCode::NOT_FOUND, "verify-gone-unknown"),
        Gone::Expired => (StatusCode::GONE, "verify-gone-expired"),
        Gone::Used => (StatusCode::GONE, "verify-gone-used"),
    };
    render_status(status, &VerifyGonePage { ctx, message })
}
