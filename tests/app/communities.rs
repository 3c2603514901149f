//! Records are filed only under a community the user may choose; communities an import
//! brings wait for an office until an admin assigns them.

use dossier::db::{communities, customers, offices};
use dossier::domain::audit::Actor;
use dossier::domain::office::OfficeDetails;
use dossier::domain::role::Role;
use dossier::service::{self, Caller};
use reqwest::{Client, StatusCode};
use rstest::rstest;

use crate::customers::{create, log_actions, office_clerk, person, post, with};
use crate::helpers::{assert_redirect_to, spawn_app, Backend, TestApp};

const NOT_YOURS: &str = "请从列表中选择你所辖的小区";

fn system() -> Caller {
    Caller {
        actor: Actor::System,
        address: "test".into(),
    }
}

/// Adds communities that no office has, as an import does.
fn unassigned(app: &TestApp, names: &[&str]) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    communities::add_unassigned(&mut app.conn(), &names).unwrap();
}

fn office_id(app: &TestApp, name: &str) -> i32 {
    offices::find_by_name(&mut app.conn(), name)
        .unwrap()
        .unwrap()
        .id
}

/// The values the form's community select offers, sorted.
async fn offered(app: &TestApp, client: &Client, path: &str) -> Vec<String> {
    let page = app.get_html(client, path).await;
    let start = page
        .find("<select name=\"community\"")
        .expect("a community select");
    let select = &page[start..start + page[start..].find("</select>").unwrap()];
    let mut values: Vec<String> = select
        .split("value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    values.sort();
    values
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.sort();
    names
}

#[rstest]
#[tokio::test]
async fn a_clerk_cannot_file_or_move_a_record_into_another_offices_community(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let east = office_clerk(&app, "东城管理处", "阳光花园").await;
    office_clerk(&app, "西城管理处", "翠湖苑").await;

    let elsewhere = with(person("吴用", "13811112222"), "community", "翠湖苑");
    let refused = post(&app, &east, "/customers", &elsewhere).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(page.contains(NOT_YOURS), "a message by the field");
    assert!(
        page.contains("value=\"吴用\"") && page.contains("value=\"翠湖苑\" selected"),
        "the form keeps what was typed"
    );
    assert_eq!(customers::count(&mut app.conn()).unwrap(), 0);

    let code = create(&app, &east, &person("吴用", "13811112222")).await;
    let moved = post(
        &app,
        &east,
        &format!("/customers/{code}/update"),
        &[
            ("community", "翠湖苑".into()),
            ("unit", "0808".into()),
            ("version", "1".into()),
            ("reason", "搬家".into()),
        ],
    )
    .await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = moved.text().await.unwrap();
    assert!(page.contains(NOT_YOURS) && page.contains("value=\"0808\""));
    let stored = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            stored.community.as_str(),
            stored.unit.as_str(),
            stored.version
        ),
        ("阳光花园", "1202", 1),
        "nothing changed"
    );
    // The record is still the clerk's, and an edit within the office is saved.
    assert_redirect_to(
        &post(
            &app,
            &east,
            &format!("/customers/{code}/update"),
            &[
                ("unit", "0808".into()),
                ("version", "1".into()),
                ("reason", "换房".into()),
            ],
        )
        .await,
        &format!("/customers/{code}"),
    );
}

#[rstest]
#[tokio::test]
async fn no_clerk_can_choose_a_community_without_an_office_but_a_manager_can(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let east = office_clerk(&app, "东城管理处", "阳光花园").await;
    let clerk = app.login_as(Role::Clerk).await;
    let manager = app.login_as(Role::Manager).await;
    unassigned(&app, &["新城花园"]);

    for (who, client) in [("office clerk", &east), ("clerk without an office", &clerk)] {
        for community in ["新城花园", "没有这个小区"] {
            let fields = with(person("钱多", "13811113333"), "community", community);
            let response = post(&app, client, "/customers", &fields).await;
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{who}: {community}"
            );
            assert!(response.text().await.unwrap().contains(NOT_YOURS));
        }
    }
    assert_eq!(customers::count(&mut app.conn()).unwrap(), 0);

    let nowhere = with(person("钱多", "13811113333"), "community", "没有这个小区");
    assert_eq!(
        post(&app, &manager, "/customers", &nowhere).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a manager chooses from the list too"
    );
    let code = create(
        &app,
        &manager,
        &with(person("钱多", "13811113333"), "community", "新城花园"),
    )
    .await;
    // The clerk without an office sees the record, but cannot move another one there.
    let other = create(&app, &clerk, &person("赵四", "13811114444")).await;
    let moved = post(
        &app,
        &clerk,
        &format!("/customers/{other}/update"),
        &[
            ("community", "新城花园".into()),
            ("version", "1".into()),
            ("reason", "搬家".into()),
        ],
    )
    .await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stored = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(stored.community, "新城花园");
}

