//! Builds the application: data folder, keys, database, migrations, and the HTTP server
//! bound to its address (port 0 in tests).

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;

use crate::crypto::Keys;
use crate::db::{self, DbConnection, DbPool};
use crate::settings::Settings;
use crate::state::AppState;
use crate::web::{csrf, current_user, error_pages, input, request_log};

pub const SESSION_COOKIE: &str = "dossier_session";
const SECRET_KEY_FILE: &str = "secret.key";

pub struct Application {
    port: u16,
    server: Server,
    pub pool: DbPool,
    pub state: AppState,
    /// Running when `settings.scheduler` is on; stopped with the server.
    scheduler: Option<crate::jobs::scheduler::Scheduler>,
}

impl Application {
    /// Prepares everything and binds the listener; the server runs when awaited.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        settings.zone()?;
        let pool = open_database(&settings)?;
        let key = session_key(&settings)?;
        let keys = load_keys(&settings)?;
        let listener = TcpListener::bind(&settings.bind).with_context(|| {
            format!(
                "cannot listen on {} (setting bind / DOSSIER_BIND)",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        // Database work runs on actix's blocking threads, a set per worker; more of them
        // than pooled connections only wait, and each keeps memory of its own (measured
        // with glibc's malloc: 110 MiB peak under load with the default of hundreds; 64 MiB
        // with the pool size per worker, 59 MiB with it shared out between the workers, at
        // the same speed).
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let blocking_threads = (settings.db_pool_size as usize).div_ceil(workers).max(2);
        let app_state = AppState::new(pool.clone(), settings, keys);
        let scheduler = if app_state.settings.scheduler {
            Some(crate::jobs::scheduler::start(app_state.clone()).await?)
        } else {
            None
        };
        let state = web::Data::new(app_state.clone());
        let server = HttpServer::new(move || {
            let secure = state.settings.cookie_secure;
            App::new()
                .app_data(state.clone())
                .configure(crate::routes::configure)
                // Middleware runs from the last added to the first.
                .wrap(from_fn(input::check_request_line))
                .wrap(from_fn(csrf::check))
                .wrap(from_fn(current_user::load))
                .wrap(from_fn(error_pages::render))
                .wrap(session_middleware(key.clone(), secure))
                .wrap(security_headers())
                .wrap(tracing_actix_web::TracingLogger::<request_log::MaskedSpans>::new())
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        // `serve` handles SIGTERM and SIGINT itself (`shutdown`): actix's own handling
        // would leave the jobs running and the WAL unmerged.
        .disable_signals()
        .shutdown_timeout(crate::shutdown::REQUESTS.as_secs())
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            pool,
            state: app_state,
            scheduler,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some(mut scheduler) = self.scheduler {
            let _ = scheduler.shutdown().await;
        }
        result
    }

    /// `serve`: runs until SIGTERM or SIGINT, then stops as `shutdown` says. False when
    /// a job was still running at the end (its thread is left behind).
    pub async fn run_until_signalled(
        self,
        signals: crate::shutdown::Signals,
    ) -> std::io::Result<bool> {
        let Application {
            server,
            pool,
            state,
            scheduler,
            ..
        } = self;
        let (began, signalled) = tokio::sync::oneshot::channel();
        actix_web::rt::spawn(crate::shutdown::on_signals(
            signals,
            server.handle(),
            state.stop.clone(),
            began,
        ));
        let served = server.await;
        let began = signalled
            .await
            .unwrap_or_else(|_| std::time::Instant::now());
        let instance = match scheduler {
            Some(mut scheduler) => {
                state.stop.raise();
                // Only stops the firing of new runs; the running ones see the flag.
                let _ =
                    tokio::time::timeout(std::time::Duration::from_secs(1), scheduler.shutdown())
                        .await;
                Some(scheduler.instance)
            }
            None => None,
        };
        let stop = state.stop.clone();
        drop(state);
        let all_ended = crate::shutdown::finish(pool, &stop, instance.as_deref(), began).await;
        served.map(|()| all_ended)
    }
}

/// The data folder's encryption keys, checked against the fingerprint in the database:
/// keys that do not match (or new keys for data already encrypted) stop the start.
pub fn load_keys(settings: &Settings) -> anyhow::Result<Keys> {
    let existed = settings.data_dir().join(crate::crypto::KEY_FILE).exists();
    let mut conn = connect(settings)?;
    if !existed && db::key_check::any_encrypted(&mut conn)? {
        anyhow::bail!(
            "{} is missing but the database holds encrypted data: put back the key file \
             (see `dossier keys export`) before starting",
            settings.data_dir().join(crate::crypto::KEY_FILE).display()
        );
    }
    let keys = Keys::load_or_create(settings.data_dir())?;
    match db::key_check::fingerprint(&mut conn)? {
        Some(stored) if stored != keys.fingerprint() => anyhow::bail!(
            "{} holds other keys than the ones this database was encrypted with; use the \
             matching key file (every instance on one database needs the same one)",
            settings.data_dir().join(crate::crypto::KEY_FILE).display()
        ),
        Some(_) => {}
        None => db::key_check::set(&mut conn, &keys.fingerprint())?,
    }
    Ok(keys)
}

/// Creates the data folder, runs pending migrations and opens the pool.
pub fn open_database(settings: &Settings) -> anyhow::Result<DbPool> {
    connect(settings)?;
    Ok(db::build_pool(
        &settings.effective_database_url(),
        settings.db_pool_size,
    )?)
}

/// One migrated connection, for CLI commands. They must not use the pool: its background
/// thread may still be inside libpq when the process exits, which crashes it.
pub fn connect(settings: &Settings) -> anyhow::Result<DbConnection> {
    create_data_dir(settings.data_dir())?;
    let mut conn = DbConnection::open(&settings.effective_database_url())
        .map_err(|e| db::connection::ConnectError(e.to_string()))?;
    let applied = db::migrate::run_pending(&mut conn)
        .map_err(anyhow::Error::from_boxed)
        .context("migration failed")?;
    for name in applied {
        tracing::info!(migration = %name, "applied");
    }
    // Before the indexes are built: deleting is cheaper without them.
    let removed = crate::service::import::recover::remove_interrupted(&mut conn, &settings.clock())
        .context("cannot remove an interrupted import")?;
    for import in removed {
        tracing::warn!(
            file = %import.file,
            started_at = %import.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
            records = import.records,
            "an import was cut off before it finished: removed the records it had stored \
             (all or nothing); import the file again"
        );
    }
    if let Some(records) = db::customers::search::index::rebuild_if_asked(&mut conn)
        .context("cannot rebuild the search index")?
    {
        tracing::info!(
            records,
            "rebuilt the search index of short names and filters"
        );
    }
    let built = db::bulk_load::restore(&mut conn, None)
        .context("cannot build the indexes an import left out")?;
    if built > 0 {
        tracing::warn!(
            built,
            "built the indexes an interrupted import had left out"
        );
    }
    Ok(conn)
}

/// The data folder holds the database and keys: a new one is readable by its owner only.
fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn session_middleware(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(SESSION_COOKIE.to_string())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build()
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        // Pages hold personal data: no copies in shared caches or the back-button cache.
        .add(("Cache-Control", "no-store"))
}

/// The cookie key: from `DOSSIER_SECRET_KEY`, else from a 0600 key file in the data
/// folder, made with 64 random bytes on first start.
fn session_key(settings: &Settings) -> anyhow::Result<Key> {
    let secret = match &settings.secret_key {
        Some(secret) => secret.clone(),
        None => read_or_create_key_file(&settings.data_dir().join(SECRET_KEY_FILE))?,
    };
    if secret.len() < 32 {
        anyhow::bail!(
            "setting secret_key (DOSSIER_SECRET_KEY) is too short: at least 32 characters"
        );
    }
    Ok(Key::derive_from(secret.as_bytes()))
}

fn read_or_create_key_file(path: &Path) -> anyhow::Result<String> {
    if path.exists() {
        let secret = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(secret.trim().to_string());
    }
    let mut bytes = [0u8; 64];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let secret = hex::encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(secret.as_bytes())?;
    Ok(secret)
}
