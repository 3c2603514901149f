//! Creating a record: version 1, unless it looks like one already kept.

use chrono::{Datelike, NaiveDate};

use super::fields::{snapshot, to_fields};
use super::{check_reason, Caller};
use crate::crypto::Keys;
use crate::db::customers::{self, Customer};
use crate::db::{audit_log, customer_contacts, customer_versions, tags, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::{CustomerDraft, Status};
use crate::domain::history::{self, Snapshot};
use crate::service::communities;
use crate::service::Error;

/// What `create` came to.
pub enum Created {
    Saved(Box<Customer>),
    /// Records that look like the same customer; nothing was stored.
    Similar(Vec<Customer>),
}

/// Creates a record as version 1. Similar records stop it unless `duplicate_ok`, and then
/// the reason given says why it was saved anyway.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    draft: &CustomerDraft,
    reason: &str,
    duplicate_ok: bool,
    today: NaiveDate,
) -> Result<Created, Error> {
    let reason = check_reason(reason)?;
    let fields = to_fields(draft, keys, Status::Active.as_str(), None, false);
    write_tx(conn, |c| {
        communities::check_choice(c, caller, &fields.community, None)?;
        let similar = customers::similar(c, &fields, None)?;
        if !similar.is_empty() && !duplicate_ok {
            return Ok(Created::Similar(similar));
        }
        let code = customers::next_code(c, draft.customer_type.code_letter(), today.year())?;
        let customer = customers::insert(c, &code, &fields)?;
        tags::set_for_customer(c, customer.id, &draft.tags)?;
        customer_contacts::replace(c, customer.id, "phone", Some(&fields.phone))?;
        customer_contacts::replace(c, customer.id, "email", fields.email.as_deref())?;
        let changes = history::diff(&Snapshot::new(), &snapshot(&fields, &draft.tags));
        customer_versions::insert(
            c,
            &customer_versions::NewVersion {
                customer_id: customer.id,
                version: 1,
                actor: &caller.actor,
                reason: &reason,
                changes: history::to_json(&changes),
                restored_from: None,
                change_report_id: None,
            },
        )?;
        let mut details = format!("reason: {reason}");
        if !similar.is_empty() {
            let codes: Vec<&str> = similar.iter().map(|s| s.code.as_str()).collect();
            details.push_str(&format!("; saved although similar to {}", codes.join(",")));
        }
        audit_log::append(
            c,
            &Event::new(
                caller.actor.clone(),
                Action::CustomerCreated,
                &code,
                &caller.address,
            )
            .details(details),
        )?;
        Ok(Created::Saved(Box::new(customer)))
    })
}
