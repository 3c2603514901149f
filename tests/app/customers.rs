//! Customer records: entry and its checks, versions, locking, encryption, scope, search.

use dossier::db::{audit_log, customers, offices};
use dossier::domain::role::Role;
use reqwest::{Client, StatusCode};
use rstest::rstest;

use crate::helpers::{
    assert_redirect_to, location, new_client, spawn_app, Backend, TestApp, PASSWORD,
};

/// A valid resident ID (checksum and birth date) and its masked form.
const ID_NUMBER: &str = "11010119900307002X";
const ID_MASKED: &str = "1101**********002X";

pub(crate) fn person(name: &str, phone: &str) -> Vec<(&'static str, String)> {
    [
        ("name", name),
        ("type", "personal"),
        ("phone", phone),
        ("email", ""),
        ("community", "阳光花园"),
        ("building", "3"),
        ("unit", "1202"),
        ("role", "owner"),
        ("id_number", ""),
        ("tags", "风险/欠费"),
        ("source", "walk-in"),
        ("first_contact_at", "2024-03-01"),
        ("last_interaction_at", "2025-06-01"),
        ("last_verified_at", ""),
        ("notes", ""),
        ("reason", "新业主入住登记"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

pub(crate) fn with(
    mut fields: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value.to_string()));
    fields
}

pub(crate) async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    fields: &[(&'static str, String)],
) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(client, path, &borrowed).await
}

/// Creates a record through the form and returns its code.
pub(crate) async fn create(
    app: &TestApp,
    client: &Client,
    fields: &[(&'static str, String)],
) -> String {
    let response = post(app, client, "/customers", fields).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{}",
        response.text().await.unwrap_or_default()
    );
    location(&response)
        .trim_start_matches("/customers/")
        .to_string()
}

/// An office with one community, and a clerk of that office, signed in.
pub(crate) async fn office_clerk(app: &TestApp, office: &str, community: &str) -> Client {
    let caller = dossier::service::Caller {
        actor: dossier::domain::audit::Actor::System,
        address: "test".into(),
    };
    // A community the sample office was given (for users without an office) moves here.
    app.execute_sql(&format!(
        "UPDATE communities SET office_id = NULL WHERE name = '{community}'"
    ));
    let details = dossier::domain::office::OfficeDetails {
        name: office.into(),
        communities: vec![community.into()],
    };
    let office = dossier::service::offices::create(&mut app.conn(), &caller, &details).unwrap();
    let name = format!("clerk{}", office.id);
    app.create_user(&name, &[Role::Clerk], Some(office.id));
    let (client, _) = new_client();
    assert_redirect_to(&app.login(&client, &name, PASSWORD).await, "/");
    client
}

pub(crate) fn log_actions(app: &TestApp) -> Vec<(String, String, String)> {
    let filter = audit_log::Filter::default();
    let (entries, _) = audit_log::page(&mut app.conn(), &filter, 1, 500).unwrap();
    entries
        .into_iter()
        .map(|e| (e.action, e.target, e.details))
        .collect()
}

#[rstest]
#[tokio::test]
async fn a_clerk_creates_a_record_with_a_code_and_an_encrypted_id_number(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(
        &app,
        &clerk,
        &with(person("王伟", "13812345678"), "id_number", ID_NUMBER),
    )
    .await;
    let year = crate::helpers::office_today().format("%Y");
    assert_eq!(code, format!("P-{year}-000001"));
    let vip = create(
        &app,
        &clerk,
        &with(person("李娜", "13912345678"), "type", "vip"),
    )
    .await;
    assert_eq!(vip, format!("V-{year}-000001"), "serials are per type");

    let page = app.get_html(&clerk, &format!("/customers/{code}")).await;
    assert!(page.contains("王伟") && page.contains(ID_MASKED) && !page.contains(ID_NUMBER));
    assert!(page.contains("风险/欠费"));
    // The number is nowhere in the database in plain text, yet findable exactly.
    let stored = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    for column in [
        &stored.id_number_enc,
        &stored.id_number_index,
        &stored.id_number_masked,
    ] {
        assert!(
            !column.as_deref().unwrap_or("").contains("19900307"),
            "{column:?}"
        );
    }
    assert!(stored.id_number_enc.unwrap().starts_with("v1:"));
    assert_eq!(
        stored.id_number_index.unwrap(),
        app_keys(&app).blind_index().of(ID_NUMBER)
    );
    let actions = log_actions(&app);
    assert!(actions
        .iter()
        .any(|(a, t, _)| a == "customer_created" && *t == code));
    assert!(actions
        .iter()
        .any(|(a, t, _)| a == "customer_viewed" && *t == code));
}

fn app_keys(app: &TestApp) -> dossier::crypto::Keys {
    dossier::crypto::Keys::load_or_create(app.data_dir.path()).unwrap()
}

#[rstest]
#[tokio::test]
async fn bad_entries_come_back_with_messages_by_each_field_and_nothing_is_stored(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let tomorrow = (crate::helpers::office_today() + chrono::Duration::days(1)).to_string();
    let cases: [(&str, &str, &str); 7] = [
        ("phone", "1381234567", "电话号码格式不正确"),
        ("email", "wang@@qq.com", "邮箱格式不正确"),
        ("id_number", "110101199003070021", "校验位不符"),
        ("first_contact_at", &tomorrow, "日期不能晚于今天"),
        ("last_interaction_at", "2020-01-01", "不能早于首次联系时间"),
        ("name", "", "此项必填"),
        ("reason", "", "此项必填"),
    ];
    for (field, value, message) in cases {
        let response = post(
            &app,
            &clerk,
            "/customers",
            &with(person("张三丰", "13700000001"), field, value),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let page = response.text().await.unwrap();
        assert!(page.contains(message), "{field}: expected {message}");
        if !value.is_empty() {
            assert!(
                page.contains(&format!("value=\"{value}\"")),
                "{field}: the typed value is kept"
            );
        }
    }
    assert_eq!(customers::count(&mut app.conn()).unwrap(), 0);
}

#[rstest]
#[tokio::test]
async fn a_similar_record_is_shown_before_saving_and_saving_anyway_is_logged(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let first = create(&app, &clerk, &person("王伟", "13812345678")).await;
    let again = person("王小伟", "13812345678");
    let response = post(&app, &clerk, "/customers", &again).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&first)
            && page.contains("已有相似的档案")
            && page.contains("name=\"confirm_duplicate\"")
    );
    assert_eq!(customers::count(&mut app.conn()).unwrap(), 1);

    let second = create(
        &app,
        &clerk,
        &with(
            with(again, "confirm_duplicate", "yes"),
            "reason",
            "同一电话的两位家庭成员",
        ),
    )
    .await;
    assert_ne!(second, first);
    let logged = log_actions(&app);
    let (_, _, details) = logged
        .iter()
        .find(|(a, t, _)| a == "customer_created" && *t == second)
        .unwrap();
    assert!(
        details.contains("同一电话的两位家庭成员") && details.contains(&first),
        "{details}"
    );
}

#[rstest]
#[tokio::test]
async fn an_edit_makes_a_version_keeps_the_old_phone_and_shows_the_diff(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(
        &app,
        &clerk,
        &with(person("赵敏", "13811112222"), "id_number", ID_NUMBER),
    )
    .await;

    // Only the changed field, the version and a reason.
    let fields = vec![
        ("phone", "13933334444".to_string()),
        ("version", "1".to_string()),
        ("reason", "客户来电更换手机号".to_string()),
    ];
    assert_redirect_to(
        &post(&app, &clerk, &format!("/customers/{code}/update"), &fields).await,
        &format!("/customers/{code}"),
    );
    let record = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.phone.as_str(), record.version, record.name.as_str()),
        ("13933334444", 2, "赵敏")
    );
    assert!(
        record.id_number_masked.is_some(),
        "a blank ID field keeps the stored number"
    );

    let page = app.get_html(&clerk, &format!("/customers/{code}")).await;
    assert!(
        page.contains("<s>13811112222</s>"),
        "the old phone stays, marked invalid"
    );
    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    assert!(
        history.contains("客户来电更换手机号")
            && history.contains("13811112222")
            && history.contains("13933334444")
    );
    assert!(!history.contains("v1:"), "ciphertext never shown");
    // Choices read as their labels, fields in the form's order.
    assert!(
        history.contains("上门到访")
            && history.contains("业主")
            && !history.contains(">walk-in<")
            && !history.contains(">owner<")
    );
    let first_version = &history[history.find("版本 1").unwrap()..];
    assert!(first_version.find("名称").unwrap() < first_version.find("楼栋").unwrap());
}

