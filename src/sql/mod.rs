//! SQL rendering: a [`ConversationFilter`](crate::ConversationFilter) or an
//! [`AgentFilter`](crate::AgentFilter) as a `WHERE` fragment with bind parameters, for the
//! host's own tables and columns, in the dialect of its database.
//!
//! The text holds only the identifiers the host names (validated) and placeholders; every id
//! travels in [`SqlFilter::params`]. Rendering is deterministic: the same filter, dialect and
//! columns give the same text and parameters, whatever the order or repetition of the
//! subject's groups.
//!
//! The shapes are chosen by the plans the databases make of them, not by how they read: each
//! term of the disjunction is one the database can answer from an index (a column compared with
//! values, or the id compared with an uncorrelated subquery over an indexed join table), so the
//! database unions index lookups instead of reading the whole table. `tests/sql_plans.rs` holds
//! both databases to that; the indexes a host must create are listed on [`SqlColumns`] and
//! [`AgentColumns`].

use core::fmt::Write as _;

mod agents;
mod conversations;
mod dialect;
mod identifier;

pub use agents::{AgentColumns, MembershipTable};
pub use conversations::{ParticipantsTable, SqlColumns};
pub use dialect::SqlDialect;

/// A `WHERE` fragment and its bind parameters, from [`ConversationFilter::to_sql`] or
/// [`ConversationFilter::to_sql_in`] (and the same methods of [`AgentFilter`]).
///
/// `sql` is `TRUE`, `FALSE`, or a parenthesised disjunction such as
/// `(c.assignee_id = ? OR c.group_id IN (?, ?) OR c.id IN (SELECT p.conversation_id FROM
/// conversation_participants p WHERE p.user_id = ?))`, so it can be joined to the host's own
/// conditions with `AND`. `params` binds its placeholders in order.
///
/// # Ids and SQL integers
///
/// Ids in the crate are `u64`; SQL integer columns are signed 64-bit, so parameters are `i64`
/// (on PostgreSQL the id columns are `bigint`, so that an `i64` binds to them). A row's id maps
/// to the crate as `u64::try_from(id).ok()`: `NULL` or a negative id is no id (it matches no
/// user or group). In the same way, a user or group id above `i64::MAX` cannot be stored in such
/// a column, so it is left out of the query (it could match no row): the rows returned are
/// exactly those the filter matches under that mapping, and rendering never fails or panics
/// because of an id.
///
/// Use the fragment as it is, in a `WHERE` (or `AND`-ed into one): it relies on `NULL` columns
/// making a comparison unknown, which `WHERE` treats as false, so `NOT (...)` of it is not the
/// complement.
///
/// A host row type checked with [`Policy::check`](crate::Policy::check) agrees with the query
/// when it maps its ids the same way:
///
/// ```
/// use helpdesk_policy::{BuiltInRole, GroupId, Permissions, Plan, Policy, Resource, Subject, UserId};
///
/// struct TicketRow { id: i64, group_id: Option<i64>, assignee_id: Option<i64>, followers: Vec<i64> }
///
/// impl Resource for TicketRow {
///     fn group(&self) -> Option<GroupId> {
///         self.group_id.and_then(|id| u64::try_from(id).ok()).map(GroupId)
///     }
///     fn assignee(&self) -> Option<UserId> {
///         self.assignee_id.and_then(|id| u64::try_from(id).ok()).map(UserId)
///     }
///     fn has_participant(&self, user: UserId) -> bool {
///         i64::try_from(user.0).is_ok_and(|user| self.followers.contains(&user))
///     }
/// }
///
/// let policy = Policy::new(Plan::Pro);
/// let s = Subject { user: UserId(7), role: policy.builtin(BuiltInRole::SalesUser), groups: &[GroupId(2)], view_only: &[] };
/// let row = TicketRow { id: 1, group_id: Some(9), assignee_id: None, followers: vec![7] };
/// assert!(policy.check(&s, Permissions::REPLY, &row).is_allowed()); // a follower
/// assert!(policy.filter(&s, Permissions::REPLY).matches(&row));
/// # let _ = row.id;
/// ```
///
/// [`ConversationFilter::to_sql`]: crate::ConversationFilter::to_sql
/// [`ConversationFilter::to_sql_in`]: crate::ConversationFilter::to_sql_in
/// [`AgentFilter`]: crate::AgentFilter
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SqlFilter {
    /// The `WHERE` fragment, with the dialect's placeholders.
    pub sql: String,
    /// The values of the placeholders, in order.
    pub params: Vec<i64>,
}

