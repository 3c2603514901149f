//! End to end in a real browser: Debian's headless Chromium driven through chromedriver.

use std::net::{TcpListener, TcpStream};
use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dossier::db::customers;
use dossier::domain::role::Role;
use reqwest::{StatusCode, Url};
use thirtyfour::common::capabilities::chromium::ChromiumLikeCapabilities;
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;
use thirtyfour::ChromeCapabilities;

use crate::helpers::{location, spawn_app, Backend, TestApp, PASSWORD};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

#[rstest::rstest]
// Several threads: when an assertion fails, thirtyfour's Drop ends the session with a call
// that blocks this thread and needs the HTTP connection's task to run on another one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_signs_in_through_the_login_form_and_reaches_the_home_page(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    if !browser_installed() {
        return;
    }
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.create_user("clerk1", &[Role::Clerk], None);

    let browser = Browser::sign_in(&app, "clerk1").await;

    let html = browser.source().await.expect("page source");
    assert!(
        html.contains("clerk1 显示名"),
        "no display name in:\n{html}"
    );
    assert!(
        html.contains("资料管理专员"),
        "no zh-CN clerk role in:\n{html}"
    );
    browser.quit().await.expect("quit the browser");
}

#[rstest::rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_searches_opens_edits_and_sees_the_change_in_the_history(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) -> WebDriverResult<()> {
    if !browser_installed() {
        return Ok(());
    }
    let Some(app) = spawn_app(backend).await else {
        return Ok(());
    };
    let code = seed(&app, "欧阳娜娜", "13811112222").await;
    let other = seed(&app, "王伟", "13933334444").await;
    app.create_user("clerk1", &[Role::Clerk], None);
    let browser = Browser::sign_in(&app, "clerk1").await;

    browser.goto(app.url("/customers")).await?;
    let search = browser.find(By::Name("q")).await?;
    search.send_keys("阳娜").await?;
    search.send_keys(Key::Enter).await?;
    wait_until(&browser, "the search for 阳娜", |url| {
        url.query_pairs().any(|(k, v)| k == "q" && v == "阳娜")
    })
    .await;
    let results = browser.source().await?;
    assert!(
        results.contains(&code) && !results.contains(&other),
        "only {code} should be found:\n{results}"
    );

    browser
        .find(By::LinkText("欧阳娜娜"))
        .await?
        .click()
        .await?;
    wait_for_path(&browser, &format!("/customers/{code}")).await;
    browser.find(By::LinkText("修改")).await?.click().await?;
    wait_for_path(&browser, &format!("/customers/{code}/edit")).await;
    fill_in(
        &browser,
        &[("phone", "13955556666"), ("reason", "客户来电更换手机号")],
    )
    .await?;
    save(&browser).await?;
    wait_for_path(&browser, &format!("/customers/{code}")).await;
    let flash = browser
        .find(By::Css("main .flash-ok"))
        .await?
        .text()
        .await?;
    assert_eq!(flash, "已保存，当前为版本 2。");

    browser
        .find(By::LinkText("修改历史"))
        .await?
        .click()
        .await?;
    wait_for_path(&browser, &format!("/customers/{code}/history")).await;
    let mut changes = Vec::new();
    for row in browser.find_all(By::Css("table.diff tbody tr")).await? {
        let mut cells = Vec::new();
        for cell in row.find_all(By::Tag("td")).await? {
            cells.push(cell.text().await?);
        }
        changes.push(cells);
    }
    assert!(
        changes.contains(&vec![
            "电话".into(),
            "13811112222".into(),
            "13955556666".into()
        ]),
        "no phone change old → new in {changes:?}"
    );
    assert!(browser.source().await?.contains("客户来电更换手机号"));

    browser.quit().await
}

#[rstest::rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_a_record_with_the_phone_of_another_shows_the_duplicate_warning(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) -> WebDriverResult<()> {
    if !browser_installed() {
        return Ok(());
    }
    let Some(app) = spawn_app(backend).await else {
        return Ok(());
    };
    let existing = seed(&app, "王伟", "13812345678").await;
    app.create_user("clerk1", &[Role::Clerk], None);
    let browser = Browser::sign_in(&app, "clerk1").await;

    browser.goto(app.url("/customers/new")).await?;
    fill_in(
        &browser,
        &[
            ("name", "王小伟"),
            ("role", "owner"),
            ("phone", "13812345678"),
            ("community", "阳光花园"),
            ("unit", "0808"),
            ("reason", "新业主入住登记"),
        ],
    )
    .await?;
    save(&browser).await?;
    wait_for_path(&browser, "/customers").await;

    let warning = browser.find(By::Css("main div.flash-error")).await?;
    let text = warning.text().await?;
    assert!(text.contains("已有相似的档案"), "{text}");
    let link = warning
        .find(By::Css(format!("a[href='/customers/{existing}']")))
        .await?;
    assert!(link.text().await?.starts_with(&existing));
    let button = browser
        .find(By::Css("form.grid-form button[type=submit]"))
        .await?;
    assert_eq!(button.text().await?, "仍然保存");
    assert_eq!(
        customers::count(&mut app.conn()).expect("count"),
        1,
        "nothing saved before the clerk confirms"
    );

    browser.quit().await
}

