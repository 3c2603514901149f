//! How a POST handler answers its use case (Post/Redirect/Get): done → a success flash
//! and 303 to the page that shows the result; refused with field errors → the same page
//! again with what was typed and a message by each field (422), or, for forms too small
//! for that, the reason as an error flash and the same 303. Any other error is left to
//! the error page.

use std::future::Future;

use actix_web::HttpResponse;

use crate::domain::validation::FieldErrors;
use crate::error::AppError;
use crate::views::{see_other, PageCtx};
use crate::web::session::{FlashKind, TypedSession};

/// The answer to one POST: its page context, its session and where it redirects to.
pub struct Reply<'a> {
    ctx: PageCtx,
    session: &'a TypedSession,
    to: String,
}

impl<'a> Reply<'a> {
    /// A reply that redirects to `to`.
    pub fn new(ctx: PageCtx, session: &'a TypedSession, to: impl Into<String>) -> Reply<'a> {
        Reply {
            ctx,
            session,
            to: to.into(),
        }
    }

    /// Done: the text as a success flash, 303 to `to`.
    pub fn done(self, text: impl FnOnce(&PageCtx) -> String) -> Result<HttpResponse, AppError> {
        self.redirect(FlashKind::Success, text)
    }

    /// Refused: the text as an error flash, 303 to `to`.
    pub fn refused(self, text: impl FnOnce(&PageCtx) -> String) -> Result<HttpResponse, AppError> {
        self.redirect(FlashKind::Error, text)
    }

    /// The outcome of a form that can show its messages by the fields: done → `done`'s
    /// text as a success flash and 303; refused → `page`, which renders the form again
    /// with the errors (and answers 422 itself).
    pub async fn or_page<T, P>(
        self,
        outcome: Result<T, AppError>,
        done: impl FnOnce(&PageCtx, T) -> String,
        page: impl FnOnce(PageCtx, FieldErrors) -> P,
    ) -> Result<HttpResponse, AppError>
    where
        P: Future<Output = Result<HttpResponse, AppError>>,
    {
        match outcome {
            Ok(value) => self.done(|ctx| done(ctx, value)),
            Err(AppError::Invalid(errors)) => page(self.ctx, errors).await,
            Err(other) => Err(other),
        }
    }

    /// The outcome of a small form (a button with a note): done → `done`'s text as a
    /// success flash; refused → `why`'s text as an error flash; 303 to `to` either way.
    pub fn or_flash<T>(
        self,
        outcome: Result<T, AppError>,
        done: impl FnOnce(&PageCtx, T) -> String,
        why: impl FnOnce(&PageCtx, FieldErrors) -> String,
    ) -> Result<HttpResponse, AppError> {
        match outcome {
            Ok(value) => self.done(|ctx| done(ctx, value)),
            Err(AppError::Invalid(errors)) => self.refused(|ctx| why(ctx, errors)),
            Err(other) => Err(other),
        }
    }

    fn redirect(
        self,
        kind: FlashKind,
        text: impl FnOnce(&PageCtx) -> String,
    ) -> Result<HttpResponse, AppError> {
        self.session.flash(kind, text(&self.ctx))?;
        Ok(see_other(&self.to))
    }
}
