//! The operation log's entries and their hash chain.
//!
//! Each entry's hash covers its canonical content and the previous entry's hash, so
//! editing or deleting any row breaks every hash after it.

use std::fmt;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The hash that stands before the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Stored as text; new actions are added here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SignIn,
    SignInFailed,
    LockedOut,
    SignOut,
    PasswordChanged,
    PasswordReset,
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    OfficeCreated,
    OfficeUpdated,
    CustomerCreated,
    CustomerUpdated,
    CustomerViewed,
    CustomersSearched,
    IdNumberRevealed,
    VersionRestored,
    InteractionLogged,
    ChangeReported,
    CustomersImported,
    TagMoved,
    JobRun,
    MailQueued,
    MailSending,
    MailSent,
    MailRetrying,
    MailFailed,
    MailUnknown,
    MailRetryRequested,
    MailPaused,
    MailResumed,
    MailBodyViewed,
    CustomerVerified,
    StatusChanged,
    CallbackLogged,
    CleanupDecided,
    LegalReviewRecorded,
    CustomersArchived,
    BackupCreated,
    BackupFailed,
    BackupRotated,
    BackupCopiedOffsite,
    KeysExported,
    Restored,
    ChangeClosedUnchanged,
    ImportRemoved,
}

impl Action {
    pub const ALL: [Action; 47] = [
        Action::SignIn,
        Action::SignInFailed,
        Action::LockedOut,
        Action::SignOut,
        Action::PasswordChanged,
        Action::PasswordReset,
        Action::UserCreated,
        Action::UserUpdated,
        Action::UserDisabled,
        Action::UserEnabled,
        Action::OfficeCreated,
        Action::OfficeUpdated,
        Action::CustomerCreated,
        Action::CustomerUpdated,
        Action::CustomerViewed,
        Action::CustomersSearched,
        Action::IdNumberRevealed,
        Action::VersionRestored,
        Action::InteractionLogged,
        Action::ChangeReported,
        Action::CustomersImported,
        Action::TagMoved,
        Action::JobRun,
        Action::MailQueued,
        Action::MailSending,
        Action::MailSent,
        Action::MailRetrying,
        Action::MailFailed,
        Action::MailUnknown,
        Action::MailRetryRequested,
        Action::MailPaused,
        Action::MailResumed,
        Action::MailBodyViewed,
        Action::CustomerVerified,
        Action::StatusChanged,
        Action::CallbackLogged,
        Action::CleanupDecided,
        Action::LegalReviewRecorded,
        Action::CustomersArchived,
        Action::BackupCreated,
        Action::BackupFailed,
        Action::BackupRotated,
        Action::BackupCopiedOffsite,
        Action::KeysExported,
        Action::Restored,
        Action::ChangeClosedUnchanged,
        Action::ImportRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::SignInFailed => "sign_in_failed",
            Action::LockedOut => "locked_out",
            Action::SignOut => "sign_out",
            Action::PasswordChanged => "password_changed",
            Action::PasswordReset => "password_reset",
            Action::UserCreated => "user_created",
            Action::UserUpdated => "user_updated",
            Action::UserDisabled => "user_disabled",
            Action::UserEnabled => "user_enabled",
            Action::OfficeCreated => "office_created",
            Action::OfficeUpdated => "office_updated",
            Action::CustomerCreated => "customer_created",
            Action::CustomerUpdated => "customer_updated",
            Action::CustomerViewed => "customer_viewed",
            Action::CustomersSearched => "customers_searched",
            Action::IdNumberRevealed => "id_number_revealed",
            Action::VersionRestored => "version_restored",
            Action::InteractionLogged => "interaction_logged",
            Action::ChangeReported => "change_reported",
            Action::CustomersImported => "customers_imported",
            Action::TagMoved => "tag_moved",
            Action::JobRun => "job_run",
            Action::MailQueued => "mail_queued",
            Action::MailSending => "mail_sending",
            Action::MailSent => "mail_sent",
            Action::MailRetrying => "mail_retrying",
            Action::MailFailed => "mail_failed",
            Action::MailUnknown => "mail_unknown",
            Action::MailRetryRequested => "mail_retry_requested",
            Action::MailPaused => "mail_paused",
            Action::MailResumed => "mail_resumed",
            Action::MailBodyViewed => "mail_body_viewed",
            Action::CustomerVerified => "customer_verified",
            Action::StatusChanged => "status_changed",
            Action::CallbackLogged => "callback_logged",
            Action::CleanupDecided => "cleanup_decided",
            Action::LegalReviewRecorded => "legal_review_recorded",
            Action::CustomersArchived => "customers_archived",
            Action::BackupCreated => "backup_created",
            Action::BackupFailed => "backup_failed",
            Action::BackupRotated => "backup_rotated",
            Action::BackupCopiedOffsite => "backup_copied_offsite",
            Action::KeysExported => "keys_exported",
            Action::Restored => "restored",
            Action::ChangeClosedUnchanged => "change_closed_unchanged",
            Action::ImportRemoved => "import_removed",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who did it: a signed-in user, someone not signed in, or the system itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User { id: i32, name: String },
    Anonymous,
    System,
}

impl Actor {
    pub fn id(&self) -> Option<i32> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::User { name, .. } => name,
            Actor::Anonymous => "-",
            Actor::System => "system",
        }
    }
}

/// One entry to append: the whole typed API other modules use.
#[derive(Debug, Clone)]
pub struct Event {
    pub actor: Actor,
    pub action: Action,
    /// What it was done to, e.g. `user:alice` or `office:东城管理处`.
    pub target: String,
    /// The client address, or `cli` / `scheduler`.
    pub address: String,
    pub details: String,
}

impl Event {
    pub fn new(
        actor: Actor,
        action: Action,
        target: impl Into<String>,
        address: impl Into<String>,
    ) -> Event {
        Event {
            actor,
            action,
            target: target.into(),
            address: address.into(),
            details: String::new(),
        }
    }

    /// Free text of the entry. An ID number in it (a search, a reason typed by a clerk)
    /// is kept masked: auditors and admins read the log, and it is never erased.
    pub fn details(mut self, details: impl Into<String>) -> Event {
        self.details = crate::domain::customer::mask_id_numbers(&details.into());
        self
    }
}

/// The stored fields that the hash covers, in a fixed order.
pub struct Canonical<'a> {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i32>,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub address: &'a str,
    pub details: &'a str,
    pub prev_hash: &'a str,
}

impl Canonical<'_> {
    /// SHA-256 over a JSON array of the fields: unambiguous whatever the text holds.
    pub fn hash(&self) -> String {
        let at = self.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        let canonical = serde_json::json!([
            self.seq,
            at,
            self.actor_id,
            self.actor,
            self.action,
            self.target,
            self.address,
            self.details,
            self.prev_hash
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(details: &str) -> String {
        Canonical {
            seq: 1,
            at: chrono::DateTime::from_timestamp(1_700_000_000, 123_456_000)
                .unwrap()
                .naive_utc(),
            actor_id: Some(1),
            actor: "admin",
            action: "sign_in",
            target: "user:admin",
            address: "127.0.0.1",
            details,
            prev_hash: GENESIS_HASH,
        }
        .hash()
    }

    #[test]
    fn the_hash_changes_with_any_field() {
        assert_eq!(entry(""), entry(""));
        assert_ne!(entry(""), entry(" "));
    }

    #[test]
    fn actions_round_trip_through_text() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
    }
}