#[rstest]
#[tokio::test]
async fn the_form_offers_exactly_the_communities_the_user_may_choose(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let east = OfficeDetails {
        name: "东城管理处".into(),
        communities: vec!["阳光花园".into(), "翠湖苑".into()],
    };
    service::offices::create(&mut app.conn(), &system(), &east).unwrap();
    let west = office_clerk(&app, "西城管理处", "明月小区").await;
    unassigned(&app, &["新城花园"]);
    let east_id = office_id(&app, "东城管理处");
    app.create_user("dongcheng", &[Role::Clerk], Some(east_id));
    let (east, _) = crate::helpers::new_client();
    assert_redirect_to(
        &app.login(&east, "dongcheng", crate::helpers::PASSWORD)
            .await,
        "/",
    );
    let clerk = app.login_as(Role::Clerk).await;
    let manager = app.login_as(Role::Manager).await;

    assert_eq!(
        offered(&app, &east, "/customers/new").await,
        sorted(&["阳光花园", "翠湖苑"])
    );
    assert_eq!(
        offered(&app, &west, "/customers/new").await,
        sorted(&["明月小区"])
    );
    assert_eq!(
        offered(&app, &clerk, "/customers/new").await,
        sorted(&["阳光花园", "翠湖苑", "明月小区"])
    );
    assert_eq!(
        offered(&app, &manager, "/customers/new").await,
        sorted(&["阳光花园", "翠湖苑", "明月小区", "新城花园"])
    );

    // The edit form has the record's own community chosen, among the same list.
    let code = create(&app, &east, &person("孙立", "13811115555")).await;
    let edit = format!("/customers/{code}/edit");
    assert_eq!(
        offered(&app, &east, &edit).await,
        sorted(&["阳光花园", "翠湖苑"])
    );
    assert!(app
        .get_html(&east, &edit)
        .await
        .contains("value=\"阳光花园\" selected"));
}