#[rstest::rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_error_keeps_what_was_typed(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) -> WebDriverResult<()> {
    if !browser_installed() {
        return Ok(());
    }
    let Some(app) = spawn_app(backend).await else {
        return Ok(());
    };
    app.create_user("clerk1", &[Role::Clerk], None);
    let browser = Browser::sign_in(&app, "clerk1").await;

    browser.goto(app.url("/customers/new")).await?;
    let typed = [
        ("name", "张三丰"),
        ("type", "vip"),
        ("role", "tenant"),
        ("phone", "1381234567"), // one digit short
        ("email", "zhang.sf@example.com"),
        ("community", "阳光花园"),
        ("building", "3"),
        ("unit", "1202"),
        ("id_number", "11010119900307002X"),
        ("credit_code", ""),
        ("legal_representative", ""),
        ("tags", "风险/欠费"),
        ("source", "walk-in"),
        ("first_contact_at", "2024-03-01"),
        ("last_interaction_at", "2025-06-01"),
        ("last_verified_at", "2025-06-02"),
        ("notes", "物业费按季度缴纳"),
        ("reason", "新业主入住登记"),
    ];
    fill_in(&browser, &typed).await?;
    save(&browser).await?;
    wait_for_path(&browser, "/customers").await;

    let errors = browser.find_all(By::Css(".field-error")).await?;
    assert_eq!(errors.len(), 1, "only the phone is wrong");
    let phone_label = browser.find(By::Name("phone")).await?.parent().await?;
    let message = phone_label
        .find(By::Css(".field-error"))
        .await?
        .text()
        .await?;
    assert!(message.starts_with("电话号码格式不正确"), "{message}");
    for (name, value) in typed {
        let kept = browser.find(By::Name(name)).await?.prop("value").await?;
        assert_eq!(kept.as_deref(), Some(value), "the {name} field");
    }
    assert_eq!(customers::count(&mut app.conn()).expect("count"), 0);

    browser.quit().await
}

/// Whether the browser tests can run; outside CI a missing chromedriver skips them.
#[rstest::rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_keeps_one_archives_another_after_the_legal_review(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) -> WebDriverResult<()> {
    if !browser_installed() {
        return Ok(());
    }
    let Some(app) = spawn_app(backend).await else {
        return Ok(());
    };
    // First contact in March 2024 and never an interaction: past the 24-month threshold.
    let kept = seed(&app, "冯保留", "13800000061").await;
    let gone = seed(&app, "陈归档", "13800000062").await;
    let output = app.cli().args(["job", "run", "dormancy"]).output().unwrap();
    assert!(output.status.success());
    app.create_user("manager1", &[Role::Manager], None);
    let browser = Browser::sign_in(&app, "manager1").await;
    browser.goto(app.url("/reviews/cleanup")).await?;

    let decide = |code: &str, reason: &str, button: &str| {
        let form = format!("form[action='/reviews/cleanup/{code}/decide']");
        let (reason, button) = (reason.to_string(), button.to_string());
        let browser = &browser;
        async move {
            browser
                .find(By::Css(format!("{form} input[name=reason]")))
                .await?
                .send_keys(&reason)
                .await?;
            click_and_wait(browser, &format!("{form} button[value={button}]")).await
        }
    };
    decide(&kept, "仍是业主，电话已核实", "keep").await?;
    decide(&gone, "已搬离三年", "archive").await?;
    let row = browser
        .find(By::XPath(format!("//tr[td/a[text()='{gone}']]")))
        .await?;
    assert!(row.text().await?.contains("待法务审核"));

    fill_in(
        &browser,
        &[
            ("reviewer", "法务部 王律师"),
            ("reviewed_on", "2026-11-20"),
            ("note", "符合保存期限规定"),
        ],
    )
    .await?;
    click_and_wait(
        &browser,
        "form[action='/reviews/cleanup/legal-review'] button",
    )
    .await?;
    click_and_wait(&browser, "form[action='/reviews/cleanup/archive'] button").await?;
    wait_for_path(&browser, "/reviews/cleanup").await;
    let flash = browser.find(By::Css(".flash")).await?.text().await?;
    assert!(flash.contains("已归档 1 位客户"), "{flash}");
    let status = |code: &str| {
        customers::find_by_code(&mut app.conn(), code)
            .unwrap()
            .unwrap()
            .status
    };
    assert_eq!(status(&kept), "active");
    assert_eq!(status(&gone), "archived");

    browser.quit().await
}