#[rstest]
#[tokio::test]
async fn a_save_on_a_stale_version_is_refused_with_both_values_shown(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("钱多多", "13811112222")).await;
    let path = format!("/customers/{code}/update");
    let mine = vec![
        ("unit", "0808".to_string()),
        ("version", "1".to_string()),
        ("reason", "搬家".to_string()),
    ];
    let theirs = vec![
        ("unit", "0909".to_string()),
        ("version", "1".to_string()),
        ("reason", "换房".to_string()),
    ];
    assert_eq!(
        post(&app, &clerk, &path, &mine).await.status(),
        StatusCode::SEE_OTHER
    );
    let refused = post(&app, &clerk, &path, &theirs).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.unwrap();
    assert!(page.contains("已有他人修改") && page.contains("0808") && page.contains("0909"));
    assert!(page.contains("name=\"version\" value=\"2\""));
    let record = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.unit.as_str(), record.version),
        ("0808", 2),
        "nothing overwritten"
    );
}

#[rstest]
#[tokio::test]
async fn a_manager_restores_an_old_version_as_a_new_one(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("孙丽", "13811112222")).await;
    let edit = vec![
        ("name", "孙莉".to_string()),
        ("tags", "".to_string()),
        ("version", "1".to_string()),
        ("reason", "改名".to_string()),
    ];
    post(&app, &clerk, &format!("/customers/{code}/update"), &edit).await;

    let restore = format!("/customers/{code}/restore/1");
    let refused = post(&app, &clerk, &restore, &[("reason", "录错".to_string())]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let manager = app.login_as(Role::Manager).await;
    assert_redirect_to(
        &post(
            &app,
            &manager,
            &restore,
            &[("reason", "改名录错".to_string())],
        )
        .await,
        &format!("/customers/{code}/history"),
    );
    let record = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!((record.name.as_str(), record.version), ("孙丽", 3));
    let history = app
        .get_html(&manager, &format!("/customers/{code}/history"))
        .await;
    assert!(history.contains("由版本 1 恢复") && history.contains("风险/欠费"));
}

