//! The per-route permission check named in the route table.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};

use super::current_user::{path_and_query, CurrentUser};
use super::login_url;
use crate::domain::role::Permission;
use crate::error::AppError;

/// The pages a user who must change their password may still reach.
const WHILE_PASSWORD_CHANGE_DUE: [&str; 3] = ["/account/password", "/logout", "/lang"];

/// Signed out → 303 to the login page; signed in without the permission → 403; a user who
/// must change their password is sent to that form first.
pub async fn check(
    permission: Permission,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let user = req.extensions().get::<CurrentUser>().cloned();
    let redirect = |req: ServiceRequest, to: &str| {
        let response = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish();
        Ok(req.into_response(response))
    };
    match user {
        None => {
            let to = login_url(&path_and_query(req.request()));
            redirect(req, &to)
        }
        Some(user)
            if user.must_change_password && !WHILE_PASSWORD_CHANGE_DUE.contains(&req.path()) =>
        {
            redirect(req, "/account/password")
        }
        Some(user) if !user.can(permission) => Ok(req.error_response(AppError::Forbidden)),
        Some(_) => next.call(req).await,
    }
}
