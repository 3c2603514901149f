//! The outbox worker against a real SMTP server (a small one of our own on a random
//! port, so a test can make it answer 250, 451 or 550), and the `/admin/outbox` page.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use dossier::db::outbox::{self, NewMail};
use dossier::db::schema::{audit_log, outbox as outbox_t};
use dossier::domain::audit::Actor;
use dossier::domain::role::Role;
use dossier::jobs::{JobContext, JobName, Report, RunResult, Trigger};
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{
    assert_redirect_to, settings_for, spawn_app, spawn_app_with, Backend, TestApp,
};

const CODE: &str = "P-2026-000042";
const RECIPIENT: &str = "wangfang@qq.com";
const SUBJECT: &str = "请核对您的客户资料";
const LINK: &str = "https://dossier.example/verify/Tok3nXyZ";

// ---- a real, tiny SMTP server -------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct Received {
    to: Vec<String>,
    data: String,
}

struct SmtpServer {
    port: u16,
    mails: Arc<Mutex<Vec<Received>>>,
    rcpts: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl SmtpServer {
    /// A server on a random port answering `rcpt_reply` (e.g. "250 OK") to RCPT TO.
    fn start(rcpt_reply: &'static str) -> SmtpServer {
        SmtpServer::on(TcpListener::bind("127.0.0.1:0").expect("bind"), rcpt_reply)
    }

    fn on(listener: TcpListener, rcpt_reply: &'static str) -> SmtpServer {
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let server = SmtpServer {
            port,
            mails: Arc::default(),
            rcpts: Arc::default(),
            stop: Arc::default(),
        };
        let (mails, rcpts, stop) = (
            server.mails.clone(),
            server.rcpts.clone(),
            server.stop.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (mails, rcpts) = (mails.clone(), rcpts.clone());
                        std::thread::spawn(move || {
                            let _ = serve(stream, rcpt_reply, &mails, &rcpts);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        server
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.mails.lock().expect("lock").clone()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(
    stream: TcpStream,
    rcpt_reply: &str,
    mails: &Mutex<Vec<Received>>,
    rcpts: &AtomicUsize,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 test.local ESMTP\r\n")?;
    let mut current = Received::default();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.to_ascii_uppercase();
        let reply = if command.starts_with("EHLO") || command.starts_with("HELO") {
            "250-test.local\r\n250 8BITMIME".to_string()
        } else if command.starts_with("MAIL FROM") {
            current = Received::default();
            "250 OK".into()
        } else if command.starts_with("RCPT TO") {
            rcpts.fetch_add(1, Ordering::SeqCst);
            let address = line.trim()["RCPT TO:".len()..].trim_matches(['<', '>', ' ']);
            current.to.push(address.to_string());
            rcpt_reply.to_string()
        } else if command.starts_with("DATA") {
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            current.data = data;
            mails.lock().expect("lock").push(current.clone());
            "250 2.0.0 OK queued as 42".into()
        } else if command.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else if command.starts_with("RSET") || command.starts_with("NOOP") {
            "250 OK".into()
        } else {
            "502 not implemented".into()
        };
        out.write_all(format!("{reply}\r\n").as_bytes())?;
    }
}

/// The subject and body of a received message, decoded from their MIME encodings.
fn decoded(data: &str) -> (String, String) {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let head = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let subject = header("Subject");
    let subject = if subject.to_ascii_lowercase().starts_with("=?utf-8?b?") {
        let bytes: Vec<u8> = subject
            .split_whitespace()
            .filter(|word| word.len() > 12 && word.to_ascii_lowercase().starts_with("=?utf-8?b?"))
            .flat_map(|word| base64(&word[10..word.len() - 2]))
            .collect();
        String::from_utf8(bytes).expect("utf-8 subject")
    } else {
        subject
    };
    let body = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8(base64(body)).expect("utf-8 body"),
        "quoted-printable" => String::from_utf8(quoted_printable(body)).expect("utf-8 body"),
        _ => body.to_string(),
    };
    (subject, body)
}

fn base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for c in text.bytes() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let text = text.replace("=\r\n", "");
    let bytes = text.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

// ---- helpers --------------------------------------------------------------------------

fn body(code: &str) -> String {
    format!("您好，请在 14 天内核对您的资料（{code}）：\n{LINK}\n谢谢！")
}

fn queue(app: &TestApp, key: &str, recipient: &str) -> i32 {
    let mail = NewMail {
        kind: "reverify".into(),
        idempotency_key: key.into(),
        customer_id: None,
        customer_code: CODE.into(),
        recipient: recipient.into(),
        subject: SUBJECT.into(),
        body: body(CODE),
        link_token_enc: None,
    };
    let mut conn = app.conn();
    dossier::db::write_tx(&mut conn, |c| outbox::enqueue(c, &mail, &Actor::System))
        .expect("enqueue")
        .expect("a new mail")
}

/// Runs `deliver-mail` once in this process, with `smtp_url` (or none).
fn run_job(app: &TestApp, smtp_url: Option<String>) -> Report {
    run_job_at(app, smtp_url, dossier::db::now())
}

/// As `run_job`, for the slot given (two runs at once need two slots).
fn run_job_at(app: &TestApp, smtp_url: Option<String>, slot: chrono::NaiveDateTime) -> Report {
    let mut settings = settings_for(app.backend, app.data_dir.path(), Some(app.db_url.clone()));
    settings.smtp_url = smtp_url;
    let keys = dossier::app::load_keys(&settings).expect("keys");
    let mut conn = app.conn();
    let mut ctx = JobContext {
        settings: &settings,
        keys: &keys,
        conn: &mut conn,
        clock: settings.clock(),
        stop: Default::default(),
    };
    let finished = dossier::jobs::execute(
        &mut ctx,
        JobName::DeliverMail,
        slot,
        Trigger::Manual,
        "test",
    )
    .expect("run recorded")
    .expect("slot free");
    assert_eq!(finished.result, RunResult::Ok, "{}", finished.error);
    finished.report
}

fn row(app: &TestApp, id: i32) -> outbox::Mail {
    outbox::find(&mut app.conn(), id)
        .expect("query")
        .expect("row")
}

/// The operation log's (action, details) for one mail, oldest first.
fn log_of(app: &TestApp, id: i32) -> Vec<(String, String)> {
    audit_log::table
        .filter(audit_log::target.eq(format!("mail:{id}")))
        .order(audit_log::seq)
        .select((audit_log::action, audit_log::details))
        .load(&mut *app.conn())
        .expect("log")
}

fn actions(app: &TestApp, id: i32) -> Vec<String> {
    log_of(app, id).into_iter().map(|(a, _)| a).collect()
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind")
}

// ---- the worker -----------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn a_queued_mail_is_delivered_once_to_its_recipient_with_subject_and_link(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("250 OK");
    let id = queue(&app, "reverify:a", RECIPIENT);

    let report = run_job(&app, Some(smtp.url()));
    assert_eq!(report.count("sent"), 1, "{:?}", report);
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, [RECIPIENT]);
    let (subject, text) = decoded(&received[0].data);
    assert_eq!(subject, SUBJECT);
    assert!(text.contains(LINK), "{text}");
    assert!(text.contains("请在 14 天内核对"), "{text}");
    assert!(received[0].data.contains("dossier@localhost"));

    let mail = row(&app, id);
    assert_eq!((mail.state.as_str(), mail.attempts), ("sent", 1));
    assert!(mail.sent_at.is_some());
    assert!(mail.last_answer.starts_with("250"), "{}", mail.last_answer);

    run_job(&app, Some(smtp.url()));
    assert_eq!(smtp.received().len(), 1, "a sent mail is never sent again");
    let log = log_of(&app, id);
    let actions: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["mail_queued", "mail_sending", "mail_sent"]);
    for (_, details) in &log {
        assert!(details.contains(CODE), "{details}");
        assert!(
            !details.contains(LINK) && !details.contains(RECIPIENT),
            "{details}"
        );
    }
}

#[rstest]
#[tokio::test]
async fn while_the_relay_is_down_mail_waits_and_goes_out_once_when_it_returns(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let reserved = closed_port();
    let port = reserved.local_addr().expect("addr").port();
    drop(reserved);
    let url = format!("smtp://127.0.0.1:{port}");
    let id = queue(&app, "reverify:down", RECIPIENT);

    let report = run_job(&app, Some(url.clone()));
    assert_eq!(report.count("retrying"), 1, "{report:?}");
    let mail = row(&app, id);
    assert_eq!((mail.state.as_str(), mail.attempts), ("retrying", 1));
    assert!(mail.next_attempt_at > dossier::db::now());
    assert!(!mail.last_answer.is_empty());

    let smtp = SmtpServer::on(
        TcpListener::bind(("127.0.0.1", port)).expect("rebind"),
        "250 OK",
    );
    run_job(&app, Some(url.clone()));
    assert!(smtp.received().is_empty(), "not due yet");

    app.execute_sql(&format!(
        "UPDATE outbox SET next_attempt_at = '2020-01-01 00:00:00' WHERE id = {id}"
    ));
    let report = run_job(&app, Some(url.clone()));
    assert_eq!(report.count("sent"), 1, "{report:?}");
    run_job(&app, Some(url));
    assert_eq!(smtp.received().len(), 1, "delivered exactly once");
    let mail = row(&app, id);
    assert_eq!((mail.state.as_str(), mail.attempts), ("sent", 2));
    assert_eq!(
        actions(&app, id),
        [
            "mail_queued",
            "mail_sending",
            "mail_retrying",
            "mail_sending",
            "mail_sent"
        ]
    );
}

#[rstest]
#[tokio::test]
async fn a_temporary_refusal_is_retried_later(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("451 4.3.0 try again later");
    let id = queue(&app, "reverify:451", RECIPIENT);
    run_job(&app, Some(smtp.url()));
    let mail = row(&app, id);
    assert_eq!(mail.state, "retrying");
    assert!(mail.last_answer.contains("451"), "{}", mail.last_answer);
    assert!(mail.next_attempt_at > dossier::db::now());

    // The eighth attempt is the last: then a person decides.
    app.execute_sql(&format!(
        "UPDATE outbox SET attempts = 7, next_attempt_at = '2020-01-01 00:00:00' WHERE id = {id}"
    ));
    let report = run_job(&app, Some(smtp.url()));
    assert_eq!(report.count("failed"), 1, "{report:?}");
    let mail = row(&app, id);
    assert_eq!((mail.state.as_str(), mail.attempts), ("failed", 8));
    assert!(
        mail.last_answer.starts_with("gave up after 8 attempts"),
        "{}",
        mail.last_answer
    );
}

#[rstest]
#[tokio::test]
async fn a_mail_to_an_unusable_address_fails_and_the_rest_of_the_batch_goes_out(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("250 OK");
    let bad = queue(&app, "reverify:bad", "not an address");
    let good = queue(&app, "reverify:good", RECIPIENT);
    let report = run_job(&app, Some(smtp.url()));
    assert_eq!(
        (report.count("failed"), report.count("sent")),
        (1, 1),
        "{report:?}"
    );
    let mail = row(&app, bad);
    assert_eq!(mail.state, "failed");
    assert!(
        mail.last_answer.contains("invalid recipient"),
        "{}",
        mail.last_answer
    );
    assert_eq!(row(&app, good).state, "sent");
    assert_eq!(smtp.received().len(), 1);
}

#[rstest]
#[tokio::test]
async fn a_permanent_refusal_fails_the_mail_and_it_is_not_retried(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("550 5.1.1 no such mailbox");
    let id = queue(&app, "reverify:550", RECIPIENT);
    let report = run_job(&app, Some(smtp.url()));
    assert_eq!(report.count("failed"), 1, "{report:?}");
    let mail = row(&app, id);
    assert_eq!(mail.state, "failed");
    assert!(mail.last_answer.contains("550"), "{}", mail.last_answer);

    app.execute_sql("UPDATE outbox SET next_attempt_at = '2020-01-01 00:00:00'");
    run_job(&app, Some(smtp.url()));
    assert_eq!(smtp.rcpts.load(Ordering::SeqCst), 1, "never tried again");
    assert_eq!(row(&app, id).state, "failed");
    assert_eq!(
        actions(&app, id),
        ["mail_queued", "mail_sending", "mail_failed"]
    );
}

#[rstest]
#[tokio::test]
async fn a_send_cut_off_past_its_lease_becomes_unknown_and_is_not_resent(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("250 OK");
    let id = queue(&app, "reverify:lease", RECIPIENT);
    app.execute_sql(&format!(
        "UPDATE outbox SET state = 'sending', attempts = 1, \
         lease_until = '2020-01-01 00:00:00' WHERE id = {id}"
    ));
    let report = run_job(&app, Some(smtp.url()));
    assert_eq!(report.count("unknown"), 1, "{report:?}");
    run_job(&app, Some(smtp.url()));
    assert!(smtp.received().is_empty());
    assert_eq!(row(&app, id).state, "unknown");
    assert_eq!(actions(&app, id), ["mail_queued", "mail_unknown"]);
}

#[rstest]
#[tokio::test]
async fn without_an_smtp_server_mail_stays_queued_and_the_cli_says_why(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = queue(&app, "reverify:nosmtp", RECIPIENT);
    let output = app
        .cli()
        .args(["job", "run", "deliver-mail"])
        .env_remove("DOSSIER_SMTP_URL")
        .output()
        .expect("cli");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("waiting_no_smtp=1"), "{stdout}");
    assert!(stdout.contains("DOSSIER_SMTP_URL"), "{stdout}");
    let mail = row(&app, id);
    assert_eq!((mail.state.as_str(), mail.attempts), ("queued", 0));
    assert_eq!(actions(&app, id), ["mail_queued"]);
}

