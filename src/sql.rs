//! SQL rendering: a [`ConversationFilter`] as a `WHERE` fragment with bind parameters, for the
//! host's own tables and columns.
//!
//! The text holds only the identifiers the host names (validated) and `?` placeholders; every id
//! travels in [`SqlFilter::params`]. Rendering is deterministic: the same filter and columns give
//! the same text and parameters, whatever the order or repetition of the subject's groups.

use core::fmt::Write as _;

use crate::{AgentFilter, ConversationFilter, GroupId, RoleId, UserId};

/// The host's names for the conversation facts in its database, handed to
/// [`ConversationFilter::to_sql`].
///
/// Every name is an identifier: an ASCII letter or `_`, then ASCII letters, digits or `_`. The
/// columns may carry one table qualifier (`c.group_id`, `conversations.assignee_id`); the
/// participants table may carry a schema (`main.conversation_participants`). Names are written
/// unquoted, so one that is a reserved word in the database (such as `group`) needs renaming
/// or a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlColumns<'a> {
    /// The conversation's id column, as the outer query sees it. With a participants table it
    /// must be qualified by the conversations table or its alias (`c.id`, `conversations.id`),
    /// so that the subquery cannot read it as a column of the participants table, and that
    /// qualifier must not be `p`, the subquery's alias for the participants table.
    pub id: &'a str,
    /// The column holding the conversation's group (`NULL` for none).
    pub group: &'a str,
    /// The column holding the conversation's assignee (`NULL` for none).
    pub assignee: &'a str,
    /// The table listing each conversation's participants (collaborators, followers, secondary
    /// owners), or `None` if the host keeps no participants (then none are matched).
    pub participants: Option<ParticipantsTable<'a>>,
}

/// A join table with one row per participant of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParticipantsTable<'a> {
    /// The table's name, optionally qualified by a schema.
    pub table: &'a str,
    /// Its column holding the conversation's id (unqualified).
    pub conversation: &'a str,
    /// Its column holding the participating user's id (unqualified).
    pub user: &'a str,
}

/// A `WHERE` fragment and its bind parameters, from [`ConversationFilter::to_sql`].
///
/// `sql` is `TRUE`, `FALSE`, or a parenthesised disjunction such as
/// `(c.assignee_id = ? OR c.group_id IN (?, ?) OR EXISTS (SELECT 1 FROM conversation_participants
/// p WHERE p.conversation_id = c.id AND p.user_id = ?))`, so it can be joined to the host's own
/// conditions with `AND`. `params` binds its `?` placeholders in order.
///
/// # Ids and SQL integers
///
/// Ids in the crate are `u64`; SQL integer columns are signed 64-bit, so parameters are `i64`.
/// A row's id maps to the crate as `u64::try_from(id).ok()`: `NULL` or a negative id is no id
/// (it matches no user or group). In the same way, a user or group id above `i64::MAX` cannot be
/// stored in such a column, so it is left out of the query (it could match no row): the rows
/// returned are exactly those the filter matches under that mapping, and rendering never fails
/// or panics because of an id.
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SqlFilter {
    /// The `WHERE` fragment, with `?` placeholders.
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
    /// The id column must be qualified by its table to be read from the participants (or
    /// membership) subquery.
    #[error("id column `{0}` must be qualified by its table (such as `conversations.id`) to be read from the subquery")]
    UnqualifiedId(String),
    /// The id column is qualified by the subquery's own alias (`p` for participants, `m` for
    /// memberships).
    #[error("id column `{0}` is qualified by the subquery's own alias (`p` or `m`): alias the table otherwise")]
    ShadowedId(String),
}

impl SqlFilter {
    /// A fragment without parameters.
    fn constant(sql: &str) -> SqlFilter {
        SqlFilter {
            sql: sql.to_owned(),
            params: Vec::new(),
        }
    }

