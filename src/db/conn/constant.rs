//! A text constant written into the SQL instead of bound as a parameter, and a mark that
//! makes PostgreSQL plan a statement with its values each time.
//!
//! For a statement it keeps prepared, PostgreSQL plans each execution anew ("custom
//! plans") until a plan made without the parameters' values looks as cheap. The list
//! search's `status <> $2` kept the gram query on custom plans for good: planning that
//! join was about a third of the name search's database time. With `status <> 'archived'`
//! in the text, the generic plan wins after five executions (measured at 100k records:
//! 0 generic plans of 12 before, 7 of 12 after). Only for values fixed in the code.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::QueryResult;

#[derive(Debug, Clone, Copy)]
pub struct TextConstant(&'static str);

/// `'value'` in the SQL text.
pub fn text(value: &'static str) -> TextConstant {
    TextConstant(value)
}

impl Expression for TextConstant {
    type SqlType = Text;
}

impl<QS> AppearsOnTable<QS> for TextConstant {}
impl<QS> SelectableExpression<QS> for TextConstant {}

impl<G> ValidGrouping<G> for TextConstant {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for TextConstant {
    type QueryId = ();
    // The value is in the SQL text, so the text keys the statement cache.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: Backend> QueryFragment<DB> for TextConstant {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(&quoted(self.0));
        Ok(())
    }
}

/// `TRUE`, which also tells diesel not to keep the statement prepared: PostgreSQL then
/// plans it with its parameters' values every time. For a query whose best plan depends
/// on how common a bound value is: a prepared statement soon runs on a generic plan made
/// for an average value, and a common one then costs far more (see `customers::search`).
#[derive(Debug, Clone, Copy)]
pub struct PlanEachTime;

pub fn plan_each_time() -> PlanEachTime {
    PlanEachTime
}

impl Expression for PlanEachTime {
    type SqlType = diesel::sql_types::Bool;
}

impl<QS> AppearsOnTable<QS> for PlanEachTime {}
impl<QS> SelectableExpression<QS> for PlanEachTime {}

impl<G> ValidGrouping<G> for PlanEachTime {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl QueryId for PlanEachTime {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: Backend> QueryFragment<DB> for PlanEachTime {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        out.push_sql("TRUE");
        Ok(())
    }
}

/// A standard SQL string literal, the same on both backends.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn a_quote_in_the_value_is_doubled() {
        assert_eq!(quoted("archived"), "'archived'");
        assert_eq!(quoted("it's"), "'it''s'");
    }
}
