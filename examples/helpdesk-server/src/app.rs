//! The application state: the database, the cached policy, sign-in, and the policy store.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use helpdesk_policy::{Policy, Subject, UserId};

use crate::audit;
use crate::db::{self, Agent, Backend, Db, DbError};
use crate::error::ApiError;
use crate::replica;

/// How stale the cached policy may be: a request that finds it unconfirmed for longer reads
/// the stored revision itself before deciding anything (the replica task confirms it every
/// [`replica::POLL`], and at once on a PostgreSQL notification).
pub const STALE_BOUND: Duration = Duration::from_secs(2);

/// Shared by every request: the database and the policy as of its latest stored revision.
///
/// The policy is cached as an `Arc<Policy>`: a request takes a clone of the `Arc` (a check
/// never waits for a writer), and a writer swaps in a new one after a successful store, as the
/// crate's README ("Embedding") describes. Other processes on the same database (replicas)
/// change it too: [`replica`] keeps the cache current, and [`App::policy`] never uses one
/// that was last confirmed more than [`STALE_BOUND`] ago.
#[derive(Debug, Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    pub(crate) cache: Arc<Cache>,
}

#[derive(Debug)]
pub(crate) struct Cache {
    current: RwLock<Cached>,
    /// One edit at a time in this process, so the cache is swapped in the database's order.
    edit: tokio::sync::Mutex<()>,
    /// Whether another process can change the database (not for an in-memory SQLite one).
    shared: bool,
}

#[derive(Debug, Clone)]
struct Cached {
    policy: Arc<Policy>,
    /// When the stored revision was last seen to be this policy's (taken before the read).
    confirmed: Instant,
}

impl App {
    /// The state over a prepared database, loading the stored policy; starts the task that
    /// follows other processes' changes (see [`replica`]) when there can be any.
    ///
    /// # Errors
    /// The stored policy cannot be read or loaded.
    pub async fn new(db: Db) -> Result<App, ApiError> {
        let policy = db.run(|conn| Ok(db::load_policy(conn)?)).await?;
        let shared = db.shares_storage();
        let app = App {
            db,
            cache: Arc::new(Cache {
                current: RwLock::new(Cached {
                    policy: Arc::new(policy),
                    confirmed: Instant::now(),
                }),
                edit: tokio::sync::Mutex::new(()),
                shared,
            }),
        };
        if shared {
            replica::spawn(&app);
        }
        Ok(app)
    }

    /// The current policy (a cheap clone of the cached `Arc`), confirmed against the database
    /// first when it has not been for [`STALE_BOUND`].
    ///
    /// # Errors
    /// 503 when it needs confirming and the database cannot be reached.
    pub async fn policy(&self) -> Result<Arc<Policy>, ApiError> {
        let cached = self.cached();
        if !self.cache.shared || cached.confirmed.elapsed() <= STALE_BOUND {
            return Ok(cached.policy);
        }
        self.refresh().await
    }

    fn cached(&self) -> Cached {
        self.cache
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reads the stored revision and, when it moved on, the stored policy; swaps it in (never
    /// an older one than the cache holds) and marks the cache confirmed.
    ///
    /// # Errors
    /// The database cannot be reached, or the stored policy does not load.
    pub async fn refresh(&self) -> Result<Arc<Policy>, ApiError> {
        let started = Instant::now();
        let known = self.cached().policy.revision();
        let fresh = self
            .db
            .run(move |conn| {
                if db::load_revision(conn)? == known {
                    return Ok(None);
                }
                Ok(Some(db::load_policy(conn)?))
            })
            .await?;
        Ok(self.install(fresh.map(Arc::new), started))
    }

    /// Swaps in `fresh` when it is newer than the cache, and marks the cache confirmed as of
    /// `started`. Returns the policy the cache now holds.
    fn install(&self, fresh: Option<Arc<Policy>>, started: Instant) -> Arc<Policy> {
        let mut current = self
            .cache
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(fresh) = fresh {
            if fresh.revision() > current.policy.revision() {
                current.policy = fresh;
            }
        }
        if started > current.confirmed {
            current.confirmed = started;
        }
        Arc::clone(&current.policy)
    }

    /// Changes the policy on behalf of `actor`: compare-and-swap on the revision.
    ///
    /// One edit at a time in this process: the policy must still be at `expected` when given
    /// (else 409; a client that already saw a newer revision through another replica makes
    /// this one read the database first); `edit` changes a copy (a refusal changes nothing);
    /// if the copy's revision moved, it is stored with `UPDATE ... WHERE revision = <loaded>`
    /// together with its audit entry (and, on PostgreSQL, a notification to the replicas) in
    /// one transaction, and then swapped into the cache. When another process stored first,
    /// the `UPDATE` changes no row: 409, and the cache takes the stored policy.
    ///
    /// # Errors
    /// 409 when the policy moved on, whatever `edit` refuses with, or a database error.
    pub async fn edit_policy<T, F>(
        &self,
        actor: &Agent,
        expected: Option<u64>,
        edit: F,
    ) -> Result<(T, Arc<Policy>), ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Policy, &Subject<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let _one_at_a_time = self.cache.edit.lock().await;
        let mut current = self.policy().await?;
        if let Some(expected) = expected {
            if expected > current.revision() && self.cache.shared {
                current = self.refresh().await?;
            }
            if expected != current.revision() {
                return Err(ApiError::conflict(current.revision(), expected));
            }
        }
        let mut next = Policy::clone(&current);
        let out = edit(&mut next, &actor.subject())?;
        if next.revision() == current.revision() {
            return Ok((out, current)); // a no-op: nothing to store or audit
        }
        let changes = audit::policy_changes(&current, &next);
        let loaded = sql_revision(current.revision())?;
        let revision = sql_revision(next.revision())?;
        let doc = serde_json::to_string(&next)
            .map_err(|error| ApiError::internal(format!("cannot store: {error}")))?;
        let actor_id = actor.id;
        let started = Instant::now();
        let stored = self
            .db
            .run(move |conn| {
                conn.transaction(|tx| {
                    let stored = tx.execute(
                        "UPDATE policy SET doc = ?, revision = ? WHERE id = 1 AND revision = ?",
                        &[doc.into(), revision.into(), loaded.into()],
                    )?;
                    if stored != 1 {
                        // Another process stored first: take its policy.
                        return Ok(Err(db::load_policy(tx)?));
                    }
                    audit::insert(tx, actor_id, u64::try_from(revision).unwrap_or(0), &changes)?;
                    if tx.backend() == Backend::Postgres {
                        // Delivered to every listening replica when this transaction commits.
                        tx.query(
                            "SELECT pg_notify(?, ?)",
                            &[replica::CHANNEL.into(), revision.to_string().into()],
                        )?;
                    }
                    Ok(Ok(()))
                })
            })
            .await?;
        match stored {
            Ok(()) => {
                let next = Arc::new(next);
                self.install(Some(Arc::clone(&next)), started);
                Ok((out, next))
            }
            Err(fresh) => {
                let now = fresh.revision();
                self.install(Some(Arc::new(fresh)), started);
                Err(ApiError::conflict(now, current.revision()))
            }
        }
    }
}

/// A revision as an SQL integer.
///
/// # Errors
/// 500 when it no longer fits (after `i64::MAX` changes).
pub fn sql_revision(revision: u64) -> Result<i64, ApiError> {
    i64::try_from(revision)
        .map_err(|_| ApiError::internal("the revision no longer fits an SQL integer"))
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        if error.unavailable {
            ApiError::unavailable(error.message)
        } else {
            ApiError::internal(error.message)
        }
    }
}

