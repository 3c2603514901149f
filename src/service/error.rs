//! Why a use case did not happen, in the use case's own words: the web layer decides
//! what each one looks like to a browser, the CLI and the jobs what it looks like in a
//! terminal or a log.

use diesel::result::Error as DieselError;

use crate::db::customers::Customer;
use crate::domain::history::Change;
use crate::domain::validation::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fields that did not pass, each with its message key; the form is shown again.
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("not found")]
    NotFound,
    /// The caller may not do this to this record.
    #[error("forbidden")]
    Forbidden,
    /// A change to an archived (read-only) record.
    #[error("the record is archived")]
    Archived,
    /// Someone saved the record since the form was opened (its version moved on).
    #[error("the record was changed meanwhile")]
    Conflict(Box<Conflict>),
    /// A request this use case does not take whatever its fields say (key contacts of a
    /// person); the text says which, for the log.
    #[error("not applicable: {0}")]
    NotApplicable(String),
    #[error("database error")]
    Db(#[from] DieselError),
    /// Something that should not happen (a stored value that cannot be decrypted).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the user needs to decide after a conflict: the record as it is stored now and
/// how it differs from what they typed.
#[derive(Debug)]
pub struct Conflict {
    pub current: Customer,
    pub differences: Vec<Change>,
}
