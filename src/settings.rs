//! Settings: defaults ← `dossier.toml` (data folder or `--config`) ← environment ← CLI flags.
//!
//! Every value is checked here, once, so a bad setting stops the start with a message that
//! names the key and the value instead of failing later inside a request.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

mod validate;

/// The name of the optional settings file looked for in the data folder.
pub const CONFIG_FILE: &str = "dossier.toml";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub bind: String,
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; `sqlite://PATH` or empty for the embedded file.
    pub database_url: Option<String>,
    /// Secret for session cookies and CSRF; else a key file in the data folder.
    pub secret_key: Option<String>,
    pub cookie_secure: bool,
    /// Fractions are allowed (0.05 = 3 s), which the tests use.
    pub session_idle_minutes: f64,
    pub lockout_threshold: u32,
    pub lockout_seconds: u32,
    /// Sign-in attempts allowed per client address per minute.
    pub login_rate_per_minute: u32,
    pub db_pool_size: u32,
    pub audit_page_size: u32,
    /// `smtp://host:port`, `smtp+starttls://host:port` or `smtps://user:pass@host:465`.
    /// Without it mail stays queued in the outbox, readable on `/admin/outbox`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// The base of links in mails, as customers reach it (e.g. `https://dossier.example.cn`).
    pub public_url: String,
    /// Run the scheduled jobs in this process. Several instances may: each slot runs once.
    pub scheduler: bool,
    /// Re-verification cycle in months, for personal and enterprise customers and for VIPs.
    pub reverify_months: u32,
    pub reverify_months_vip: u32,
    /// The most re-verification mails one run queues (a first import's backlog is spread
    /// over the days that follow, longest overdue first).
    pub reverify_daily_limit: u32,
    /// How long a re-verification link stays valid.
    pub verify_link_days: u32,
    /// No interaction for this long: pending activation (call back).
    pub dormant_months: u32,
    /// No interaction for this long (24–36): the cleanup list.
    pub cleanup_months: u32,
    /// The offices' time zone (IANA name): "today", due times, the times shown and the
    /// cron schedules are read in it; instants are stored in UTC.
    pub timezone: String,
    /// Tests only (never read from a file or the environment): the clock starts at this
    /// instant and runs on from there.
    #[serde(skip)]
    pub clock_start: Option<chrono::DateTime<chrono::Utc>>,
    /// Cron schedules (with a seconds field), in the offices' time zone.
    pub cron: CronSettings,
    pub backup: BackupSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CronSettings {
    pub reverify: String,
    pub deliver_mail: String,
    pub dormancy: String,
    pub backup: String,
}

