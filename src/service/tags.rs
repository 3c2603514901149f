//! Moving and renaming tags in the tag tree (a manager's job).

use std::collections::BTreeMap;

use super::customers::tags_value;
use super::{invalid, Caller};
use crate::db::{audit_log, customer_versions, customers, tags, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::parse_tags;
use crate::domain::history::{self, Change};
use crate::service::Error;

/// Moves tag `id` (with its sub-tags) to the path typed, e.g. `欠费风险` → `风险/欠费`; onto
/// an existing tag it merges the two.
pub fn move_tag(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i32,
    typed: &str,
) -> Result<String, Error> {
    let to = match parse_tags(typed)
        .map_err(|key| invalid("path", key))?
        .as_slice()
    {
        [one] => one.clone(),
        _ => return Err(invalid("path", "err-tag-one")),
    };
    write_tx(conn, |c| {
        let tag = tags::find(c, id)?.ok_or(Error::NotFound)?;
        if to == tag.path {
            return Ok(to);
        }
        if to.starts_with(&format!("{}/", tag.path)) {
            return Err(invalid("path", "err-tag-inside-itself"));
        }
        let tagged = tags::customers_under(c, &tag)?;
        let before = tags_of(c, &tagged)?;
        // Onto an existing tag: the two become one (an imported 欠费风险 joins 风险/欠费).
        let details = match tags::find_by_path(c, &to)? {
            Some(into) => {
                if tags::has_children(c, tag.id)? {
                    return Err(invalid("path", "err-tag-merge-children"));
                }
                let moved = tags::merge_into(c, &tag, &into)?;
                format!("merged into {to} ({moved} records)")
            }
            None => {
                tags::move_to(c, &tag, &to)?;
                format!("moved to {to}")
            }
        };
        let event = Event::new(
            caller.actor.clone(),
            Action::TagMoved,
            format!("tag:{}", tag.path),
            &caller.address,
        )
        .details(details);
        audit_log::append(c, &event)?;
        let reason = format!("标签移动 / tag moved: {} → {to}", tag.path);
        record_versions(c, caller, &tagged, &before, &reason)?;
        Ok(to)
    })
}

/// Each record's tags as a version holds them.
fn tags_of(c: &mut DbConnection, ids: &[i32]) -> Result<BTreeMap<i32, Option<String>>, Error> {
    let mut lists: BTreeMap<i32, Vec<String>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    for chunk in ids.chunks(crate::db::ROWS_PER_INSERT) {
        for (id, path) in tags::of_customers(c, chunk)? {
            lists.entry(id).or_default().push(path);
        }
    }
    Ok(lists
        .into_iter()
        .map(|(id, list)| (id, tags_value(&list)))
        .collect())
}

/// A tag's new path changes the records that carry it: each gets a version saying so,
/// so that its history still replays to what it shows.
fn record_versions(
    c: &mut DbConnection,
    caller: &Caller,
    ids: &[i32],
    before: &BTreeMap<i32, Option<String>>,
    reason: &str,
) -> Result<(), Error> {
    let after = tags_of(c, ids)?;
    let mut changes = Vec::new();
    for (id, new) in after {
        let old = before.get(&id).cloned().flatten();
        if old != new {
            let version = customers::bump_version(c, id)?;
            let change = Change {
                field: "tags".into(),
                old,
                new,
            };
            changes.push((id, version, history::to_json(&[change])));
        }
    }
    let versions: Vec<_> = changes
        .iter()
        .map(|(id, version, json)| customer_versions::NewVersion {
            customer_id: *id,
            version: *version,
            actor: &caller.actor,
            reason,
            changes: json.clone(),
            restored_from: None,
            change_report_id: None,
        })
        .collect();
    if !versions.is_empty() {
        customer_versions::insert_many(c, &versions)?;
    }
    Ok(())
}
