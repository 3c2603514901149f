//! End to end in a real browser: Debian's headless Chromium driven through chromedriver.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dossier::domain::role::Role;
use thirtyfour::common::capabilities::chromium::ChromiumLikeCapabilities;
use thirtyfour::prelude::*;
use thirtyfour::ChromeCapabilities;

use crate::helpers::{spawn_app, Backend, PASSWORD};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

#[rstest::rstest]
// Several threads: when an assertion fails, thirtyfour's Drop ends the session with a call
// that blocks this thread and needs the HTTP connection's task to run on another one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_signs_in_through_the_login_form_and_reaches_the_home_page(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    if !Path::new(CHROMEDRIVER).exists() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{CHROMEDRIVER} is required in CI: apt-get install chromium chromium-driver");
        }
        eprintln!("!!! SKIPPING browser test: chromedriver not installed");
        return;
    }
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("clerk1", &[Role::Clerk], None);
    // Declared before the driver so it is dropped after it, even when an assertion panics.
    let chromedriver = Chromedriver::start().await;
    let profile = tempfile::tempdir().expect("temp dir");
    let driver = WebDriver::new(chromedriver.url(), capabilities(profile.path()))
        .await
        .expect("a Chromium session");

    driver.goto(app.url("/login")).await.expect("open /login");
    let username = driver.find(By::Name("username")).await.expect("username");
    username.send_keys("clerk1").await.expect("type username");
    let password = driver.find(By::Name("password")).await.expect("password");
    password.send_keys(PASSWORD).await.expect("type password");
    // Scoped to the form: the header's language switch is a submit button too.
    let submit = driver
        .find(By::Css("form[action='/login'] button[type=submit]"))
        .await
        .expect("submit");
    submit.click().await.expect("submit the form");

    // The click returns before the POST and its redirect have finished loading.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let url = driver.current_url().await.expect("current url");
        if url.path() == "/" {
            break;
        }
        if Instant::now() > deadline {
            let html = driver.source().await.unwrap_or_default();
            panic!("still on {url} after signing in:\n{html}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let html = driver.source().await.expect("page source");
    assert!(
        html.contains("clerk1 显示名"),
        "no display name in:\n{html}"
    );
    assert!(
        html.contains("资料管理专员"),
        "no zh-CN clerk role in:\n{html}"
    );

    driver.quit().await.expect("quit the browser");
}

fn capabilities(profile: &Path) -> ChromeCapabilities {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").expect("binary");
    for arg in [
        "--headless=new",
        "--no-sandbox", // CI runs as root, where Chromium's sandbox refuses to start
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        &format!("--user-data-dir={}", profile.display()),
    ] {
        caps.add_arg(arg).expect("chromium argument");
    }
    // The app picks its language from Accept-Language; Chromium's default follows the
    // machine's locale, so ask for zh-CN (the app's default) explicitly.
    caps.add_experimental_option(
        "prefs",
        serde_json::json!({ "intl": { "accept_languages": "zh-CN,zh" } }),
    )
    .expect("prefs");
    caps
}

/// chromedriver in its own process group, killed with everything it started when dropped.
struct Chromedriver {
    port: u16,
    process: Child,
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let process = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        // Made before the wait so a chromedriver that never listens is still killed.
        let driver = Chromedriver { port, process };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver not listening on {port} after 10 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and the Chromium processes it started. Debian 12's
        // kill (procps-ng 4.0.2) silently ignores `kill -9 -PGID`; this spelling works.
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .status();
        let _ = self.process.kill(); // in case `kill` itself failed: never wait forever
        let _ = self.process.wait();
    }
}
