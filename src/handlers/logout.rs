use actix_web::{web, HttpRequest, HttpResponse};

use super::caller;
use crate::error::AppError;
use crate::service::account;
use crate::state::AppState;
use crate::views::see_other;
use crate::web::current_user::CurrentUser;
use crate::web::session::TypedSession;

/// `POST /logout`: ends this and every other session of the user.
pub async fn submit(
    req: HttpRequest,
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let caller = caller(&req, &user);
    state
        .db(move |c| account::sign_out(c, &caller, user.id, &user.username))
        .await?;
    session.purge();
    Ok(see_other("/login"))
}
