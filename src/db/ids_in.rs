//! `column IN (ids)` for SQLite as a statement that stays prepared.
//!
//! diesel's `eq_any(&vec)` binds one parameter per id and marks the statement unsafe to
//! cache, and so does any `sql()` literal: on SQLite the list page's two such statements
//! were prepared anew on every request (8% of its time under load). This node sends the
//! ids as one JSON array, `IN (SELECT value FROM json_each(?))`: the SQL text is always
//! the same, so diesel's statement cache keeps it.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, Text};
use diesel::QueryResult;

#[derive(Debug, Clone)]
pub struct IdsIn {
    /// The qualified column, e.g. `customers.id`: a constant, never user input.
    column: &'static str,
    ids: String,
}

impl IdsIn {
    pub fn new(column: &'static str, ids: &[i32]) -> IdsIn {
        let mut json = String::with_capacity(ids.len() * 8 + 2);
        json.push('[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&id.to_string());
        }
        json.push(']');
        IdsIn { column, ids: json }
    }
}

impl Expression for IdsIn {
    type SqlType = Bool;
}

impl<QS> AppearsOnTable<QS> for IdsIn {}
impl<QS> SelectableExpression<QS> for IdsIn {}

impl ValidGrouping<()> for IdsIn {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for IdsIn {
    type QueryId = ();
    // The column name is part of the SQL, so the type alone does not identify it: the
    // cache keys this statement by its SQL text instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB> QueryFragment<DB> for IdsIn
where
    DB: Backend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.column);
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::IdsIn;

    #[test]
    fn ids_go_in_as_one_json_array() {
        assert_eq!(IdsIn::new("customers.id", &[3, 1, 2]).ids, "[3,1,2]");
        assert_eq!(IdsIn::new("customers.id", &[]).ids, "[]");
    }
}
