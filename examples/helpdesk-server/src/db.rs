//! SQLite storage: the schema, the demo data, and running queries off the async runtime.
//!
//! rusqlite is blocking. Every database call goes through [`Db::run`], which moves the closure
//! onto tokio's blocking pool (`spawn_blocking`) and takes the one connection behind a
//! `std::sync::Mutex` there, so the runtime's worker threads never wait for SQLite or the lock.
//! One connection is enough for a reference backend (SQLite serialises writers anyway, and an
//! in-memory database exists per connection); the mutex also makes each closure a critical
//! section, which the policy store relies on to compare-and-swap and update its cache in the
//! same order as the database. A busier host would use a pool of read connections beside one
//! writer.

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use helpdesk_policy::{
    BuiltInRole, GroupId, GroupList, Plan, Policy, Resource, RoleId, Subject, UserId,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::error::ApiError;

/// The schema. `users` is the agents table for `who_may(..).to_sql(..)`; `memberships` carries
/// the view-only flag; the policy document sits in one row with its revision in its own column
/// so that an `UPDATE ... WHERE revision = ?` can compare and swap.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role_id INTEGER NOT NULL CHECK (role_id BETWEEN 0 AND 4294967295)
);
CREATE TABLE IF NOT EXISTS memberships (
    user_id INTEGER NOT NULL REFERENCES users(id),
    group_id INTEGER NOT NULL REFERENCES groups(id),
    view_only INTEGER NOT NULL DEFAULT 0 CHECK (view_only IN (0, 1)),
    PRIMARY KEY (user_id, group_id)
);
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    group_id INTEGER REFERENCES groups(id),
    assignee_id INTEGER REFERENCES users(id)
);
CREATE TABLE IF NOT EXISTS conversation_participants (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (conversation_id, user_id)
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    assignee_id INTEGER REFERENCES users(id),
    actor_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS policy (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    doc TEXT NOT NULL,
    revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    changes TEXT NOT NULL
);
";

/// The demo data of issue 11, so that the README's curl examples work on a fresh database.
fn seed_sql() -> String {
    let role = |r: BuiltInRole| r.id().0;
    format!(
        "
INSERT INTO groups (id, name) VALUES (1, 'Europe'), (2, 'Americas'), (3, 'Billing');
INSERT INTO users (id, name, role_id) VALUES
    (1, 'Ada', {ada}), (2, 'Ben', {ben}), (3, 'Cleo', {cleo}),
    (4, 'Dev', {dev}), (5, 'Eve', {eve}), (6, 'Finn', {finn});
INSERT INTO memberships (user_id, group_id, view_only) VALUES
    (3, 1, 0), (4, 1, 0), (4, 2, 1), (5, 1, 0);
INSERT INTO conversations (id, subject, group_id, assignee_id) VALUES
    (1, 'Parcel stuck in Lyon', 1, NULL),
    (2, 'Refund for order 1182', 2, NULL),
    (3, 'Invoice shows the wrong VAT number', 3, 5),
    (4, 'Upgrade to the team plan', 2, 4),
    (5, 'Login link expired', NULL, NULL),
    (6, 'Card declined twice', 3, NULL);
INSERT INTO conversation_participants (conversation_id, user_id) VALUES (5, 5);
",
        ada = role(BuiltInRole::AccountAdmin),
        ben = role(BuiltInRole::Administrator),
        cleo = role(BuiltInRole::SupportAgent),
        dev = role(BuiltInRole::SalesUser),
        eve = role(BuiltInRole::RestrictedUser),
        finn = role(BuiltInRole::MarketingUser),
    )
}

/// Creates the tables if they are missing and, on a database without a policy (a new one),
/// writes the demo data and a fresh Pro policy, all in one transaction.
///
/// # Errors
/// A database error.
pub fn prepare(conn: &mut Connection) -> Result<(), Box<dyn std::error::Error>> {
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    let has_policy: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM policy)", [], |row| row.get(0))?;
    if !has_policy {
        tx.execute_batch(&seed_sql())?;
        let policy = Policy::new(Plan::Pro);
        tx.execute(
            "INSERT INTO policy (id, doc, revision) VALUES (1, ?, ?)",
            params![
                serde_json::to_string(&policy)?,
                i64::try_from(policy.revision())?
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Opens (creating if need be) the database file, or an in-memory one for `None`, prepared
/// by [`prepare`].
///
/// # Errors
/// The file cannot be opened or is not a database of ours.
pub fn open(path: Option<&Path>) -> Result<Connection, Box<dyn std::error::Error>> {
    let mut conn = match path {
        Some(path) => Connection::open(path)?,
        None => Connection::open_in_memory()?,
    };
    prepare(&mut conn)?;
    Ok(conn)
}

/// Loads the stored policy document and its revision column.
///
/// # Errors
/// A database error, or a stored document the crate refuses to load.
pub fn load_policy(conn: &Connection) -> Result<Policy, Box<dyn std::error::Error>> {
    let (doc, revision): (String, i64) =
        conn.query_row("SELECT doc, revision FROM policy WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let policy: Policy = serde_json::from_str(&doc)?;
    if u64::try_from(revision).ok() != Some(policy.revision()) {
        return Err(format!(
            "the policy row's revision column ({revision}) disagrees with its document ({})",
            policy.revision()
        )
        .into());
    }
    Ok(policy)
}

/// The one connection, shared by every request; see the module docs.
#[derive(Debug, Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Wraps a prepared connection.
    pub fn new(conn: Connection) -> Self {
        Db {
            conn: Arc::new(Mutex::new(conn)),
        }
    }

    /// Runs `f` with the connection on the blocking pool: the async caller only awaits.
    ///
    /// # Errors
    /// Whatever `f` returns, or 500 if the blocking task could not run to completion.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic in an earlier closure poisons the lock; the connection itself is still
            // sound (an unfinished transaction rolled back when it was dropped), so go on.
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|error| ApiError::internal(format!("database task failed: {error}")))?
    }
}

/// Seconds since the Unix epoch, for `created_at` columns.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// An id as SQL stores it; ids beyond `i64::MAX` exist nowhere in the database.
pub fn sql_id(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// A signed-in agent's facts, loaded per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The user.
    pub id: UserId,
    /// Their display name.
    pub name: String,
    /// Their role.
    pub role: RoleId,
    /// The groups they are full members of, ascending (no allocation for up to eight).
    pub groups: GroupList,
    /// The groups they may read but not work in, ascending.
    pub view_only: GroupList,
}

impl Agent {
    /// The agent as the crate's subject, borrowing the loaded groups.
    pub fn subject(&self) -> Subject<'_> {
        Subject::new(self.id, self.role, &self.groups).with_view_only(&self.view_only)
    }
}

/// Loads a user's facts: `None` when there is no such user.
///
/// # Errors
/// A database error, or a stored role id out of range.
pub fn load_agent(conn: &Connection, id: UserId) -> Result<Option<Agent>, ApiError> {
    let Some(sql) = sql_id(id.0) else {
        return Ok(None);
    };
    let row: Option<(String, i64)> = conn
        .query_row(
            "SELECT name, role_id FROM users WHERE id = ?",
            [sql],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((name, role)) = row else {
        return Ok(None);
    };
    let role = RoleId::try_from(role)
        .map_err(|_| ApiError::internal(format!("user {id} has a stored role id out of range")))?;
    let mut groups = GroupList::new();
    let mut view_only = GroupList::new();
    let mut statement = conn.prepare_cached(
        "SELECT group_id, view_only FROM memberships WHERE user_id = ? ORDER BY group_id",
    )?;
    let rows = statement.query_map([sql], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))?;
    for row in rows {
        let (group, only_view): (i64, bool) = row?;
        if let Ok(group) = GroupId::try_from(group) {
            if only_view {
                view_only.push(group);
            } else {
                groups.push(group);
            }
        }
    }
    Ok(Some(Agent {
        id,
        name,
        role,
        groups,
        view_only,
    }))
}

/// A conversation row with its participants: the host's own row type, checked by the crate
/// through [`Resource`] without copying into the crate's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRow {
    /// Its id.
    pub id: i64,
    /// The customer's subject line.
    pub subject: String,
    /// Its group, if any.
    pub group: Option<GroupId>,
    /// Its assignee, if any.
    pub assignee: Option<UserId>,
    /// Its participants (followers, collaborators), ascending.
    pub participants: Vec<UserId>,
}

