//! CSRF: every request that is not GET/HEAD must carry the session's token, as the form
//! field `csrf_token` or the `X-CSRF-Token` header. Checked here, once, for all routes.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use subtle::ConstantTimeEq;

use super::session::TypedSession;
use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let expected = TypedSession::of(req.request()).csrf_token();
    let mut provided = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if provided.is_none() && is_urlencoded_form(&req) {
        // Read the form to find the token, then put the body back for the handler.
        // Answered, not failed (413 for a body over the limit): see `error_pages`.
        let body = match req.extract::<Bytes>().await {
            Ok(body) => body,
            Err(error) => {
                let status = actix_web::ResponseError::status_code(error.as_response_error());
                return Ok(req.into_response(actix_web::HttpResponse::new(status)));
            }
        };
        provided = form_field(&body, FIELD);
        req.set_payload(Payload::from(body));
    }
    let valid = match (expected, provided) {
        (Some(expected), Some(provided)) => {
            bool::from(expected.as_bytes().ct_eq(provided.as_bytes()))
        }
        _ => false,
    };
    if !valid {
        return Ok(req.error_response(AppError::Csrf));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn is_urlencoded_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}
