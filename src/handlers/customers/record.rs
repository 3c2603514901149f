use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{load, Code};
use crate::db::customers::Customer;
use crate::db::queries::record_details;
use crate::domain::interaction::CHANNELS;
use crate::domain::record_rules;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::customers::{self as service, Updated};
use crate::service::Caller;
use crate::state::AppState;
use crate::views::customers::{
    in_form_order, role_label, source_label, status_label, type_label, HistoryPage, RecordForms,
    ShowPage, VersionView,
};
use crate::views::{render, render_status, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::reply::Reply;
use crate::web::session::TypedSession;

/// The record page. `log_view` names the viewer whose view is logged; `forms` holds what
/// was typed into the page's small forms when one of them was refused (status 422).
pub(super) async fn show_page(
    ctx: PageCtx,
    user: &CurrentUser,
    state: &AppState,
    customer: Customer,
    revealed: Option<String>,
    log_view: Option<Caller>,
    forms: Option<RecordForms>,
) -> Result<HttpResponse, AppError> {
    let id = customer.id;
    let is_enterprise = record_rules::has_key_contacts(&customer.customer_type);
    let view = log_view.map(|viewer| service::view_event(&viewer, &customer.code));
    let audit = state.audit.clone();
    let logged = async move {
        match view {
            Some(event) => audit.log(event).await,
            None => Ok(()),
        }
    };
    let data = state.read(move |c| Ok(record_details::of_customer(c, id, 50, is_enterprise)?));
    // The view is logged (group commit) while the page's data is read.
    let (logged, data) = tokio::join!(logged, data);
    logged?;
    let record_details::Details {
        tags,
        contacts,
        interactions,
        open_reports: reports,
        key_contacts,
    } = data?;
    let page = ShowPage {
        type_label: type_label(&customer.customer_type),
        status_label: status_label(&customer.status),
        source_label: source_label(&customer.source),
        role_label: role_label(customer.occupant_role.as_deref()),
        is_enterprise,
        key_contacts_missing: record_rules::key_contacts_missing(
            &customer.customer_type,
            key_contacts.len(),
        ),
        key_contacts,
        old_contacts: contacts.into_iter().filter(|c| !c.is_valid()).collect(),
        can_edit: user.can(Permission::EditCustomers)
            && record_rules::is_editable(&customer.status),
        can_reveal: user.can(Permission::RevealIdNumbers),
        channels: CHANNELS,
        now: state.clock.now_stored(),
        forms: RecordForms::today(&state.clock.today().to_string()),
        ctx,
        customer,
        tags,
        interactions,
        reports,
        revealed,
    };
    match forms {
        Some(forms) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ShowPage { forms, ..page },
        ),
        None => render(&page),
    }
}

/// `GET /customers/{code}`: the record, its view logged.
pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    code: Code,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let viewer = caller(&req, &user);
    show_page(ctx, &user, &state, customer, None, Some(viewer), None).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /customers/{code}/reveal`: shows the ID number once, in this response only
/// (pages are never cached), with the reason in the operation log.
pub async fn reveal(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(form): Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let (caller, keys, stored) = (caller(&req, &user), state.keys.clone(), customer.clone());
    match state
        .db(move |c| service::reveal(c, &caller, &keys, &stored, &form.reason))
        .await
    {
        Ok(plain) => show_page(ctx, &user, &state, customer, Some(plain), None, None).await,
        Err(AppError::Invalid(_)) => {
            Reply::new(ctx, &session, format!("/customers/{}", customer.code))
                .refused(|ctx| ctx.t("err-reveal-reason"))
        }
        Err(other) => Err(other),
    }
}

/// `GET /customers/{code}/history`: every version with the fields it changed.
pub async fn history(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    code: Code,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let record = customer.clone();
    let versions = state
        .db(move |c| Ok(crate::service::history::of_customer(c, &record)?))
        .await?;
    let versions = versions
        .into_iter()
        .map(|(v, changes)| VersionView {
            changes: in_form_order(changes.into_iter().filter(|c| !c.is_hidden()).collect()),
            version: v.version,
            changed_at: v.changed_at,
            changed_by: v.changed_by,
            reason: v.reason,
            restored_from: v.restored_from,
        })
        .collect();
    render(&HistoryPage {
        can_restore: user.can(Permission::RestoreVersions),
        ctx,
        customer,
        versions,
    })
}

/// `POST /customers/{code}/restore/{version}`: a new version with the old values.
pub async fn restore(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    Form(form): Form<ReasonForm>,
) -> Result<HttpResponse, AppError> {
    let (code, version) = path.into_inner();
    let customer = load(&state, &user, code).await?;
    let (caller, stored) = (caller(&req, &user), customer.clone());
    let outcome = state
        .db(move |c| service::restore(c, &caller, &stored, version, &form.reason))
        .await;
    let reply = Reply::new(
        ctx,
        &session,
        format!("/customers/{}/history", customer.code),
    );
    // The version made, if any; a conflict (edited meanwhile) is flashed as an error.
    let made = match outcome {
        Ok(Updated::Saved(saved)) => Ok(Some(saved.version)),
        Ok(Updated::Unchanged) => Ok(None),
        Err(AppError::Conflict(_)) => return reply.refused(|ctx| ctx.t("customer-conflict")),
        Err(other) => Err(other),
    };
    reply.or_flash(
        made,
        |ctx, made| match made {
            Some(new) => ctx.t_args(
                "flash-customer-restored",
                &[("version", version.to_string()), ("new", new.to_string())],
            ),
            None => ctx.t("flash-customer-unchanged"),
        },
        // The old version's community may no longer be one this user may choose.
        |ctx, errors| ctx.t(errors.get("community").unwrap_or("err-restore-reason")),
    )
}
