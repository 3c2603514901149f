//! The dormancy reviews' choices: what a callback to a customer pending activation came
//! to (and what a reached one logs), and whether a cleanup review keeps a record or
//! proposes archiving it.

use std::str::FromStr;

/// What a callback to a customer pending activation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// The customer answered: an interaction, which makes them active again.
    Reached,
    /// Nobody answered: the attempt is noted.
    NoAnswer,
}

impl FromStr for Callback {
    /// Why the form's value is refused (a bad request: the page only offers these two).
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Callback, &'static str> {
        match s {
            "reached" => Ok(Callback::Reached),
            "no_answer" => Ok(Callback::NoAnswer),
            _ => Err("outcome must be reached or no_answer"),
        }
    }
}

/// The summary of the interaction a reached callback logs: the note, or without one a
/// standard text.
pub fn callback_summary(note: &str) -> String {
    match note.trim() {
        "" => "回访 / callback".to_string(),
        note => note.to_string(),
    }
}

/// A cleanup review's decision on one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupChoice {
    /// Active again at once.
    Keep,
    /// Proposed for archiving, which waits for a legal review.
    Archive,
}

impl FromStr for CleanupChoice {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<CleanupChoice, &'static str> {
        match s {
            "keep" => Ok(CleanupChoice::Keep),
            "archive" => Ok(CleanupChoice::Archive),
            _ => Err("decision must be keep or archive"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callback_is_reached_or_unanswered_and_nothing_else() {
        assert_eq!("reached".parse(), Ok(Callback::Reached));
        assert_eq!("no_answer".parse(), Ok(Callback::NoAnswer));
        assert!("maybe".parse::<Callback>().is_err());
    }

    #[test]
    fn a_reached_callback_without_a_note_logs_the_standard_summary() {
        assert_eq!(callback_summary("  "), "回访 / callback");
        assert_eq!(callback_summary(" will renew "), "will renew");
    }

    #[test]
    fn a_cleanup_review_keeps_or_proposes_archiving_and_nothing_else() {
        assert_eq!("keep".parse(), Ok(CleanupChoice::Keep));
        assert_eq!("archive".parse(), Ok(CleanupChoice::Archive));
        assert!("delete".parse::<CleanupChoice>().is_err());
    }
}
