//! One batch of checked rows stored in one transaction: codes, records, tags, contacts
//! and each record's first version holding every imported value.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::communities::NewCommunities;
use super::read::Good;
use super::ImportError;
use crate::db::{customer_contacts, customer_versions, customers, tags, write_tx, DbConnection};
use crate::domain::history;
use crate::service::Caller;

/// Stores a batch in one transaction; returns how many were stored.
pub(super) fn store(
    conn: &mut DbConnection,
    caller: &Caller,
    import_id: i32,
    batch: Vec<Good>,
    today: NaiveDate,
    tag_ids: &mut HashMap<String, i32>,
    new_communities: &mut NewCommunities,
) -> Result<usize, ImportError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let count = batch.len();
    let reason = "import";
    write_tx(conn, |c| -> Result<(), crate::service::Error> {
        new_communities.add_missing(c, batch.iter().map(|g| g.draft.community.as_str()))?;
        // One serial range per customer type for the whole batch.
        let mut next_serial: HashMap<char, i32> = HashMap::new();
        for letter in ['P', 'E', 'V'] {
            let n = batch
                .iter()
                .filter(|g| g.draft.customer_type.code_letter() == letter)
                .count() as i32;
            if n > 0 {
                next_serial.insert(
                    letter,
                    customers::reserve_codes(c, letter, today.year(), n)?,
                );
            }
        }
        let mut rows = Vec::with_capacity(count);
        let mut tag_lists = Vec::with_capacity(count);
        let mut row_tag_ids = Vec::with_capacity(count);
        for good in batch {
            let letter = good.draft.customer_type.code_letter();
            let serial = next_serial
                .get_mut(&letter)
                .ok_or(diesel::result::Error::NotFound)?;
            let code = format!("{letter}-{}-{:06}", today.year(), *serial);
            *serial += 1;
            let mut ids = Vec::with_capacity(good.draft.tags.len());
            for path in &good.draft.tags {
                let id = match tag_ids.get(path) {
                    Some(id) => *id,
                    None => {
                        let id = tags::ensure(c, path)?;
                        tag_ids.insert(path.clone(), id);
                        id
                    }
                };
                ids.push(id);
            }
            ids.sort_unstable();
            ids.dedup();
            rows.push((code, good.fields));
            tag_lists.push(good.draft.tags);
            row_tag_ids.push(ids);
        }
        let ids = customers::insert_many(c, import_id, &rows, &row_tag_ids)?;
        let mut tag_pairs = Vec::new();
        let mut contacts = Vec::with_capacity(rows.len() * 2);
        let mut versions = Vec::with_capacity(rows.len());
        for (((paths, (_, fields)), &customer_id), tags_of_row) in
            tag_lists.iter().zip(&rows).zip(&ids).zip(&row_tag_ids)
        {
            tag_pairs.extend(tags_of_row.iter().map(|tag| (customer_id, *tag)));
            contacts.push((customer_id, "phone", fields.phone.as_str()));
            if let Some(email) = &fields.email {
                contacts.push((customer_id, "email", email.as_str()));
            }
            // Every imported value, kept as imported whatever happens to the record.
            let imported =
                history::initial_to_json(&crate::service::customers::snapshot(fields, paths));
            versions.push(customer_versions::NewVersion {
                customer_id,
                version: 1,
                actor: &caller.actor,
                reason,
                changes: imported,
                restored_from: None,
                change_report_id: None,
            });
        }
        tag_pairs.sort_unstable();
        tag_pairs.dedup();
        tags::attach_many(c, &tag_pairs)?;
        customer_contacts::insert_first_many(c, &contacts)?;
        customer_versions::insert_many(c, &versions)?;
        Ok(())
    })?;
    Ok(count)
}
