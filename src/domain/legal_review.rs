//! A legal review (法务审核) of the archivings proposed on the cleanup list: who reviewed
//! them, when, and what they noted, as the form posts it, and its check.

use chrono::NaiveDate;

use super::customer::parse_past_date;
use super::validation::{required_text, FieldErrors};

pub const REVIEWER_MAX: usize = 100;
pub const NOTE_MAX: usize = 1000;

/// The form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LegalReviewInput {
    #[serde(default)]
    pub reviewer: String,
    #[serde(default)]
    pub reviewed_on: String,
    #[serde(default)]
    pub note: String,
}

/// A review once checked; ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalReviewDraft {
    pub reviewer: String,
    pub reviewed_on: NaiveDate,
    pub note: String,
}

/// The reviewer, the day (not after `today`) and a note are all required.
pub fn check(input: &LegalReviewInput, today: NaiveDate) -> Result<LegalReviewDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let reviewer = required_text(&mut errors, "reviewer", &input.reviewer, REVIEWER_MAX);
    let note = required_text(&mut errors, "note", &input.note, NOTE_MAX);
    let reviewed_on = match parse_past_date(&input.reviewed_on, today) {
        Ok(Some(d)) => d,
        Ok(None) => {
            errors.add("reviewed_on", "err-required");
            today
        }
        Err(key) => {
            errors.add("reviewed_on", key);
            today
        }
    };
    errors.into_result(LegalReviewDraft {
        reviewer,
        reviewed_on,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_needs_its_day() {
        let input = LegalReviewInput {
            reviewer: "李律师".into(),
            reviewed_on: String::new(),
            note: "同意归档".into(),
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let errors = check(&input, today).unwrap_err();
        assert_eq!(errors.get("reviewed_on"), Some("err-required"));
    }
}
