//! An [`AgentFilter`] as SQL over the host's agents and memberships: who may act on one
//! resource.

use super::identifier::{plain, qualified};
use super::{first_placeholder, sql_ids, Fragment, SqlDialect, SqlError, SqlFilter};
use crate::{AgentFilter, RoleId};

/// The host's names for its agents and their group memberships, handed to
/// [`AgentFilter::to_sql`] and [`AgentFilter::to_sql_in`]. The same identifier rules as
/// [`SqlColumns`](crate::SqlColumns); the membership subquery calls its table `m` and reads
/// nothing of the outer query.
///
/// # Column types and the indexes to create
///
/// The ids are 64-bit integers (`INTEGER` on SQLite, `bigint` on PostgreSQL); the view-only flag
/// is a boolean (`0`/`1` on SQLite), never `NULL`. For a resource with a group, the agents who
/// may are found by index lookups, never a read of the whole agents table, given:
///
/// | on | index | serves |
/// |---|---|---|
/// | agents | its primary key on `id` | the members and takers terms |
/// | agents | `(role_id)` | the roles that reach everywhere |
/// | memberships | `(group_id, user_id)` | the members of the resource's group |
///
/// ```sql
/// CREATE INDEX agents_by_role ON agents (role_id);
/// CREATE INDEX memberships_by_group ON memberships (group_id, user_id);
/// ```
///
/// When the roles that reach everywhere are held by a large share of the agents (say Support
/// Agent, Global, held by most of them), reading the table is the right plan and the database
/// takes it: the answer is most of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgentColumns<'a> {
    /// The agent's (user's) id column, as the outer query sees it (`a.id`, `agents.id`, `id`).
    pub id: &'a str,
    /// The column holding the agent's role id.
    pub role: &'a str,
    /// The table listing each agent's groups, or `None` if the host keeps no memberships
    /// (then nobody is reached through a group).
    pub membership: Option<MembershipTable<'a>>,
}

/// A join table with one row per (agent, group) membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembershipTable<'a> {
    /// The table's name, optionally qualified by a schema.
    pub table: &'a str,
    /// Its column holding the agent's id (unqualified).
    pub user: &'a str,
    /// Its column holding the group's id (unqualified).
    pub group: &'a str,
    /// Its boolean column saying the membership is view-only (true) or full (false, never
    /// `NULL`); `None` when every membership is full. A group in both kinds of row is a full
    /// membership, as in [`Subject`](crate::Subject).
    pub view_only: Option<&'a str>,
}

impl AgentFilter {
    /// The filter as a standard SQL `WHERE` fragment over the host's agents table, with `?`
    /// bind parameters (the [`SqlDialect::Sqlite`] rendering of
    /// [`to_sql_in`](Self::to_sql_in)): the rows it selects are exactly the agents
    /// [`AgentFilter::matches`] lets through (ids mapped as in [`SqlFilter`]).
    ///
    /// ```
    /// use helpdesk_policy::{AgentColumns, BuiltInRole, Conversation, GroupId, MembershipTable, Permissions, Plan, Policy, UserId};
    ///
    /// let policy = Policy::new(Plan::Pro);
    /// let c = Conversation { group: Some(GroupId(2)), assignee: Some(UserId(5)), participants: &[] };
    /// let columns = AgentColumns {
    ///     id: "a.id",
    ///     role: "a.role_id",
    ///     membership: Some(MembershipTable { table: "memberships", user: "user_id", group: "group_id", view_only: Some("view_only") }),
    /// };
    /// let sql = policy.who_may(Permissions::VIEW_CONVERSATIONS, &c).to_sql(&columns)?;
    /// assert_eq!(
    ///     sql.sql,
    ///     "(a.role_id IN (?, ?, ?, ?, ?) OR (a.role_id IN (?) AND a.id IN (SELECT m.user_id \
    ///      FROM memberships m WHERE m.group_id = ?)) OR (a.role_id IN (?, ?) AND a.id IN (?)))"
    /// );
    /// assert_eq!(sql.params, [1, 2, 3, 4, 7, 8, 2, 8, 9, 5]);
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A name in `columns` is not a valid identifier.
    pub fn to_sql(&self, columns: &AgentColumns<'_>) -> Result<SqlFilter, SqlError> {
        self.to_sql_in(SqlDialect::Sqlite, columns)
    }

