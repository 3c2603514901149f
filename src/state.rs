//! What every handler shares: the pool, the settings, the sign-in rate limiter.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::web;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::audit_writer::AuditWriter;
use crate::clock::Clock;
use crate::crypto::Keys;
use crate::db::{read_tx, DbConnection, DbPool};
use crate::error::AppError;
use crate::service;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    /// Field encryption and blind-index keys (from the data folder, never the database).
    pub keys: Arc<Keys>,
    pub settings: Arc<Settings>,
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// Group commit for record views and searches.
    pub audit: AuditWriter,
    /// Every "today", due time and shown time (the offices' time zone).
    pub clock: Clock,
    /// Raised when the app is stopping: jobs stop at their next batch.
    pub stop: crate::jobs::Stop,
}

impl AppState {
    pub fn new(pool: DbPool, settings: Settings, keys: Keys) -> AppState {
        let per_minute = NonZeroU32::new(settings.login_rate_per_minute).unwrap_or(NonZeroU32::MIN);
        AppState {
            audit: AuditWriter::start(pool.clone()),
            clock: settings.clock(),
            pool,
            keys: Arc::new(keys),
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            settings: Arc::new(settings),
            stop: crate::jobs::Stop::default(),
        }
    }

    /// Runs blocking database work on the thread pool with a pooled connection. The work
    /// answers with the use cases' error, which knows no HTTP; it becomes an `AppError` here.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, service::Error> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            Ok(f(&mut conn)?)
        })
        .await
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("blocking task failed")))?
    }

    /// Like `db`, for work that only reads: one snapshot, one read transaction (see
    /// `read_tx`). Nothing inside may write.
    pub async fn read<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, service::Error> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| read_tx(conn, f)).await
    }
}

/// What the scheduler needs of the web app's state.
impl From<AppState> for crate::jobs::scheduler::Host {
    fn from(state: AppState) -> Self {
        crate::jobs::scheduler::Host {
            pool: state.pool,
            settings: state.settings,
            keys: state.keys,
            clock: state.clock,
            stop: state.stop,
        }
    }
}
