use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::domain::user::normalize_username;
use crate::error::AppError;
use crate::service::sign_in::{self, LockoutPolicy, Outcome};
use crate::state::AppState;
use crate::views::login::LoginPage;
use crate::views::{render, render_status, see_other, PageCtx};
use crate::web::current_user::CurrentUser;
use crate::web::form::Form;
use crate::web::session::TypedSession;
use crate::web::{client_address, safe_next};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /login`
pub async fn form(
    ctx: PageCtx,
    user: Option<CurrentUser>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if user.is_some() {
        return Ok(see_other(&next));
    }
    render(&LoginPage {
        ctx,
        username: String::new(),
        next,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /login`: a per-address rate limit first, then the per-name lock-out.
pub async fn submit(
    req: HttpRequest,
    ctx: PageCtx,
    state: web::Data<AppState>,
    session: TypedSession,
    Form(form): Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    if let Some(ip) = req.peer_addr().map(|a| a.ip()) {
        if state.login_limiter.check_key(&ip).is_err() {
            return Err(AppError::TooManyRequests);
        }
    }
    let username = normalize_username(&form.username);
    let address = client_address(&req);
    let policy = LockoutPolicy {
        threshold: state.settings.lockout_threshold as i32,
        lock_for: chrono::Duration::seconds(i64::from(state.settings.lockout_seconds)),
    };
    let (name, typed) = (username.clone(), form.password);
    let outcome = state
        .db(move |c| sign_in::attempt(c, &name, &typed, &address, policy))
        .await?;
    let message_key = match outcome {
        Outcome::SignedIn {
            user_id,
            epoch,
            must_change_password,
        } => {
            session.sign_in(user_id, epoch)?;
            let to = if must_change_password {
                "/account/password".to_string()
            } else {
                safe_next(form.next.as_deref())
            };
            return Ok(see_other(&to));
        }
        Outcome::Refused => "login-refused",
        Outcome::Locked => "login-locked",
    };
    let error = Some(ctx.t(message_key));
    let page = LoginPage {
        ctx,
        username,
        next: safe_next(form.next.as_deref()),
        error,
    };
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