#[rstest]
#[tokio::test]
async fn the_cli_delivers_with_the_smtp_url_from_the_environment(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("250 OK");
    let id = queue(&app, "reverify:cli", RECIPIENT);
    let output = app
        .cli()
        .args(["job", "run", "deliver-mail"])
        .env("DOSSIER_SMTP_URL", smtp.url())
        .output()
        .expect("cli");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("deliver-mail: ok sent=1"), "{stdout}");
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(row(&app, id).state, "sent");
}

// ---- the page ---------------------------------------------------------------------------

#[rstest]
#[tokio::test]
async fn pausing_holds_mail_back_and_resuming_lets_it_go(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let smtp = SmtpServer::start("250 OK");
    let url = smtp.url();
    let Some(app) = spawn_app_with(backend, |s| s.smtp_url = Some(url)).await else {
        return;
    };
    let admin = app.login_as(Role::Admin).await;
    let id = queue(&app, "reverify:pause", RECIPIENT);

    let response = app.post_form(&admin, "/admin/outbox/pause", &[]).await;
    assert_redirect_to(&response, "/admin/outbox");
    let page = app.get_html(&admin, "/admin/outbox").await;
    assert!(page.contains("发信已暂停"), "{page}");
    assert!(!page.contains("DOSSIER_SMTP_URL"), "an SMTP server is set");
    let report = run_job(&app, Some(smtp.url()));
    assert_eq!(report.count("waiting_paused"), 1, "{report:?}");
    assert!(smtp.received().is_empty());
    assert_eq!(row(&app, id).state, "queued");

    let response = app.post_form(&admin, "/admin/outbox/resume", &[]).await;
    assert_redirect_to(&response, "/admin/outbox");
    run_job(&app, Some(smtp.url()));
    assert_eq!(smtp.received().len(), 1);
    let logged: Vec<String> = audit_log::table
        .filter(audit_log::target.eq("mail"))
        .order(audit_log::seq)
        .select(audit_log::action)
        .load(&mut *app.conn())
        .expect("log");
    assert_eq!(logged, ["mail_paused", "mail_resumed"]);
}

