use actix_web::{web, HttpRequest, HttpResponse};

use crate::db::customers::{self, Search};
use crate::db::{communities, tags};
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
    let office = user.office_id;
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
        let (found, total) = match &index {
            Some(index) => customers::search_by_id_number(c, &search, index, page, PER_PAGE)?,
            None => customers::search(c, &search, page, PER_PAGE)?,
        };
        let ids: Vec<i32> = found.iter().map(|f| f.id).collect();
        let tag_pairs = tags::of_customers(c, &ids)?;
        let community_names: Vec<String> = match office {
            Some(o) => communities::of_office(c, o)?
                .into_iter()
                .map(|c| c.name)
                .collect(),
            None => communities::list(c)?.into_iter().map(|c| c.name).collect(),
        };
        let all_tags = tags::all(c)?
            .into_iter()
            .map(|t| t.path)
            .collect::<Vec<_>>();
        Ok((found, total, tag_pairs, community_names, all_tags))
    });
    // The search is logged (group commit) while the results are read.
    let (logged, data) = tokio::join!(logged, data);
    logged?;
    let (found, total, tag_pairs, community_names, all_tags) = data?;
    let rows = found
        .into_iter()
        .map(|c| Row {
            tags: tag_pairs
                .iter()
                .filter(|(id, _)| *id == c.id)
                .map(|(_, t)| t.clone())
                .collect(),
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
        communities: community_names,
        tags: all_tags,
        error,
        id_searched: id_index.is_some().then(|| mask_id_numbers(&query_q)),
    })
}
