//! HTTP plumbing shared by the handlers: sessions, the current user, CSRF, guards,
//! error pages, forms and static assets.

pub mod assets;
pub mod csrf;
pub mod current_user;
pub mod error_pages;
pub mod form;
pub mod guard;
pub mod input;
pub mod reply;
pub mod request_log;
pub mod session;

use actix_web::HttpRequest;

/// `/login?next=…` for a page that needs a signed-in user.
pub fn login_url(next: &str) -> String {
    if next.is_empty() || next == "/" {
        return "/login".to_string();
    }
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    format!("/login?{query}")
}

/// Only same-site paths are followed after sign-in; anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The `page` query parameter: a whole number from 1, anything else is page 1.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// The client's address as the operation log records it.
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