#[rstest]
#[tokio::test]
async fn the_outbox_masks_recipients_and_only_a_manager_opens_a_body(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let id = queue(&app, "reverify:page", RECIPIENT);
    let admin = app.login_as(Role::Admin).await;
    let page = app.get_html(&admin, "/admin/outbox").await;
    assert!(page.contains("w***@qq.com"), "{page}");
    assert!(page.contains(CODE));
    assert!(!page.contains(RECIPIENT) && !page.contains(LINK));
    assert!(page.contains("DOSSIER_SMTP_URL"), "the no-SMTP banner");
    let sent_only = app.get_html(&admin, "/admin/outbox?state=sent").await;
    assert!(!sent_only.contains("w***@qq.com"));

    let response = app.get(&admin, &format!("/admin/outbox/{id}")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let clerk = app.login_as(Role::Clerk).await;
    let response = app.get(&clerk, "/admin/outbox").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let manager = app.login_as(Role::Manager).await;
    let list = app.get_html(&manager, "/admin/outbox").await;
    assert!(list.contains("w***@qq.com") && !list.contains(LINK));
    assert!(!list.contains("/retry"), "managers read, admins act");
    let one = app.get_html(&manager, &format!("/admin/outbox/{id}")).await;
    assert!(one.contains(LINK), "{one}");
    assert!(one.contains(RECIPIENT));
    assert_eq!(actions(&app, id), ["mail_queued", "mail_body_viewed"]);
}

#[rstest]
#[tokio::test]
async fn the_outbox_lists_fifty_mails_a_page_and_filters_by_state(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let first = queue(&app, "reverify:p0", "first@example.cn");
    for n in 1..55 {
        queue(&app, &format!("reverify:p{n}"), &format!("c{n}@example.cn"));
    }
    app.execute_sql(&format!(
        "UPDATE outbox SET state = 'failed' WHERE id = {first}"
    ));
    let admin = app.login_as(Role::Admin).await;
    let one = app.get_html(&admin, "/admin/outbox").await;
    assert!(one.contains("rel=\"next\""));
    assert!(one.contains("c***@example.cn") && !one.contains("f***@example.cn"));
    let two = app.get_html(&admin, "/admin/outbox?page=2").await;
    assert!(two.contains("f***@example.cn") && two.contains("rel=\"prev\""));
    let failed = app.get_html(&admin, "/admin/outbox?state=failed").await;
    assert!(failed.contains("f***@example.cn") && !failed.contains("c***@example.cn"));
    assert!(!failed.contains("rel=\"next\""));
    let nonsense = app
        .get_html(&admin, "/admin/outbox?state=lost&page=x")
        .await;
    assert!(
        nonsense.contains("c***@example.cn"),
        "an unknown filter shows everything"
    );
}

#[rstest]
#[tokio::test]
async fn an_admin_sends_a_failed_mail_again_but_not_a_sent_one(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // Relays often echo the address; the page must not.
    let refusing = SmtpServer::start("550 5.7.1 <wangfang@qq.com> rejected");
    let failed = queue(&app, "reverify:retry", RECIPIENT);
    run_job(&app, Some(refusing.url()));
    assert_eq!(row(&app, failed).state, "failed");

    let admin = app.login_as(Role::Admin).await;
    let page = app.get_html(&admin, "/admin/outbox?state=failed").await;
    assert!(page.contains(&format!("/admin/outbox/{failed}/retry")));
    assert!(
        page.contains("(550): 5.7.1 &#60;w***@qq.com&#62; rejected"),
        "{page}"
    );
    assert!(!page.contains(RECIPIENT));
    let response = app
        .post_form(&admin, &format!("/admin/outbox/{failed}/retry"), &[])
        .await;
    assert_redirect_to(&response, "/admin/outbox");
    let mail = row(&app, failed);
    assert_eq!(mail.state, "queued");
    assert!(mail.next_attempt_at <= dossier::db::now());

    let accepting = SmtpServer::start("250 OK");
    run_job(&app, Some(accepting.url()));
    assert_eq!(row(&app, failed).state, "sent");
    assert_eq!(accepting.received().len(), 1);

    let response = app
        .post_form(&admin, &format!("/admin/outbox/{failed}/retry"), &[])
        .await;
    assert_redirect_to(&response, "/admin/outbox");
    let page = app.get_html(&admin, "/admin/outbox").await;
    assert!(
        page.contains("只有发送失败或结果不明的邮件可以重新发送"),
        "{page}"
    );
    assert_eq!(row(&app, failed).state, "sent");
    assert_eq!(
        actions(&app, failed),
        [
            "mail_queued",
            "mail_sending",
            "mail_failed",
            "mail_retry_requested",
            "mail_sending",
            "mail_sent"
        ]
    );
    let count: i64 = outbox_t::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count");
    assert_eq!(count, 1);
    for (_, details) in log_of(&app, failed) {
        assert!(!details.contains(RECIPIENT), "{details}");
    }
}

#[rstest]
#[tokio::test]
async fn two_workers_at_once_send_every_mail_exactly_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let smtp = SmtpServer::start("250 OK");
    const MAILS: usize = 60;
    for n in 0..MAILS {
        queue(
            &app,
            &format!("reverify:many:{n}"),
            &format!("c{n}@example.cn"),
        );
    }
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let slot = dossier::db::now() + chrono::Duration::seconds(worker);
            let (app, url) = (&app, smtp.url());
            scope.spawn(move || run_job_at(app, Some(url), slot));
        }
    });
    let elapsed = started.elapsed();
    let mut recipients: Vec<String> = smtp.received().into_iter().flat_map(|m| m.to).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(smtp.received().len(), MAILS, "each mail once");
    assert_eq!(recipients.len(), MAILS);
    let sent: i64 = outbox_t::table
        .filter(outbox_t::state.eq("sent"))
        .count()
        .get_result(&mut *app.conn())
        .expect("count");
    assert_eq!(sent, MAILS as i64);
    eprintln!("{backend:?}: {MAILS} mails by two workers in {elapsed:?}");
}

