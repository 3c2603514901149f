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
pub struct IdsIn<C> {
    column: C,
    /// The ids as a JSON array.
    ids: String,
}

impl<C> IdsIn<C> {
    pub fn new(column: C, ids: &[i32]) -> IdsIn<C> {
        // A list of integers always serialises.
        let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
        IdsIn { column, ids }
    }
}

impl<C: Expression> Expression for IdsIn<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for IdsIn<C> {}
impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for IdsIn<C> {}

impl<C> ValidGrouping<()> for IdsIn<C> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<C> QueryId for IdsIn<C> {
    type QueryId = ();
    // Keyed by its SQL text in the statement cache, like every boxed query.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, DB> QueryFragment<DB> for IdsIn<C>
where
    C: QueryFragment<DB>,
    DB: Backend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

/// `COLUMN IN (ids)` that SQLite keeps prepared, for a boxed query on `$conn`: see
/// `IdsIn`. PostgreSQL's `eq_any` (`= ANY($1)`) is cached as it is.
macro_rules! filter_ids {
    ($query:expr, $conn:expr, $column:expr, $ids:expr) => {
        match $conn.backend() {
            $crate::db::Backend::Sqlite => {
                $query.filter($crate::db::conn::ids_in::IdsIn::new($column, $ids))
            }
            $crate::db::Backend::Postgres => $query.filter($column.eq_any($ids)),
        }
    };
}
pub(crate) use filter_ids;

#[cfg(test)]
mod tests {
    use super::IdsIn;

    #[test]
    fn ids_go_in_as_one_json_array() {
        assert_eq!(IdsIn::new((), &[3, 1, 2]).ids, "[3,1,2]");
        assert_eq!(IdsIn::new((), &[]).ids, "[]");
    }
}
