//! `spawn_app()` starts the real application on port 0 with a fresh database: a new
//! SQLite file in a temporary folder, or a new schema in the test PostgreSQL database.

use std::sync::Arc;

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use dossier::app::Application;
use dossier::db::{DbConnection, DbPool};
use dossier::domain::audit::Actor;
use dossier::domain::role::Role;
use dossier::domain::user::UserDetails;
use dossier::service::{self, Caller};
use dossier::settings::Settings;
use reqwest::cookie::Jar;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const PASSWORD: &str = "correct-horse-battery";
/// The community the tests' records are filed under (`customers::person`), and the office
/// that has it when a test gives it none: a record's community must be one the user may
/// choose.
pub const SAMPLE_COMMUNITY: &str = "阳光花园";
pub const SAMPLE_OFFICE: &str = "测试管理处";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    /// The URL the app uses (for PostgreSQL: with the test's own schema on the search path).
    pub db_url: String,
    pub data_dir: tempfile::TempDir,
    pub pool: DbPool,
    /// The first admin's generated password, as printed at first start.
    pub admin_password: String,
    pub client: Client,
    pub jar: Arc<Jar>,
    handle: ServerHandle,
    pg_schema: Option<String>,
    state: dossier::state::AppState,
}

pub fn pg_base_url() -> String {
    std::env::var("DOSSIER_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

/// A fresh schema for one test, or None (with one loud line) when PostgreSQL is not
/// reachable outside CI. In CI an unreachable PostgreSQL fails the test.
pub fn pg_schema_url() -> Option<(String, String)> {
    let base = pg_base_url();
    let mut conn = match diesel::PgConnection::establish(&base) {
        Ok(conn) => conn,
        Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("!!! SKIPPING a PostgreSQL test: cannot connect to {base}: {error}");
            return None;
        }
        Err(error) => panic!("PostgreSQL is required in CI ({base}): {error}"),
    };
    // Made once per run, before any test's migrations: parallel CREATE EXTENSION races.
    static TRGM: std::sync::Once = std::sync::Once::new();
    TRGM.call_once(|| {
        conn.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
            .expect("pg_trgm");
    });
    let schema = format!("t_{}", random_suffix());
    conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create test schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((
        format!("{base}{sep}options=-csearch_path%3D{schema}"),
        schema,
    ))
}

fn random_suffix() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().gen();
    format!("{n:016x}")
}

/// The offices' date today, as the app's default clock (Asia/Shanghai) reads it.
pub fn office_today() -> chrono::NaiveDate {
    dossier::clock::Clock::default().today()
}

pub fn settings_for(
    backend: Backend,
    data_dir: &std::path::Path,
    db_url: Option<String>,
) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        data_dir: data_dir.to_path_buf(),
        database_url: match backend {
            Backend::Sqlite => None,
            Backend::Postgres => db_url,
        },
        db_pool_size: 4,
        // Tests that need the scheduler start it themselves.
        scheduler: false,
        ..Settings::default()
    }
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the app with settings changed by `adjust` (e.g. a short lock-out).
pub async fn spawn_app_with(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (pg_url, pg_schema) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, schema) = pg_schema_url()?;
            (Some(url), Some(schema))
        }
    };
    let mut settings = settings_for(backend, data_dir.path(), pg_url);
    adjust(&mut settings);
    let db_url = settings.effective_database_url();
    let app = Application::build(settings).await.expect("app builds");
    let admin_password = dossier::bootstrap::ensure_first_admin(&app.pool)
        .expect("first admin")
        .expect("a fresh database gets a first admin");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let pool = app.pool.clone();
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    let (client, jar) = new_client();
    Some(TestApp {
        address,
        backend,
        db_url,
        data_dir,
        pool,
        admin_password,
        client,
        jar,
        handle,
        pg_schema,
        state,
    })
}