/// The signed-in agent, from the demo stand-in for a real session: the `X-User-Id` header.
/// Their role and groups come from the database on every request. Missing, malformed or
/// unknown: 401.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Agent);

/// The signed-in user's id, from the `X-User-Id` header alone (missing or malformed: 401),
/// for a handler that loads the agent itself in the same database task as its own queries
/// ([`SignedInId::load`]): the inbox, where a second task per request is measurable.
#[derive(Debug, Clone, Copy)]
pub struct SignedInId(pub UserId);

/// The sign-in header.
pub const USER_HEADER: &str = "x-user-id";

impl SignedInId {
    /// The agent behind the id, on a connection the caller already holds.
    ///
    /// # Errors
    /// 401 when there is no such user; a database error.
    pub fn load(self, conn: &mut dyn db::Sql) -> Result<Agent, ApiError> {
        db::load_agent(conn, self.0)?.ok_or_else(|| self.unknown())
    }

    /// [`SignedInId::load`], with the newest conversation's id read in the same statement.
    ///
    /// # Errors
    /// 401 when there is no such user; a database error.
    pub fn load_with_newest(
        self,
        conn: &mut dyn db::Sql,
    ) -> Result<(Agent, Option<i64>), ApiError> {
        db::load_agent_and_newest(conn, self.0)?.ok_or_else(|| self.unknown())
    }

    fn unknown(self) -> ApiError {
        ApiError::unauthorized(format!("there is no user {}", self.0))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedInId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(USER_HEADER) else {
            return Err(ApiError::unauthorized(
                "sign in: send the header X-User-Id with your user id",
            ));
        };
        value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok())
            .and_then(|id| UserId::try_from(id).ok())
            .map(SignedInId)
            .ok_or_else(|| {
                ApiError::unauthorized("X-User-Id must be a user id (a non-negative integer)")
            })
    }
}

impl FromRequestParts<App> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let id = SignedInId::from_request_parts(parts, app).await?;
        let agent = app.db.run(move |conn| id.load(conn)).await?;
        Ok(SignedIn(agent))
    }
}

/// The `{id}` segment of a path, as text: [`path_id`] parses it. A segment that is not valid
/// UTF-8 once percent-decoded is a 400 with our JSON body (axum's own rejection is plain text).
#[derive(Debug, Clone)]
pub struct IdSegment(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdSegment {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(segment)| IdSegment(segment))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// Parses an id from a path segment: 400 when it is not an integer, 404 when it is negative or
/// too large to exist (no row can have it).
///
/// # Errors
/// As above; `what` names the thing in the sentence.
pub fn path_id(text: &str, what: &str) -> Result<i64, ApiError> {
    use std::num::IntErrorKind;
    let shown = short(text);
    match text.parse::<i64>() {
        Ok(id) if id >= 0 => Ok(id),
        Ok(_) => Err(ApiError::not_found(format!("there is no {what} {shown}"))),
        Err(error)
            if matches!(
                error.kind(),
                IntErrorKind::PosOverflow | IntErrorKind::NegOverflow
            ) =>
        {
            Err(ApiError::not_found(format!("there is no {what} {shown}")))
        }
        Err(_) => Err(ApiError::bad_request(format!(
            "`{shown}` is not a {what} id: ids are integers"
        ))),
    }
}

/// The actor's user id as an SQL integer (signed-in users come from the table, so it fits).
pub fn sql_user(id: UserId) -> Result<i64, ApiError> {
    db::sql_id(id.0).ok_or_else(|| ApiError::internal("user id beyond SQL integers"))
}

/// Client text to quote in a sentence: escaped, and cut to 40 characters.
pub fn short(text: &str) -> String {
    let mut shown: String = text
        .chars()
        .take(40)
        .collect::<String>()
        .escape_debug()
        .collect();
    if text.chars().nth(40).is_some() {
        shown.push_str("...");
    }
    shown
}
