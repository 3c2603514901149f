use actix_web::{web, HttpResponse};

use crate::db::offices;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::home::HomePage;
use crate::views::{render, PageCtx};
use crate::web::current_user::CurrentUser;

/// `GET /`: who is signed in, with which roles and office.
pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let office = match user.office_id {
        Some(id) => {
            state
                .db(move |c| Ok(offices::find(c, id)?.map(|o| o.name)))
                .await?
        }
        None => None,
    };
    render(&HomePage { ctx, user, office })
}
