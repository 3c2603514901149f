//! Renders error responses (403, 404, 500…) as pages in the layout, in the user's
//! language, with a link home. Handlers and guards only set the status.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;
use crate::views::error::ErrorPage;
use crate::views::{PageCtx, HTML};

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // A middleware further in must answer its refusals (`req.error_response`), not fail
    // with them: an `Err` passes every layer out here, the page and the security headers
    // included, and actix answers it bare. (The request cannot be kept to answer it here:
    // routing needs the only handle on it.)
    let res = next.call(req).await?;
    let status = res.status();
    // Only bare error responses get a page; one with a body of its own (a form sent back
    // with its errors, the plain-text health probe) is left as it is.
    let has_body = res.headers().contains_key(header::CONTENT_TYPE);
    if !(status.is_client_error() || status.is_server_error()) || has_body {
        return Ok(res.map_into_boxed_body());
    }
    let key = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(AppError::message_key)
        .unwrap_or_else(|| default_key(status));
    let (req, _) = res.into_parts();
    let page = PageCtx::for_request(&req).and_then(|ctx| {
        let message = ctx.t(key);
        Ok(ErrorPage {
            ctx,
            status: status.as_u16(),
            message,
        }
        .render()?)
    });
    let body = match page {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            status.canonical_reason().unwrap_or("error").to_string()
        }
    };
    let response = HttpResponse::build(status).content_type(HTML).body(body);
    Ok(ServiceResponse::new(req, response))
}

fn default_key(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "err-page-not-found",
        StatusCode::FORBIDDEN => "err-page-forbidden",
        StatusCode::METHOD_NOT_ALLOWED => "err-page-not-found",
        StatusCode::TOO_MANY_REQUESTS => "err-page-too-many",
        StatusCode::PAYLOAD_TOO_LARGE => "err-page-too-large",
        StatusCode::SERVICE_UNAVAILABLE => "err-page-unavailable",
        s if s.is_client_error() => "err-page-bad-request",
        _ => "err-page-internal",
    }
}
