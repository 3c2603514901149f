//! `/admin/outbox`: what mail is waiting, sent or stuck; retry, pause and resume. The
//! list never shows a body or a full address; one mail's body is for managers only.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::{app_flags, outbox};
use crate::domain::outbox::MailState;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::Error;
use crate::state::AppState;
use crate::views::outbox::{OutboxMailPage, OutboxPage, OutboxQuery};
use crate::views::{render, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::page_number;
use crate::web::session::{FlashKind, TypedSession};

const PER_PAGE: i64 = 50;

/// `GET /admin/outbox?state=&page=`
pub async fn list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = page_number(query.page.as_deref());
    // An unknown state shows every mail rather than an error page.
    let filter = query.state.trim().parse::<MailState>().ok();
    let (mails, more, paused) = state
        .db(move |c| {
            let (mails, more) = outbox::page(c, filter, page, PER_PAGE)?;
            Ok((mails, more, app_flags::is_set(c, app_flags::MAIL_PAUSED)?))
        })
        .await?;
    let link = |p: i64| match filter {
        Some(s) => format!("/admin/outbox?state={s}&page={p}"),
        None => format!("/admin/outbox?page={p}"),
    };
    render(&OutboxPage {
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: more.then(|| link(page + 1)),
        ctx,
        state: filter,
        states: MailState::ALL,
        mails,
        smtp_configured: state.settings.smtp_url.is_some(),
        paused,
        page,
    })
}

/// `GET /admin/outbox/{id}`: one mail with its body (managers), logged.
pub async fn show(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (id, caller) = (id.into_inner(), caller(&req, &me));
    let mail = state
        .db(move |c| {
            outbox::read_body(c, id, &caller.actor, &caller.address)?.ok_or(Error::NotFound)
        })
        .await?;
    render(&OutboxMailPage { ctx, mail })
}

/// `POST /admin/outbox/{id}/retry`: a failed or unknown mail goes back in the queue.
pub async fn retry(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (id, caller) = (id.into_inner(), caller(&req, &me));
    let was = state
        .db(move |c| outbox::requeue(c, id, &caller.actor, &caller.address)?.ok_or(Error::NotFound))
        .await?;
    if was.can_retry() {
        session.flash(
            FlashKind::Success,
            ctx.t_args("mail-flash-requeued", &[("id", id.to_string())]),
        )?;
    } else {
        session.flash(
            FlashKind::Error,
            ctx.t_args(
                "mail-flash-not-retryable",
                &[("state", ctx.t(was.label_key()))],
            ),
        )?;
    }
    Ok(see_other("/admin/outbox"))
}

/// `POST /admin/outbox/pause`
pub async fn pause(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    set_paused(req, ctx, me, session, state, true).await
}

/// `POST /admin/outbox/resume`
pub async fn resume(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    set_paused(req, ctx, me, session, state, false).await
}

async fn set_paused(
    req: HttpRequest,
    ctx: PageCtx,
    me: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    paused: bool,
) -> Result<HttpResponse, AppError> {
    let caller = caller(&req, &me);
    state
        .db(move |c| {
            Ok(app_flags::set_mail_paused(
                c,
                paused,
                &caller.actor,
                &caller.address,
            )?)
        })
        .await?;
    let key = if paused {
        "mail-flash-paused"
    } else {
        "mail-flash-resumed"
    };
    session.flash(FlashKind::Success, ctx.t(key))?;
    Ok(see_other("/admin/outbox"))
}
