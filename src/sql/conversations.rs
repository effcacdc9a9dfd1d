//! A [`ConversationFilter`] as SQL over the host's conversations table: the inbox query.

use super::identifier::{plain, qualified};
use super::{first_placeholder, sql_ids, Fragment, SqlDialect, SqlError, SqlFilter};
use crate::{ConversationFilter, GroupId, UserId};

/// The host's names for the conversation facts in its database, handed to
/// [`ConversationFilter::to_sql`] and [`ConversationFilter::to_sql_in`].
///
/// Every name is an identifier: an ASCII letter or `_`, then ASCII letters, digits or `_`. The
/// columns may carry one table qualifier (`c.group_id`, `conversations.assignee_id`); the
/// participants table may carry a schema (`main.conversation_participants`). Names are written
/// unquoted, so one that is a reserved word in the database (such as `group`) needs renaming
/// or a view. The participants subquery calls its table `p`; it reads nothing of the outer
/// query, so the columns may be qualified by any alias, or by none.
///
/// # Column types and the indexes to create
///
/// The ids are 64-bit integers (`INTEGER` on SQLite, `bigint` on PostgreSQL). For a scoped
/// agent's inbox to be answered from indexes (a union of lookups, never a read of the whole
/// table), create:
///
/// | on | index | serves |
/// |---|---|---|
/// | conversations | its primary key on `id` | the participants term, keyset paging |
/// | conversations | `(group_id)` | the group term (Group scope, view-only groups) |
/// | conversations | `(assignee_id)` | the assignee term (Restricted and Group) |
/// | participants | `(user_id, conversation_id)` | the participants term |
///
/// ```sql
/// CREATE INDEX conversations_group ON conversations (group_id);
/// CREATE INDEX conversations_assignee ON conversations (assignee_id);
/// CREATE INDEX participants_by_user ON conversation_participants (user_id, conversation_id);
/// ```
///
/// `tests/sql_plans.rs` checks the plans of both databases against these indexes: the count of
/// a scoped inbox never scans the conversations table. A Global agent's filter is `TRUE`; a
/// newest-first page then walks the primary key backwards, as it should.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlColumns<'a> {
    /// The conversation's id column, as the outer query sees it (`c.id`, `id`).
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

impl ConversationFilter<'_> {
    /// The filter as a standard SQL `WHERE` fragment over the host's `columns`, with `?` bind
    /// parameters: the [`SqlDialect::Sqlite`] rendering of [`to_sql_in`](Self::to_sql_in).
    ///
    /// [`Everything`](ConversationFilter::Everything) gives `TRUE`,
    /// [`Nothing`](ConversationFilter::Nothing) gives `FALSE`, and a limited filter gives the
    /// assignee test, the group test (`IN`, the groups sorted and each once; left out when the
    /// filter has no groups, never `IN ()`) and, with a participants table, the id among the
    /// user's participations, joined by `OR`. See [`SqlFilter`] for how ids map to SQL integers.
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
    ///     "(c.assignee_id = ? OR c.group_id IN (?, ?) OR c.id IN (SELECT p.conversation_id \
    ///      FROM conversation_participants p WHERE p.user_id = ?))"
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
    /// A name in `columns` is not a valid identifier. The names are checked whatever the
    /// filter, so a bad configuration fails on the first call.
    pub fn to_sql(&self, columns: &SqlColumns<'_>) -> Result<SqlFilter, SqlError> {
        self.to_sql_in(SqlDialect::Sqlite, columns)
    }

    /// The filter as a `WHERE` fragment in `dialect`, its placeholders numbered from `$1` where
    /// the dialect numbers them. The same rows as [`to_sql`](Self::to_sql) in every dialect;
    /// the shapes are the ones each planner answers from the indexes listed on [`SqlColumns`].
    ///
    /// ```
    /// use helpdesk_policy::{ConversationFilter, GroupId, ParticipantsTable, SqlColumns, SqlDialect, UserId};
    ///
    /// let columns = SqlColumns {
    ///     id: "c.id",
    ///     group: "c.group_id",
    ///     assignee: "c.assignee_id",
    ///     participants: Some(ParticipantsTable { table: "participants", conversation: "conversation_id", user: "user_id" }),
    /// };
    /// let filter = ConversationFilter::TakenUpBy { user: UserId(7), groups: &[GroupId(2)], view_only: &[] };
    /// let sql = filter.to_sql_in(SqlDialect::Postgres, &columns)?;
    /// assert_eq!(
    ///     sql.sql,
    ///     "(c.assignee_id = $1 OR c.group_id IN ($2) OR c.id = ANY (ARRAY(SELECT \
    ///      p.conversation_id FROM participants p WHERE p.user_id = $3)))"
    /// );
    /// assert_eq!(sql.params, [7, 2, 7]);
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`to_sql`](Self::to_sql).
    pub fn to_sql_in(
        &self,
        dialect: SqlDialect,
        columns: &SqlColumns<'_>,
    ) -> Result<SqlFilter, SqlError> {
        self.to_sql_from(dialect, columns, 1)
    }

    /// As [`to_sql_in`](Self::to_sql_in), its first placeholder numbered `$first` (for a host
    /// query that binds `first - 1` parameters before the fragment). Dialects with `?`
    /// placeholders ignore the number.
    ///
    /// ```
    /// use helpdesk_policy::{ConversationFilter, GroupId, SqlColumns, SqlDialect, UserId};
    ///
    /// let columns = SqlColumns { id: "id", group: "group_id", assignee: "assignee_id", participants: None };
    /// let filter = ConversationFilter::TakenUpBy { user: UserId(7), groups: &[GroupId(2)], view_only: &[] };
    /// let sql = filter.to_sql_from(SqlDialect::Postgres, &columns, 3)?;
    /// let query = format!("SELECT id FROM conversations WHERE status = $1 AND id < $2 AND {}", sql.sql);
    /// assert_eq!(query, "SELECT id FROM conversations WHERE status = $1 AND id < $2 AND (assignee_id = $3 OR group_id IN ($4))");
    /// # Ok::<(), helpdesk_policy::SqlError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`to_sql`](Self::to_sql), and [`SqlError::InvalidFirstPlaceholder`] for `first == 0`.
    pub fn to_sql_from(
        &self,
        dialect: SqlDialect,
        columns: &SqlColumns<'_>,
        first: usize,
    ) -> Result<SqlFilter, SqlError> {
        validate(columns)?;
        let first = first_placeholder(first)?;
        Ok(match *self {
            ConversationFilter::Everything => SqlFilter::constant("TRUE"),
            ConversationFilter::Nothing => SqlFilter::constant("FALSE"),
            ConversationFilter::TakenUpBy {
                user,
                groups,
                view_only,
            } => render(dialect, first, columns, user, groups, view_only),
        })
    }
}

