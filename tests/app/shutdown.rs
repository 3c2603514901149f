//! `dossier serve` stops in order on SIGTERM or SIGINT, within ten seconds whatever runs:
//! the request in flight is answered, the running job stops at its next batch (its run
//! marked interrupted, and the next start goes on from there), SQLite's WAL is merged into
//! the database file; a second signal exits at once. And the next backup removes the
//! scratch copies a killed backup left.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use dossier::db::outbox::{self, NewMail};
use dossier::db::schema::job_runs;
use dossier::db::DbConnection;
use dossier::domain::audit::Actor;
use rstest::rstest;

use crate::helpers::{csrf_in, pg_base_url, pg_schema_url, spawn_app, Backend};

/// Keeps a job out of a test: a slot that never came.
const NEVER: &str = "0 0 0 1 1 * 2099";
/// Daily: both starts of a test see the same slot, so only an interrupted run makes the
/// second start run it again.
const DAILY: &str = "0 30 1 * * *";
const MAILS: usize = 16;

// ---- a database and data folder of our own, for the real binary ---------------------

struct Database {
    backend: Backend,
    dir: tempfile::TempDir,
    url: String,
    schema: Option<String>,
}

impl Database {
    fn new(backend: Backend) -> Option<Database> {
        let dir = tempfile::tempdir().unwrap();
        let (url, schema) = match backend {
            Backend::Sqlite => (dir.path().join("dossier.db").display().to_string(), None),
            Backend::Postgres => {
                let (url, schema) = pg_schema_url()?;
                (url, Some(schema))
            }
        };
        let db = Database {
            backend,
            dir,
            url,
            schema,
        };
        let output = db.dossier().arg("migrate").output().unwrap();
        assert!(output.status.success(), "{output:?}");
        Some(db)
    }

    fn dossier(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dossier"));
        for var in ["DATABASE_URL", "DOSSIER_BIND", "DOSSIER_DATA_DIR"] {
            command.env_remove(var);
        }
        command.arg("--data-dir").arg(self.dir.path());
        if self.backend == Backend::Postgres {
            command.env("DATABASE_URL", &self.url);
        }
        command
    }

    fn conn(&self) -> DbConnection {
        DbConnection::open(&self.url).unwrap()
    }

    fn wal(&self) -> PathBuf {
        self.dir.path().join("dossier.db-wal")
    }

