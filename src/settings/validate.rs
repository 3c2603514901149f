//! The checks every setting passes before anything starts: a bad value stops the start
//! with a message naming the key (and its environment variable) and the value.

use std::net::SocketAddr;

use super::{redact_url, Settings, SettingsError};

impl Settings {
    pub(super) fn validate(&self) -> Result<(), SettingsError> {
        let invalid = |key, value: &dyn ToString, why: &str| SettingsError::Invalid {
            key,
            value: value.to_string(),
            why: why.into(),
        };
        if self.bind.parse::<SocketAddr>().is_err() {
            return Err(invalid(
                "bind (DOSSIER_BIND)",
                &self.bind,
                "expected an address like 127.0.0.1:8080",
            ));
        }
        if let Some(url) = &self.database_url {
            crate::db::Backend::from_url(url)
                .map_err(|why| invalid("database_url (DATABASE_URL)", url, &why.to_string()))?;
        }
        if let Some(key) = &self.secret_key {
            if key.len() < 32 {
                return Err(invalid(
                    "secret_key (DOSSIER_SECRET_KEY)",
                    &"<hidden>",
                    "must be at least 32 characters",
                ));
            }
        }
        if !(0.01..=1440.0).contains(&self.session_idle_minutes) {
            return Err(invalid(
                "session_idle_minutes (DOSSIER_SESSION_IDLE_MINUTES)",
                &self.session_idle_minutes,
                "must be between 0.01 and 1440",
            ));
        }
        let ranges: [(&'static str, u32, u32, u32); 14] = [
            ("lockout_threshold", self.lockout_threshold, 1, 100),
            ("lockout_seconds", self.lockout_seconds, 1, 24 * 3600),
            (
                "login_rate_per_minute",
                self.login_rate_per_minute,
                1,
                10_000,
            ),
            ("db_pool_size", self.db_pool_size, 1, 256),
            ("audit_page_size", self.audit_page_size, 10, 1000),
            ("reverify_months", self.reverify_months, 1, 120),
            ("reverify_months_vip", self.reverify_months_vip, 1, 120),
            (
                "reverify_daily_limit",
                self.reverify_daily_limit,
                1,
                1_000_000,
            ),
            ("verify_link_days", self.verify_link_days, 1, 365),
            ("dormant_months", self.dormant_months, 1, 120),
            ("cleanup_months", self.cleanup_months, 24, 36),
            ("backup.keep_daily", self.backup.keep_daily, 1, 366),
            ("backup.keep_weekly", self.backup.keep_weekly, 0, 520),
            ("backup.keep_monthly", self.backup.keep_monthly, 0, 1200),
        ];
        for (key, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(invalid(
                    key,
                    &value,
                    &format!("must be between {min} and {max}"),
                ));
            }
        }
        if self.cleanup_months <= self.dormant_months {
            return Err(invalid(
                "cleanup_months",
                &self.cleanup_months,
                "must be longer than dormant_months",
            ));
        }
        self.zone()?;
        for (key, pattern) in self.cron.named() {
            crate::cron::parse(pattern).map_err(|why| invalid(key, &pattern, &why))?;
        }
        if let Some(url) = &self.smtp_url {
            crate::mail::SmtpUrl::parse(url)
                .map_err(|why| invalid("smtp_url (DOSSIER_SMTP_URL)", &redact_url(url), &why))?;
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(invalid(
                "public_url (DOSSIER_PUBLIC_URL)",
                &self.public_url,
                "must start with http:// or https://",
            ));
        }
        if self.mail_from.parse::<lettre::Address>().is_err() {
            return Err(invalid(
                "mail_from (DOSSIER_MAIL_FROM)",
                &self.mail_from,
                "expected an email address",
            ));
        }
        Ok(())
    }
}
