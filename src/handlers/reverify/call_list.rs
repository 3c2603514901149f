//! The call list (复核电话清单): records due for re-verification that the mail cannot
//! reach, to be verified by phone. Clerks see their office's communities only.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::db::queries::reverify_due;
use crate::domain::call_list::{due_on, CallReason};
use crate::domain::reverify::Cycles;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::handlers::caller;
use crate::handlers::customers::{load, Code};
use crate::service::reverify as service;
use crate::state::AppState;
use crate::views::reverify::{CallListPage, CallRow};
use crate::views::{render, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::page_number;
use crate::web::reply::Reply;
use crate::web::session::TypedSession;

const PER_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

fn cycles(state: &AppState) -> Cycles {
    Cycles {
        months: state.settings.reverify_months,
        vip_months: state.settings.reverify_months_vip,
    }
}

/// `GET /reviews/call-list?page=`
pub async fn list(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let page = page_number(query.page.as_deref());
    let (cycles, office, today) = (cycles(&state), user.office_id, state.clock.today());
    let (found, total) = state
        .db(move |c| {
            Ok(reverify_due::call_list(
                c, cycles, today, office, page, PER_PAGE,
            )?)
        })
        .await?;
    let rows = found
        .into_iter()
        .map(|c| CallRow {
            due: due_on(
                cycles,
                &c.customer_type,
                c.last_verified_at,
                c.first_contact_at,
            )
            .to_string(),
            why: CallReason::of(c.email.as_deref()).label_key(),
            code: c.code,
            name: c.name,
            phone: c.phone,
        })
        .collect();
    let link = |p: i64| format!("/reviews/call-list?page={p}");
    render(&CallListPage {
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: (page * PER_PAGE < total).then(|| link(page + 1)),
        can_edit: user.can(Permission::EditCustomers),
        ctx,
        rows,
        total,
        page,
    })
}

#[derive(Deserialize)]
pub struct VerifiedForm {
    #[serde(default)]
    note: String,
}

/// `POST /reviews/call-list/{code}/verified`: verified by phone, as a new version.
pub async fn verified(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    code: Code,
    Form(form): Form<VerifiedForm>,
) -> Result<HttpResponse, AppError> {
    let customer = load(&state, &user, code.into_inner()).await?;
    let caller = caller(&req, &user);
    let (code, today) = (customer.code.clone(), state.clock.today());
    let outcome = state
        .db(move |c| service::verify_by_phone(c, &caller, &code, &form.note, today))
        .await;
    Reply::new(ctx, &session, "/reviews/call-list").or_flash(
        outcome,
        |ctx, ()| ctx.t_args("call-list-flash-verified", &[("code", customer.code)]),
        |ctx, _| ctx.t("call-list-note-bad"),
    )
}
