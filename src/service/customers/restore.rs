//! Restoring a version: the record as it was then, saved as a new version that says so.

use super::fields::{current_state, from_snapshot, KEY_CONTACTS};
use super::update::{save, Updated};
use super::{check_reason, ensure_editable, Caller};
use crate::db::customers::{self, Customer, CustomerFields};
use crate::db::{customer_versions, enterprise_contacts, write_tx, DbConnection};
use crate::domain::history::{self, Change};
use crate::service::Error;

/// Brings back the state of `version` as a new version that says so.
pub fn restore(
    conn: &mut DbConnection,
    caller: &Caller,
    customer: &Customer,
    version: i32,
    reason: &str,
) -> Result<Updated, Error> {
    let reason = check_reason(reason)?;
    ensure_editable(customer)?;
    write_tx(conn, |c| {
        let current = customers::lock(c, customer.id)?.ok_or(Error::NotFound)?;
        if version < 1 || version >= current.version {
            return Err(Error::NotFound);
        }
        let current_fields = CustomerFields::from(&current);
        let (mut state, current_tags) = current_state(c, &current)?;
        let current_contacts = state.get(KEY_CONTACTS).cloned().flatten();
        for newer in customer_versions::newer_than(c, current.id, version)? {
            history::undo(&mut state, &history::from_json(&newer.changes));
        }
        let (fields, tags) = from_snapshot(&state, &current_fields);
        // The old version's community must still be one the user may choose.
        crate::service::communities::check_choice(
            c,
            caller,
            &fields.community,
            Some(&current.community),
        )?;
        let old_contacts = state.get(KEY_CONTACTS).cloned().flatten();
        let mut extra = Vec::new();
        if old_contacts != current_contacts {
            let contacts = enterprise_contacts::from_version_value(old_contacts.as_deref());
            enterprise_contacts::replace_all(c, current.id, &contacts)?;
            extra.push(Change {
                field: KEY_CONTACTS.into(),
                old: current_contacts,
                new: old_contacts,
            });
        }
        save(
            c,
            caller,
            &current,
            &current_tags,
            &fields,
            &tags,
            &reason,
            Some(version),
            None,
            extra,
        )
    })
}
