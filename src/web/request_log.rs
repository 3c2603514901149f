//! The request log (stderr, through `tracing-actix-web`): each request's span names its
//! target, and a target can carry what must not be written down: an ID number typed in
//! the search box, a re-verification link's token. Both are left out here.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use crate::domain::customer::mask_id_numbers;

/// The default span of `tracing-actix-web`, its target masked.
pub struct MaskedSpans;

impl RootSpanBuilder for MaskedSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let pattern = request.match_pattern();
        let target = logged_target(request.path(), pattern.as_deref(), request.query_string());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let client_ip = request
            .connection_info()
            .realip_remote_addr()
            .unwrap_or("")
            .to_string();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %pattern.as_deref().unwrap_or("default"),
            http.target = %target,
            http.client_ip = %client_ip,
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The path (a route with a `{token}` as its pattern, so the token stays out) and the
/// query with every ID number in its values masked.
fn logged_target(path: &str, pattern: Option<&str>, query: &str) -> String {
    let path = match pattern {
        Some(pattern) if pattern.contains("{token}") => pattern,
        _ => path,
    };
    if query.is_empty() {
        return path.to_string();
    }
    let masked = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()
        .map(|pairs| {
            let pairs: Vec<(String, String)> = pairs
                .into_iter()
                .map(|(key, value)| (key, mask_id_numbers(&value)))
                .collect();
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        })
        .unwrap_or_else(|| "…".to_string());
    format!("{path}?{masked}")
}

#[cfg(test)]
mod tests {
    use super::logged_target;

    #[test]
    fn id_numbers_and_link_tokens_stay_out_of_the_request_log() {
        assert_eq!(
            logged_target(
                "/customers",
                Some("/customers"),
                "q=4403+0119+9003+0739+9x&type=vip"
            ),
            "/customers?q=4403**********399X&type=vip"
        );
        assert_eq!(
            logged_target(
                "/verify/abc123/confirm",
                Some("/verify/{token}/confirm"),
                ""
            ),
            "/verify/{token}/confirm"
        );
        assert_eq!(
            logged_target("/customers/P-2026-000042", Some("/customers/{code}"), ""),
            "/customers/P-2026-000042"
        );
        assert_eq!(
            logged_target("/customers", None, "q=%E7%8E%8B"),
            "/customers?q=%E7%8E%8B"
        );
    }
}
