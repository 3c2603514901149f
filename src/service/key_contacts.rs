//! Key contacts of enterprise customers (name, title, phone, email).

use super::Caller;
use crate::db::customers::Customer;
use crate::db::{
    audit_log, customer_versions, customers, enterprise_contacts, write_tx, DbConnection,
};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::CustomerType;
use crate::domain::history::{self, Change};
use crate::domain::key_contact;
use crate::service::Error;

use crate::domain::key_contact::KeyContactInput;

/// Adds a key contact; a phone or an email is required to reach them.
pub fn add(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    input: &KeyContactInput,
) -> Result<(), Error> {
    crate::service::customers::ensure_editable(customer)?;
    if customer.customer_type != CustomerType::Enterprise.as_str() {
        return Err(Error::NotApplicable(
            "key contacts are for enterprise customers".into(),
        ));
    }
    let draft = key_contact::check(input).map_err(Error::Invalid)?;
    write_tx(conn, |c| {
        let before = enterprise_contacts::of_customer(c, customer.id)?;
        enterprise_contacts::insert(
            c,
            customer.id,
            &draft.name,
            &draft.title,
            &draft.phone,
            &draft.email,
        )?;
        let what = format!("key contact added: {} {}", draft.name, draft.title);
        record_version(c, caller, customer, &before, &what)
    })
}

pub fn remove(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    id: i32,
) -> Result<(), Error> {
    crate::service::customers::ensure_editable(customer)?;
    write_tx(conn, |c| {
        let contacts = enterprise_contacts::of_customer(c, customer.id)?;
        let contact = contacts
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(Error::NotFound)?;
        let before = enterprise_contacts::of_customer(c, customer.id)?;
        enterprise_contacts::delete(c, customer.id, id)?;
        let what = format!("key contact removed: {} {}", contact.name, contact.title);
        record_version(c, caller, customer, &before, &what)
    })
}

/// A key-contact change is a version of the record like any other, so the history shows
/// it and a restore brings the contacts back.
fn record_version(
    c: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    before: &[enterprise_contacts::KeyContact],
    what: &str,
) -> Result<(), Error> {
    let after = enterprise_contacts::of_customer(c, customer.id)?;
    let change = Change {
        field: "key_contacts".into(),
        old: enterprise_contacts::to_version_value(before),
        new: enterprise_contacts::to_version_value(&after),
    };
    let version = customers::bump_version(c, customer.id)?;
    customer_versions::insert(
        c,
        &customer_versions::NewVersion {
            customer_id: customer.id,
            version,
            actor: &caller.actor,
            reason: what,
            changes: history::to_json(&[change]),
            restored_from: None,
            change_report_id: None,
        },
    )?;
    let event = Event::new(
        caller.actor.clone(),
        Action::CustomerUpdated,
        &customer.code,
        &caller.address,
    )
    .details(format!("v{version}; {what}"));
    audit_log::append(c, &event)?;
    Ok(())
}