    /// The fragment with numbered placeholders `$first`, `$first + 1`, ... instead of `?`, as
    /// PostgreSQL wants them (`first` is 1 unless the host's query binds parameters before it).
    ///
    /// ```
    /// use helpdesk_policy::{ConversationFilter, GroupId, SqlColumns, UserId};
    ///
    /// let columns = SqlColumns { id: "c.id", group: "c.group_id", assignee: "c.assignee_id", participants: None };
    /// let filter = ConversationFilter::TakenUpBy { user: UserId(7), groups: &[GroupId(2)], view_only: &[] };
    /// let sql = filter.to_sql(&columns)?;
    /// assert_eq!(sql.numbered_placeholders(2), "(c.assignee_id = $2 OR c.group_id IN ($3))");
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    #[must_use]
    pub fn numbered_placeholders(&self, first: usize) -> String {
        let mut out = String::with_capacity(self.sql.len() + 2 * self.params.len());
        let mut next = first;
        // Identifiers are validated and the text has no literals, so every `?` is a placeholder.
        for part in self.sql.split_inclusive('?') {
            match part.strip_suffix('?') {
                Some(text) => {
                    let _ = write!(out, "{text}${next}");
                    next = next.saturating_add(1);
                }
                None => out.push_str(part),
            }
        }
        out
    }
}

impl ConversationFilter<'_> {
    /// The filter as a SQL `WHERE` fragment over the host's `columns`, with bind parameters.
    ///
    /// [`Everything`](ConversationFilter::Everything) gives `TRUE`,
    /// [`Nothing`](ConversationFilter::Nothing) gives `FALSE`, and a limited filter gives the
    /// assignee test, the group test (`IN`, the groups sorted and each once; left out when the
    /// filter has no groups, never `IN ()`) and, with a participants table, an `EXISTS`
    /// subquery, joined by `OR`. See [`SqlFilter`] for how ids map to SQL integers.
    ///
    /// ```
    /// use helpdesk_policy::{ConversationFilter, GroupId, ParticipantsTable, SqlColumns, UserId};
    ///
    /// let columns = SqlColumns {
    ///     id: "c.id",
    ///     group: "c.group_id",
    ///     assignee: "c.assignee_id",
    ///     participants: Some(ParticipantsTable {
    ///         table: "conversation_participants",
    ///         conversation: "conversation_id",
    ///         user: "user_id",
    ///     }),
    /// };
    /// let filter = ConversationFilter::TakenUpBy { user: UserId(7), groups: &[GroupId(3), GroupId(2)], view_only: &[GroupId(3)] };
    /// let sql = filter.to_sql(&columns)?;
    /// assert_eq!(
    ///     sql.sql,
    ///     "(c.assignee_id = ? OR c.group_id IN (?, ?) OR EXISTS (SELECT 1 FROM \
    ///      conversation_participants p WHERE p.conversation_id = c.id AND p.user_id = ?))"
    /// );
    /// assert_eq!(sql.params, [7, 2, 3, 7]);
    /// assert_eq!(ConversationFilter::Everything.to_sql(&columns)?.sql, "TRUE");
    ///
    /// let bad = SqlColumns { group: "group_id; DROP TABLE c", ..columns };
    /// assert_eq!(
    ///     filter.to_sql(&bad).unwrap_err().to_string(),
    ///     "invalid sql identifier `group_id; DROP TABLE c`"
    /// );
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A name in `columns` is not a valid identifier, or the id column is unqualified (or
    /// qualified by `p`) while a participants table is given. The names are checked whatever
    /// the filter, so a bad configuration fails on the first call.
    pub fn to_sql(&self, columns: &SqlColumns<'_>) -> Result<SqlFilter, SqlError> {
        validate(columns)?;
        Ok(match *self {
            ConversationFilter::Everything => SqlFilter::constant("TRUE"),
            ConversationFilter::Nothing => SqlFilter::constant("FALSE"),
            ConversationFilter::TakenUpBy {
                user,
                groups,
                view_only,
            } => render(columns, user, groups, view_only),
        })
    }
}

