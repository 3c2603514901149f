//! An interaction with a customer (服务记录: a call, a visit…) as the record page's form
//! posts it, and its check.

use chrono::NaiveDate;

use super::customer::parse_past_date;
use super::validation::{required_text, FieldErrors};

pub const SUMMARY_MAX: usize = 1000;

/// Interaction channels, stored as text, each with its label's locale key.
pub const CHANNELS: [(&str, &str); 5] = [
    ("call", "channel-call"),
    ("visit", "channel-visit"),
    ("email", "channel-email"),
    ("message", "channel-message"),
    ("other", "channel-other"),
];

/// The form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct InteractionInput {
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub summary: String,
}

/// An interaction once checked; ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionDraft {
    pub occurred_on: NaiveDate,
    pub channel: String,
    pub summary: String,
}

/// A date (not after `today`), a known channel and a summary are all required.
pub fn check(input: &InteractionInput, today: NaiveDate) -> Result<InteractionDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let on = parse_past_date(&input.occurred_on, today);
    let summary = required_text(&mut errors, "summary", &input.summary, SUMMARY_MAX);
    if !CHANNELS.iter().any(|(c, _)| *c == input.channel) {
        errors.add("channel", "err-channel-unknown");
    }
    let occurred_on = match on {
        Ok(Some(on)) => on,
        Ok(None) => {
            errors.add("occurred_on", "err-required");
            today
        }
        Err(key) => {
            errors.add("occurred_on", key);
            today
        }
    };
    errors.into_result(InteractionDraft {
        occurred_on,
        channel: input.channel.clone(),
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn a_dated_call_with_a_summary_passes_trimmed() {
        let input = InteractionInput {
            occurred_on: "2026-11-20".into(),
            channel: "call".into(),
            summary: "  asked about parking ".into(),
        };
        let draft = check(&input, today()).unwrap();
        assert_eq!(draft.occurred_on.to_string(), "2026-11-20");
        assert_eq!(draft.summary, "asked about parking");
    }

    #[test]
    fn every_field_reports_its_own_error() {
        let input = InteractionInput {
            occurred_on: "2026-12-01".into(),
            channel: "fax".into(),
            summary: String::new(),
        };
        let errors = check(&input, today()).unwrap_err();
        assert_eq!(errors.get("occurred_on"), Some("err-date-future"));
        assert_eq!(errors.get("channel"), Some("err-channel-unknown"));
        assert_eq!(errors.get("summary"), Some("err-required"));
    }
}
