//! The dormancy sweep over more records than one batch moves: each move still leaves its
//! own version and log entry, and the operation log's chain holds.

use diesel::prelude::*;
use dossier::db::schema::{audit_log, customer_versions, customers};
use rstest::rstest;

use crate::customers::import_generated;
use crate::helpers::{spawn_app, Backend};

#[rstest]
#[tokio::test]
async fn a_sweep_of_many_records_leaves_a_version_and_a_log_entry_for_each_move(
    #[values(Backend::Sqlite, Backend::Postgres)] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    import_generated(&app, &["--count", "1200", "--seed", "5"]);
    let output = app.cli().args(["job", "run", "dormancy"]).output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{printed}");

    let moved: Vec<(i32, String, String, i32)> = customers::table
        .filter(customers::status.ne("active"))
        .select((
            customers::id,
            customers::code,
            customers::status,
            customers::version,
        ))
        .order(customers::id)
        .load(&mut *app.conn())
        .unwrap();
    let pending = moved.iter().filter(|m| m.2 == "pending_activation").count();
    let cleanup = moved.iter().filter(|m| m.2 == "cleanup").count();
    assert!(
        cleanup > 500 && pending > 0,
        "generated data is mostly silent: {printed}"
    );
    assert!(
        printed.contains(&format!("to_pending_activation={pending}"))
            && printed.contains(&format!("to_cleanup={cleanup}")),
        "{printed}"
    );

    let versions: Vec<(i32, i32, String, String, String)> = customer_versions::table
        .filter(customer_versions::version.gt(1))
        .select((
            customer_versions::customer_id,
            customer_versions::version,
            customer_versions::changed_by,
            customer_versions::reason,
            customer_versions::changes,
        ))
        .order(customer_versions::customer_id)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(versions.len(), moved.len(), "one version per move");
    for ((id, _, status, version), (customer_id, number, by, reason, changes)) in
        moved.iter().zip(&versions)
    {
        assert_eq!((id, version), (customer_id, number));
        assert_eq!(*version, 2);
        assert_eq!(by, "system");
        let months = if status == "cleanup" { 24 } else { 6 };
        assert!(
            reason.contains(&format!("no interaction for {months} months")),
            "{reason}"
        );
        assert_eq!(
            changes,
            &format!(r#"[{{"field":"status","old":"active","new":"{status}"}}]"#)
        );
    }

    let logged: Vec<(String, String)> = audit_log::table
        .filter(audit_log::action.eq("customer_updated"))
        .select((audit_log::target, audit_log::details))
        .order(audit_log::seq)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(logged.len(), moved.len(), "one log entry per move");
    let (code, details) = &logged[0];
    assert!(moved.iter().any(|m| &m.1 == code));
    assert!(
        details.starts_with("v2; fields: status; reason: "),
        "{details}"
    );

    let verify = app.cli().args(["audit", "verify"]).output().unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
