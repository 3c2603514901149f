//! The connection enum, its r2d2 manager and the write-transaction helper.

use std::time::Duration;

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
            Backend::Postgres => Ok(DbConnection::Pg(PgConnection::establish(
                &with_connect_timeout(url),
            )?)),
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

/// A PostgreSQL server that does not answer must fail the start within seconds, not hang.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout=5")
}

/// r2d2 manager that keeps the real connection error (diesel's own hides it).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        DbConnection::open(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    /// A connection left inside a failed transaction is not reused.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        match conn {
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
        // A PostgreSQL restart leaves dead sockets in the pool that nothing else detects,
        // so those connections are checked on checkout (one local round trip). A SQLite
        // file cannot go away under an open connection: no check, no cost.
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
