use actix_web::{web, HttpRequest, HttpResponse};

use super::record::show_page;
use super::{load, Code};
use crate::domain::change_report::ReportInput;
use crate::domain::interaction::InteractionInput;
use crate::domain::key_contact::KeyContactInput;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::customers as service;
use crate::service::key_contacts;
use crate::state::AppState;
use crate::views::customers::RecordForms;
use crate::views::{see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::{FlashKind, TypedSession};

/// The first field message of a refused form, as a flash on the record page.
fn flash_outcome(
    ctx: &PageCtx,
    session: &TypedSession,
    outcome: Result<(), AppError>,
    ok_key: &str,
    fields: &[&str],
) -> Result<(), AppError> {
    match outcome {
        Ok(()) => session.flash(FlashKind::Success, ctx.t(ok_key)),
        Err(AppError::Invalid(errors)) => {
            let key = fields
                .iter()
                .find_map(|f| errors.get(f))
                .unwrap_or("err-page-bad-request");
            session.flash(FlashKind::Error, ctx.t(key))
        }
        Err(other) => Err(other),
    }
}

/// `POST /customers/{code}/interactions`: a refused entry shows the record again with
/// what was typed and the message by its field.
pub async fn add_interaction(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(input): Form<InteractionInput>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let (caller, stored, typed) = (caller(&req, &user), customer.clone(), input.clone());
    let today = state.clock.today();
    let outcome = state
        .db(move |c| service::log_interaction(c, &caller, &stored, &input, today))
        .await;
    match outcome {
        Ok(()) => {
            session.flash(FlashKind::Success, ctx.t("flash-interaction-logged"))?;
            Ok(see_other(&format!("/customers/{}", customer.code)))
        }
        Err(AppError::Invalid(errors)) => {
            let forms = RecordForms {
                interaction: typed,
                errors,
                ..RecordForms::today(&state.clock.today().to_string())
            };
            show_page(ctx, &user, &state, customer, None, None, Some(forms)).await
        }
        Err(other) => Err(other),
    }
}

/// `POST /customers/{code}/changes`: a change the customer reported, due in two days.
pub async fn report_change(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(input): Form<ReportInput>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let (caller, stored, typed) = (caller(&req, &user), customer.clone(), input.clone());
    let clock = state.clock;
    let outcome = state
        .db(move |c| service::report_change(c, &caller, &stored, &input, &clock))
        .await;
    match outcome {
        Ok(()) => {
            session.flash(FlashKind::Success, ctx.t("flash-change-reported"))?;
            Ok(see_other(&format!("/customers/{}", customer.code)))
        }
        Err(AppError::Invalid(errors)) => {
            let forms = RecordForms {
                report: typed,
                errors,
                ..RecordForms::today(&state.clock.today().to_string())
            };
            show_page(ctx, &user, &state, customer, None, None, Some(forms)).await
        }
        Err(other) => Err(other),
    }
}

/// `POST /customers/{code}/contacts`: adds a key contact to an enterprise record.
pub async fn add_key_contact(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(input): Form<KeyContactInput>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let (caller, stored) = (caller(&req, &user), customer.clone());
    let outcome = state
        .db(move |c| key_contacts::add(c, &caller, &stored, &input))
        .await;
    flash_outcome(
        &ctx,
        &session,
        outcome,
        "flash-key-contact-added",
        &["contact_name", "contact_phone", "contact_email"],
    )?;
    Ok(see_other(&format!("/customers/{}", customer.code)))
}

/// `POST /customers/{code}/contacts/{id}/remove`
pub async fn remove_key_contact(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (code, id) = path.into_inner();
    let customer = load(&state, &user, code).await?;
    let (caller, stored) = (caller(&req, &user), customer.clone());
    let outcome = state
        .db(move |c| key_contacts::remove(c, &caller, &stored, id))
        .await;
    flash_outcome(&ctx, &session, outcome, "flash-key-contact-removed", &[])?;
    Ok(see_other(&format!("/customers/{}", customer.code)))
}
