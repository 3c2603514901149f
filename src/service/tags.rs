//! Moving and renaming tags in the tag tree (a manager's job).

use super::{invalid, Caller};
use crate::db::{audit_log, tags, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::parse_tags;
use crate::error::AppError;

/// Moves tag `id` (with its sub-tags) to the path typed, e.g. `欠费风险` → `风险/欠费`; onto
/// an existing tag it merges the two.
pub fn move_tag(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i32,
    typed: &str,
) -> Result<String, AppError> {
    let to = match parse_tags(typed)
        .map_err(|key| invalid("path", key))?
        .as_slice()
    {
        [one] => one.clone(),
        _ => return Err(invalid("path", "err-tag-one")),
    };
    write_tx(conn, |c| {
        let tag = tags::find(c, id)?.ok_or(AppError::NotFound)?;
        if to == tag.path {
            return Ok(to);
        }
        if to.starts_with(&format!("{}/", tag.path)) {
            return Err(invalid("path", "err-tag-inside-itself"));
        }
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
        Ok(to)
    })
}
