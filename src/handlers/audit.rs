use actix_web::{web, HttpResponse};
use chrono::NaiveDate;

use crate::clock::Clock;
use crate::db::audit_log::{self, Filter};
use crate::domain::audit::Action;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::audit::{AuditPage, AuditQuery};
use crate::views::{render, PageCtx};
use crate::web::page_number;

/// `GET /audit?user=&action=&from=&to=&page=`: the operation log, newest first.
pub async fn list(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = page_number(query.page.as_deref());
    let (filter, error) = match to_filter(&query, &state.clock) {
        Ok(filter) => (filter, None),
        Err(key) => (Filter::default(), Some(ctx.t(key))),
    };
    let per_page = i64::from(state.settings.audit_page_size);
    let (entries, more) = state
        .db(move |c| Ok(audit_log::page(c, &filter, page, per_page)?))
        .await?;
    let link = |p: i64| {
        let filters = serde_urlencoded::to_string(&query).unwrap_or_default();
        format!("/audit?{filters}&page={p}")
    };
    let page_view = AuditPage {
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: more.then(|| link(page + 1)),
        ctx,
        actions: Action::ALL.iter().map(|a| a.as_str()).collect(),
        entries,
        page,
        error,
        query,
    };
    render(&page_view)
}

/// Reads the filters; a bad date or an unknown action is a message, not an error page.
/// The dates are the office's days: from the start of `from` to the end of `to` there.
fn to_filter(query: &AuditQuery, clock: &Clock) -> Result<Filter, &'static str> {
    let date = |s: &str| -> Result<Option<NaiveDate>, &'static str> {
        match s.trim() {
            "" => Ok(None),
            s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| "err-date-format"),
        }
    };
    let action = match query.action.trim() {
        "" => None,
        a => Some(
            Action::parse(a)
                .ok_or("err-action-unknown")?
                .as_str()
                .to_string(),
        ),
    };
    let until = date(&query.to)?
        .and_then(|d| d.succ_opt())
        .map(|d| clock.start_of_day(d));
    Ok(Filter {
        actor: Some(query.user.trim().to_lowercase()).filter(|u| !u.is_empty()),
        action,
        from: date(&query.from)?.map(|d| clock.start_of_day(d)),
        until,
    })
}
