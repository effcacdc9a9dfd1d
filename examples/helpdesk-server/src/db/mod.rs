//! Storage: one small SQL interface over SQLite and PostgreSQL, the schema, the demo data, and
//! running queries off the async runtime.
//!
//! Handlers write their SQL once, with `?` placeholders, against [`Sql`]; the PostgreSQL
//! connection numbers them (`$1, $2, ...`) and the crate's filters are rendered in the
//! backend's own dialect ([`Sql::backend`]). Every call goes through [`Db::run`], which takes a
//! connection from the backend's pool and runs the closure on tokio's blocking pool, so the
//! runtime's worker threads never wait for a database.
//!
//! - SQLite ([`sqlite`]): a few connections of our own to one file in WAL mode, so readers
//!   never wait for the writer; writers take the file's lock at `BEGIN IMMEDIATE`.
//! - PostgreSQL ([`postgres`]): a pool of our own of synchronous `postgres` clients, which do
//!   their socket work on the blocking thread that runs the closure.

pub mod generate;
pub mod pool;
pub mod postgres;
pub mod schema;
pub mod sqlite;

use std::borrow::Cow;
use std::sync::Arc;

use helpdesk_policy::{GroupId, GroupList, Policy, Resource, RoleId, SqlDialect, Subject, UserId};

use crate::error::ApiError;

pub use pool::Permit;
pub use schema::prepare;

/// A value bound to a placeholder or read from a column. Booleans are stored as `0`/`1` in
/// SQLite and as `BOOLEAN` in PostgreSQL; both read back as [`Value::Int`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer (or a boolean, as 0 or 1).
    Int(i64),
    /// Text.
    Text(String),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Int(i64::from(value))
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Value::Null, Value::Int)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

/// One row of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, index: usize) -> Result<&Value, DbError> {
        self.0
            .get(index)
            .ok_or_else(|| DbError::internal(format!("no column {index} in the result")))
    }

    /// An integer column that may be `NULL`.
    ///
    /// # Errors
    /// The column is missing or text.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, DbError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            Value::Int(value) => Ok(Some(*value)),
            Value::Text(_) => Err(DbError::internal(format!(
                "column {index} is text, not an integer"
            ))),
        }
    }

    /// An integer column.
    ///
    /// # Errors
    /// The column is missing, `NULL` or text.
    pub fn int(&self, index: usize) -> Result<i64, DbError> {
        self.opt_int(index)?
            .ok_or_else(|| DbError::internal(format!("column {index} is NULL")))
    }

    /// A text column that may be `NULL`.
    ///
    /// # Errors
    /// The column is missing or an integer.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>, DbError> {
        match self.at(index)? {
            Value::Null => Ok(None),
            Value::Text(value) => Ok(Some(value.clone())),
            Value::Int(_) => Err(DbError::internal(format!(
                "column {index} is an integer, not text"
            ))),
        }
    }

    /// A text column.
    ///
    /// # Errors
    /// The column is missing, `NULL` or an integer.
    pub fn text(&self, index: usize) -> Result<String, DbError> {
        self.opt_text(index)?
            .ok_or_else(|| DbError::internal(format!("column {index} is NULL")))
    }
}

/// A database failure: `unavailable` when the database cannot be reached (the connection is
/// gone, the pool cannot open one, the file is locked for too long), which the API answers with
/// 503; anything else is a 500.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbError {
    /// The database cannot be reached right now; retrying later may succeed.
    pub unavailable: bool,
    /// What went wrong.
    pub message: String,
}

impl DbError {
    /// A failure that is not about reaching the database.
    pub fn internal(message: impl Into<String>) -> Self {
        DbError {
            unavailable: false,
            message: message.into(),
        }
    }

    /// The database cannot be reached.
    pub fn unavailable(message: impl Into<String>) -> Self {
        DbError {
            unavailable: true,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, or memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The crate's SQL dialect for this database.
    pub fn dialect(self) -> SqlDialect {
        match self {
            Backend::Sqlite => SqlDialect::Sqlite,
            Backend::Postgres => SqlDialect::Postgres,
        }
    }
}

/// One connection, as handlers use it. Placeholders are `?` except in text rendered by the
/// crate for [`Sql::backend`] (PostgreSQL's `$n`): a statement holds one kind or the other.
pub trait Sql: Send {
    /// The database behind this connection.
    fn backend(&self) -> Backend;

    /// Every row of a query.
    ///
    /// # Errors
    /// A database error.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;

    /// Runs a statement: the number of rows it changed.
    ///
    /// # Errors
    /// A database error.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;

    /// Runs statements separated by `;`, without parameters.
    ///
    /// # Errors
    /// A database error.
    fn batch(&mut self, sql: &str) -> Result<(), DbError>;
}

impl dyn Sql + '_ {
    /// The crate's dialect for this connection.
    pub fn dialect(&self) -> SqlDialect {
        self.backend().dialect()
    }

    /// The first row, if any.
    ///
    /// # Errors
    /// A database error.
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The one row a query must return.
    ///
    /// # Errors
    /// A database error, or no row.
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, DbError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError::internal("the query returned no row"))
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise.
    /// SQLite takes the write lock at the start (`BEGIN IMMEDIATE`), so two writers queue
    /// instead of failing when the reader in them upgrades.
    ///
    /// # Errors
    /// What `f` returns, or a database error.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        self.batch(match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        })?;
        match f(self) {
            Ok(value) => {
                self.batch("COMMIT")?;
                Ok(value)
            }
            Err(error) => {
                // The connection may be gone; the error to report is `f`'s.
                let _ = self.batch("ROLLBACK");
                Err(error)
            }
        }
    }
}