/// A browser-like client: keeps cookies, does not follow redirects (tests assert them).
pub fn new_client() -> (Client, Arc<Jar>) {
    let jar = Arc::new(Jar::default());
    let client = Client::builder()
        .redirect(Policy::none())
        .cookie_provider(jar.clone())
        .build()
        .expect("client");
    (client, jar)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the workers so the pool (and its PostgreSQL connections) is released.
        drop(self.handle.stop(false));
        if let Some(schema) = &self.pg_schema {
            if let Ok(mut conn) = diesel::PgConnection::establish(&pg_base_url()) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

impl TestApp {
    /// The session cookie of `self.client`, as `name=value`.
    pub fn jar_cookie(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.address.parse().expect("url");
        let header = self.jar.cookies(&url).expect("a session cookie");
        header.to_str().expect("ascii").to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, client: &Client, path: &str) -> String {
        let response = self.get(client, path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.expect("body")
    }

    /// The session's CSRF token, read from a page as a browser would see it.
    pub async fn csrf_token(&self, client: &Client) -> String {
        let mut path = "/login".to_string();
        for _ in 0..4 {
            let response = self.get(client, &path).await;
            if response.status() == StatusCode::SEE_OTHER {
                path = location(&response);
                continue;
            }
            let body = response.text().await.expect("body");
            return csrf_in(&body).unwrap_or_else(|| panic!("no csrf_token on {path}"));
        }
        panic!("too many redirects looking for a CSRF token");
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post_form(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf_token(client).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        client
            .post(self.url(path))
            .form(&all)
            .send()
            .await
            .expect("POST")
    }

    pub async fn login(&self, client: &Client, username: &str, password: &str) -> Response {
        self.post_form(
            client,
            "/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// A database connection of the app's own database.
    /// What the app's handlers share: pool, settings, keys.
    pub fn state(&self) -> &dossier::state::AppState {
        &self.state
    }

    pub fn conn(&self) -> Conn {
        Conn(self.pool.get().expect("connection"))
    }

    /// Creates an active user with `PASSWORD` and the given roles.
    pub fn create_user(&self, username: &str, roles: &[Role], office_id: Option<i32>) -> i32 {
        let details = UserDetails {
            username: username.into(),
            display_name: format!("{username} 显示名"),
            roles: roles.to_vec(),
            office_id,
        };
        let caller = Caller {
            actor: Actor::System,
            address: "test".into(),
        };
        if office_id.is_none()
            && roles
                .iter()
                .any(|r| *r == Role::Clerk || *r == Role::Manager)
        {
            self.ensure_sample_community();
        }
        service::users::create(&mut self.conn(), &caller, &details, PASSWORD, false)
            .expect("create user")
            .id
    }

    /// Gives `SAMPLE_COMMUNITY` to `SAMPLE_OFFICE` unless an office has it already. Straight
    /// into the tables: a fixture, not a logged admin action.
    pub fn ensure_sample_community(&self) {
        use dossier::db::{communities, offices};
        let mut conn = self.conn();
        let known = communities::list(&mut conn).expect("communities");
        if known
            .iter()
            .any(|c| c.name == SAMPLE_COMMUNITY && c.office_id.is_some())
        {
            return;
        }
        let office = match offices::find_by_name(&mut conn, SAMPLE_OFFICE).expect("office") {
            Some(office) => office,
            None => offices::create(&mut conn, SAMPLE_OFFICE).expect("sample office"),
        };
        communities::add_unassigned(&mut conn, &[SAMPLE_COMMUNITY.to_string()])
            .expect("sample community");
        let id = communities::list(&mut conn)
            .expect("communities")
            .into_iter()
            .find(|c| c.name == SAMPLE_COMMUNITY)
            .expect("sample community")
            .id;
        communities::assign(&mut conn, id, office.id).expect("assign");
    }

    /// A new signed-in client for a new user with one role.
    pub async fn login_as(&self, role: Role) -> Client {
        let name = format!("{}{}", role.as_str(), &random_suffix()[..6]);
        self.create_user(&name, &[role], None);
        let (client, _) = new_client();
        let response = self.login(&client, &name, PASSWORD).await;
        assert_redirect_to(&response, "/");
        client
    }

    /// Runs raw SQL on the app's database (to play an attacker with database access).
    pub fn execute_sql(&self, sql: &str) {
        let mut conn = DbConnection::open(&self.db_url).expect("raw connection");
        conn.batch_execute(sql).expect("raw SQL");
    }

    /// The `dossier` binary pointed at this app's data folder and database.
    pub fn cli(&self) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"));
        command.arg("--data-dir").arg(self.data_dir.path());
        command.env_remove("DATABASE_URL");
        if self.backend == Backend::Postgres {
            command.env("DATABASE_URL", &self.db_url);
        }
        command
    }
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn assert_redirect_to(response: &Response, expected: &str) {
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "expected a redirect to {expected}"
    );
    assert_eq!(location(response), expected);
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// A pooled connection of a test app, dereferencing to the connection itself (the pool's
/// item wraps it with the time it last answered).
pub struct Conn(r2d2::PooledConnection<dossier::db::connection::Manager>);

impl std::ops::Deref for Conn {
    type Target = dossier::db::DbConnection;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
