//! A change the customer reported (变更登记): the record page's form, its check, how long
//! it may wait, and the reason for closing one without an edit.

use chrono::NaiveDate;

use super::customer::parse_past_date;
use super::validation::{required_text, FieldErrors};

/// How long a reported change may wait before it is overdue.
pub const CHANGE_DEADLINE_HOURS: i64 = 48;
pub const DESCRIPTION_MAX: usize = 500;
/// Longest reason for closing a report without an edit.
pub const REASON_MAX: usize = 200;

/// The form as typed; an empty date means today.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportInput {
    #[serde(default)]
    pub reported_on: String,
    #[serde(default)]
    pub description: String,
}

/// A report once checked; ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    pub reported_on: NaiveDate,
    pub description: String,
}

/// A description is required; the day it was reported may not be after `today`.
pub fn check(input: &ReportInput, today: NaiveDate) -> Result<ReportDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let description = required_text(
        &mut errors,
        "description",
        &input.description,
        DESCRIPTION_MAX,
    );
    let reported_on = match parse_past_date(&input.reported_on, today) {
        Ok(Some(d)) => d,
        Ok(None) => today,
        Err(key) => {
            errors.add("reported_on", key);
            today
        }
    };
    errors.into_result(ReportDraft {
        reported_on,
        description,
    })
}

/// "No change needed" must say why: a blank reason has its own message.
pub fn check_close_reason(reason: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    if reason.trim().is_empty() {
        errors.add("reason", "err-no-change-reason");
    }
    let reason = required_text(&mut errors, "reason", reason, REASON_MAX);
    errors.into_result(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_report_without_a_date_was_reported_today() {
        let input = ReportInput {
            reported_on: String::new(),
            description: "moved to 3-402".into(),
        };
        assert_eq!(check(&input, today()).unwrap().reported_on, today());
    }

    #[test]
    fn a_blank_close_reason_says_a_reason_is_needed() {
        let errors = check_close_reason("  ").unwrap_err();
        assert_eq!(errors.get("reason"), Some("err-no-change-reason"));
        assert_eq!(
            check_close_reason(" already right ").unwrap(),
            "already right"
        );
    }
}
