use actix_web::{web, HttpRequest, HttpResponse};

use super::record::show_page;
use super::{load, Code};
use crate::domain::change_report::ReportInput;
use crate::domain::interaction::InteractionInput;
use crate::domain::key_contact::KeyContactInput;
use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::key_contacts;
use crate::service::{change_reports, interactions};
use crate::state::AppState;
use crate::views::customers::RecordForms;
use crate::views::PageCtx;
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::reply::Reply;
use crate::web::session::TypedSession;

/// The message of the first of `fields` that was refused, for a flash.
fn first_message(errors: &FieldErrors, fields: &[&str]) -> &'static str {
    fields
        .iter()
        .find_map(|f| errors.get(f))
        .unwrap_or("err-page-bad-request")
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
        .db(move |c| interactions::log_interaction(c, &caller, &stored, &input, today))
        .await;
    Reply::new(ctx, &session, format!("/customers/{}", customer.code))
        .or_page(
            outcome,
            |ctx, ()| ctx.t("flash-interaction-logged"),
            |ctx, errors| {
                let forms = RecordForms {
                    interaction: typed,
                    errors,
                    ..RecordForms::today(&state.clock.today().to_string())
                };
                show_page(ctx, &user, &state, customer, None, None, Some(forms))
            },
        )
        .await
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
        .db(move |c| change_reports::report_change(c, &caller, &stored, &input, &clock))
        .await;
    Reply::new(ctx, &session, format!("/customers/{}", customer.code))
        .or_page(
            outcome,
            |ctx, ()| ctx.t("flash-change-reported"),
            |ctx, errors| {
                let forms = RecordForms {
                    report: typed,
                    errors,
                    ..RecordForms::today(&state.clock.today().to_string())
                };
                show_page(ctx, &user, &state, customer, None, None, Some(forms))
            },
        )
        .await
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
    let fields = ["contact_name", "contact_phone", "contact_email"];
    Reply::new(ctx, &session, format!("/customers/{}", customer.code)).or_flash(
        outcome,
        |ctx, ()| ctx.t("flash-key-contact-added"),
        |ctx, errors| ctx.t(first_message(&errors, &fields)),
    )
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
    Reply::new(ctx, &session, format!("/customers/{}", customer.code)).or_flash(
        outcome,
        |ctx, ()| ctx.t("flash-key-contact-removed"),
        |ctx, errors| ctx.t(first_message(&errors, &[])),
    )
}
