//! Use cases: each runs in one transaction that stores the change together with its
//! operation-log entry. Handlers call these; these call `domain` rules and `db` queries.

pub mod account;
pub mod change_reports;
pub mod communities;
pub mod customers;
mod error;
pub mod history;
pub mod import;
pub mod interactions;
pub mod key_contacts;
pub mod offices;
pub mod reverify;
pub mod reviews;
pub mod sign_in;
pub mod tags;
pub mod users;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::domain::validation::FieldErrors;

pub use error::{Conflict, Error};

/// Who asks, from where: what every log entry needs.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: crate::domain::audit::Actor,
    pub address: String,
}

/// An `Invalid` error with one field message.
pub fn invalid(field: &'static str, message_key: &'static str) -> Error {
    let mut errors = FieldErrors::default();
    errors.add(field, message_key);
    Error::Invalid(errors)
}

/// Turns a constraint violation that a concurrent request won into a field message.
pub fn on_violation(
    error: DieselError,
    kind: DatabaseErrorKind,
    field: &'static str,
    key: &'static str,
) -> Error {
    match error {
        DieselError::DatabaseError(k, _)
            if std::mem::discriminant(&k) == std::mem::discriminant(&kind) =>
        {
            invalid(field, key)
        }
        other => Error::Db(other),
    }
}
