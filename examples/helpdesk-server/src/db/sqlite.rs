//! SQLite: a few connections of our own to one file in WAL mode.
//!
//! WAL lets every reader go on while one connection writes (readers see the last commit);
//! writers queue on the file's lock (`BEGIN IMMEDIATE`, with a busy timeout). Four connections
//! are plenty on a small machine: SQLite's work is CPU-bound, and tokio's blocking pool runs
//! each closure on a thread of its own. An in-memory database exists per connection, so it
//! gets exactly one.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{params_from_iter, Connection, ErrorCode};

use tokio::sync::Semaphore;

use super::pool::{Idle, Pooled, Reusable};
use super::{Backend, DbError, Permit, Row, Sql, Value};

/// Connections to one file (or the one in-memory connection).
const FILE_CONNECTIONS: usize = 4;
/// How long a writer waits for another writer's transaction before answering 503.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A SQLite connection as [`Sql`].
#[derive(Debug)]
pub struct SqliteConn(Connection);

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        let busy = matches!(
            error.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        );
        DbError {
            unavailable: busy,
            message: format!("database error: {error}"),
        }
    }
}

fn bind(value: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::ToSqlOutput::Borrowed;
    match value {
        Value::Null => Borrowed(ValueRef::Null),
        Value::Int(value) => Borrowed(ValueRef::Integer(*value)),
        Value::Text(value) => Borrowed(ValueRef::Text(value.as_bytes())),
    }
}

impl Sql for SqliteConn {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut statement = self.0.prepare_cached(sql)?;
        let width = statement.column_count();
        let mut rows = statement.query(params_from_iter(params.iter().map(bind)))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(width);
            for index in 0..width {
                values.push(match row.get_ref(index)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(value) => Value::Int(value),
                    ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        return Err(DbError::internal(format!(
                            "column {index} is neither an integer nor text"
                        )))
                    }
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let mut statement = self.0.prepare_cached(sql)?;
        let changed = statement.execute(params_from_iter(params.iter().map(bind)))?;
        Ok(u64::try_from(changed).unwrap_or(u64::MAX))
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.0.execute_batch(sql)?)
    }
}

/// The pool: idle connections, and a permit per connection that a request takes on the
/// runtime (in arrival order) before its blocking task, as for PostgreSQL
/// ([`super::postgres::Pool`]): a blocking task always finds a connection idle.
#[derive(Debug, Clone)]
pub struct Pool {
    idle: Arc<Idle<SqliteConn>>,
    permits: Arc<Semaphore>,
    file: bool,
}

fn connect(path: Option<&Path>) -> Result<SqliteConn, DbError> {
    let conn = match path {
        Some(path) => Connection::open(path)?,
        None => Connection::open_in_memory()?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers do not wait for the writer. `synchronous = NORMAL` is WAL's usual pairing
    // (a commit survives a crash of the process; a power cut may lose the last ones).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(SqliteConn(conn))
}

impl Pool {
    /// Opens the file (or memory), prepares it (schema, indexes, demo data and `generated`
    /// conversations when new) and opens the rest of the pool.
    ///
    /// # Errors
    /// The file cannot be opened or prepared.
    pub fn open(path: Option<&Path>, generated: u64) -> Result<Pool, DbError> {
        let mut first = connect(path)?;
        super::prepare(&mut first, generated).map_err(|error| DbError {
            unavailable: false,
            message: error.reason,
        })?;
        let mut idle = vec![first];
        if path.is_some() {
            for _ in 1..FILE_CONNECTIONS {
                idle.push(connect(path)?);
            }
        }
        Ok(Pool {
            permits: Arc::new(Semaphore::new(idle.len())),
            idle: Idle::new(idle),
            file: path.is_some(),
        })
    }

    /// Whether this is a file (which other processes may open too), not memory.
    pub fn is_file(&self) -> bool {
        self.file
    }

    /// Waits, in arrival order, for the right to use a connection.
    ///
    /// # Errors
    /// None in practice: the pool's semaphore is never closed.
    pub async fn permit(&self) -> Result<Permit, DbError> {
        Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map(Permit::new)
            .map_err(|_| DbError::internal("the connection pool is closed"))
    }

    /// The idle connection that `permit` entitles to (a permit per connection).
    ///
    /// # Errors
    /// None is idle: a permit that is not this pool's.
    pub fn get(&self, permit: Permit) -> Result<Pooled<SqliteConn>, DbError> {
        let conn = self
            .idle
            .pop()
            .ok_or_else(|| DbError::internal("no idle connection for a permit"))?;
        Ok(Pooled::new(conn, &self.idle, permit))
    }
}

// A transaction a panic left open is rolled back, so the next user starts clean.
impl Reusable for SqliteConn {
    fn reset(&mut self) -> bool {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
        true
    }
}
