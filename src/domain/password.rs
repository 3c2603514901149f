//! Password policy and hashing (argon2id).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;

use super::validation::FieldErrors;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

/// A small list of passwords that meet the length rule but are guessed first.
const COMMON: &str = include_str!("common_passwords.txt");

/// Why a password is refused; each maps to a message in the locale files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    #[error("the password is shorter than 10 characters")]
    TooShort,
    #[error("the password is longer than 128 characters")]
    TooLong,
    #[error("the password is too common")]
    Common,
}

impl Weakness {
    pub fn message_key(self) -> &'static str {
        match self {
            Weakness::TooShort => "err-password-short",
            Weakness::TooLong => "err-password-long",
            Weakness::Common => "err-password-common",
        }
    }
}

pub fn check_strength(password: &str) -> Result<(), Weakness> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Weakness::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(Weakness::TooLong);
    }
    let lower = password.to_lowercase();
    let single_char = lower.chars().all(|c| lower.starts_with(c));
    if single_char || COMMON.lines().any(|common| common.trim() == lower) {
        return Err(Weakness::Common);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches `stored`. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The "change my password" form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// The current password must match `stored`; the new one must pass the policy, differ
/// from the current one, and be typed twice the same.
pub fn check_change(change: &PasswordChange, stored: &str) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    if !verify(&change.current_password, stored) {
        errors.add("current_password", "err-current-password");
    }
    if let Err(weakness) = check_strength(&change.new_password) {
        errors.add("new_password", weakness.message_key());
    } else if change.new_password == change.current_password {
        errors.add("new_password", "err-password-unchanged");
    }
    if change.confirm_password != change.new_password {
        errors.add("confirm_password", "err-password-mismatch");
    }
    errors.into_result(())
}

/// A hash to verify against when the user does not exist, so that the answer takes as
/// long as for a real user and timing reveals nothing.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&generate()).unwrap_or_default())
}

/// A random password for the first admin account: 16 letters and digits.
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut OsRng, 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert_eq!(check_strength("short"), Err(Weakness::TooShort));
        assert_eq!(check_strength("password123"), Err(Weakness::Common));
        assert_eq!(check_strength("aaaaaaaaaaaa"), Err(Weakness::Common));
        assert!(check_strength("quiet-harbour-42").is_ok());
    }

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("quiet-harbour-42").unwrap();
        assert!(verify("quiet-harbour-42", &stored));
        assert!(!verify("quiet-harbour-43", &stored));
        assert!(!verify("anything", "not-a-hash"));
    }

    #[test]
    fn a_change_needs_the_current_password_and_the_new_one_twice() {
        let stored = hash("quiet-harbour-42").unwrap();
        let change = PasswordChange {
            current_password: "quiet-harbour-43".into(),
            new_password: "loud-meadow-17".into(),
            confirm_password: "loud-meadow-18".into(),
        };
        let errors = check_change(&change, &stored).unwrap_err();
        assert_eq!(errors.get("current_password"), Some("err-current-password"));
        assert_eq!(errors.get("new_password"), None);
        assert_eq!(
            errors.get("confirm_password"),
            Some("err-password-mismatch")
        );
    }
}