    /// The filter as a `WHERE` fragment in `dialect`, its placeholders numbered from `$1` where
    /// the dialect numbers them; the same rows as [`to_sql`](Self::to_sql).
    ///
    /// ```
    /// use helpdesk_policy::{AgentColumns, BuiltInRole, Conversation, GroupId, MembershipTable, Permissions, Plan, Policy, SqlDialect};
    ///
    /// let policy = Policy::new(Plan::Pro);
    /// let c = Conversation { group: Some(GroupId(2)), assignee: None, participants: &[] };
    /// let columns = AgentColumns {
    ///     id: "a.id",
    ///     role: "a.role_id",
    ///     membership: Some(MembershipTable { table: "memberships", user: "user_id", group: "group_id", view_only: None }),
    /// };
    /// let sql = policy.who_may(Permissions::DELETE_CONVERSATION, &c).to_sql_in(SqlDialect::Postgres, &columns)?;
    /// assert_eq!(sql.sql, "(a.role_id IN ($1, $2))");
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`to_sql`](Self::to_sql).
    pub fn to_sql_in(
        &self,
        dialect: SqlDialect,
        columns: &AgentColumns<'_>,
    ) -> Result<SqlFilter, SqlError> {
        self.to_sql_from(dialect, columns, 1)
    }

    /// As [`to_sql_in`](Self::to_sql_in), its first placeholder numbered `$first` (for a host
    /// query that binds `first - 1` parameters before the fragment). Dialects with `?`
    /// placeholders ignore the number.
    ///
    /// # Errors
    ///
    /// As [`to_sql`](Self::to_sql), and [`SqlError::InvalidFirstPlaceholder`] for `first == 0`.
    pub fn to_sql_from(
        &self,
        dialect: SqlDialect,
        columns: &AgentColumns<'_>,
        first: usize,
    ) -> Result<SqlFilter, SqlError> {
        validate(columns)?;
        let mut fragment = Fragment::new(dialect, first_placeholder(first)?);
        if !self.everywhere.is_empty() {
            fragment.or();
            fragment.in_list(columns.role, &sql_roles(&self.everywhere));
        }
        let group = self.group.and_then(|group| i64::try_from(group.0).ok());
        if let (Some(group), Some(membership)) = (group, columns.membership) {
            // With a view-only column, roles that view-only groups do not reach need a full
            // row; the others take any row. Without one, every row is full.
            let (full_only, any_row): (Vec<RoleId>, Vec<RoleId>) = match membership.view_only {
                Some(_) => self
                    .members
                    .iter()
                    .partition(|role| self.view_only_members.binary_search(role).is_err()),
                None => (Vec::new(), self.members.clone()),
            };
            for (roles, full) in [(&full_only, true), (&any_row, false)] {
                if roles.is_empty() {
                    continue;
                }
                fragment.or();
                fragment.sql.push('(');
                fragment.in_list(columns.role, &sql_roles(roles));
                fragment.sql.push_str(" AND ");
                fragment.id_among(columns.id, |fragment| {
                    fragment.sql.push_str("SELECT m.");
                    fragment.sql.push_str(membership.user);
                    fragment.sql.push_str(" FROM ");
                    fragment.sql.push_str(membership.table);
                    fragment.sql.push_str(" m WHERE m.");
                    fragment.sql.push_str(membership.group);
                    fragment.sql.push_str(" = ");
                    fragment.param(group);
                    if let (true, Some(flag)) = (full, membership.view_only) {
                        fragment.sql.push_str(" AND NOT m.");
                        fragment.sql.push_str(flag);
                    }
                });
                fragment.sql.push(')');
            }
        }
        let takers = sql_ids(self.takers.iter().map(|user| user.0));
        if !self.taking_up.is_empty() && !takers.is_empty() {
            fragment.or();
            fragment.sql.push('(');
            fragment.in_list(columns.role, &sql_roles(&self.taking_up));
            fragment.sql.push_str(" AND ");
            fragment.in_list(columns.id, &takers);
            fragment.sql.push(')');
        }
        Ok(fragment.finish())
    }
}

fn sql_roles(roles: &[RoleId]) -> Vec<i64> {
    roles.iter().map(|role| i64::from(role.0)).collect()
}

/// Checks every name in `columns`.
fn validate(columns: &AgentColumns<'_>) -> Result<(), SqlError> {
    qualified(columns.id)?;
    qualified(columns.role)?;
    if let Some(membership) = columns.membership {
        qualified(membership.table)?;
        plain(membership.user)?;
        plain(membership.group)?;
        if let Some(flag) = membership.view_only {
            plain(flag)?;
        }
    }
    Ok(())
}
