//! The one error type of the web layer and how each kind is answered: the use cases'
//! refusals (`service::Error`, which knows no HTTP) come in through `From`; sign-in, CSRF,
//! rate limits, malformed forms, the pool, templates and sessions are the web's own.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

use crate::service;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// A change to an archived (read-only) record.
    #[error("the record is archived")]
    Archived,
    /// A change made against an older version; the handler shows both values.
    #[error("the record was changed meanwhile")]
    Conflict(Box<service::Conflict>),
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("missing or invalid CSRF token")]
    Csrf,
    #[error("too many requests")]
    TooManyRequests,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Text holding NUL or another control character no field may store.
    #[error("control characters in the input")]
    ControlCharacters,
    /// Form fields that did not pass; the handler shows the form again with them.
    #[error("invalid input")]
    Invalid(crate::domain::validation::FieldErrors),
    #[error("database error")]
    Db(#[from] diesel::result::Error),
    #[error("database unavailable")]
    Pool(#[from] r2d2::Error),
    #[error("template error")]
    Template(#[from] askama::Error),
    #[error("session error: {0}")]
    Session(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// The locale key of the message shown on the error page.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "err-page-not-found",
            AppError::Forbidden => "err-page-forbidden",
            AppError::Archived => "err-page-archived",
            AppError::Conflict(_) => "customer-conflict",
            AppError::Csrf => "err-page-csrf",
            AppError::TooManyRequests => "err-page-too-many",
            AppError::BadRequest(_) | AppError::Invalid(_) => "err-page-bad-request",
            AppError::ControlCharacters => "err-page-control-characters",
            AppError::Pool(_) => "err-page-unavailable",
            _ => "err-page-internal",
        }
    }
}

/// Each refusal of a use case as the web answers it; the handlers' `?` goes through here.
impl From<service::Error> for AppError {
    fn from(error: service::Error) -> Self {
        match error {
            service::Error::Invalid(errors) => AppError::Invalid(errors),
            service::Error::NotFound => AppError::NotFound,
            service::Error::Forbidden => AppError::Forbidden,
            service::Error::Archived => AppError::Archived,
            service::Error::Conflict(conflict) => AppError::Conflict(conflict),
            service::Error::NotApplicable(why) => AppError::BadRequest(why),
            service::Error::Db(error) => AppError::Db(error),
            service::Error::Internal(error) => AppError::Internal(error),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Archived | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::SignInRequired { .. } => StatusCode::SEE_OTHER,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) | AppError::ControlCharacters => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response; the error-page middleware renders the page around it in the
    /// user's language.
    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // `{:#}` prints a context chain on one line ("outer: inner"); the debug form
            // carries the whole cause chain; users see a plain message.
            tracing::error!(error = %format!("{self:#}"), cause = ?self, "request failed");
        }
        match self {
            AppError::SignInRequired { next } => HttpResponse::SeeOther()
                .insert_header((header::LOCATION, crate::web::login_url(next)))
                .finish(),
            _ => HttpResponse::build(status).finish(),
        }
    }
}