impl Resource for ConversationRow {
    fn group(&self) -> Option<GroupId> {
        self.group
    }

    fn assignee(&self) -> Option<UserId> {
        self.assignee
    }

    fn has_participant(&self, user: UserId) -> bool {
        self.participants.contains(&user)
    }

    // who_may names the participants rather than asking about one user.
    fn participants(&self) -> Cow<'_, [UserId]> {
        Cow::Borrowed(&self.participants)
    }
}

/// The columns every conversation query selects, `c` being the conversations table.
pub const CONVERSATION_COLUMNS: &str = "c.id, c.subject, c.group_id, c.assignee_id, \
     (SELECT group_concat(p.user_id) FROM conversation_participants p \
      WHERE p.conversation_id = c.id)";

/// Reads a row selected with [`CONVERSATION_COLUMNS`].
///
/// # Errors
/// A column of the wrong type.
pub fn conversation_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationRow> {
    let participants: Option<String> = row.get(4)?;
    let mut participants: Vec<UserId> = participants
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse::<i64>().ok()?.try_into().ok())
        .collect();
    participants.sort_unstable();
    Ok(ConversationRow {
        id: row.get(0)?,
        subject: row.get(1)?,
        // A negative id is no id (it matches no group or user), as the SQL filter assumes.
        group: row
            .get::<_, Option<i64>>(2)?
            .and_then(|id| id.try_into().ok()),
        assignee: row
            .get::<_, Option<i64>>(3)?
            .and_then(|id| id.try_into().ok()),
        participants,
    })
}

/// Loads one conversation: `None` when there is none with this id.
///
/// # Errors
/// A database error.
pub fn load_conversation(conn: &Connection, id: i64) -> Result<Option<ConversationRow>, ApiError> {
    let query = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?");
    Ok(conn
        .query_row(&query, [id], conversation_from_row)
        .optional()?)
}