    /// The runs of `deliver-mail`: (slot, result), oldest first.
    fn mail_runs(&self) -> Vec<(chrono::NaiveDateTime, String)> {
        job_runs::table
            .filter(job_runs::job.eq("deliver-mail"))
            .order(job_runs::id)
            .select((job_runs::slot, job_runs::result))
            .load(&mut self.conn())
            .unwrap()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(schema) = &self.schema {
            if let Ok(mut conn) = DbConnection::open(&pg_base_url()) {
                let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

// ---- the server, as an operator starts it ------------------------------------------

struct Server {
    child: Child,
    /// host:port
    address: String,
    /// The first admin's password, when this start made the admin.
    password: Option<String>,
    log: PathBuf,
}

fn serve(db: &Database, envs: &[(&str, &str)]) -> Server {
    let log = db
        .dir
        .path()
        .join(format!("serve-{}.log", rand::random::<u32>()));
    let mut child = db
        .dossier()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .envs(envs.iter().copied())
        .env("DOSSIER_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut address, mut password) = (None, None);
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split_once("with the password ") {
            password = rest.1.split_whitespace().next().map(str::to_string);
        }
        if let Some(rest) = line.strip_prefix("Dossier: http://") {
            address = rest.split('/').next().map(str::to_string);
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    Server {
        child,
        address: address.expect("serve printed its address"),
        password,
        log,
    }
}

impl Server {
    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// How the process ended, if it did within `limit`.
    fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A sign-in whose form has only half arrived: the request is in flight until `rest` is
/// sent.
fn begin_sign_in(address: &str, password: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    write!(stream, "GET /login HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let (mut cookies, mut length) = (Vec::new(), 0);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        match name.to_ascii_lowercase().as_str() {
            "set-cookie" => cookies.push(value.trim().split(';').next().unwrap().to_string()),
            "content-length" => length = value.trim().parse().unwrap(),
            _ => {}
        }
    }
    let mut page = vec![0; length];
    reader.read_exact(&mut page).unwrap();
    let csrf = csrf_in(&String::from_utf8_lossy(&page)).expect("a CSRF token");
    let body = format!("username=admin&password={password}&csrf_token={csrf}");
    let (first, rest) = body.split_at(body.len() / 2);
    // `Expect: 100-continue`: the server says when it has taken the request in.
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\nConnection: close\r\n\r\n",
        cookies.join("; "),
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 100"), "{line}");
    reader.read_line(&mut line).unwrap();
    stream.write_all(first.as_bytes()).unwrap();
    (stream, rest.to_string())
}

fn finish_request(mut stream: TcpStream, rest: &str) -> String {
    if let Err(e) = stream.write_all(rest.as_bytes()) {
        let mut early = String::new();
        let _ = stream.read_to_string(&mut early);
        return format!("cannot send the rest: {e}; {early}");
    }
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---- a mail relay that takes its time over each mail ---------------------------------

struct SlowRelay {
    port: u16,
    /// The recipients of the mails it accepted, in order.
    accepted: Arc<Mutex<Vec<String>>>,
}

impl SlowRelay {
    fn start(per_mail: Duration) -> SlowRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let list = accepted.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let list = list.clone();
                std::thread::spawn(move || relay_one(stream, per_mail, &list));
            }
        });
        SlowRelay { port, accepted }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn accepted(&self) -> Vec<String> {
        self.accepted.lock().unwrap().clone()
    }
}

fn relay_one(stream: TcpStream, per_mail: Duration, accepted: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let _ = out.write_all(b"220 slow.local ESMTP\r\n");
    let (mut line, mut rcpt) = (String::new(), String::new());
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.to_ascii_uppercase();
        let reply = if command.starts_with("EHLO") || command.starts_with("HELO") {
            "250 slow.local"
        } else if command.starts_with("RCPT TO") {
            rcpt = line.trim()["RCPT TO:".len()..]
                .trim_matches(['<', '>', ' '])
                .to_string();
            "250 OK"
        } else if command.starts_with("DATA") {
            let _ = out.write_all(b"354 go ahead\r\n");
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
            }
            std::thread::sleep(per_mail);
            accepted.lock().unwrap().push(rcpt.clone());
            "250 OK queued"
        } else if command.starts_with("QUIT") {
            let _ = out.write_all(b"221 bye\r\n");
            return;
        } else {
            "250 OK"
        };
        if out.write_all(format!("{reply}\r\n").as_bytes()).is_err() {
            return;
        }
    }
}

fn queue_mails(db: &Database, n: usize) {
    let mut conn = db.conn();
    for i in 0..n {
        let mail = NewMail {
            kind: "reverify".into(),
            idempotency_key: format!("shutdown-test:{i}"),
            customer_id: None,
            customer_code: String::new(),
            recipient: format!("r{i:02}@example.com"),
            subject: "请核对您的客户资料".into(),
            body: "body".into(),
            link_token_enc: None,
        };
        dossier::db::write_tx(&mut conn, |c| outbox::enqueue(c, &mail, &Actor::System))
            .unwrap()
            .unwrap();
    }
}

#[rstest]
fn a_sigterm_stops_serve_in_order_and_the_next_start_goes_on_where_it_stopped(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(db) = Database::new(backend) else {
        return;
    };
    queue_mails(&db, MAILS);
    let relay = SlowRelay::start(Duration::from_millis(250));
    let url = relay.url();
    let envs = [
        ("DOSSIER_SMTP_URL", url.as_str()),
        ("DOSSIER_CRON_DELIVER_MAIL", DAILY),
        ("DOSSIER_CRON_REVERIFY", NEVER),
        ("DOSSIER_CRON_DORMANCY", NEVER),
        ("DOSSIER_CRON_BACKUP", NEVER),
    ];
    // Another process's connection, open throughout: only a checkpoint can empty the WAL
    // then (the last connection to close would merge it anyway).
    let _other = db.conn();

    let mut server = serve(&db, &envs);
    let password = server.password.clone().expect("a first admin");
    // The start-up catch-up of the mail job is under way.
    wait_until("the first mails", Duration::from_secs(30), || {
        relay.accepted().len() >= 2
    });
    let (in_flight, rest) = begin_sign_in(&server.address, &password);
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    let answer = finish_request(in_flight, &rest);
    assert!(
        answer.starts_with("HTTP/1.1 303"),
        "the sign-in in flight was answered: {answer}\n{}",
        server.log()
    );
    let status = server.exit_within(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}: {}",
        server.log()
    );
    if backend == Backend::Sqlite {
        let wal = std::fs::metadata(db.wal()).map_or(0, |m| m.len());
        assert_eq!(wal, 0, "the WAL was merged into the database file");
    }
    let sent = relay.accepted().len();
    assert!(sent < MAILS, "the job stopped before its end ({sent} sent)");
    let runs = db.mail_runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].1, "interrupted");
    let listed = db.dossier().args(["job", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("interrupted") && listed.contains("OVERDUE"),
        "{listed}"
    );

    let mut again = serve(&db, &envs);
    wait_until("the run to be taken up", Duration::from_secs(30), || {
        db.mail_runs().len() == 2 && db.mail_runs()[1].1 != "running"
    });
    again.signal("TERM");
    let status = again.exit_within(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}: {}",
        again.log()
    );
    let runs = db.mail_runs();
    assert_eq!(runs[1].0, runs[0].0, "the same slot, run again: {runs:?}");
    assert_eq!(runs[1].1, "ok", "{}", again.log());
    let mut accepted = relay.accepted();
    assert_eq!(accepted.len(), MAILS, "every mail once: {accepted:?}");
    accepted.dedup();
    assert_eq!(accepted.len(), MAILS, "no mail twice");
}