impl CronSettings {
    /// Every schedule with the name of its setting, as the checks at start report it. A
    /// job reads its own field (`Job::cron`); a new job adds its field here too.
    pub fn named(&self) -> [(&'static str, &str); 4] {
        [
            ("cron.reverify", &self.reverify),
            ("cron.deliver_mail", &self.deliver_mail),
            ("cron.dormancy", &self.dormancy),
            ("cron.backup", &self.backup),
        ]
    }
}

impl Default for CronSettings {
    fn default() -> Self {
        CronSettings {
            reverify: "0 0 7 * * *".into(),
            deliver_mail: "0 * * * * *".into(),
            dormancy: "0 30 1 * * *".into(),
            backup: "0 0 2 * * *".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackupSettings {
    /// Where backups are written [default: `backups` in the data folder].
    pub dir: Option<PathBuf>,
    /// A folder elsewhere (e.g. a mounted share) that receives the latest verified backup
    /// once a week.
    pub offsite_dir: Option<PathBuf>,
    pub keep_daily: u32,
    pub keep_weekly: u32,
    pub keep_monthly: u32,
    /// The PostgreSQL client programs used to dump and restore.
    pub pg_dump: String,
    pub psql: String,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            dir: None,
            offsite_dir: None,
            keep_daily: 7,
            keep_weekly: 4,
            keep_monthly: 12,
            pg_dump: "pg_dump".into(),
            psql: "psql".into(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            secret_key: None,
            cookie_secure: false,
            session_idle_minutes: 30.0,
            lockout_threshold: 5,
            lockout_seconds: 15 * 60,
            login_rate_per_minute: 30,
            db_pool_size: 8,
            audit_page_size: 50,
            smtp_url: None,
            mail_from: "dossier@localhost".into(),
            public_url: "http://127.0.0.1:8080".into(),
            scheduler: true,
            reverify_months: 12,
            reverify_months_vip: 6,
            reverify_daily_limit: 300,
            verify_link_days: 14,
            dormant_months: 6,
            cleanup_months: 24,
            timezone: crate::clock::DEFAULT_ZONE.name().into(),
            clock_start: None,
            cron: CronSettings::default(),
            backup: BackupSettings::default(),
        }
    }
}

/// What the command line may say on top of the other sources.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("setting {key} = {value:?} is invalid: {why}")]
    Invalid {
        key: &'static str,
        value: String,
        why: String,
    },
    #[error("{0}")]
    Source(String),
}

impl Settings {
    /// Loads the settings from every source, in order of precedence.
    pub fn load(overrides: &Overrides) -> Result<Settings, SettingsError> {
        // The data folder decides where `dossier.toml` is, so it is resolved first.
        // Groups are reached with their name as a prefix: DOSSIER_CRON_BACKUP = cron.backup,
        // DOSSIER_BACKUP_OFFSITE_DIR = backup.offsite_dir.
        let env = Env::prefixed("DOSSIER_")
            .ignore(&["PASSWORD", "TEST_PG_URL"])
            .map(|key| {
                // The mapper sees the name before figment lowercases it.
                let key = key.as_str().to_ascii_lowercase();
                for group in ["cron_", "backup_"] {
                    if let Some(rest) = key.strip_prefix(group) {
                        return format!("{}.{rest}", &group[..group.len() - 1]).into();
                    }
                }
                key.into()
            });
        let data_dir = match &overrides.data_dir {
            Some(dir) => dir.clone(),
            None => Figment::from(Serialized::defaults(Settings::default()))
                .merge(env.clone().only(&["DATA_DIR"]))
                .extract_inner::<PathBuf>("data_dir")
                .map_err(|e| SettingsError::Source(e.to_string()))?,
        };
        let config_file = overrides
            .config_file
            .clone()
            .unwrap_or_else(|| data_dir.join(CONFIG_FILE));
        if overrides.config_file.is_some() && !config_file.exists() {
            return Err(SettingsError::Invalid {
                key: "--config",
                value: config_file.display().to_string(),
                why: "file not found".into(),
            });
        }
        let mut figment = Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(&config_file))
            .merge(env)
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            );
        if let Some(bind) = &overrides.bind {
            figment = figment.merge(("bind", bind));
        }
        figment = figment.merge(("data_dir", &data_dir));
        let settings: Settings = figment
            .extract()
            .map_err(|e| SettingsError::Source(describe_figment_error(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    /// The offices' time zone.
    pub fn zone(&self) -> Result<chrono_tz::Tz, SettingsError> {
        self.timezone
            .trim()
            .parse()
            .map_err(|_| SettingsError::Invalid {
                key: "timezone (DOSSIER_TIMEZONE)",
                value: self.timezone.clone(),
                why: "expected an IANA time zone name such as Asia/Shanghai".into(),
            })
    }

    /// The clock every "today", due time and shown time comes from. The zone was checked
    /// when the settings loaded (and `Application::build` checks it again).
    pub fn clock(&self) -> crate::clock::Clock {
        use crate::clock::{Clock, DEFAULT_ZONE};
        let zone = self.zone().unwrap_or(DEFAULT_ZONE);
        match self.clock_start {
            Some(at) => Clock::starting_at(zone, at),
            None => Clock::system(zone),
        }
    }

    /// Where backups are written.
    pub fn backup_dir(&self) -> PathBuf {
        self.backup
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("backups"))
    }

    /// The SQLite file used when no `DATABASE_URL` is set.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("dossier.db")
    }

    /// The database URL in force: `DATABASE_URL`, else the SQLite file in the data folder.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.is_empty() => url.clone(),
            _ => self.sqlite_path().display().to_string(),
        }
    }

    /// The database URL with any password replaced, for messages.
    pub fn effective_database_url_redacted(&self) -> String {
        redact_url(&self.effective_database_url())
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

/// A URL with its password (if any) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            match url[scheme_end + 3..at].split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// figment's message names the key and the source; add the offending value where it has one.
fn describe_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            format!("setting {key} is invalid ({source}): {}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
