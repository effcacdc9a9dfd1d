//! PostgreSQL: a pool of our own of synchronous `postgres` clients.
//!
//! Handlers' closures are synchronous (one code path for both databases) and run on tokio's
//! blocking pool. A `postgres::Client` does its socket work on the thread that calls it, so a
//! query is one round trip from that thread and back: no hop to a connection task on the
//! runtime and back for every statement (with `tokio-postgres` driven by `Handle::block_on`,
//! those hops were most of the server's CPU under load). Statements are prepared once per
//! connection. Connecting and waiting for a connection are bounded, so a database that is gone
//! is a prompt 503; a connection found closed is dropped, and new ones are opened on demand
//! once the database is back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{NoTls, Statement};
use tokio::sync::Semaphore;

use super::pool::{Idle, Pooled, Reusable};
use super::{Backend, DbError, Permit, Row, Sql, Value};

/// Connections per server process: two cores, and PostgreSQL works best with few (measured at
/// a million conversations: six gave Cleo 6% more pages a second and Dev and Eve the same, with
/// p99s 1 to 4 ms and worst requests up to 200 ms higher).
const CONNECTIONS: usize = 4;
/// How long a request waits to connect or for a free connection before answering 503.
const WAIT: Duration = Duration::from_secs(2);

/// Whether a driver error means the database cannot be reached (the socket is closed or
/// failed, the server shuts down or refuses connections now).
fn classify(error: &tokio_postgres::Error) -> DbError {
    let lost = error.is_closed()
        || error.code().map_or_else(
            || std::error::Error::source(error).is_some_and(|source| source.is::<std::io::Error>()),
            |code| {
                let code = code.code();
                code.starts_with("08") || code.starts_with("57P")
            },
        );
    DbError {
        unavailable: lost,
        message: if lost {
            format!("the database is unavailable: {error}")
        } else {
            format!("database error: {error}")
        },
    }
}

impl From<tokio_postgres::Error> for DbError {
    fn from(error: tokio_postgres::Error) -> Self {
        classify(&error)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(value) => match *ty {
                Type::BOOL => (*value != 0).to_sql(ty, out),
                Type::INT2 => i16::try_from(*value)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*value)?.to_sql(ty, out),
                _ => value.to_sql(ty, out),
            },
            Value::Text(value) => value.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        // Checked per value in `to_sql`: the types a placeholder can be given here.
        matches!(
            *ty,
            Type::BOOL | Type::INT2 | Type::INT4 | Type::INT8 | Type::TEXT | Type::VARCHAR
        )
    }

    to_sql_checked!();
}

