//! Mail in the outbox: its states, when a failed attempt is tried again, and how a
//! recipient is shown to people who must not read customer data.

use std::fmt;
use std::str::FromStr;

use chrono::Duration;

/// Where a mail is on its way out. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailState {
    Queued,
    /// Claimed by a worker that is talking to the relay (until its lease runs out).
    Sending,
    Sent,
    /// A temporary failure; tried again at `next_attempt_at`.
    Retrying,
    /// A permanent refusal, or too many attempts. Only a person sends it again.
    Failed,
    /// The worker stopped mid-send: the mail may or may not have left. Never resent
    /// automatically (that could send it twice); a person decides.
    Unknown,
}

impl MailState {
    pub const ALL: [MailState; 6] = [
        MailState::Queued,
        MailState::Sending,
        MailState::Sent,
        MailState::Retrying,
        MailState::Failed,
        MailState::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Retrying => "retrying",
            MailState::Failed => "failed",
            MailState::Unknown => "unknown",
        }
    }

    /// The fluent key of the state's label.
    pub fn label_key(self) -> &'static str {
        match self {
            MailState::Queued => "mail-state-queued",
            MailState::Sending => "mail-state-sending",
            MailState::Sent => "mail-state-sent",
            MailState::Retrying => "mail-state-retrying",
            MailState::Failed => "mail-state-failed",
            MailState::Unknown => "mail-state-unknown",
        }
    }

    /// Whether a person may put the mail back in the queue.
    pub fn can_retry(self) -> bool {
        matches!(self, MailState::Failed | MailState::Unknown)
    }
}

impl fmt::Display for MailState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MailState {
    type Err = String;
    fn from_str(s: &str) -> Result<MailState, String> {
        MailState::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown mail state {s:?}"))
    }
}

/// How long to wait after the `attempts`-th failed attempt, or `None` when the mail
/// should be given up (failed). A relay outage of a day delays mail, it does not lose it.
pub fn backoff(attempts: i32) -> Option<Duration> {
    let minutes = match attempts {
        ..=1 => 1,
        2 => 5,
        3 => 30,
        4 => 120,
        5 => 360,
        6 | 7 => 720,
        _ => return None,
    };
    Some(Duration::minutes(minutes))
}

/// `w***@qq.com`: enough to tell mails apart, not enough to read the address.
pub fn mask_recipient(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let first: String = local.chars().take(1).collect();
    if domain.is_empty() {
        format!("{first}***")
    } else {
        format!("{first}***@{domain}")
    }
}

/// A relay's answer with any echo of the recipient masked ("550 <w***@qq.com>: no such
/// user"), for the list and the operation log, which admins may read.
pub fn mask_answer(answer: &str, recipient: &str) -> String {
    let recipient = recipient.trim();
    if recipient.is_empty() {
        return answer.to_string();
    }
    answer.replace(recipient, &mask_recipient(recipient))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_text() {
        for state in MailState::ALL {
            assert_eq!(state.as_str().parse::<MailState>(), Ok(state));
        }
        assert!("lost".parse::<MailState>().is_err());
    }

    #[test]
    fn the_backoff_grows_and_gives_up_after_the_eighth_attempt() {
        assert_eq!(backoff(1), Some(Duration::minutes(1)));
        assert_eq!(backoff(2), Some(Duration::minutes(5)));
        assert_eq!(backoff(5), Some(Duration::hours(6)));
        assert!(backoff(7).is_some());
        assert_eq!(backoff(8), None);
    }

    #[test]
    fn a_recipient_shows_its_first_character_and_domain_only() {
        assert_eq!(mask_recipient("wang.fang@qq.com"), "w***@qq.com");
        assert_eq!(mask_recipient("李雷@163.com"), "李***@163.com");
        assert_eq!(mask_recipient("nobody"), "n***");
        assert_eq!(mask_recipient(""), "***");
    }

    #[test]
    fn an_answer_that_echoes_the_recipient_is_masked() {
        assert_eq!(
            mask_answer("550 5.1.1 <li.lei@163.com>: no such user", "li.lei@163.com"),
            "550 5.1.1 <l***@163.com>: no such user"
        );
        assert_eq!(mask_answer("451 later", ""), "451 later");
    }

    #[test]
    fn only_failed_and_unknown_mail_may_be_requeued() {
        let retryable: Vec<_> = MailState::ALL
            .into_iter()
            .filter(|s| s.can_retry())
            .collect();
        assert_eq!(retryable, [MailState::Failed, MailState::Unknown]);
    }
}
