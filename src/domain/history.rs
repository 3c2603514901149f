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

/// A first version in its compact form: the record's values as one JSON object, empty
/// ones left out (`{"name":"王伟","phone":"13812345678",…}`), which an import writes for
/// every record. It reads as the change list from nothing to those values, at half the
/// bytes.
pub fn initial_to_json(values: &Snapshot) -> String {
    let present: BTreeMap<&str, &str> = values
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_deref()?)))
        .collect();
    serde_json::to_string(&present).unwrap_or_else(|_| "{}".into())
}

/// Reads a stored change list, or a first version's values (`initial_to_json`); a
/// damaged one reads as no changes (and is logged).
pub fn from_json(text: &str) -> Vec<Change> {
    let read = if text.trim_start().starts_with('{') {
        serde_json::from_str::<Snapshot>(text).map(|values| diff(&Snapshot::new(), &values))
    } else {
        serde_json::from_str(text)
    };
    read.unwrap_or_else(|error| {
        tracing::warn!(%error, "unreadable change list in a stored version");
        Vec::new()
    })
}

/// Replays versions, oldest first, from an empty record: the state after the last one.
pub fn replay<'a>(versions: impl IntoIterator<Item = &'a [Change]>) -> Snapshot {
    let mut state = Snapshot::new();
    for changes in versions {
        for change in changes {
            match &change.new {
                Some(value) => state.insert(change.field.clone(), Some(value.clone())),
                None => state.remove(&change.field),
            };
        }
    }
    state
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

    #[test]
    fn a_compact_first_version_reads_as_every_value_set_and_replays_to_the_record() {
        let v1 = snap(&[
            ("name", Some("王伟")),
            ("email", None),
            ("phone", Some("1")),
        ]);
        let v2 = snap(&[
            ("name", Some("王伟")),
            ("email", Some("w@qq.com")),
            ("phone", None),
        ]);
        let stored = initial_to_json(&v1);
        assert_eq!(stored, r#"{"name":"王伟","phone":"1"}"#);
        let first = from_json(&stored);
        assert_eq!(first, diff(&Snapshot::new(), &v1));
        let second = diff(&v1, &v2);
        let present = |s: &Snapshot| -> Snapshot {
            s.iter()
                .filter(|(_, v)| v.is_some())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        assert_eq!(replay([first.as_slice(), second.as_slice()]), present(&v2));
    }
}
