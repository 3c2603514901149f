//! Outgoing mail: the SMTP address from the settings and the transport built from it.
//! What to send lives in the outbox (`db::outbox`); the `deliver-mail` job sends it with
//! `send::send`. Each message's text is a template under `templates/mail/` (`reverify`).

pub mod reverify;
pub mod send;

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::SmtpTransport;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: plain, for a relay on the local network.
    Plain,
    /// `smtp+starttls://`: plain, then upgraded with STARTTLS (required).
    StartTls,
    /// `smtps://`: TLS from the first byte.
    Tls,
}

/// `DOSSIER_SMTP_URL`, parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub security: Security,
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUrl")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

impl SmtpUrl {
    pub fn parse(text: &str) -> Result<SmtpUrl, String> {
        let url = url::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
        let (security, default_port) = match url.scheme() {
            "smtp" => (Security::Plain, 25),
            "smtp+starttls" => (Security::StartTls, 587),
            "smtps" => (Security::Tls, 465),
            other => {
                return Err(format!(
                    "scheme {other:?} is not one of smtp, smtp+starttls, smtps"
                ))
            }
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the URL names no host")?
            .to_string();
        let decode = |s: &str| {
            percent_decode(s).map_err(|_| "the user or password is not valid UTF-8".to_string())
        };
        let credentials = if url.username().is_empty() {
            None
        } else {
            Some((
                decode(url.username())?,
                decode(url.password().unwrap_or(""))?,
            ))
        };
        Ok(SmtpUrl {
            security,
            host,
            port: url.port().unwrap_or(default_port),
            credentials,
        })
    }

    /// A transport that opens one connection per send, with short timeouts so that a
    /// relay that hangs delays the worker by seconds, not minutes.
    pub fn transport(&self) -> Result<SmtpTransport, String> {
        let tls = || TlsParameters::new(self.host.clone()).map_err(|e| e.to_string());
        let builder = SmtpTransport::builder_dangerous(&self.host)
            .port(self.port)
            .timeout(Some(Duration::from_secs(20)))
            .tls(match self.security {
                Security::Plain => Tls::None,
                Security::StartTls => Tls::Required(tls()?),
                Security::Tls => Tls::Wrapper(tls()?),
            });
        let builder = match &self.credentials {
            Some((user, password)) => {
                builder.credentials(Credentials::new(user.clone(), password.clone()))
            }
            None => builder,
        };
        Ok(builder.build())
    }
}

fn percent_decode(s: &str) -> Result<String, std::str::Utf8Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_schemes_parse_with_their_default_ports() {
        let plain = SmtpUrl::parse("smtp://relay.local").unwrap();
        assert_eq!((plain.security, plain.port), (Security::Plain, 25));
        let starttls = SmtpUrl::parse("smtp+starttls://relay.local:2525").unwrap();
        assert_eq!(
            (starttls.security, starttls.port),
            (Security::StartTls, 2525)
        );
        let tls = SmtpUrl::parse("smtps://me%40corp:p%2Fss@mail.corp.cn").unwrap();
        assert_eq!((tls.security, tls.port), (Security::Tls, 465));
        assert_eq!(
            tls.credentials,
            Some(("me@corp".to_string(), "p/ss".to_string()))
        );
    }

    #[test]
    fn other_schemes_and_missing_hosts_are_refused() {
        for bad in ["http://relay", "smtp://", "relay:25", ""] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let url = SmtpUrl::parse("smtps://me:secret@mail.corp.cn").unwrap();
        assert!(!format!("{url:?}").contains("secret"));
    }
}
