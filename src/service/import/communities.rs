//! The communities an import brings: those no one has yet are added without an office,
//! for an admin to assign on `/admin/offices`, and the summary names them.

use std::collections::HashSet;

use diesel::QueryResult;

use crate::db::{communities, DbConnection};

/// The communities known so far, and those this import added.
pub struct NewCommunities {
    known: HashSet<String>,
    pub added: Vec<String>,
}

impl NewCommunities {
    pub fn load(conn: &mut DbConnection) -> QueryResult<NewCommunities> {
        let known = communities::list(conn)?
            .into_iter()
            .map(|c| c.name)
            .collect();
        Ok(NewCommunities {
            known,
            added: Vec::new(),
        })
    }

    /// Adds the batch's communities that are not known, without an office. Call in the
    /// batch's transaction: a batch that fails stops the import.
    pub fn add_missing<'a>(
        &mut self,
        conn: &mut DbConnection,
        names: impl Iterator<Item = &'a str>,
    ) -> QueryResult<()> {
        let mut missing: Vec<String> = names
            .filter(|n| !self.known.contains(*n))
            .map(str::to_string)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        missing.sort_unstable();
        missing.dedup();
        self.added
            .extend(communities::add_unassigned(conn, &missing)?);
        self.known.extend(missing);
        Ok(())
    }
}