#[rstest]
#[tokio::test]
async fn only_a_manager_reveals_an_id_number_and_the_reveal_is_logged(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(
        &app,
        &clerk,
        &with(person("周杰", "13811112222"), "id_number", ID_NUMBER),
    )
    .await;
    let reveal = format!("/customers/{code}/reveal");
    assert_eq!(
        post(&app, &clerk, &reveal, &[("reason", "x".to_string())])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert!(!app
        .get_html(&clerk, &format!("/customers/{code}"))
        .await
        .contains("查看完整号码"));

    let manager = app.login_as(Role::Manager).await;
    let shown = post(
        &app,
        &manager,
        &reveal,
        &[("reason", "办理产权变更核验身份".to_string())],
    )
    .await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    assert!(shown.text().await.unwrap().contains(ID_NUMBER));
    let logged = log_actions(&app);
    assert!(logged.iter().any(|(a, t, d)| a == "id_number_revealed"
        && *t == code
        && d.contains("办理产权变更核验身份")));
    // The next view is masked again.
    assert!(!app
        .get_html(&manager, &format!("/customers/{code}"))
        .await
        .contains(ID_NUMBER));
}

#[rstest]
#[tokio::test]
async fn clerks_see_only_their_office_and_admins_and_auditors_are_kept_to_their_roles(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let east = office_clerk(&app, "东城管理处", "阳光花园").await;
    let west = office_clerk(&app, "西城管理处", "翠湖苑").await;
    let code = create(&app, &east, &person("吴用", "13811112222")).await;
    assert_eq!(
        app.get(&west, &format!("/customers/{code}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(
            &app,
            &west,
            &format!("/customers/{code}/update"),
            &[
                ("unit", "1".into()),
                ("version", "1".into()),
                ("reason", "x".into())
            ]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert!(!app
        .get_html(&west, "/customers?q=吴用")
        .await
        .contains(&code));
    assert!(app
        .get_html(&east, "/customers?q=吴用")
        .await
        .contains(&code));

    let admin = app.login_as(Role::Admin).await;
    for path in [
        "/customers",
        "/customers/new",
        "/changes",
        &format!("/customers/{code}"),
        &format!("/customers/{code}/history"),
    ] {
        assert_eq!(
            app.get(&admin, path).await.status(),
            StatusCode::FORBIDDEN,
            "admin {path}"
        );
    }
    let auditor = app.login_as(Role::Auditor).await;
    assert_eq!(
        app.get(&auditor, &format!("/customers/{code}"))
            .await
            .status(),
        StatusCode::OK
    );
    for path in [
        "/customers".to_string(),
        format!("/customers/{code}/update"),
        format!("/customers/{code}/interactions"),
        format!("/customers/{code}/changes"),
    ] {
        assert_eq!(
            post(&app, &auditor, &path, &person("x", "13811112222"))
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "auditor {path}"
        );
    }
    assert_eq!(
        app.get(&east, "/customers/P-2000-999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(offices::list(&mut app.conn()).unwrap().len() == 2);
}

#[rstest]
#[tokio::test]
async fn one_search_box_finds_names_phone_fragments_units_emails_and_codes(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let wang = create(
        &app,
        &clerk,
        &with(
            person("王伟", "13812345678"),
            "email",
            "wangwei1988@163.com",
        ),
    )
    .await;
    let ouyang = create(
        &app,
        &clerk,
        &with(
            with(person("欧阳娜娜", "15900001111"), "unit", "0707"),
            "type",
            "vip",
        ),
    )
    .await;
    let english = create(
        &app,
        &clerk,
        &with(person("Emily Smith", "18611112222"), "unit", "2301"),
    )
    .await;
    app.get_html(&clerk, "/").await; // shows (and so clears) the "created" flash
    let cases: [(&str, &[&str]); 9] = [
        ("王", &[&wang]),
        ("欧阳", &[&ouyang]),
        ("阳娜娜", &[&ouyang]),
        ("345678", &[&wang]),
        ("1111", &[&ouyang, &english]),
        ("0707", &[&ouyang]),
        ("wangwei1988", &[&wang]),
        ("emily", &[&english]),
        (&ouyang, &[&ouyang]),
    ];
    for (q, expected) in cases {
        let page = app
            .get_html(&clerk, &format!("/customers?q={}", urlencode(q)))
            .await;
        for code in [&wang, &ouyang, &english] {
            assert_eq!(
                page.contains(code.as_str()),
                expected.contains(&code.as_str()),
                "q={q} code={code}"
            );
        }
    }
    let vip_only = app.get_html(&clerk, "/customers?type=vip").await;
    assert!(vip_only.contains(&ouyang) && !vip_only.contains(&wang));
    let tagged = app
        .get_html(&clerk, &format!("/customers?tag={}", urlencode("风险")))
        .await;
    assert!(
        tagged.contains(&wang) && tagged.contains(&english),
        "a parent tag finds its children"
    );
    assert!(log_actions(&app)
        .iter()
        .any(|(a, _, d)| a == "customers_searched" && d.contains("q=")));
}

/// Writes a customer CSV with `../shared/gen_customers.py` and the given options.
pub(crate) fn generate_customers(out: &std::path::Path, options: &[&str]) {
    let generator =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/gen_customers.py");
    let status = std::process::Command::new("python3")
        .arg(&generator)
        .args(options)
        .arg("--out")
        .arg(out)
        .status()
        .expect("python3 runs the generator");
    assert!(status.success(), "gen_customers.py {options:?}");
}

/// Generates customers with `gen_customers.py` (the given options) and imports them into
/// `app` with `dossier import customers`.
pub(crate) fn import_generated(app: &TestApp, options: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("c.csv");
    generate_customers(&csv_path, options);
    import_file(app, &csv_path);
}

/// `dossier import customers FILE` into `app`, which must succeed.
pub(crate) fn import_file(app: &TestApp, csv_path: &std::path::Path) {
    let output = app
        .cli()
        .args(["import", "customers"])
        .arg(csv_path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .unwrap()
        .trim_start_matches('=')
        .to_string()
}

#[rstest]
#[tokio::test]
async fn interactions_and_reported_changes_flow_through_the_two_day_queue(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("郑和", "13811112222")).await;
    let today = crate::helpers::office_today();

    let logged = post(
        &app,
        &clerk,
        &format!("/customers/{code}/interactions"),
        &[
            ("occurred_on", today.to_string()),
            ("channel", "call".into()),
            ("summary", "确认停车位".into()),
        ],
    )
    .await;
    assert_redirect_to(&logged, &format!("/customers/{code}"));
    let record = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(record.last_interaction_at, Some(today));

    let three_days_ago = (today - chrono::Duration::days(3)).to_string();
    post(
        &app,
        &clerk,
        &format!("/customers/{code}/changes"),
        &[
            ("reported_on", three_days_ago),
            ("description", "客户反映已搬至 5 栋".into()),
        ],
    )
    .await;
    let queue = app.get_html(&clerk, "/changes").await;
    assert!(queue.contains("客户反映已搬至 5 栋") && queue.contains("已逾期"));
    let page = app.get_html(&clerk, &format!("/customers/{code}")).await;
    assert!(
        page.contains("确认停车位") && page.contains("客户反映已搬至 5 栋"),
        "the record shows its interaction and its open report"
    );
    assert!(app
        .get_html(&clerk, "/")
        .await
        .contains("逾期未处理的变更登记：1 条"));

    // Applying it: the edit form carries the report; the version is linked to it.
    let report_link = queue
        .split(&format!("/customers/{code}/edit?report="))
        .nth(1)
        .unwrap();
    let report_id: String = report_link
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let form = app
        .get_html(
            &clerk,
            &format!("/customers/{code}/edit?report={report_id}"),
        )
        .await;
    assert!(form.contains("正在处理变更登记") && form.contains("name=\"change_report_id\""));
    // Version 2: the interaction's later date made one.
    assert!(form.contains("name=\"version\" value=\"2\""));
    let applied = post(
        &app,
        &clerk,
        &format!("/customers/{code}/update"),
        &[
            ("building", "5".into()),
            ("version", "2".into()),
            ("reason", "按变更登记更新楼栋".into()),
            ("change_report_id", report_id.clone()),
        ],
    )
    .await;
    assert_eq!(applied.status(), StatusCode::SEE_OTHER);
    assert!(app
        .get_html(&clerk, "/changes")
        .await
        .contains("没有待处理的变更登记"));
    let page = app.get_html(&clerk, &format!("/customers/{code}")).await;
    assert!(
        page.contains("确认停车位") && !page.contains("客户反映已搬至 5 栋"),
        "an applied report leaves the record's open reports"
    );
    assert!(app
        .get_html(&clerk, "/")
        .await
        .contains("逾期未处理的变更登记：0 条"));
}

#[rstest]
#[tokio::test]
async fn an_import_rejects_exactly_the_bad_rows_and_stores_the_rest(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (csv_path, bad_list) = (dir.path().join("c.csv"), dir.path().join("bad.txt"));
    generate_customers(
        &csv_path,
        &[
            "--count",
            "3000",
            "--seed",
            "7",
            "--with-bad",
            "--bad-rate",
            "0.03",
            "--bad-list",
            bad_list.to_str().unwrap(),
        ],
    );

    let output = app
        .cli()
        .args(["import", "customers"])
        .arg(&csv_path)
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{summary}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = |path: &std::path::Path| -> std::collections::BTreeSet<u64> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next()?.parse().ok())
            .collect()
    };
    let bad = lines(&bad_list);
    let rejected = lines(&dir.path().join("c.rejects.csv"));
    assert!(!bad.is_empty());
    assert_eq!(rejected, bad, "rejected lines = the generator's bad lines");
    let stored = customers::count(&mut app.conn()).unwrap() as usize;
    assert_eq!(stored, 3000 - bad.len());
    assert!(
        summary.contains(&format!(
            "imported {stored} customers, rejected {}",
            bad.len()
        )),
        "{summary}"
    );

    // Imported records are searchable at once, and the import is in the log.
    let clerk = app.login_as(Role::Clerk).await;
    let page = app
        .get_html(&clerk, &format!("/customers?q={}", urlencode("王")))
        .await;
    assert!(
        page.contains("P-"),
        "a common surname finds imported records"
    );
    assert!(log_actions(&app)
        .iter()
        .any(|(a, _, d)| a == "customers_imported" && d.contains(&format!("imported {stored}"))));
}

#[rstest]
#[tokio::test]
async fn an_imported_record_shows_its_first_version_in_full_after_later_edits(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("one.csv");
    std::fs::write(
        &csv_path,
        format!(
            "{}\n欧阳娜娜,personal,13811112222,ouyang@example.com,翠苑小区,3,1201,owner,,价值/高净值,walk-in,2024-03-01,,,老客户\n",
            dossier::service::import::HEADER.join(",")
        ),
    )
    .unwrap();
    import_file(&app, &csv_path);
    let clerk = app.login_as(Role::Clerk).await;
    let found = app
        .get_html(&clerk, &format!("/customers?q={}", urlencode("欧阳")))
        .await;
    let code: String = found
        .split("/customers/P-")
        .nth(1)
        .map(|rest| format!("P-{}", rest.split('"').next().unwrap()))
        .expect("the imported record is found by two characters of its name");
    let fields = vec![
        ("phone", "13933334444".to_string()),
        ("version", "1".to_string()),
        ("reason", "客户来电更换手机号".to_string()),
    ];
    assert_redirect_to(
        &post(&app, &clerk, &format!("/customers/{code}/update"), &fields).await,
        &format!("/customers/{code}"),
    );

    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    let first_version = &history[history.find("版本 1").expect("version 1 is listed")..];
    for value in [
        "欧阳娜娜",
        "13811112222",
        "ouyang@example.com",
        "翠苑小区",
        "1201",
        "价值/高净值",
        "老客户",
    ] {
        assert!(
            first_version.contains(value),
            "version 1 shows {value} as imported"
        );
    }
    let second_version = &history[history.find("版本 2").unwrap()..history.find("版本 1").unwrap()];
    assert!(second_version.contains("13811112222") && second_version.contains("13933334444"));
    assert!(
        !second_version.contains("翠苑小区"),
        "version 2 shows only what it changed"
    );
}

#[test]
fn an_import_with_a_wrong_header_or_broken_bytes_is_refused_or_rejected_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
            .env_remove("DATABASE_URL")
            .arg("--data-dir")
            .arg(&data)
            .args(["import", "customers"])
            .arg(file)
            .output()
            .unwrap()
    };
    let wrong = dir.path().join("wrong.csv");
    std::fs::write(&wrong, "姓名,电话\n王伟,13812345678\n").unwrap();
    let output = run(&wrong);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("the header must be exactly"));

    let broken = dir.path().join("broken.csv");
    let mut bytes = b"name,type,phone,email,community,building,unit,role,id_number,tags,source,first_contact_at,last_interaction_at,last_verified_at,notes\n".to_vec();
    bytes.extend_from_slice(
        b"\xff\xfe\xba\xd0,personal,13812345678,,A,1,101,owner,,,phone,2024-01-01,,,\n",
    );
    bytes.extend_from_slice(
        "=HYPERLINK(\"x\"),personal,13812345679,,A,1,102,owner,,,phone,2024-01-01,,,\n".as_bytes(),
    );
    bytes.extend_from_slice(
        "王伟,personal,13812345670,,A,1,103,owner,,,phone,2024-01-01,,,\"unclosed\n".as_bytes(),
    );
    std::fs::write(&broken, bytes).unwrap();
    let output = run(&broken);
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{summary}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Broken bytes are a rejected row; a formula is stored as the plain text it is; an
    // unclosed quote runs to the end of the file and becomes that row's notes.
    assert!(
        summary.contains("imported 2 customers, rejected 1"),
        "{summary}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("broken.rejects.csv")).unwrap();
    assert!(rejects.contains("not valid UTF-8"), "{rejects}");
}

#[rstest]
#[tokio::test]
async fn a_lost_or_foreign_key_file_stops_the_start_instead_of_orphaning_encrypted_data(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    create(
        &app,
        &clerk,
        &with(person("冯敏", "13811112222"), "id_number", ID_NUMBER),
    )
    .await;
    let settings =
        crate::helpers::settings_for(backend, app.data_dir.path(), Some(app.db_url.clone()));
    assert!(
        dossier::app::load_keys(&settings).is_ok(),
        "the same keys start fine"
    );

    let key_file = app.data_dir.path().join(dossier::crypto::KEY_FILE);
    let original = std::fs::read(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let lost = dossier::app::load_keys(&settings).unwrap_err().to_string();
    assert!(
        lost.contains("is missing but the database holds encrypted data"),
        "{lost}"
    );
    assert!(!key_file.exists(), "no new keys were made");

    dossier::crypto::Keys::for_tests(9)
        .write(&key_file)
        .unwrap();
    let foreign = dossier::app::load_keys(&settings).unwrap_err().to_string();
    assert!(foreign.contains("other keys"), "{foreign}");

    std::fs::remove_file(&key_file).unwrap();
    std::fs::write(&key_file, original).unwrap();
    assert!(dossier::app::load_keys(&settings).is_ok());
}

#[rstest]
#[tokio::test]
async fn an_enterprise_shows_missing_key_contacts_until_it_has_three(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let firm = with(
        with(
            with(
                person("深圳华信物业科技有限公司", "075588886666"),
                "type",
                "enterprise",
            ),
            "role",
            "",
        ),
        "credit_code",
        "91350100M000100Y43",
    );
    let code = create(&app, &clerk, &firm).await;
    let page = format!("/customers/{code}");
    assert!(app.get_html(&clerk, &page).await.contains("关键联系人不足"));

    let add = format!("/customers/{code}/contacts");
    let bad = post(
        &app,
        &clerk,
        &add,
        &[
            ("contact_name", "刘经理".into()),
            ("contact_phone", "12345".into()),
        ],
    )
    .await;
    assert_redirect_to(&bad, &page);
    assert!(app
        .get_html(&clerk, &page)
        .await
        .contains("电话号码格式不正确"));
    for (name, phone) in [
        ("刘经理", "13800000001"),
        ("陈会计", "13800000002"),
        ("王前台", "0755-88886666"),
    ] {
        let added = post(
            &app,
            &clerk,
            &add,
            &[
                ("contact_name", name.into()),
                ("contact_title", "主管".into()),
                ("contact_phone", phone.into()),
            ],
        )
        .await;
        assert_redirect_to(&added, &page);
    }
    let full = app.get_html(&clerk, &page).await;
    assert!(
        full.contains("陈会计")
            && full.contains("0755-88886666")
            && !full.contains("关键联系人不足")
    );

    // Each key-contact change is a version: the history shows it, a restore undoes it.
    let removal = full
        .split(&format!("/customers/{code}/contacts/"))
        .nth(2)
        .and_then(|rest| rest.split('/').next())
        .expect("the second contact has a remove form")
        .to_string();
    let removed = post(
        &app,
        &clerk,
        &format!("/customers/{code}/contacts/{removal}/remove"),
        &[],
    )
    .await;
    assert_redirect_to(&removed, &page);
    assert!(!app.get_html(&clerk, &page).await.contains("陈会计"));
    let history = app
        .get_html(&clerk, &format!("/customers/{code}/history"))
        .await;
    assert!(
        history.contains("key contact removed: 陈会计") && history.contains("关键联系人"),
        "{history}"
    );
    let manager = app.login_as(Role::Manager).await;
    let restored = post(
        &app,
        &manager,
        &format!("/customers/{code}/restore/4"),
        &[("reason", "误删联系人".into())],
    )
    .await;
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    let back = app.get_html(&clerk, &page).await;
    assert!(back.contains("陈会计") && back.contains("刘经理"), "{back}");

    let person_code = create(&app, &clerk, &person("个人客户", "13900000009")).await;
    let refused = post(
        &app,
        &clerk,
        &format!("/customers/{person_code}/contacts"),
        &[
            ("contact_name", "x".into()),
            ("contact_phone", "13800000003".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

/// The codes listed on a result page, in order, and the count line.
pub(crate) fn codes_on(page: &str) -> (Vec<String>, String) {
    let codes = page
        .split("<td class=\"nowrap\"><a href=\"/customers/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    let count = page
        .split("<p class=\"hint\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or("")
        .to_string();
    (codes, count)
}

#[tokio::test]
async fn sqlite_and_postgresql_find_the_same_records_for_the_same_searches() {
    let Some(pg) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let sqlite = spawn_app(Backend::Sqlite).await.expect("sqlite");
    let mut clients = Vec::new();
    for app in [&sqlite, &pg] {
        // The same seed makes the same file for both.
        import_generated(app, &["--count", "2000", "--seed", "11"]);
        clients.push(app.login_as(Role::Clerk).await);
    }
    let queries = [
        "王",
        "李",
        "欧阳",
        "张伟",
        "138",
        "1313",
        "5678",
        "qq.com",
        "wang",
        "Smith",
        "翠湖",
        "P-2026-0000",
        "1203",
        "0000",
        "1313425",
        "38001",
        "zz-nothing",
        "%",
        "_",
    ];
    for q in queries {
        for extra in ["", "&type=vip", "&tag=VIP", "&page=2"] {
            let path = format!("/customers?q={}{extra}", urlencode(q));
            let a = codes_on(&sqlite.get_html(&clients[0], &path).await);
            let b = codes_on(&pg.get_html(&clients[1], &path).await);
            assert_eq!(a, b, "{path}");
            if extra.is_empty() && ["王", "欧阳", "1313", "qq.com", "Smith"].contains(&q) {
                assert!(!a.0.is_empty(), "{path} finds something on both");
            }
        }
    }
}

/// PostgreSQL's phone-digit index computes in SQL the runs that SQLite's gram index gets
/// from Rust (`digit_grams`, whose unit test uses the same text): every run of four ASCII
/// digits, once each.
#[tokio::test]
async fn postgresql_indexes_the_same_four_digit_runs_as_sqlite() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Runs {
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
        runs: Vec<String>,
    }
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let runs_of = |text: &str| -> Vec<String> {
        let dossier::db::DbConnection::Pg(c) = &mut *app.conn() else {
            unreachable!("a PostgreSQL app")
        };
        let mut runs = diesel::sql_query("SELECT dossier_digit_runs($1) AS runs")
            .bind::<diesel::sql_types::Text, _>(text)
            .get_result::<Runs>(c)
            .unwrap()
            .runs;
        runs.sort();
        runs
    };
    assert_eq!(
        runs_of("p-2026-000042 王五 13812345678 3-1201"),
        [
            "0000", "0004", "0042", "1201", "1234", "1381", "2026", "2345", "3456", "3812", "4567",
            "5678", "8123"
        ]
    );
    assert!(
        runs_of("abc 123 x4 １２３４").is_empty(),
        "full-width digits are not ASCII"
    );
}

#[rstest]
#[tokio::test]
async fn a_manager_moves_a_top_level_tag_into_the_tree_and_its_records_follow(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(
        &app,
        &clerk,
        &with(
            person("林静", "13811112222"),
            "tags",
            "欠费风险; 价值/高净值/VIP",
        ),
    )
    .await;
    let tree = app.get_html(&clerk, "/tags").await;
    assert!(
        tree.contains("欠费风险") && tree.contains("高净值") && !tree.contains("/move\""),
        "clerks read the tree only"
    );
    let id_of = |page: &str, path: &str| -> String {
        let marker = format!("value=\"{path}\"");
        let before = &page[..page
            .find(&marker)
            .unwrap_or_else(|| panic!("{path} in {page}"))];
        let action = before.rfind("/tags/").unwrap();
        before[action + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect()
    };

    let manager = app.login_as(Role::Manager).await;
    let tree = app.get_html(&manager, "/tags").await;
    let (flat, valued) = (id_of(&tree, "欠费风险"), id_of(&tree, "价值"));
    assert_eq!(
        post(
            &app,
            &clerk,
            &format!("/tags/{flat}/move"),
            &[("path", "风险/欠费".into())]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_redirect_to(
        &post(
            &app,
            &manager,
            &format!("/tags/{flat}/move"),
            &[("path", "风险/欠费".into())],
        )
        .await,
        "/tags",
    );
    // Renaming a parent carries its sub-tags along.
    assert_redirect_to(
        &post(
            &app,
            &manager,
            &format!("/tags/{valued}/move"),
            &[("path", "客户价值".into())],
        )
        .await,
        "/tags",
    );
    let record = app.get_html(&manager, &format!("/customers/{code}")).await;
    assert!(
        record.contains("风险/欠费")
            && record.contains("客户价值/高净值/VIP")
            && !record.contains(">欠费风险<")
    );
    assert!(app
        .get_html(&manager, &format!("/customers?tag={}", urlencode("风险")))
        .await
        .contains(&code));

    let tree = app.get_html(&manager, "/tags").await;
    // Onto an existing tag with sub-tags of its own: refused (merging is for leaves).
    let clash = post(
        &app,
        &manager,
        &format!("/tags/{}/move", id_of(&tree, "客户价值/高净值")),
        &[("path", "风险/欠费".into())],
    )
    .await;
    assert_eq!(clash.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = clash.text().await.unwrap();
    assert!(page.contains("只有没有子标签的标签才能合并") && page.contains("value=\"风险/欠费\""));
    assert!(log_actions(&app)
        .iter()
        .any(|(a, t, d)| a == "tag_moved" && t == "tag:欠费风险" && d.contains("风险/欠费")));
}

#[rstest]
#[tokio::test]
async fn a_refused_interaction_or_report_shows_the_record_again_with_what_was_typed(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let clerk = app.login_as(Role::Clerk).await;
    let code = create(&app, &clerk, &person("秦表单", "13900000031")).await;
    let response = post(
        &app,
        &clerk,
        &format!("/customers/{code}/interactions"),
        &[
            ("occurred_on", "2099-01-01".into()),
            ("channel", "visit".into()),
            ("summary", "上门查看漏水".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(page.contains("上门查看漏水"), "the summary is kept");
    assert!(page.contains("2099-01-01"), "the date is kept");
    assert!(
        page.contains(r#"value="visit" selected"#),
        "the channel is kept"
    );
    assert!(page.contains("field-error"), "a message by the field");
    let response = post(
        &app,
        &clerk,
        &format!("/customers/{code}/changes"),
        &[
            ("reported_on", "2026-01-01".into()),
            ("description", "  ".into()),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("2026-01-01"));
    let stored = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.last_interaction_at.map(|d| d.to_string()).as_deref(),
        Some("2025-06-01")
    );
    assert!(!log_actions(&app)
        .iter()
        .any(|(a, _, _)| a == "interaction_logged" || a == "change_reported"));
}

#[rstest]
#[tokio::test]
async fn moving_a_tag_onto_an_existing_one_merges_them(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let manager = app.login_as(Role::Manager).await;
    let imported = create(
        &app,
        &manager,
        &with(person("蒋导入", "13900000041"), "tags", "欠费风险"),
    )
    .await;
    let both = create(
        &app,
        &manager,
        &with(
            person("沈两个", "13900000042"),
            "tags",
            "欠费风险;风险/欠费",
        ),
    )
    .await;
    let flat = tag_id(&app, &manager, "欠费风险").await;
    let response = post(
        &app,
        &manager,
        &format!("/tags/{flat}/move"),
        &[("path", "风险/欠费".into())],
    )
    .await;
    assert_eq!(location(&response), "/tags");
    let tree = app.get_html(&manager, "/tags").await;
    assert!(
        !tree.contains("value=\"欠费风险\""),
        "the imported tag is gone"
    );
    let found = app.get_html(&manager, "/customers?tag=风险/欠费").await;
    assert!(
        found.contains(&imported) && found.contains(&both),
        "{found}"
    );
    assert!(log_actions(&app)
        .iter()
        .any(|(a, _, d)| a == "tag_moved" && d.starts_with("merged into 风险/欠费")));
}

/// The id of the tag `path` in the links of `/tags` (its move form's action).
pub(crate) async fn tag_id(app: &TestApp, client: &Client, path: &str) -> String {
    let tree = app.get_html(client, "/tags").await;
    tree.split("/tags/")
        .skip(1)
        .find(|chunk| chunk.contains(&format!("value=\"{path}\"")))
        .and_then(|chunk| chunk.split('/').next())
        .expect("the tag has a move form")
        .to_string()
}

/// The link a result page gives to its next page, if any.
fn next_link(page: &str) -> Option<String> {
    let end = page.find("\" rel=\"next\"")?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(page[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[rstest]
#[tokio::test]
async fn a_search_matching_more_than_it_counts_still_pages_through_every_match(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    import_generated(&app, &["--count", "1500", "--seed", "5"]);

    // Three characters: the trigram path, on records the import indexed in batches.
    let q = "com";
    let mut expected: Vec<String> = {
        use diesel::prelude::*;
        use dossier::db::schema::customers::dsl as c;
        c::customers
            .select((c::code, c::search_text))
            .load::<(String, String)>(&mut *app.conn())
            .unwrap()
            .into_iter()
            .filter(|(_, text)| text.contains(q))
            .map(|(code, _)| code)
            .collect()
    };
    assert!(
        expected.len() > 2 * customers::COUNT_CAP as usize,
        "the generated file has {} matches for {q}; the test needs more than two counts' worth",
        expected.len()
    );

    let clerk = app.login_as(Role::Clerk).await;
    let mut path = format!("/customers?q={q}");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = app.get_html(&clerk, &path).await;
        let (codes, count) = codes_on(&page);
        if pages == 0 {
            assert!(
                count.contains(&customers::COUNT_CAP.to_string()),
                "the first page counts up to the cap and says so: {count}"
            );
        }
        assert!(!codes.is_empty(), "{path} lists records");
        seen.extend(codes);
        pages += 1;
        match next_link(&page) {
            Some(next) => path = next,
            None => break,
        }
        assert!(pages < 200, "the pages end: {path}");
    }
    let mut listed = seen.clone();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), seen.len(), "no record is listed twice");
    expected.sort();
    assert_eq!(
        listed, expected,
        "every match is reachable, past the counted ones"
    );
}
