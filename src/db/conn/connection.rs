//! The connection enum, its r2d2 manager and the write-transaction helper.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::result::{ConnectionError, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<Manager>;

/// Which database a URL names. Decided here from the scheme, never guessed by diesel:
/// SQLite accepts any string as a path, so a mistyped `postgress://` would otherwise
/// quietly become a local file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres);
        }
        match url.split_once("://") {
            Some(("sqlite", _)) | None => Ok(Backend::Sqlite),
            Some((scheme, _)) => Err(format!(
                "unknown scheme {scheme:?}: use postgres://… or a SQLite file path"
            )),
        }
    }
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Pg(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Opens one connection, with the SQLite settings every connection needs.
    pub fn open(url: &str) -> Result<DbConnection, ConnectionError> {
        match Backend::from_url(url).map_err(ConnectionError::BadConnection)? {
            Backend::Postgres => Ok(DbConnection::Pg(PgConnection::establish(&with_defaults(
                url,
            ))?)),
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers work during a write; busy_timeout makes writers queue
                // instead of failing; foreign keys are off by default in SQLite.
                // temp_store: statement journals (one per multi-row INSERT) stay in memory
                // instead of temp files (measured: 10% of an import's time).
                conn.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                     PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                     PRAGMA temp_store = MEMORY;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// The PostgreSQL URL with the settings it does not give itself:
/// - `connect_timeout=5`: a server that does not answer must fail the start within
///   seconds, not hang;
/// - `sslmode=disable` when the host is this machine (`localhost`, `127.0.0.1`, `::1`):
///   libpq's default negotiates TLS even there, where it protects nothing and cost 12% of
///   the list page's throughput (1,547 -> 1,726 req/s measured at 100k records). A URL
///   that names an `sslmode` keeps it.
fn with_defaults(url: &str) -> String {
    let parsed = url::Url::parse(url).ok();
    let given = |key: &str| {
        parsed
            .as_ref()
            .is_some_and(|u| u.query_pairs().any(|(k, _)| k == key))
    };
    let loopback = parsed.as_ref().is_some_and(|u| {
        !given("host")
            // A postgres:// host is opaque to the url crate: an address comes as text.
            && u.host_str().is_some_and(|host| {
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            })
    });
    let mut added = Vec::new();
    if !given("connect_timeout") {
        added.push("connect_timeout=5");
    }
    if loopback && !given("sslmode") {
        added.push("sslmode=disable");
    }
    if added.is_empty() {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{}", added.join("&"))
}

/// r2d2 manager that keeps the real connection error (diesel's own hides it).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
}

/// How long a connection that answered is trusted without asking again. A PostgreSQL
/// restart leaves dead sockets in the pool that nothing else detects, so a connection is
/// tested on checkout, but at most once per interval: testing it on every checkout was
/// three of the record page's eleven round trips. After a restart a connection can fail
/// for at most this long before the test finds it dead and the pool replaces it.
/// (HikariCP skips its test the same way, for connections used in the last 500 ms.)
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection and when it last proved alive. Derefs to the connection.
pub struct Pooled {
    conn: DbConnection,
    alive_at: Instant,
}

impl Deref for Pooled {
    type Target = DbConnection;

    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = ConnectionError;

    fn connect(&self) -> Result<Pooled, ConnectionError> {
        Ok(Pooled {
            conn: DbConnection::open(&self.url)?,
            alive_at: Instant::now(),
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), ConnectionError> {
        if pooled.alive_at.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
        pooled.alive_at = Instant::now();
        Ok(())
    }

    /// A connection left inside a failed transaction is not reused.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        use diesel::r2d2::R2D2Connection;
        match &mut pooled.conn {
            DbConnection::Pg(c) => c.is_broken(),
            DbConnection::Sqlite(c) => c.is_broken(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the database: {0}")]
pub struct ConnectError(pub String);

/// Builds the pool after one direct connection attempt, so that a wrong URL or a
/// server that is down is reported with its own message, quickly.
pub fn build_pool(url: &str, size: u32) -> Result<DbPool, ConnectError> {
    let first = DbConnection::open(url).map_err(|e| ConnectError(e.to_string()))?;
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        // PostgreSQL connections are tested on checkout (see TRUSTED_FOR). A SQLite file
        // cannot go away under an open connection: no test, no cost.
        .test_on_check_out(first.backend() == Backend::Postgres)
        .build(Manager {
            url: url.to_string(),
        })
        .map_err(|e| ConnectError(e.to_string()))
}

/// Runs `f` in one read transaction on SQLite, so that its statements see one snapshot
/// and share one page cache. (In WAL mode every statement outside a transaction starts
/// its own read, and each one after another connection's commit throws the cache away;
/// the operation log commits many times a second.) On PostgreSQL it runs as it is:
/// BEGIN and COMMIT would cost two more round trips.
pub fn read_tx<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    match conn.backend() {
        Backend::Postgres => f(conn),
        Backend::Sqlite => conn.transaction(f),
    }
}

/// Runs `f` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`: a deferred
/// transaction that reads and then writes fails with "database is locked" under load,
/// where an immediate one waits its turn.
pub fn write_tx<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            match conn {
                DbConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c)?,
                DbConnection::Pg(c) => AnsiTransactionManager::commit_transaction(c)?,
            }
            Ok(value)
        }
        Err(error) => {
            let rolled_back = match conn {
                DbConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
                DbConnection::Pg(c) => AnsiTransactionManager::rollback_transaction(c),
            };
            if let Err(rollback_error) = rolled_back {
                tracing::error!(%rollback_error, "rollback failed");
            }
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_defaults;

    #[test]
    fn a_loopback_url_gets_a_timeout_and_no_tls_unless_it_says_otherwise() {
        assert_eq!(
            with_defaults("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test?connect_timeout=5&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgresql://u:p@localhost/db?application_name=x"),
            "postgresql://u:p@localhost/db?application_name=x&connect_timeout=5&sslmode=disable"
        );
        assert_eq!(
            with_defaults("postgres://u@[::1]/db?sslmode=require"),
            "postgres://u@[::1]/db?sslmode=require&connect_timeout=5"
        );
    }

    #[test]
    fn a_remote_url_keeps_libpq_tls_defaults() {
        assert_eq!(
            with_defaults("postgres://u@db.example.org/db"),
            "postgres://u@db.example.org/db?connect_timeout=5"
        );
        assert_eq!(
            with_defaults("postgres://u@10.0.0.5/db?connect_timeout=2"),
            "postgres://u@10.0.0.5/db?connect_timeout=2"
        );
        // A socket folder given as a parameter is not a loopback TCP host.
        assert_eq!(
            with_defaults("postgres://u@localhost/db?host=/run/postgresql"),
            "postgres://u@localhost/db?host=/run/postgresql&connect_timeout=5"
        );
    }
}