/// Clicks a submit button and waits until its page is gone: the form posts to a page
/// that redirects back to the same path, so the address alone cannot tell.
async fn click_and_wait(driver: &WebDriver, css: &str) -> WebDriverResult<()> {
    let button = driver.find(By::Css(css)).await?;
    button.click().await?;
    button.wait_until().stale().await
}

fn browser_installed() -> bool {
    if Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{CHROMEDRIVER} is required in CI: apt-get install chromium chromium-driver");
    }
    eprintln!("!!! SKIPPING browser test: chromedriver not installed");
    false
}

/// A record entered beforehand by another clerk, through the form; returns its code.
async fn seed(app: &TestApp, name: &str, phone: &str) -> String {
    let clerk = app.login_as(Role::Clerk).await;
    let response = app
        .post_form(
            &clerk,
            "/customers",
            &[
                ("name", name),
                ("type", "personal"),
                ("phone", phone),
                ("community", "阳光花园"),
                ("building", "3"),
                ("unit", "1202"),
                ("role", "owner"),
                ("source", "walk-in"),
                ("first_contact_at", "2024-03-01"),
                ("reason", "新业主入住登记"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{name} not saved");
    location(&response)
        .trim_start_matches("/customers/")
        .to_string()
}

/// A Chromium session. The fields drop in this order: the session ends before
/// chromedriver (and Chromium with it) is killed, and the profile goes last.
struct Browser {
    driver: WebDriver,
    _chromedriver: Chromedriver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Opens Chromium and signs `username` in through the login form, up to the home page.
    async fn sign_in(app: &TestApp, username: &str) -> Browser {
        let chromedriver = Chromedriver::start().await;
        let profile = tempfile::tempdir().expect("temp dir");
        let driver = WebDriver::new(chromedriver.url(), capabilities(profile.path()))
            .await
            .expect("a Chromium session");
        let browser = Browser {
            driver,
            _chromedriver: chromedriver,
            _profile: profile,
        };
        browser.goto(app.url("/login")).await.expect("open /login");
        fill_in(&browser, &[("username", username), ("password", PASSWORD)])
            .await
            .expect("fill in the login form");
        // Scoped to the form: the header's language switch is a submit button too.
        browser
            .find(By::Css("form[action='/login'] button[type=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("submit the form");
        wait_for_path(&browser, "/").await;
        browser
    }

    async fn quit(self) -> WebDriverResult<()> {
        self.driver.quit().await
    }
}

impl Deref for Browser {
    type Target = WebDriver;

    fn deref(&self) -> &WebDriver {
        &self.driver
    }
}

/// Types into text fields, picks options in selects and sets date fields (through script:
/// typing a date depends on Chromium's locale).
async fn fill_in(driver: &WebDriver, fields: &[(&str, &str)]) -> WebDriverResult<()> {
    for &(name, value) in fields {
        let field = driver.find(By::Name(name)).await?;
        if field.tag_name().await? == "select" {
            SelectElement::new(&field)
                .await?
                .select_by_value(value)
                .await?;
        } else if field.attr("type").await?.as_deref() == Some("date") {
            driver
                .execute(
                    "arguments[0].value = arguments[1]",
                    vec![field.to_json()?, serde_json::json!(value)],
                )
                .await?;
        } else {
            field.clear().await?;
            field.send_keys(value).await?;
        }
    }
    Ok(())
}

/// Sends the customer form.
async fn save(driver: &WebDriver) -> WebDriverResult<()> {
    driver
        .find(By::Css("form.grid-form button[type=submit]"))
        .await?
        .click()
        .await
}

/// Waits until the browser is on `path`: a click returns before the next page has loaded.
async fn wait_for_path(driver: &WebDriver, path: &str) {
    wait_until(driver, path, |url| url.path() == path).await;
}

/// Polls the browser's URL for up to 5 s; panics with the page when it does not come.
async fn wait_until(driver: &WebDriver, what: &str, arrived: impl Fn(&Url) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let url = driver.current_url().await.expect("current url");
        if arrived(&url) {
            return;
        }
        if Instant::now() > deadline {
            let html = driver.source().await.unwrap_or_default();
            panic!("waited 5 s for {what}, still on {url}:\n{html}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