/// The pool behind a [`Db`].
#[derive(Debug)]
enum Pool {
    Sqlite(sqlite::Pool),
    // Boxed: the pool's settings are large beside SQLite's handle.
    Postgres(Box<postgres::Pool>),
}

/// The database, shared by every request (cheap to clone).
#[derive(Debug, Clone)]
pub struct Db {
    pool: Arc<Pool>,
}

impl Db {
    /// A SQLite database: `None` for memory (one connection: an in-memory database exists per
    /// connection), else the file, created with the demo data and `generated` more
    /// conversations when new. Blocking: call it off the runtime (or before it).
    ///
    /// # Errors
    /// The file cannot be opened or is not a database of ours.
    pub fn sqlite(path: Option<&std::path::Path>, generated: u64) -> Result<Db, DbError> {
        Ok(Db {
            pool: Arc::new(Pool::Sqlite(sqlite::Pool::open(path, generated)?)),
        })
    }

    /// A PostgreSQL database at `url` (`postgres://user@host:port/db`), its schema and demo
    /// data created (with `generated` more conversations) when it has none.
    ///
    /// # Errors
    /// The URL is malformed or the database cannot be reached or prepared.
    pub async fn postgres(url: &str, generated: u64) -> Result<Db, DbError> {
        let db = Db {
            pool: Arc::new(Pool::Postgres(Box::new(postgres::Pool::new(url)?))),
        };
        db.run(move |conn| prepare(conn, generated))
            .await
            .map_err(|error| DbError {
                unavailable: error.status == axum::http::StatusCode::SERVICE_UNAVAILABLE,
                message: error.reason,
            })?;
        Ok(db)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match *self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Whether other processes can change this database (a file or PostgreSQL, not memory).
    pub fn shares_storage(&self) -> bool {
        match &*self.pool {
            Pool::Sqlite(pool) => pool.is_file(),
            Pool::Postgres(_) => true,
        }
    }

    /// The PostgreSQL pool's connection settings, for the listener of [`crate::replica`].
    pub fn postgres_config(&self) -> Option<tokio_postgres::Config> {
        match &*self.pool {
            Pool::Postgres(pool) => Some(pool.config().clone()),
            Pool::Sqlite(_) => None,
        }
    }

    /// Runs `f` with a pooled connection on the blocking pool: the async caller only awaits.
    ///
    /// # Errors
    /// Whatever `f` returns; 503 when no connection can be had; 500 if the blocking task could
    /// not run to completion.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Sql) -> Result<T, ApiError> + Send + 'static,
    {
        match &*self.pool {
            Pool::Sqlite(pool) => {
                let permit = pool.permit().await?;
                let pool = pool.clone();
                blocking(move || f(&mut *pool.get(permit)?)).await
            }
            Pool::Postgres(pool) => {
                let permit = pool.permit().await?;
                let pool = pool.clone();
                blocking(move || f(&mut *pool.get(permit)?)).await
            }
        }
    }
}

/// Runs `work` on tokio's blocking pool.
///
/// # Errors
/// What `work` returns; 500 if the task could not run to completion.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ApiError::internal(format!("database task failed: {error}")))?
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

/// Loads the stored policy document and its revision column.
///
/// # Errors
/// A database error, or a stored document the crate refuses to load.
pub fn load_policy(conn: &mut dyn Sql) -> Result<Policy, DbError> {
    let row = conn.query_one("SELECT doc, revision FROM policy WHERE id = 1", &[])?;
    let (doc, revision) = (row.text(0)?, row.int(1)?);
    let policy: Policy = serde_json::from_str(&doc)
        .map_err(|error| DbError::internal(format!("the stored policy does not load: {error}")))?;
    if u64::try_from(revision).ok() != Some(policy.revision()) {
        return Err(DbError::internal(format!(
            "the policy row's revision column ({revision}) disagrees with its document ({})",
            policy.revision()
        )));
    }
    Ok(policy)
}

/// The stored policy's revision alone (one small row), to see whether the cache is current.
///
/// # Errors
/// A database error.
pub fn load_revision(conn: &mut dyn Sql) -> Result<u64, DbError> {
    let revision = conn
        .query_one("SELECT revision FROM policy WHERE id = 1", &[])?
        .int(0)?;
    u64::try_from(revision).map_err(|_| DbError::internal("a negative stored revision"))
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
pub fn load_agent(conn: &mut dyn Sql, id: UserId) -> Result<Option<Agent>, ApiError> {
    Ok(load_agent_rows(conn, id, false)?.map(|(agent, _)| agent))
}

/// Loads a user's facts and the newest conversation's id (`None` for no conversation) in one
/// statement, for an inbox's first page: a round trip less than asking for each.
///
/// # Errors
/// A database error, or a stored role id out of range.
pub fn load_agent_and_newest(
    conn: &mut dyn Sql,
    id: UserId,
) -> Result<Option<(Agent, Option<i64>)>, ApiError> {
    load_agent_rows(conn, id, true)
}

fn load_agent_rows(
    conn: &mut dyn Sql,
    id: UserId,
    with_newest: bool,
) -> Result<Option<(Agent, Option<i64>)>, ApiError> {
    let Some(sql) = sql_id(id.0) else {
        return Ok(None);
    };
    // One query (a round trip less on PostgreSQL): the user, then one row per membership.
    let query = if with_newest {
        "SELECT u.name, u.role_id, m.group_id, m.view_only, \
         (SELECT max(id) FROM conversations) FROM users u \
         LEFT JOIN memberships m ON m.user_id = u.id WHERE u.id = ? ORDER BY m.group_id"
    } else {
        "SELECT u.name, u.role_id, m.group_id, m.view_only FROM users u \
         LEFT JOIN memberships m ON m.user_id = u.id WHERE u.id = ? ORDER BY m.group_id"
    };
    let rows = conn.query(query, &[sql.into()])?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let (name, role) = (first.text(0)?, first.int(1)?);
    let newest = if with_newest { first.opt_int(4)? } else { None };
    let role = RoleId::try_from(role)
        .map_err(|_| ApiError::internal(format!("user {id} has a stored role id out of range")))?;
    let mut groups = GroupList::new();
    let mut view_only = GroupList::new();
    for row in &rows {
        // A user without memberships is the one row of the LEFT JOIN, without a group.
        let Some(group) = row.opt_int(2)? else {
            continue;
        };
        if let Ok(group) = GroupId::try_from(group) {
            if row.int(3)? != 0 {
                view_only.push(group);
            } else {
                groups.push(group);
            }
        }
    }
    let agent = Agent {
        id,
        name,
        role,
        groups,
        view_only,
    };
    Ok(Some((agent, newest)))
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

/// The columns every conversation query selects, `c` being the conversations table: the
/// participants as one comma-separated text column (from the participants' primary key).
pub fn conversation_columns_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "c.id, c.subject, c.group_id, c.assignee_id, \
             (SELECT group_concat(p.user_id) FROM conversation_participants p \
              WHERE p.conversation_id = c.id)"
        }
        Backend::Postgres => {
            "c.id, c.subject, c.group_id, c.assignee_id, \
             (SELECT string_agg(p.user_id::text, ',') FROM conversation_participants p \
              WHERE p.conversation_id = c.id)"
        }
    }
}

/// Reads a row selected with [`conversation_columns_sql`].
///
/// # Errors
/// A column of the wrong type.
pub fn conversation_from_row(row: &Row) -> Result<ConversationRow, DbError> {
    let mut participants: Vec<UserId> = row
        .opt_text(4)?
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.parse::<i64>().ok()?.try_into().ok())
        .collect();
    participants.sort_unstable();
    Ok(ConversationRow {
        id: row.int(0)?,
        subject: row.text(1)?,
        // A negative id is no id (it matches no group or user), as the SQL filter assumes.
        group: row.opt_int(2)?.and_then(|id| id.try_into().ok()),
        assignee: row.opt_int(3)?.and_then(|id| id.try_into().ok()),
        participants,
    })
}

/// Loads one conversation: `None` when there is none with this id.
///
/// # Errors
/// A database error.
pub fn load_conversation(conn: &mut dyn Sql, id: i64) -> Result<Option<ConversationRow>, ApiError> {
    let query = format!(
        "SELECT {} FROM conversations c WHERE c.id = ?",
        conversation_columns_sql(conn.backend())
    );
    Ok(conn
        .query_opt(&query, &[id.into()])?
        .map(|row| conversation_from_row(&row))
        .transpose()?)
}
