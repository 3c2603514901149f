//! The call list (复核电话清单): why a record due for re-verification is called rather
//! than mailed, and the day it fell due.

use chrono::NaiveDate;

use super::reverify::Cycles;

/// Why a due record is on the call list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallReason {
    /// No email address on file (a blank one counts as none).
    NoEmail,
    /// It has an address, so it is there because the latest mail to it failed.
    MailFailed,
}

impl CallReason {
    /// The reason for a record on the list with this email address.
    pub fn of(email: Option<&str>) -> CallReason {
        if email.is_none_or(|e| e.trim().is_empty()) {
            CallReason::NoEmail
        } else {
            CallReason::MailFailed
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            CallReason::NoEmail => "call-list-why-no-email",
            CallReason::MailFailed => "call-list-why-mail-failed",
        }
    }
}

/// The day a record fell due: one cycle after it was last verified, or, never verified,
/// after the first contact.
pub fn due_on(
    cycles: Cycles,
    customer_type: &str,
    last_verified_at: Option<NaiveDate>,
    first_contact_at: NaiveDate,
) -> NaiveDate {
    cycles.due_date(customer_type, last_verified_at.unwrap_or(first_contact_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_record_without_an_email_is_called_for_that_and_any_other_because_mail_failed() {
        assert_eq!(CallReason::of(None), CallReason::NoEmail);
        assert_eq!(CallReason::of(Some("  ")), CallReason::NoEmail);
        assert_eq!(
            CallReason::of(Some("a@example.com")),
            CallReason::MailFailed
        );
        assert_eq!(CallReason::NoEmail.label_key(), "call-list-why-no-email");
    }

    #[test]
    fn a_record_falls_due_a_cycle_after_its_last_verification_else_its_first_contact() {
        let cycles = Cycles {
            months: 12,
            vip_months: 6,
        };
        let first = day(2025, 3, 1);
        assert_eq!(due_on(cycles, "personal", None, first), day(2026, 3, 1));
        let verified = Some(day(2026, 1, 15));
        assert_eq!(due_on(cycles, "vip", verified, first), day(2026, 7, 15));
    }
}
