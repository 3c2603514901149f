//! The signed-in user: loaded once per request by a middleware, then taken by handlers
//! as an extractor (`user: CurrentUser`).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{ready, Ready};

use super::session::{now_secs, SessionUser, TypedSession};
use crate::db::users;
use crate::domain::audit::Actor;
use crate::domain::role::{allows, Permission, Role};
use crate::error::AppError;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i32,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub office_id: Option<i32>,
    pub must_change_password: bool,
    pub session_epoch: i32,
}

impl CurrentUser {
    pub fn can(&self, permission: Permission) -> bool {
        allows(&self.roles, permission)
    }

    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.id,
            name: self.username.clone(),
        }
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Ready<Result<CurrentUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<CurrentUser>()
                .cloned()
                .ok_or_else(|| AppError::SignInRequired {
                    next: path_and_query(req),
                }),
        )
    }
}

pub fn path_and_query(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        query => format!("{}?{query}", req.path()),
    }
}

/// Middleware: turns a valid session cookie into a `CurrentUser` in the request's
/// extensions. A cookie that is idle too long, from an older epoch (signed out, password
/// changed) or of a disabled user is dropped: the request goes on signed out.
pub async fn load(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let skip = req.path().starts_with("/static/") || req.path() == "/healthz";
    let session = TypedSession::of(req.request());
    if let (false, Some(cookie)) = (skip, session.user()) {
        // Refusals are answered, not failed, so that the error page and the security
        // headers apply to them (see `error_pages`).
        if let Err(error) = remember(&req, &session, cookie).await {
            return Ok(req.error_response(error));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Puts the cookie's user in the request's extensions, or ends a session that no
/// longer stands.
async fn remember(
    req: &ServiceRequest,
    session: &TypedSession,
    cookie: SessionUser,
) -> Result<(), AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no app state")))?;
    let idle_limit = (state.settings.session_idle_minutes * 60.0).round() as i64;
    let user = if now_secs() - cookie.seen > idle_limit {
        None
    } else {
        load_user(&state, cookie).await?
    };
    match user {
        Some(user) => {
            session.touch(cookie)?;
            req.extensions_mut().insert(user);
        }
        None => session.purge(),
    }
    Ok(())
}

async fn load_user(state: &AppState, cookie: SessionUser) -> Result<Option<CurrentUser>, AppError> {
    state
        .read(move |conn| {
            let Some((user, roles)) = users::find_with_roles(conn, cookie.id)? else {
                return Ok(None);
            };
            if user.disabled || user.session_epoch != cookie.epoch {
                return Ok(None);
            }
            Ok(Some(CurrentUser {
                id: user.id,
                username: user.username,
                display_name: user.display_name,
                roles,
                office_id: user.office_id,
                must_change_password: user.must_change_password,
                session_epoch: user.session_epoch,
            }))
        })
        .await
}