/// The disjunction for a limited filter; `FALSE` when no term can match. Full and view-only
/// groups are one list here: the filter only has view-only groups when they reach.
fn render(
    dialect: SqlDialect,
    first: usize,
    columns: &SqlColumns<'_>,
    user: UserId,
    groups: &[GroupId],
    view_only: &[GroupId],
) -> SqlFilter {
    let user = i64::try_from(user.0).ok();
    let groups = sql_ids(groups.iter().chain(view_only).map(|group| group.0));

    let mut fragment = Fragment::new(dialect, first);
    if let Some(user) = user {
        fragment.or();
        fragment.sql.push_str(columns.assignee);
        fragment.sql.push_str(" = ");
        fragment.param(user);
    }
    if !groups.is_empty() {
        fragment.or();
        fragment.in_list(columns.group, &groups);
    }
    if let (Some(user), Some(participants)) = (user, columns.participants) {
        fragment.or();
        fragment.id_among(columns.id, |fragment| {
            fragment.sql.push_str("SELECT p.");
            fragment.sql.push_str(participants.conversation);
            fragment.sql.push_str(" FROM ");
            fragment.sql.push_str(participants.table);
            fragment.sql.push_str(" p WHERE p.");
            fragment.sql.push_str(participants.user);
            fragment.sql.push_str(" = ");
            fragment.param(user);
        });
    }
    fragment.finish()
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParticipantsTable;

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

    fn sqlite(user: UserId, groups: &[GroupId]) -> SqlFilter {
        render(SqlDialect::Sqlite, 1, &COLUMNS, user, groups, &[])
    }

    #[test]
    fn validate_checks_every_name() {
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
        // The subquery reads nothing of the outer query: any qualifier, or none, will do.
        for id in ["id", "p.id", "P.id"] {
            assert_eq!(validate(&SqlColumns { id, ..COLUMNS }), Ok(()), "{id}");
        }
    }

    #[test]
    fn render_sorts_and_dedups_groups_and_never_writes_in_empty() {
        let groups = [GroupId(5), GroupId(1), GroupId(5), GroupId(3), GroupId(1)];
        let sql = sqlite(UserId(9), &groups);
        assert_eq!(
            sql.sql,
            "(assignee_id = ? OR group_id IN (?, ?, ?) OR c.id IN (SELECT p.conversation_id \
             FROM conversation_participants p WHERE p.user_id = ?))"
        );
        assert_eq!(sql.params, [9, 1, 3, 5, 9]);
        let restricted = sqlite(UserId(9), &[]);
        assert!(!restricted.sql.contains("group_id"), "{}", restricted.sql);
        assert_eq!(restricted.params, [9, 9]);
    }

    #[test]
    fn postgres_numbers_from_first_and_compares_with_an_array() {
        let sql = render(
            SqlDialect::Postgres,
            4,
            &COLUMNS,
            UserId(9),
            &[GroupId(2), GroupId(1)],
            &[GroupId(8)],
        );
        assert_eq!(
            sql.sql,
            "(assignee_id = $4 OR group_id IN ($5, $6, $7) OR c.id = ANY (ARRAY(SELECT \
             p.conversation_id FROM conversation_participants p WHERE p.user_id = $8)))"
        );
        assert_eq!(sql.params, [9, 1, 2, 8, 9]);
    }

    #[test]
    fn render_leaves_out_ids_beyond_i64() {
        let huge = u64::MAX;
        let sql = sqlite(UserId(huge), &[GroupId(huge), GroupId(4)]);
        assert_eq!(sql.sql, "(group_id IN (?))");
        assert_eq!(sql.params, [4]);
        let nothing = sqlite(UserId(huge), &[GroupId(1 << 63)]);
        assert_eq!(nothing, SqlFilter::constant("FALSE"));
        let edge = sqlite(UserId(u64::try_from(i64::MAX).unwrap()), &[]);
        assert_eq!(edge.params, [i64::MAX, i64::MAX]);
    }

    #[test]
    fn the_first_placeholder_is_at_least_one() {
        let filter = ConversationFilter::Everything;
        assert_eq!(
            filter.to_sql_from(SqlDialect::Postgres, &COLUMNS, 0),
            Err(SqlError::InvalidFirstPlaceholder(0))
        );
        assert!(filter
            .to_sql_from(SqlDialect::Postgres, &COLUMNS, 1)
            .is_ok());
    }
}
