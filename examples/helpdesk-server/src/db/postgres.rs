//! PostgreSQL: a `deadpool-postgres` pool of `tokio-postgres` connections.
//!
//! Handlers' closures are synchronous (one code path for both databases), so a pooled client
//! is driven from the blocking thread with `Handle::block_on`; its socket is polled by the
//! connection task on the runtime. Statements are prepared once per connection
//! (`prepare_cached`). Connecting and waiting for a connection are bounded, so a database that
//! is gone is a prompt 503, and the pool replaces closed connections by itself when it is back.

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, RecyclingMethod, Runtime, Timeouts};
use tokio::runtime::Handle;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::{Backend, DbError, Row, Sql, Value};
use crate::error::ApiError;

/// Connections per server process: two cores, and PostgreSQL works best with few.
const CONNECTIONS: usize = 8;
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

/// A pooled client with the runtime that drives it, as [`Sql`].
pub struct PgConn {
    client: Object,
    handle: Handle,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgConn")
    }
}

impl Sql for PgConn {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let sql = numbered(sql);
        let client = &self.client;
        let rows = self.handle.block_on(async {
            let statement = client.prepare_cached(&sql).await?;
            let params: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            client.query(&statement, &params).await
        })?;
        rows.iter().map(read).collect()
    }

    // A statement of its own, planned with the values at its first (only) run: a cached one
    // may switch to a generic plan, which for an inbox window scans the whole id range (8 ms
    // for Dev at a million conversations) where the values' plan reads three small index
    // ranges (1 ms).
    fn query_planned(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let sql = numbered(sql);
        let client = &self.client;
        let rows = self.handle.block_on(async {
            let params: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            client.query(sql.as_ref(), &params).await
        })?;
        rows.iter().map(read).collect()
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let sql = numbered(sql);
        let client = &self.client;
        Ok(self.handle.block_on(async {
            let statement = client.prepare_cached(&sql).await?;
            let params: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
            client.execute(&statement, &params).await
        })?)
    }

    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.handle.block_on(self.client.batch_execute(sql))?)
    }
}

/// The pool and the settings it connects with.
#[derive(Clone)]
pub struct Pool {
    pool: deadpool_postgres::Pool,
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("status", &self.pool.status())
            .finish()
    }
}

impl Pool {
    /// A pool for `url`; nothing is connected until the first request.
    ///
    /// # Errors
    /// The URL does not parse.
    pub fn new(url: &str) -> Result<Pool, DbError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|error| DbError::internal(format!("bad database URL: {error}")))?;
        config.connect_timeout(WAIT);
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                // Fast: a connection the server closed is noticed (is_closed) and replaced.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(CONNECTIONS)
            .runtime(Runtime::Tokio1)
            .timeouts(Timeouts {
                wait: Some(WAIT),
                create: Some(WAIT),
                recycle: Some(WAIT),
            })
            .build()
            .map_err(|error| DbError::internal(format!("cannot build the pool: {error}")))?;
        Ok(Pool { pool, config })
    }

    /// The connection settings (for the revision listener's own connection).
    pub fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// A pooled connection: 503 when none can be had within the wait.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn get(&self) -> Result<PgConn, ApiError> {
        let client = self.pool.get().await.map_err(|error| {
            let message = match &error {
                deadpool_postgres::PoolError::Backend(error) => classify(error).message,
                other => format!("the database is unavailable: {other}"),
            };
            ApiError::from(DbError::unavailable(message))
        })?;
        Ok(PgConn {
            client,
            handle: Handle::current(),
        })
    }
}