/// The disjunction for a limited filter; `FALSE` when no term can match. Full and view-only
/// groups are one list here: the filter only has view-only groups when they reach.
fn render(
    columns: &SqlColumns<'_>,
    user: UserId,
    groups: &[GroupId],
    view_only: &[GroupId],
) -> SqlFilter {
    let user = i64::try_from(user.0).ok();
    let groups = sql_ids(groups.iter().chain(view_only).map(|group| group.0));

    let mut sql = String::from("(");
    let mut params = Vec::with_capacity(groups.len() + 2);
    if let Some(user) = user {
        or(&mut sql);
        let _ = write!(sql, "{} = ?", columns.assignee);
        params.push(user);
    }
    if !groups.is_empty() {
        or(&mut sql);
        write_in(&mut sql, columns.group, groups.len());
        params.extend(groups);
    }
    if let (Some(user), Some(participants)) = (user, columns.participants) {
        or(&mut sql);
        let _ = write!(
            sql,
            "EXISTS (SELECT 1 FROM {} p WHERE p.{} = {} AND p.{} = ?)",
            participants.table, participants.conversation, columns.id, participants.user
        );
        params.push(user);
    }
    if params.is_empty() {
        return SqlFilter::constant("FALSE");
    }
    sql.push(')');
    SqlFilter { sql, params }
}

