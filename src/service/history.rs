//! A record's history as people read it: every version with the fields it changed.
//!
//! An import stores each record's first version in a compact form, its values as one
//! JSON object (`history::initial_to_json`). Imports made before that stored it without
//! any field list; such a version is worked out here, by undoing the later versions on
//! the record as it is now (which is also how a restore finds an old state), and is
//! only as true as the later versions are complete.

use diesel::QueryResult;

use super::customers::current_state;
use crate::db::customer_versions::{self, Version};
use crate::db::customers::Customer;
use crate::db::DbConnection;
use crate::domain::history::{self, Change, Snapshot};

/// Every version of the record, newest first, each with its changes (old → new).
pub fn of_customer(
    conn: &mut DbConnection,
    customer: &Customer,
) -> QueryResult<Vec<(Version, Vec<Change>)>> {
    let mut versions: Vec<(Version, Vec<Change>)> =
        customer_versions::of_customer(conn, customer.id)?
            .into_iter()
            .map(|v| {
                let changes = history::from_json(&v.changes);
                (v, changes)
            })
            .collect();
    let stored_without_fields = matches!(
        versions.last(),
        Some((first, changes)) if first.version == 1 && changes.is_empty()
    );
    if stored_without_fields {
        let (mut state, _) = current_state(conn, customer)?;
        let last = versions.len() - 1;
        let (later, first) = versions.split_at_mut(last);
        for (_, changes) in later.iter() {
            history::undo(&mut state, changes);
        }
        first[0].1 = history::diff(&Snapshot::new(), &state);
    }
    Ok(versions)
}