#[rstest]
#[tokio::test]
async fn an_import_adds_new_communities_without_an_office_until_an_admin_assigns_them(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let east = office_clerk(&app, "东城管理处", "阳光花园").await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("office.csv");
    std::fs::write(
        &csv,
        format!(
            "{}\n\
             欧阳锋,personal,13811116666,,阳光花园,1,101,owner,,,walk-in,2024-03-01,,,\n\
             欧阳克,personal,13811117777,,翠苑新城,2,202,owner,,,walk-in,2024-03-01,,,\n\
             欧阳娜,personal,13811118888,,翠苑新城,2,203,tenant,,,walk-in,2024-03-01,,,\n",
            service::import::HEADER.join(",")
        ),
    )
    .unwrap();
    let output = app
        .cli()
        .args(["import", "customers"])
        .arg(&csv)
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{summary}");
    let named = summary
        .lines()
        .find(|l| l.contains("new communities without an office"))
        .unwrap_or_else(|| panic!("the summary names the new communities: {summary}"));
    assert!(
        named.contains("翠苑新城") && !named.contains("阳光花园"),
        "{named}"
    );
    let waiting = communities::unassigned(&mut app.conn()).unwrap();
    assert_eq!(
        waiting.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["翠苑新城"]
    );
    assert!(log_actions(&app)
        .iter()
        .any(|(a, _, d)| a == "customers_imported"
            && d.contains("new communities without an office: 翠苑新城")));

    let search = "/customers?q=%E6%AC%A7%E9%98%B3"; // 欧阳
    let seen = app.get_html(&east, search).await;
    assert!(seen.contains("欧阳锋") && !seen.contains("欧阳克") && !seen.contains("欧阳娜"));
    let manager = app.login_as(Role::Manager).await;
    let all = app.get_html(&manager, search).await;
    assert!(all.contains("欧阳锋") && all.contains("欧阳克") && all.contains("欧阳娜"));
    let code_of = |page: &str, name: &str| -> String {
        let at = page.find(name).unwrap();
        let before = &page[..at];
        let link = before.rfind("/customers/").unwrap() + "/customers/".len();
        before[link..].split('"').next().unwrap().to_string()
    };
    let code = code_of(&all, "欧阳克");
    assert_eq!(
        app.get(&east, &format!("/customers/{code}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert!(
        !offered(&app, &east, "/customers/new")
            .await
            .contains(&"翠苑新城".to_string()),
        "no clerk can choose it"
    );

    // The admin sees it waiting, with a select of the offices, and assigns it.
    let admin = app.login_as(Role::Admin).await;
    let page = app.get_html(&admin, "/admin/offices").await;
    let id = waiting[0].id;
    let action = format!("/admin/communities/{id}/assign");
    assert!(page.contains("尚未分配管理处的小区") && page.contains(&action));
    assert_eq!(
        app.post_form(&east, &action, &[("office_id", "1")])
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "only an admin assigns"
    );
    let bad = app
        .post_form(&admin, &action, &[("office_id", "99999")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("该管理处不存在"));
    assert_eq!(communities::unassigned(&mut app.conn()).unwrap().len(), 1);

    let east_id = office_id(&app, "东城管理处").to_string();
    assert_redirect_to(
        &app.post_form(&admin, &action, &[("office_id", &east_id)])
            .await,
        "/admin/offices",
    );
    assert!(app
        .get_html(&admin, "/admin/offices")
        .await
        .contains("小区 翠苑新城 已分配给 东城管理处"));
    assert!(communities::unassigned(&mut app.conn()).unwrap().is_empty());
    assert!(log_actions(&app)
        .iter()
        .any(|(a, t, d)| a == "office_updated"
            && t == "office:东城管理处"
            && d == "assigned community 翠苑新城"));
    let again = app
        .post_form(&admin, &action, &[("office_id", &east_id)])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Now the office's clerk sees those customers and may choose the community.
    let seen = app.get_html(&east, search).await;
    assert!(seen.contains("欧阳克") && seen.contains("欧阳娜"));
    assert_eq!(
        app.get(&east, &format!("/customers/{code}")).await.status(),
        StatusCode::OK
    );
    assert!(offered(&app, &east, "/customers/new")
        .await
        .contains(&"翠苑新城".to_string()));
}

#[rstest]
#[tokio::test]
async fn a_community_an_office_drops_while_records_use_it_waits_for_an_office(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let east = office_clerk(&app, "东城管理处", "翠湖苑").await;
    let code = create(
        &app,
        &east,
        &with(person("李逵", "13811119999"), "community", "翠湖苑"),
    )
    .await;
    let admin = app.login_as(Role::Admin).await;
    let id = office_id(&app, "东城管理处");
    let path = format!("/admin/offices/{id}/update");
    let fields = [("name", "东城管理处"), ("communities", "翠湖苑\n空小区")];
    assert_redirect_to(
        &app.post_form(&admin, &path, &fields).await,
        "/admin/offices",
    );
    let fields = [("name", "东城管理处"), ("communities", "阳光花园")];
    assert_redirect_to(
        &app.post_form(&admin, &path, &fields).await,
        "/admin/offices",
    );
    let names = |list: Vec<communities::Community>| -> Vec<String> {
        list.into_iter().map(|c| c.name).collect()
    };
    assert_eq!(
        names(communities::unassigned(&mut app.conn()).unwrap()),
        ["翠湖苑"],
        "the used one waits for an office; the unused one is gone"
    );
    assert_eq!(
        names(communities::of_office(&mut app.conn(), id).unwrap()),
        ["阳光花园"]
    );
    assert_eq!(
        app.get(&east, &format!("/customers/{code}")).await.status(),
        StatusCode::FORBIDDEN
    );
    // Listing it again takes it back.
    let fields = [("name", "东城管理处"), ("communities", "阳光花园\n翠湖苑")];
    assert_redirect_to(
        &app.post_form(&admin, &path, &fields).await,
        "/admin/offices",
    );
    assert!(communities::unassigned(&mut app.conn()).unwrap().is_empty());
    assert_eq!(
        app.get(&east, &format!("/customers/{code}")).await.status(),
        StatusCode::OK
    );
}

#[rstest]
#[tokio::test]
async fn restoring_a_version_cannot_move_a_record_out_of_the_managers_office(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    office_clerk(&app, "东城管理处", "阳光花园").await;
    office_clerk(&app, "西城管理处", "翠湖苑").await;
    // Filed in the west by a manager of no office, then moved east.
    let head = app.login_as(Role::Manager).await;
    let code = create(
        &app,
        &head,
        &with(person("吴用", "13811112222"), "community", "翠湖苑"),
    )
    .await;
    assert_redirect_to(
        &post(
            &app,
            &head,
            &format!("/customers/{code}/update"),
            &[
                ("community", "阳光花园".into()),
                ("version", "1".into()),
                ("reason", "搬到东城".into()),
            ],
        )
        .await,
        &format!("/customers/{code}"),
    );
    let east = office_id(&app, "东城管理处");
    app.create_user("east.manager", &[Role::Manager], Some(east));
    let (manager, _) = crate::helpers::new_client();
    assert_redirect_to(
        &app.login(&manager, "east.manager", crate::helpers::PASSWORD)
            .await,
        "/",
    );
    // Version 1 is in the west: the east's manager may not bring it back.
    let history = format!("/customers/{code}/history");
    assert_redirect_to(
        &post(
            &app,
            &manager,
            &format!("/customers/{code}/restore/1"),
            &[("reason", "改错了".into())],
        )
        .await,
        &history,
    );
    assert!(app.get_html(&manager, &history).await.contains(NOT_YOURS));
    let stored = customers::find_by_code(&mut app.conn(), &code)
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.community.as_str(), stored.version),
        ("阳光花园", 2),
        "nothing restored"
    );
}
