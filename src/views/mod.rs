//! askama page structs and the page context every page embeds.

pub mod account;
pub mod admin;
pub mod audit;
pub mod backups;
pub mod changes;
pub mod customers;
pub mod error;
pub mod home;
pub mod jobs;
pub mod login;
pub mod outbox;
pub mod reverify;
pub mod reviews;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use futures_util::future::{ready, Ready};

use crate::clock::Clock;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::assets;
use crate::web::current_user::CurrentUser;
use crate::web::session::{Flash, TypedSession};

pub const HTML: &str = "text/html; charset=utf-8";

/// One navigation link, shown only to users with its permission.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
}

const NAV: [(&str, &str, Permission); 13] = [
    ("/", "nav-home", Permission::SignedIn),
    ("/customers", "nav-customers", Permission::ReadCustomers),
    ("/changes", "nav-changes", Permission::ReadCustomers),
    ("/tags", "nav-tags", Permission::ReadCustomers),
    (
        "/reviews/pending-activation",
        "nav-pending-activation",
        Permission::ReadCustomers,
    ),
    ("/reviews/cleanup", "nav-cleanup", Permission::ReadCustomers),
    (
        "/reviews/call-list",
        "nav-call-list",
        Permission::ReadCustomers,
    ),
    ("/audit", "nav-audit", Permission::ReadAuditLog),
    ("/admin/users", "nav-users", Permission::ManageUsers),
    ("/admin/offices", "nav-offices", Permission::ManageOffices),
    ("/admin/jobs", "nav-jobs", Permission::ManageJobs),
    ("/admin/outbox", "nav-outbox", Permission::ReadOutbox),
    ("/admin/backups", "nav-backups", Permission::ManageJobs),
];

/// What the layout needs on every page.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavItem>,
    pub path: String,
    /// Times are shown on the offices' wall clock.
    pub clock: Clock,
}

impl PageCtx {
    pub fn for_request(req: &HttpRequest) -> Result<PageCtx, AppError> {
        let session = TypedSession::of(req);
        let user = req.extensions().get::<CurrentUser>().cloned();
        let nav = match &user {
            Some(u) if !u.must_change_password => NAV
                .iter()
                .filter(|(_, _, permission)| u.can(*permission))
                .map(|(href, label, _)| NavItem { href, label })
                .collect(),
            _ => Vec::new(),
        };
        Ok(PageCtx {
            lang: request_lang(req),
            csrf: session.csrf_token_or_new()?,
            flash: session.take_flash(),
            user,
            nav,
            path: req.path().to_string(),
            clock: req
                .app_data::<web::Data<AppState>>()
                .map(|state| state.clock)
                .unwrap_or_default(),
        })
    }

    /// The UI text for a locale key.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        self.lang.t_args(key, args)
    }

    /// A stored (UTC) instant in the offices' time zone, for a template to `.format(…)`:
    /// the zone is the office's own, so no page names it.
    pub fn local(&self, stored: &NaiveDateTime) -> DateTime<Tz> {
        self.clock.local(*stored)
    }

    pub fn css_url(&self) -> &'static str {
        assets::css_url()
    }

    pub fn js_url(&self) -> &'static str {
        assets::js_url()
    }

    pub fn is_current(&self, href: &str) -> bool {
        if href == "/" {
            self.path == "/"
        } else {
            self.path.starts_with(href)
        }
    }

    pub fn other_langs(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|l| *l != self.lang).collect()
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<PageCtx, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(PageCtx::for_request(req))
    }
}

/// The session's language, else the browser's, else zh-CN.
pub fn request_lang(req: &HttpRequest) -> Lang {
    TypedSession::of(req).lang().unwrap_or_else(|| {
        let accept = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Lang::negotiate(accept)
    })
}

pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    render_status(StatusCode::OK, page)
}

/// Renders with a status: 422 for a form sent back with its errors.
pub fn render_status(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type(HTML)
        .body(page.render()?))
}

/// Post/Redirect/Get: 303 to the page that shows the result.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
