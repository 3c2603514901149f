//! `Form<T>`: an urlencoded form that may repeat a field (`roles=clerk&roles=auditor`),
//! which actix's own `web::Form` cannot read into a `Vec`.

use actix_web::dev::Payload;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Largest form body accepted.
const LIMIT: usize = 256 * 1024;

pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Form<T>, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = bytes
                .await
                .map_err(|e| AppError::BadRequest(format!("unreadable form: {e}")))?;
            if body.len() > LIMIT {
                return Err(AppError::BadRequest("form too large".into()));
            }
            parse(&body).map(Form)
        })
    }
}

/// Reads an urlencoded body into `T` (for handlers that read one body two ways).
/// A field holding NUL or another control character refuses the whole form (see `input`).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if super::input::has_forbidden_control(body) {
        return Err(AppError::ControlCharacters);
    }
    serde_html_form::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
}

/// The body's fields in order, as sent.
pub fn pairs(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    parse(body)
}
