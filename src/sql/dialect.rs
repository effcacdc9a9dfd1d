//! The SQL dialects the filters render to.

/// The database a fragment is rendered for: its placeholders and the shapes its planner answers
/// from indexes.
///
/// Both renderings select the same rows (proven on real databases by `tests/sqlite.rs` and
/// `tests/postgres.rs`); they differ where the two planners differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SqlDialect {
    /// SQLite, and standard SQL: `?` placeholders, join tables as `id IN (subquery)`. The
    /// rendering of [`to_sql`](crate::ConversationFilter::to_sql).
    #[default]
    Sqlite,
    /// PostgreSQL (15 and later): numbered placeholders `$1, $2, ...`, join tables as
    /// `id = ANY (ARRAY(subquery))`.
    Postgres,
}