#[rstest]
fn a_second_signal_exits_at_once(#[values(Backend::Sqlite, Backend::Postgres)] backend: Backend) {
    let Some(db) = Database::new(backend) else {
        return;
    };
    let mut server = serve(&db, &[("DOSSIER_SCHEDULER", "false")]);
    let password = server.password.clone().expect("a first admin");
    // A request that never completes: the first signal waits for it.
    let (_stalled, _) = begin_sign_in(&server.address, &password);
    server.signal("INT");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "Ctrl-C waits for the request in flight"
    );
    server.signal("TERM");
    let status = server.exit_within(Duration::from_secs(5));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(128 + 15),
        "{}",
        server.log()
    );
}

#[rstest]
#[tokio::test]
async fn a_backup_removes_the_scratch_copies_a_killed_backup_left_and_keeps_those_in_use(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    use dossier::backup::scratch;
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let backups = app.data_dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    // What a backup killed while checking leaves: its folder with the half-restored copy,
    // its lock file, and no process holding the lock.
    let left = backups.join(".checking-killed");
    std::fs::create_dir(&left).unwrap();
    std::fs::write(left.join("lock"), b"").unwrap();
    std::fs::write(left.join("copy"), b"half a database").unwrap();
    // One in use by a backup running now (here: this test holds its lock).
    let in_use = scratch::Folder::new(&backups, ".making-").unwrap();

    let mut admin = DbConnection::open(&app.db_url).unwrap();
    let databases = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            // Made as a check makes them; the "killed" one's session then ends.
            let mut killed = DbConnection::open(&app.db_url).unwrap();
            let left = scratch::create_database(&mut killed).unwrap();
            drop(killed);
            let held = scratch::create_database(&mut admin).unwrap();
            Some((left, held))
        }
    };

    let output = app.cli().arg("backup").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!left.exists(), "the killed backup's folder is removed");
    assert!(in_use.path().exists(), "the folder in use stays");
    // (Other tests' backups on the same PostgreSQL server may have removed some first.)
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("stale_scratch_removed="), "{stdout}");
    if let Some((left, held)) = databases {
        let exists = |conn: &mut DbConnection, name: &str| {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(format!(
                "SELECT count(*) AS n FROM pg_database WHERE datname = '{name}'"
            ))
            .get_result::<N>(conn)
            .unwrap()
            .n == 1
        };
        assert!(
            !exists(&mut admin, &left),
            "the killed backup's database is dropped"
        );
        assert!(exists(&mut admin, &held), "the database in use stays");
        scratch::drop_database(&mut admin, &held);
    }
}

#[rstest]
#[tokio::test]
async fn an_interrupted_run_shows_on_the_jobs_page_and_its_slot_runs_again(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    use dossier::domain::role::Role;
    use dossier::jobs::{self, JobContext, JobName, RunResult, Stop, Trigger};
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let slot = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(1, 30, 0)
        .unwrap();
    let run = |stop: Stop| {
        let mut conn = app.conn();
        let mut ctx = JobContext {
            settings: &app.state().settings,
            keys: &app.state().keys,
            conn: &mut conn,
            clock: app.state().clock,
            stop,
        };
        jobs::execute(&mut ctx, JobName::Dormancy, slot, Trigger::Schedule, "test").unwrap()
    };
    let stopping = Stop::default();
    stopping.raise();
    let first = run(stopping).expect("claimed");
    assert_eq!(first.result, RunResult::Interrupted);
    assert!(jobs::scheduler::missed(&mut app.conn(), JobName::Dormancy, slot).unwrap());

    let admin = app.login_as(Role::Admin).await;
    let page = app.get_html(&admin, "/admin/jobs").await;
    assert!(page.contains("已中断"), "{page}");

    let second = run(Stop::default()).expect("the interrupted slot is claimed again");
    assert_eq!(second.result, RunResult::Ok);
    assert!(run(Stop::default()).is_none(), "and then only once");
    assert!(!jobs::scheduler::missed(&mut app.conn(), JobName::Dormancy, slot).unwrap());
}
