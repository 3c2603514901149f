//! A record's history as field snapshots: what changed between two versions, and how to
//! step back to an earlier one by undoing the later changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Field name → value (None = empty). Keys are the form's field names.
pub type Snapshot = BTreeMap<String, Option<String>>;

/// One field's change in one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Change {
    /// Fields kept only so a restore can put them back (ciphertext, blind index): never
    /// shown, never compared by people.
    pub fn is_hidden(&self) -> bool {
        self.field.ends_with("_enc") || self.field.ends_with("_index")
    }
}

/// The fields whose values differ, in field order. A field missing on one side is empty.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let mut fields: Vec<&String> = old.keys().chain(new.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let before = old.get(field).cloned().flatten();
            let after = new.get(field).cloned().flatten();
            (before != after).then(|| Change {
                field: field.clone(),
                old: before,
                new: after,
            })
        })
        .collect()
}

/// Undoes `changes` (one version's) on `snapshot`.
pub fn undo(snapshot: &mut Snapshot, changes: &[Change]) {
    for change in changes {
        snapshot.insert(change.field.clone(), change.old.clone());
    }
}

pub fn to_json(changes: &[Change]) -> String {
    serde_json::to_string(changes).unwrap_or_else(|_| "[]".into())
}

/// Reads a stored change list; a damaged one reads as no changes (and is logged).
pub fn from_json(text: &str) -> Vec<Change> {
    serde_json::from_str(text).unwrap_or_else(|error| {
        tracing::warn!(%error, "unreadable change list in a stored version");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(pairs: &[(&str, Option<&str>)]) -> Snapshot {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn only_changed_fields_are_kept() {
        let old = snap(&[
            ("name", Some("王伟")),
            ("phone", Some("13800000000")),
            ("email", None),
        ]);
        let new = snap(&[
            ("name", Some("王伟")),
            ("phone", Some("13900000000")),
            ("email", Some("w@qq.com")),
        ]);
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].field, "email");
        assert_eq!(changes[1].old.as_deref(), Some("13800000000"));
    }

    #[test]
    fn undoing_the_later_versions_gives_back_the_earlier_state() {
        let v1 = snap(&[("name", Some("王伟")), ("phone", Some("1"))]);
        let v2 = snap(&[("name", Some("王伟")), ("phone", Some("2"))]);
        let v3 = snap(&[("name", Some("王小伟")), ("phone", Some("3"))]);
        let (d2, d3) = (diff(&v1, &v2), diff(&v2, &v3));
        let mut state = v3.clone();
        undo(&mut state, &d3);
        undo(&mut state, &d2);
        assert_eq!(state, v1);
        assert_eq!(from_json(&to_json(&d3)), d3);
    }
}