/// A name the host gave for SQL rendering was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqlError {
    /// The name is not an identifier (or a qualified one where that is allowed).
    #[error("invalid sql identifier `{0}`")]
    InvalidIdentifier(String),
    /// The first placeholder number asked for is 0 (PostgreSQL numbers them from `$1`).
    #[error("placeholder numbers start at 1, not `{0}`")]
    InvalidFirstPlaceholder(usize),
}

impl SqlFilter {
    /// A fragment without parameters.
    fn constant(sql: &str) -> SqlFilter {
        SqlFilter {
            sql: sql.to_owned(),
            params: Vec::new(),
        }
    }
}

/// A fragment being written: the text, its parameters and the dialect's placeholders.
struct Fragment {
    dialect: SqlDialect,
    sql: String,
    params: Vec<i64>,
    /// The number of the next placeholder, for numbering dialects.
    next: usize,
}

impl Fragment {
    /// An empty disjunction, its first placeholder numbered `first`.
    fn new(dialect: SqlDialect, first: usize) -> Fragment {
        Fragment {
            dialect,
            sql: String::from("("),
            params: Vec::new(),
            next: first,
        }
    }

    /// Starts the next term of the disjunction: after an `OR` unless it is the first.
    fn or(&mut self) {
        if self.sql.len() > 1 {
            self.sql.push_str(" OR ");
        }
    }

    /// Writes one placeholder bound to `value`.
    fn param(&mut self, value: i64) {
        match self.dialect {
            SqlDialect::Sqlite => self.sql.push('?'),
            SqlDialect::Postgres => {
                let _ = write!(self.sql, "${}", self.next);
                self.next = self.next.saturating_add(1);
            }
        }
        self.params.push(value);
    }

    /// Writes `column IN (?, ?)` for `values` (at least one).
    fn in_list(&mut self, column: &str, values: &[i64]) {
        let _ = write!(self.sql, "{column} IN (");
        for (i, &value) in values.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.param(value);
        }
        self.sql.push(')');
    }

    /// Writes `id` compared with the ids a subquery selects, in the shape the dialect's planner
    /// turns into an index lookup combined with the other terms: `IN (subquery)` for SQLite (a
    /// `MULTI-INDEX OR`), `= ANY (ARRAY(subquery))` for PostgreSQL (the subquery runs once as an
    /// `InitPlan`, and the id test joins a `BitmapOr`; `IN (subquery)` there becomes a hashed
    /// `SubPlan` filter over a sequential scan).
    fn id_among(&mut self, id: &str, subquery: impl FnOnce(&mut Fragment)) {
        match self.dialect {
            SqlDialect::Sqlite => {
                let _ = write!(self.sql, "{id} IN (");
                subquery(self);
                self.sql.push(')');
            }
            SqlDialect::Postgres => {
                let _ = write!(self.sql, "{id} = ANY (ARRAY(");
                subquery(self);
                self.sql.push_str("))");
            }
        }
    }

    /// The finished fragment: `FALSE` when no term was written.
    fn finish(mut self) -> SqlFilter {
        if self.params.is_empty() {
            return SqlFilter::constant("FALSE");
        }
        self.sql.push(')');
        SqlFilter {
            sql: self.sql,
            params: self.params,
        }
    }
}

/// Ids as SQL integers, sorted and each once; ids above `i64::MAX` are left out (no row can
/// hold them).
fn sql_ids(ids: impl Iterator<Item = u64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.filter_map(|id| i64::try_from(id).ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Refuses a first placeholder number of 0.
fn first_placeholder(first: usize) -> Result<usize, SqlError> {
    if first == 0 {
        Err(SqlError::InvalidFirstPlaceholder(first))
    } else {
        Ok(first)
    }
}
