//! The typed session: who is signed in, the CSRF token, language and one flash message.
//!
//! The cookie is signed and encrypted; revocation is server-side through the user's
//! `session_epoch`, which the cookie must match on every request.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::Lang;

const USER: &str = "user";
const CSRF: &str = "csrf";
const LANG: &str = "lang";
const FLASH: &str = "flash";

/// The signed-in user as the cookie knows them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i32,
    pub epoch: i32,
    /// Unix seconds of the last request, for the idle timeout.
    pub seen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlashKind {
    Success,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

impl Flash {
    pub fn is_error(&self) -> bool {
        self.kind == FlashKind::Error
    }
}

pub struct TypedSession(Session);

impl TypedSession {
    pub fn of(req: &HttpRequest) -> TypedSession {
        TypedSession(req.get_session())
    }

    fn insert<T: Serialize>(&self, key: &str, value: T) -> Result<(), AppError> {
        self.0
            .insert(key, value)
            .map_err(|e| AppError::Session(e.to_string()))
    }

    /// Starts a fresh session for a user: a new cookie and a new CSRF token, so that
    /// nothing planted before sign-in survives it.
    pub fn sign_in(&self, id: i32, epoch: i32) -> Result<(), AppError> {
        let lang = self.lang();
        // Not `purge()`: a purged session stays purged and its cookie is removed.
        self.0.clear();
        self.0.renew();
        self.insert(
            USER,
            SessionUser {
                id,
                epoch,
                seen: now_secs(),
            },
        )?;
        self.insert(CSRF, new_token())?;
        if let Some(lang) = lang {
            self.insert(LANG, lang.code())?;
        }
        Ok(())
    }

    pub fn user(&self) -> Option<SessionUser> {
        self.0.get(USER).ok().flatten()
    }

    /// Records activity, for the idle timeout.
    pub fn touch(&self, mut user: SessionUser) -> Result<(), AppError> {
        user.seen = now_secs();
        self.insert(USER, user)
    }

    pub fn set_epoch(&self, epoch: i32) -> Result<(), AppError> {
        match self.user() {
            Some(user) => self.insert(USER, SessionUser { epoch, ..user }),
            None => Ok(()),
        }
    }

    /// Ends the session; the cookie is removed.
    pub fn purge(&self) {
        self.0.purge();
    }

    pub fn csrf_token(&self) -> Option<String> {
        self.0.get(CSRF).ok().flatten()
    }

    /// The CSRF token, made on first use (a signed-out visitor gets one for the login form).
    pub fn csrf_token_or_new(&self) -> Result<String, AppError> {
        match self.csrf_token() {
            Some(token) => Ok(token),
            None => {
                let token = new_token();
                self.insert(CSRF, &token)?;
                Ok(token)
            }
        }
    }

    pub fn lang(&self) -> Option<Lang> {
        self.0
            .get::<String>(LANG)
            .ok()
            .flatten()
            .and_then(|code| Lang::from_code(&code))
    }

    pub fn set_lang(&self, lang: Lang) -> Result<(), AppError> {
        self.insert(LANG, lang.code())
    }

    pub fn flash(&self, kind: FlashKind, text: String) -> Result<(), AppError> {
        self.insert(FLASH, Flash { kind, text })
    }

    /// The flash message, removed so it shows once.
    pub fn take_flash(&self) -> Option<Flash> {
        let flash = self.0.get(FLASH).ok().flatten();
        if flash.is_some() {
            self.0.remove(FLASH);
        }
        flash
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<TypedSession, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(TypedSession::of(req)))
    }
}

fn new_token() -> String {
    Alphanumeric.sample_string(&mut OsRng, 32)
}

pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}