fn read(row: &tokio_postgres::Row) -> Result<Row, DbError> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let value = match *column.type_() {
            Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(index)?
                .map(|v| Value::Int(v.into())),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(index)?
                .map(|v| Value::Int(v.into())),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(index)?
                .map(|v| Value::Int(v.into())),
            Type::TEXT | Type::VARCHAR | Type::NAME => {
                row.try_get::<_, Option<String>>(index)?.map(Value::Text)
            }
            // `SELECT pg_notify(..)` and the advisory lock return nothing.
            Type::VOID => None,
            ref other => {
                return Err(DbError::internal(format!(
                    "column {index} has type {other}, neither an integer nor text"
                )))
            }
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

/// Rewrites `?` placeholders to `$1, $2, ...`; text that already numbers its own is kept.
/// Our statements have no `?` inside literals.
fn numbered(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('?') {
        return sql.into();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A pooled client with its prepared statements, as [`Sql`].
pub struct PgConn {
    client: postgres::Client,
    /// Statements prepared on this connection, by their text.
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgConn")
    }
}

/// The parameters as the driver takes them.
fn bound(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl PgConn {
    /// The statement for `sql`, prepared on this connection at its first use.
    fn prepared(&mut self, sql: &str) -> Result<Statement, DbError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl Sql for PgConn {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let statement = self.prepared(&numbered(sql))?;
        let rows = self.client.query(&statement, &bound(params))?;
        rows.iter().map(read).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let statement = self.prepared(&numbered(sql))?;
        Ok(self.client.execute(&statement, &bound(params))?)
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.client.batch_execute(sql)?)
    }
}

impl Reusable for PgConn {
    // `Sql::transaction` commits or rolls back; only a panic inside one leaves it open, and a
    // rollback outside a transaction is a harmless warning.
    fn reset(&mut self) -> bool {
        !self.client.is_closed()
            && (!std::thread::panicking() || self.client.batch_execute("ROLLBACK").is_ok())
    }

    /// A `postgres::Client` closes itself by blocking on its own runtime, which panics on a
    /// thread that drives async tasks; the last pool handle may well be dropped on one (a
    /// server shutting down, a test ending), so the connections left are closed on a thread of
    /// their own.
    fn close_all(left: Vec<PgConn>) {
        let handed = Arc::new(Mutex::new(Some(left)));
        let closer = Arc::clone(&handed);
        let spawned = std::thread::Builder::new()
            .name("close-postgres".into())
            .spawn(move || drop(closer.lock().unwrap_or_else(PoisonError::into_inner).take()));
        if spawned.is_err() {
            // No thread to be had: the connections stay open until the process ends, since
            // closing them here could abort it.
            std::mem::forget(handed.lock().unwrap_or_else(PoisonError::into_inner).take());
        }
    }
}

/// The pool and the settings it connects with (cheap to clone).
///
/// A request first waits for one of the `CONNECTIONS` (four) permits on the runtime, in arrival order
/// (tokio's semaphore is fair), and only then takes a blocking thread, which finds an idle
/// connection or opens one. So at most four blocking threads talk to the database,
/// and none of them waits for a connection: measured, a pool that let blocking threads queue
/// on a condition variable served newcomers before the waiting ones (p99 40 ms at p50 9 ms).
#[derive(Clone)]
pub struct Pool {
    idle: Arc<Idle<PgConn>>,
    permits: Arc<Semaphore>,
    connect: postgres::Config,
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("free", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool for `url`; nothing is connected until the first request.
    ///
    /// # Errors
    /// The URL does not parse.
    pub fn new(url: &str) -> Result<Pool, DbError> {
        let bad =
            |error: tokio_postgres::Error| DbError::internal(format!("bad database URL: {error}"));
        let mut connect: postgres::Config = url.parse().map_err(bad)?;
        connect.connect_timeout(WAIT);
        let mut config: tokio_postgres::Config = url.parse().map_err(bad)?;
        config.connect_timeout(WAIT);
        Ok(Pool {
            idle: Idle::new(Vec::new()),
            permits: Arc::new(Semaphore::new(CONNECTIONS)),
            connect,
            config,
        })
    }

    /// The connection settings (for the revision listener's own async connection).
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// Waits, in arrival order, for the right to use a connection.
    ///
    /// # Errors
    /// Unavailable when none comes free within 2 s.
    pub async fn permit(&self) -> Result<Permit, DbError> {
        let unavailable =
            || DbError::unavailable("the database is unavailable: no connection came free in time");
        match tokio::time::timeout(WAIT, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Permit::new(permit)),
            _ => Err(unavailable()),
        }
    }

    /// A connection for the holder of `permit`: an idle one, or a new one (the permits keep
    /// the open connections at four at most). A blocking call: on the blocking pool
    /// only. The connection goes back to the pool before the permit is released.
    ///
    /// # Errors
    /// Unavailable when a new connection cannot be opened within 2 s.
    pub fn get(&self, permit: Permit) -> Result<Pooled<PgConn>, DbError> {
        let conn = match self.idle.pop() {
            Some(conn) => conn,
            None => PgConn {
                client: self.connect.connect(NoTls).map_err(|error| {
                    let DbError { message, .. } = classify(&error);
                    DbError::unavailable(message)
                })?,
                statements: HashMap::new(),
            },
        };
        Ok(Pooled::new(conn, &self.idle, permit))
    }
}
