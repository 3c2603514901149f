//! Text that no field may hold: NUL and the other control characters (tab, line feed and
//! carriage return aside, which multi-line fields need). PostgreSQL refuses a NUL inside
//! a text value with an error, SQLite stores it; either way it is never typed on purpose.
//! Refused here, once, before any handler runs: the request line by a middleware, form
//! bodies by the extractors in `form`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::AppError;

/// Whether percent-encoded text (a path, a query, an urlencoded body) decodes to a
/// control character no field may hold.
pub fn has_forbidden_control(encoded: &[u8]) -> bool {
    encoded.iter().copied().any(forbidden)
        || percent_encoding::percent_decode(encoded).any(forbidden)
}

fn forbidden(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0x7f
}

/// Middleware: a path or query string holding a control character is answered 400 with
/// a message saying so, before any extractor or database sees it.
pub async fn check_request_line(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let uri = req.uri();
    let query = uri.query().unwrap_or("");
    if has_forbidden_control(uri.path().as_bytes()) || has_forbidden_control(query.as_bytes()) {
        return Ok(req.error_response(AppError::ControlCharacters));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::has_forbidden_control;

    #[test]
    fn nul_and_other_controls_are_found_encoded_or_not() {
        for bad in ["a%00b", "username=x%00", "%1B", "q=%7F", "a\u{1}b", "%01"] {
            assert!(has_forbidden_control(bad.as_bytes()), "{bad:?}");
        }
    }

    #[test]
    fn tabs_line_breaks_and_ordinary_text_pass() {
        for good in [
            "notes=line%0D%0Aline%09tab",
            "q=%E7%8E%8B",
            "name=a+b&x=%25",
            "",
            "%zz",
        ] {
            assert!(!has_forbidden_control(good.as_bytes()), "{good:?}");
        }
    }
}
