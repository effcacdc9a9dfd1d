//! The application state: the database, the cached policy, sign-in, and the policy store.

use std::sync::{Arc, PoisonError, RwLock};

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use helpdesk_policy::{Policy, Subject, UserId};
use rusqlite::{params, Connection};

use crate::audit;
use crate::db::{self, Agent, Db};
use crate::error::ApiError;

/// Shared by every request: the database and the policy as of its latest stored revision.
///
/// The policy is cached as an `Arc<Policy>`: a request takes a clone of the `Arc` (a check
/// never waits for a writer), and a writer swaps in a new one after a successful store, as the
/// crate's README ("Embedding") describes.
#[derive(Debug, Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    policy: Arc<RwLock<Arc<Policy>>>,
}

impl App {
    /// The state for a prepared connection (see [`db::open`]), loading the stored policy.
    ///
    /// # Errors
    /// The stored policy cannot be read or loaded.
    pub fn new(conn: Connection) -> Result<App, Box<dyn std::error::Error>> {
        let policy = db::load_policy(&conn)?;
        Ok(App {
            db: Db::new(conn),
            policy: Arc::new(RwLock::new(Arc::new(policy))),
        })
    }

    /// The current policy (a cheap clone of the cached `Arc`).
    pub fn policy(&self) -> Arc<Policy> {
        read(&self.policy)
    }

    /// Changes the policy on behalf of `actor`: compare-and-swap on the revision.
    ///
    /// In one critical section (the database lock): the cached policy must still be at
    /// `expected` when given (else 409); `edit` changes a copy (a refusal changes nothing);
    /// if the copy's revision moved, it is stored with `UPDATE ... WHERE revision = <loaded>`
    /// together with its audit entry in one transaction, and then swapped into the cache.
    /// Returns what `edit` returned and the policy as it now stands.
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
        let cache = Arc::clone(&self.policy);
        let actor = actor.clone();
        self.db
            .run(move |conn| {
                let current = read(&cache);
                if let Some(expected) = expected {
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
                let tx = conn.transaction()?;
                let stored = tx.execute(
                    "UPDATE policy SET doc = ?, revision = ? WHERE id = 1 AND revision = ?",
                    params![doc, revision, loaded],
                )?;
                if stored != 1 {
                    // Another process sharing the file stored first: take its policy.
                    drop(tx);
                    let fresh = db::load_policy(conn)
                        .map_err(|error| ApiError::internal(error.to_string()))?;
                    let now = fresh.revision();
                    write(&cache, Arc::new(fresh));
                    return Err(ApiError::conflict(now, current.revision()));
                }
                audit::insert(&tx, actor.id, next.revision(), &changes)?;
                tx.commit()?;
                let next = Arc::new(next);
                write(&cache, Arc::clone(&next));
                Ok((out, next))
            })
            .await
    }
}

fn sql_revision(revision: u64) -> Result<i64, ApiError> {
    i64::try_from(revision)
        .map_err(|_| ApiError::internal("the revision no longer fits an SQL integer"))
}

fn read(cache: &RwLock<Arc<Policy>>) -> Arc<Policy> {
    Arc::clone(&cache.read().unwrap_or_else(PoisonError::into_inner))
}

fn write(cache: &RwLock<Arc<Policy>>, policy: Arc<Policy>) {
    *cache.write().unwrap_or_else(PoisonError::into_inner) = policy;
}

/// The signed-in agent, from the demo stand-in for a real session: the `X-User-Id` header.
/// Their role and groups come from the database on every request. Missing, malformed or
/// unknown: 401.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Agent);

/// The sign-in header.
pub const USER_HEADER: &str = "x-user-id";

impl FromRequestParts<App> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(USER_HEADER) else {
            return Err(ApiError::unauthorized(
                "sign in: send the header X-User-Id with your user id",
            ));
        };
        let id = value
            .to_str()
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok())
            .and_then(|id| UserId::try_from(id).ok());
        let Some(id) = id else {
            return Err(ApiError::unauthorized(
                "X-User-Id must be a user id (a non-negative integer)",
            ));
        };
        let agent = app
            .db
            .run(move |conn| db::load_agent(conn, id))
            .await?
            .ok_or_else(|| ApiError::unauthorized(format!("there is no user {id}")))?;
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