/// Ids as SQL integers, sorted and each once; ids above `i64::MAX` are left out (no row can
/// hold them).
fn sql_ids(ids: impl Iterator<Item = u64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.filter_map(|id| i64::try_from(id).ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Writes `column IN (?, ?)` for `count` placeholders (at least one).
fn write_in(sql: &mut String, column: &str, count: usize) {
    let _ = write!(sql, "{column} IN (?");
    for _ in 1..count {
        sql.push_str(", ?");
    }
    sql.push(')');
}

/// Starts the next term of the disjunction opened by `(`: after an `OR` unless it is the first.
fn or(sql: &mut String) {
    if sql.len() > 1 {
        sql.push_str(" OR ");
    }
}

/// The host's names for its agents and their group memberships, handed to
/// [`AgentFilter::to_sql`]. The same identifier rules as [`SqlColumns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgentColumns<'a> {
    /// The agent's (user's) id column, qualified by the agents table or its alias (`a.id`,
    /// `agents.id`), and not by `m`, the membership subquery's alias.
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
    /// The filter as a SQL `WHERE` fragment over the host's agents table, with bind
    /// parameters: the rows it selects are exactly the agents [`AgentFilter::matches`] lets
    /// through (ids mapped as in [`SqlFilter`]).
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
    ///     "(a.role_id IN (?, ?, ?, ?, ?) OR (a.role_id IN (?) AND EXISTS (SELECT 1 FROM memberships m \
    ///      WHERE m.user_id = a.id AND m.group_id = ?)) OR (a.role_id IN (?, ?) AND a.id IN (?)))"
    /// );
    /// assert_eq!(sql.params, [1, 2, 3, 4, 7, 8, 2, 8, 9, 5]);
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A name in `columns` is not a valid identifier, or the id column is unqualified (or
    /// qualified by `m`) while a membership table is given.
    pub fn to_sql(&self, columns: &AgentColumns<'_>) -> Result<SqlFilter, SqlError> {
        validate_agents(columns)?;
        let mut sql = String::from("(");
        let mut params: Vec<i64> = Vec::new();
        let roles =
            |roles: &[RoleId]| -> Vec<i64> { roles.iter().map(|role| i64::from(role.0)).collect() };
        if !self.everywhere.is_empty() {
            or(&mut sql);
            write_in(&mut sql, columns.role, self.everywhere.len());
            params.extend(roles(&self.everywhere));
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
            for (list, full) in [(&full_only, true), (&any_row, false)] {
                if list.is_empty() {
                    continue;
                }
                or(&mut sql);
                sql.push('(');
                write_in(&mut sql, columns.role, list.len());
                params.extend(roles(list));
                let _ = write!(
                    sql,
                    " AND EXISTS (SELECT 1 FROM {} m WHERE m.{} = {} AND m.{} = ?",
                    membership.table, membership.user, columns.id, membership.group
                );
                params.push(group);
                if let (true, Some(flag)) = (full, membership.view_only) {
                    let _ = write!(sql, " AND NOT m.{flag}");
                }
                sql.push_str("))");
            }
        }
        let takers = sql_ids(self.takers.iter().map(|user| user.0));
        if !self.taking_up.is_empty() && !takers.is_empty() {
            or(&mut sql);
            sql.push('(');
            write_in(&mut sql, columns.role, self.taking_up.len());
            params.extend(roles(&self.taking_up));
            sql.push_str(" AND ");
            write_in(&mut sql, columns.id, takers.len());
            params.extend(takers);
            sql.push(')');
        }
        if params.is_empty() {
            return Ok(SqlFilter::constant("FALSE"));
        }
        sql.push(')');
        Ok(SqlFilter { sql, params })
    }
}

/// Checks every name in `columns`.
fn validate_agents(columns: &AgentColumns<'_>) -> Result<(), SqlError> {
    qualified(columns.id)?;
    qualified(columns.role)?;
    if let Some(membership) = columns.membership {
        qualified(membership.table)?;
        plain(membership.user)?;
        plain(membership.group)?;
        if let Some(flag) = membership.view_only {
            plain(flag)?;
        }
        match columns.id.split_once('.') {
            None => return Err(SqlError::UnqualifiedId(columns.id.to_owned())),
            Some((table, _)) if table.eq_ignore_ascii_case("m") => {
                return Err(SqlError::ShadowedId(columns.id.to_owned()));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Checks every name in `columns`.
fn validate(columns: &SqlColumns<'_>) -> Result<(), SqlError> {
    qualified(columns.id)?;
    qualified(columns.group)?;
    qualified(columns.assignee)?;
    if let Some(participants) = columns.participants {
        qualified(participants.table)?;
        plain(participants.conversation)?;
        plain(participants.user)?;
        match columns.id.split_once('.') {
            None => return Err(SqlError::UnqualifiedId(columns.id.to_owned())),
            Some((table, _)) if table.eq_ignore_ascii_case("p") => {
                return Err(SqlError::ShadowedId(columns.id.to_owned()));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether `name` is an identifier: an ASCII letter or `_`, then ASCII letters, digits or `_`.
fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// Refuses `name` unless it is an identifier.
fn plain(name: &str) -> Result<(), SqlError> {
    if is_identifier(name) {
        Ok(())
    } else {
        Err(SqlError::InvalidIdentifier(name.to_owned()))
    }
}

/// Refuses `name` unless it is an identifier, optionally qualified by one other (`table.column`).
fn qualified(name: &str) -> Result<(), SqlError> {
    let valid = match name.split_once('.') {
        Some((qualifier, rest)) => is_identifier(qualifier) && is_identifier(rest),
        None => is_identifier(name),
    };
    if valid {
        Ok(())
    } else {
        Err(SqlError::InvalidIdentifier(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: SqlColumns<'static> = SqlColumns {
        id: "c.id",
        group: "group_id",
        assignee: "assignee_id",
        participants: Some(ParticipantsTable {
            table: "conversation_participants",
            conversation: "conversation_id",
            user: "user_id",
        }),
    };

    #[test]
    fn identifiers_accept_letters_digits_underscores() {
        for name in [
            "a",
            "_",
            "_x",
            "group_id",
            "G1",
            "conversation_participants_2",
        ] {
            assert!(is_identifier(name), "{name}");
            assert_eq!(plain(name), Ok(()), "{name}");
            assert_eq!(qualified(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn identifiers_refuse_everything_else() {
        for name in [
            "",
            "1abc",
            "group id",
            "group_id; drop table",
            "a-b",
            "\"quoted\"",
            "`tick`",
            "a.b",
            ".a",
            "a.",
            "é",
            "a\0",
            "a?",
            "a--",
            "a/*",
            " a",
        ] {
            assert!(!is_identifier(name), "{name}");
            assert_eq!(
                plain(name),
                Err(SqlError::InvalidIdentifier(name.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn qualified_names_take_exactly_one_qualifier() {
        for name in ["c.id", "conversations.group_id", "_._", "main.t1"] {
            assert_eq!(qualified(name), Ok(()), "{name}");
            assert!(plain(name).is_err(), "{name}");
        }
        for name in ["a.b.c", ".a", "a.", "a..b", "a. b", "1a.b", "a.1b", "a.b;"] {
            assert_eq!(
                qualified(name),
                Err(SqlError::InvalidIdentifier(name.to_owned())),
                "{name}"
            );
        }
    }

    #[test]
    fn error_names_the_identifier_in_crate_style() {
        let err = SqlError::InvalidIdentifier("group id; drop table".to_owned());
        assert_eq!(
            err.to_string(),
            "invalid sql identifier `group id; drop table`"
        );
    }

    #[test]
    fn validate_checks_every_name_and_the_id_qualifier() {
        assert_eq!(validate(&COLUMNS), Ok(()));
        let participants = COLUMNS.participants.unwrap();
        let bad = [
            SqlColumns {
                id: "c.id;",
                ..COLUMNS
            },
            SqlColumns {
                group: "g g",
                ..COLUMNS
            },
            SqlColumns {
                assignee: "",
                ..COLUMNS
            },
            SqlColumns {
                participants: Some(ParticipantsTable {
                    table: "t)",
                    ..participants
                }),
                ..COLUMNS
            },
            SqlColumns {
                participants: Some(ParticipantsTable {
                    conversation: "p.conversation_id",
                    ..participants
                }),
                ..COLUMNS
            },
            SqlColumns {
                participants: Some(ParticipantsTable {
                    user: "user-id",
                    ..participants
                }),
                ..COLUMNS
            },
        ];
        for columns in bad {
            assert!(
                matches!(validate(&columns), Err(SqlError::InvalidIdentifier(_))),
                "{columns:?}"
            );
        }
        let unqualified = SqlColumns {
            id: "id",
            ..COLUMNS
        };
        assert_eq!(
            validate(&unqualified),
            Err(SqlError::UnqualifiedId("id".to_owned()))
        );
        let shadowed = SqlColumns {
            id: "P.id",
            ..COLUMNS
        };
        assert_eq!(
            validate(&shadowed),
            Err(SqlError::ShadowedId("P.id".to_owned()))
        );
        let without_participants = SqlColumns {
            id: "id",
            participants: None,
            ..COLUMNS
        };
        assert_eq!(validate(&without_participants), Ok(()));
    }

    #[test]
    fn render_sorts_and_dedups_groups_and_never_writes_in_empty() {
        let groups = [GroupId(5), GroupId(1), GroupId(5), GroupId(3), GroupId(1)];
        let sql = render(&COLUMNS, UserId(9), &groups, &[]);
        assert_eq!(
            sql.sql,
            "(assignee_id = ? OR group_id IN (?, ?, ?) OR EXISTS (SELECT 1 FROM \
             conversation_participants p WHERE p.conversation_id = c.id AND p.user_id = ?))"
        );
        assert_eq!(sql.params, [9, 1, 3, 5, 9]);
        let restricted = render(&COLUMNS, UserId(9), &[], &[]);
        assert!(!restricted.sql.contains("IN"), "{}", restricted.sql);
        assert_eq!(restricted.params, [9, 9]);
    }

    #[test]
    fn render_leaves_out_ids_beyond_i64() {
        let huge = u64::MAX;
        let sql = render(&COLUMNS, UserId(huge), &[GroupId(huge), GroupId(4)], &[]);
        assert_eq!(sql.sql, "(group_id IN (?))");
        assert_eq!(sql.params, [4]);
        let nothing = render(&COLUMNS, UserId(huge), &[GroupId(1 << 63)], &[]);
        assert_eq!(nothing, SqlFilter::constant("FALSE"));
        let edge = render(&COLUMNS, UserId(u64::try_from(i64::MAX).unwrap()), &[], &[]);
        assert_eq!(edge.params, [i64::MAX, i64::MAX]);
    }

    #[test]
    fn numbered_placeholders_count_from_first() {
        let sql = render(&COLUMNS, UserId(9), &[GroupId(1), GroupId(2)], &[]);
        assert_eq!(
            sql.numbered_placeholders(1),
            "(assignee_id = $1 OR group_id IN ($2, $3) OR EXISTS (SELECT 1 FROM \
             conversation_participants p WHERE p.conversation_id = c.id AND p.user_id = $4))"
        );
        assert_eq!(SqlFilter::constant("TRUE").numbered_placeholders(1), "TRUE");
    }
}