// ---- re-verification end to end ---------------------------------------------------------

#[rstest]
#[tokio::test]
async fn a_due_customer_is_mailed_opens_the_link_and_confirms_through_real_smtp(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    // First contact in March 2024 and never verified: due for the 12-month cycle.
    let fields = crate::customers::with(
        crate::customers::person("诸葛复核", "13700000051"),
        "email",
        "zhuge@example.cn",
    );
    let code = crate::customers::create(&app, &clerk, &fields).await;
    let smtp = SmtpServer::start("250 OK");
    for job in ["reverify", "deliver-mail"] {
        let output = app
            .cli()
            .args(["job", "run", job])
            .env("DOSSIER_SMTP_URL", smtp.url())
            .env("DOSSIER_PUBLIC_URL", &app.address)
            .output()
            .expect("cli");
        assert!(
            output.status.success(),
            "{job}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mails = smtp.received();
    assert_eq!(mails.len(), 1, "one mail for the one due customer");
    assert_eq!(mails[0].to, ["zhuge@example.cn"]);
    let (subject, body) = decoded(&mails[0].data);
    assert!(!subject.is_empty());
    let link = body
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{}/verify/", app.address)))
        .expect("the mail holds the personal link")
        .to_string();
    let path = link.trim_start_matches(&app.address).to_string();

    let (customer, _) = crate::helpers::new_client();
    let page = app.get_html(&customer, &path).await;
    assert!(
        page.contains("137****0051") && !page.contains("13700000051"),
        "{page}"
    );
    let confirmed = app
        .post_form(&customer, &format!("{path}/confirm"), &[])
        .await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    let stored = dossier::db::customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.last_verified_at,
        Some(crate::helpers::office_today())
    );

    // The next run in the same cycle queues nothing: verified today.
    let output = app
        .cli()
        .args(["job", "run", "reverify"])
        .output()
        .expect("cli");
    assert!(output.status.success());
    let queued: i64 = outbox_t::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(queued, 1);
}

// ---- personal links are never readable ---------------------------------------------------

/// The encrypted token of the one mail queued, opened with the app's keys.
fn queued_token(app: &TestApp) -> (i32, String) {
    let (id, sealed): (i32, Option<String>) = outbox_t::table
        .select((outbox_t::id, outbox_t::link_token_enc))
        .first(&mut *app.conn())
        .expect("one mail");
    let sealed = sealed.expect("the token is kept encrypted while the mail waits");
    (
        id,
        app.state()
            .keys
            .cipher()
            .decrypt(&sealed)
            .expect("the field key opens it"),
    )
}

fn cli_job(app: &TestApp, job: &str, smtp: &SmtpServer) {
    let output = app
        .cli()
        .args(["job", "run", job])
        .env("DOSSIER_SMTP_URL", smtp.url())
        .env("DOSSIER_PUBLIC_URL", &app.address)
        .output()
        .expect("cli");
    assert!(
        output.status.success(),
        "{job}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[rstest]
#[tokio::test]
async fn a_personal_link_is_readable_nowhere_but_in_the_mail_and_works_once(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let fields = crate::customers::with(
        crate::customers::person("诸葛链接", "13700000052"),
        "email",
        "zhuge.link@example.cn",
    );
    crate::customers::create(&app, &clerk, &fields).await;
    let smtp = SmtpServer::start("250 OK");
    cli_job(&app, "reverify", &smtp);

    let (id, token) = queued_token(&app);
    assert_eq!(
        crate::security::places_holding(&app, &token),
        Vec::<String>::new(),
        "queued: the token is in no column"
    );
    let manager = app.login_as(Role::Manager).await;
    let page = app.get_html(&manager, &format!("/admin/outbox/{id}")).await;
    assert!(
        !page.contains(&token) && !page.contains("/verify/"),
        "no link on the outbox page: {page}"
    );
    assert!(page.contains("个人链接"), "{page}");

    cli_job(&app, "deliver-mail", &smtp);
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    let (_, body) = decoded(&mails[0].data);
    let link = format!("{}/verify/{token}", app.address);
    assert!(body.contains(&link), "the mail carries the link: {body}");
    assert!(!body.contains("{personal-link}"), "{body}");

    let mail = row(&app, id);
    assert_eq!(mail.state, "sent");
    assert_eq!(mail.link_token_enc, None, "dropped once sent");
    assert_eq!(
        crate::security::places_holding(&app, &token),
        Vec::<String>::new(),
        "sent: the token is in no column"
    );
    let page = app.get_html(&manager, &format!("/admin/outbox/{id}")).await;
    assert!(!page.contains(&token) && !page.contains("/verify/"));

    let path = format!("/verify/{token}");
    let (customer, _) = crate::helpers::new_client();
    assert!(app.get_html(&customer, &path).await.contains("137****0052"));
    let confirmed = app
        .post_form(&customer, &format!("{path}/confirm"), &[])
        .await;
    assert_redirect_to(&confirmed, "/verify-thanks/confirmed");
    let again = app.get(&customer, &path).await;
    assert_eq!(again.status(), StatusCode::GONE, "a link works once");
}

#[rstest]
#[tokio::test]
async fn mail_queued_with_a_raw_link_before_the_upgrade_is_sealed_and_still_sent_with_it(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = "0123456789abcdef".repeat(4);
    let old = |key: &str, recipient: &str| {
        let mail = NewMail {
            kind: "reverify".into(),
            idempotency_key: key.into(),
            customer_id: None,
            customer_code: CODE.into(),
            recipient: recipient.into(),
            subject: SUBJECT.into(),
            body: format!("您好：\n\nhttp://old.example/verify/{token}\n\n谢谢"),
            link_token_enc: None,
        };
        dossier::db::write_tx(&mut app.conn(), |c| {
            outbox::enqueue(c, &mail, &Actor::System)
        })
        .expect("enqueue")
        .expect("a new mail")
    };
    let waiting = old("reverify:old-waiting", RECIPIENT);
    let sent = old("reverify:old-sent", "li.lei@163.com");
    app.execute_sql(&format!(
        "UPDATE outbox SET state = 'sent' WHERE id = {sent}"
    ));

    let report = run_job(&app, None);
    assert_eq!(report.count("links_sealed"), 2, "{report:?}");
    for id in [waiting, sent] {
        let mail = row(&app, id);
        assert!(
            !mail.body.contains(&token) && mail.body.contains("{personal-link}"),
            "{}",
            mail.body
        );
    }
    assert!(
        row(&app, sent).link_token_enc.is_none(),
        "sent: nothing kept"
    );

    let smtp = SmtpServer::start("250 OK");
    run_job(&app, Some(smtp.url()));
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    let (_, body) = decoded(&mails[0].data);
    let public = dossier::settings::Settings::default().public_url;
    assert!(body.contains(&format!("{public}/verify/{token}")), "{body}");
    assert!(row(&app, waiting).link_token_enc.is_none());
}
