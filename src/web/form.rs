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
            serde_html_form::from_bytes(&body)
                .map(Form)
                .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
        })
    }
}

/// Reads an urlencoded body into `T` (for handlers that read one body two ways).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_html_form::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
}

/// The body's fields in order, as sent.
pub fn pairs(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    parse(body)
}
