use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::customers::Search;
use crate::db::queries::customer_list::{self, CustomerList, Listed};
use crate::domain::customer::{mask_id_numbers, searched_id_number, CustomerType, Status};
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::handlers::caller;
use crate::service::customers as service;
use crate::state::AppState;
use crate::views::customers::{status_label, type_label, ListPage, ListQuery, Row};
use crate::views::{render, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::page_number;

const PER_PAGE: i64 = 20;

/// `GET /customers?q=&page=&type=&community=&status=&tag=`
pub async fn list(
    req: HttpRequest,
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let page = page_number(query.page.as_deref());
    let mut error = None;
    let known = |value: &str, ok: bool| (!value.is_empty() && ok).then(|| value.to_string());
    let search = Search {
        text: query.q.chars().take(100).collect(),
        customer_type: known(
            &query.customer_type,
            query.customer_type.parse::<CustomerType>().is_ok(),
        ),
        community: known(&query.community, true),
        status: known(&query.status, query.status.parse::<Status>().is_ok()),
        tag: known(&query.tag, true),
        office_id: user.office_id,
        include_archived: false,
    };
    if !query.customer_type.is_empty() && search.customer_type.is_none()
        || !query.status.is_empty() && search.status.is_none()
    {
        error = Some(ctx.t("err-filter-unknown"));
    }
    let searched = [
        &query.q,
        &query.customer_type,
        &query.community,
        &query.status,
        &query.tag,
    ]
    .iter()
    .any(|v| !v.is_empty());
    let caller = caller(&req, &user);
    // An ID number is looked up by its blind index and logged masked: neither the log
    // nor the search path ever holds it as typed.
    let id_index = searched_id_number(&query.q).map(|id| state.keys.blind_index().of(&id));
    let query_q = query.q.clone();
    let logged_query = serde_urlencoded::to_string(ListQuery {
        q: mask_id_numbers(&query.q),
        ..query.clone()
    })
    .unwrap_or_default();
    let search_event = searched.then(|| service::search_event(&caller, &logged_query));
    let audit = state.audit.clone();
    let logged = async move {
        match search_event {
            Some(event) => audit.log(event).await,
            None => Ok(()),
        }
    };
    let index = id_index.clone();
    let data = state.read(move |c| {
        Ok(customer_list::page(
            c,
            &search,
            index.as_deref(),
            page,
            PER_PAGE,
        )?)
    });
    // The search is logged (group commit) while the results are read.
    let (logged, data) = tokio::join!(logged, data);
    logged?;
    let CustomerList {
        rows: found,
        total,
        communities,
        tags,
    } = data?;
    let rows = found
        .into_iter()
        .map(|Listed { customer: c, tags }| Row {
            tags,
            type_label: type_label(&c.customer_type),
            status_label: status_label(&c.status),
            code: c.code,
            name: c.name,
            phone: c.phone,
            community: c.community,
            building: c.building,
            unit: c.unit,
        })
        .collect::<Vec<_>>();
    let link = |p: i64| {
        format!(
            "/customers?{}&page={p}",
            serde_urlencoded::to_string(&query).unwrap_or_default()
        )
    };
    let more = page * PER_PAGE < total;
    render(&ListPage {
        prev_link: (page > 1).then(|| link(page - 1)),
        next_link: more.then(|| link(page + 1)),
        can_edit: user.can(Permission::EditCustomers),
        ctx,
        query,
        rows,
        total,
        page,
        per_page: PER_PAGE,
        types: CustomerType::ALL,
        statuses: Status::ALL,
        communities,
        tags,
        error,
        id_searched: id_index.is_some().then(|| mask_id_numbers(&query_q)),
    })
}
