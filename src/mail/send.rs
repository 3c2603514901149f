//! Sending one mail and sorting the relay's answer into sent, try again, or give up.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

/// What became of one attempt. Each carries the text kept in `outbox.last_answer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The relay accepted it (2xx).
    Sent(String),
    /// Refused for good (5xx, or an address that cannot be written): never retried.
    Permanent(String),
    /// The relay said "later" (4xx): try again after a while.
    Temporary(String),
    /// No answer at all (refused connection, timeout, TLS): the relay is unreachable,
    /// so the rest of the batch is not tried either.
    Unreachable(String),
}

/// One plain-text UTF-8 mail.
pub struct Outgoing<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Sends one mail over `transport` (one connection per call).
pub fn send(transport: &SmtpTransport, mail: &Outgoing<'_>) -> Outcome {
    let to: Mailbox = match mail.to.trim().parse() {
        Ok(to) => to,
        Err(e) => return Outcome::Permanent(format!("invalid recipient address: {e}")),
    };
    let message = Message::builder()
        .from(mail.from.clone())
        .to(to)
        .subject(mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.to_string());
    let message = match message {
        Ok(message) => message,
        Err(e) => return Outcome::Permanent(format!("cannot build the message: {e}")),
    };
    match transport.send(&message) {
        Ok(response) => {
            let text: Vec<&str> = response.message().collect();
            Outcome::Sent(format!("{} {}", response.code(), text.join(" ")))
        }
        Err(e) if e.is_permanent() => Outcome::Permanent(e.to_string()),
        Err(e) if e.is_transient() => Outcome::Temporary(e.to_string()),
        Err(e) => Outcome::Unreachable(error_chain(&e)),
    }
}

/// lettre's own message ("network error") hides the cause ("connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
