//! The inbox, one conversation with its buttons, replies, notes, the assignee, and who may.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use helpdesk_policy::{
    AgentColumns, Conversation, ConversationFilter, Decision, MembershipTable, ParticipantsTable,
    Permissions, Policy, ResolvedSubject, Resource, Scope, SqlColumns, SqlFilter, Subject, UserId,
};
use serde::{Deserialize, Serialize};

use crate::app::{path_id, sql_user, App, IdSegment, SignedIn, SignedInId};
use crate::db::{self, Agent, ConversationRow, Sql, Value};
use crate::error::ApiError;
use crate::json::{self, JsonBody};

/// The conversations table as the crate's SQL filter sees it.
pub fn conversation_columns() -> SqlColumns<'static> {
    SqlColumns {
        id: "c.id",
        group: "c.group_id",
        assignee: "c.assignee_id",
        participants: Some(ParticipantsTable {
            table: "conversation_participants",
            conversation: "conversation_id",
            user: "user_id",
        }),
    }
}

/// The buttons of a conversation page: the conversation permissions.
pub const BUTTONS: Permissions = Permissions::CONVERSATION_KIND;

/// What a subject may do on a resource, restricted to the buttons: one call to `allowed`.
pub fn actions<R: Resource + ?Sized>(me: &ResolvedSubject<'_, '_>, row: &R) -> Permissions {
    me.allowed(row) & BUTTONS
}

/// The snake_case names of a permission set, in bit order.
pub fn names(policy: &Policy, permissions: Permissions) -> Vec<String> {
    policy
        .vocabulary()
        .names(permissions)
        .map(str::to_owned)
        .collect()
}

/// A disabled button and the decision's sentence saying why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeniedAction {
    /// The permission's name.
    pub permission: String,
    /// Why not.
    pub reason: String,
}

/// A conversation as the API shows it to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationView {
    /// Its id.
    pub id: i64,
    /// The subject line.
    pub subject: String,
    /// Its group, if any.
    pub group: Option<u64>,
    /// Its assignee, if any.
    pub assignee: Option<u64>,
    /// Its participants.
    pub participants: Vec<u64>,
    /// The buttons the user gets: what `allowed` gives (serialised as a list of names).
    pub actions: Permissions,
    /// The buttons shown disabled, each with the reason.
    pub denied: Vec<DeniedAction>,
}

/// The view of `row` for `me`, resolved once for every row of a page.
pub fn view(
    policy: &Policy,
    me: &ResolvedSubject<'_, '_>,
    row: &ConversationRow,
) -> ConversationView {
    Explainer::new(policy).view(me, row)
}

/// Views the rows of one page, writing each distinct reason once: a page's disabled buttons
/// repeat a handful of sentences (Dev's first page: 148 reasons, 4 distinct), and formatting
/// each again was a measurable part of the server's work per page.
pub struct Explainer<'p> {
    policy: &'p Policy,
    /// The reasons written so far, by the decision they explain: `Display` is a function of
    /// the decision, so an equal decision has the same sentence.
    said: Vec<(Decision<'p>, String)>,
}

impl<'p> Explainer<'p> {
    /// No reason written yet.
    pub fn new(policy: &'p Policy) -> Self {
        Explainer {
            policy,
            said: Vec::new(),
        }
    }

    /// The view of `row` for `me` (resolved from this explainer's policy).
    pub fn view(
        &mut self,
        me: &ResolvedSubject<'p, '_>,
        row: &ConversationRow,
    ) -> ConversationView {
        let allowed = actions(me, row);
        let denied = BUTTONS
            .difference(allowed)
            .each()
            .map(|permission| DeniedAction {
                permission: names(self.policy, permission).concat(),
                reason: self.reason(me.check(permission, row)),
            })
            .collect();
        ConversationView {
            id: row.id,
            subject: row.subject.clone(),
            group: row.group.map(|g| g.0),
            assignee: row.assignee.map(|u| u.0),
            participants: row.participants.iter().map(|u| u.0).collect(),
            actions: allowed,
            denied,
        }
    }

    fn reason(&mut self, decision: Decision<'p>) -> String {
        if let Some((_, said)) = self.said.iter().find(|(seen, _)| *seen == decision) {
            return said.clone();
        }
        let said = decision.to_string();
        self.said.push((decision, said.clone()));
        said
    }
}

/// The default page size of the inbox, and the largest a client may ask for.
pub const PAGE_DEFAULT: i64 = 50;
/// The largest page a client may ask for.
pub const PAGE_MAX: i64 = 200;

/// One page of an inbox: at most `limit` rows with ids below `before` (all when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows per page, 1 to [`PAGE_MAX`].
    pub limit: i64,
    /// Only conversations with a smaller id (the previous page's `next`).
    pub before: Option<i64>,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            limit: PAGE_DEFAULT,
            before: None,
        }
    }
}

/// The query of `GET /api/conversations`, as typed (parsed by [`PageQuery::parse`], so a bad
/// value gets our 400 body naming it).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageQuery {
    /// Rows per page.
    pub limit: Option<String>,
    /// The `next` of the previous page.
    pub before: Option<String>,
}

impl PageQuery {
    /// The page asked for.
    ///
    /// # Errors
    /// 400 when `limit` is not an integer from 1 to 200, or `before` not a non-negative one.
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = match &self.limit {
            None => PAGE_DEFAULT,
            Some(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|limit| (1..=PAGE_MAX).contains(limit))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "limit `{}` is not a page size: an integer from 1 to {PAGE_MAX}",
                        crate::app::short(text)
                    ))
                })?,
        };
        let before = match &self.before {
            None => None,
            Some(text) => Some(
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|id| *id >= 0)
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "before `{}` is not a conversation id: pass the `next` of the \
                             previous page",
                            crate::app::short(text)
                        ))
                    })?,
            ),
        };
        Ok(PageRequest { limit, before })
    }
}

/// The first id window a limited inbox page looks in (see [`inbox_rows`]).
const FIRST_WINDOW: i64 = 16_384;

/// One page of the conversations `agent` may view, newest (highest id) first, and the id to
/// pass as `before` for the next page (`None` on the last): the crate's filter in the
/// database's dialect, keyset-paged on the primary key.
///
/// A filter that is not everything (a limited agent) is an OR of index lookups, and both
/// databases gather every match of it before sorting: at a million conversations Dev's groups
/// alone hold 3,600. So a page of an inbox with groups is looked for in windows of ids below
/// `before`: 16,384 ids, then wider as the density found suggests (at least four times) until
/// the page is full or the ids run out. Each query only
/// reads the matches inside its window (the indexes carry the id), so a dense inbox needs one
/// small query and a sparse one a few; the rows come out the same as one query over all ids.
///
/// # Errors
/// A database error.
pub fn inbox_rows(
    conn: &mut dyn Sql,
    policy: &Policy,
    agent: &Agent,
    page: PageRequest,
) -> Result<(Vec<ConversationRow>, Option<i64>), ApiError> {
    inbox_rows_from_window(conn, policy, agent, page, FIRST_WINDOW)
}

/// [`inbox_rows`] with its first window of `first_window` ids (the tests make it small, so
/// that a small database takes many windows).
///
/// # Errors
/// A database error.
pub fn inbox_rows_from_window(
    conn: &mut dyn Sql,
    policy: &Policy,
    agent: &Agent,
    page: PageRequest,
    first_window: i64,
) -> Result<(Vec<ConversationRow>, Option<i64>), ApiError> {
    page_rows(conn, policy, agent, page, first_window, None)
}

/// [`inbox_rows`] for a caller that has read the newest conversation's id already (`newest`,
/// `None` for no conversation; from [`db::load_agent_and_newest`]): a first page with groups
/// then needs no statement of its own for it (a later page starts below its `before`).
///
/// # Errors
/// A database error.
pub fn inbox_rows_below_newest(
    conn: &mut dyn Sql,
    policy: &Policy,
    agent: &Agent,
    page: PageRequest,
    newest: Option<i64>,
) -> Result<(Vec<ConversationRow>, Option<i64>), ApiError> {
    page_rows(conn, policy, agent, page, FIRST_WINDOW, Some(newest))
}

/// The page; `known_newest` is the newest conversation's id when the caller has read it.
fn page_rows(
    conn: &mut dyn Sql,
    policy: &Policy,
    agent: &Agent,
    page: PageRequest,
    first_window: i64,
    known_newest: Option<Option<i64>>,
) -> Result<(Vec<ConversationRow>, Option<i64>), ApiError> {
    let filter = policy.filter(&agent.subject(), Permissions::VIEW_CONVERSATIONS);
    // Only groups make an inbox large; what is assigned to one agent or followed by them is
    // a few hundred rows at most, cheaper in one query than in windows.
    let windowed = match filter {
        ConversationFilter::Nothing => return Ok((Vec::new(), None)),
        ConversationFilter::TakenUpBy {
            groups, view_only, ..
        } => !groups.is_empty() || !view_only.is_empty(),
        _ => false,
    };
    let filter = filter
        .to_sql_in(conn.dialect(), &conversation_columns())
        .map_err(|error| ApiError::internal(error.to_string()))?;
    // One row more than the page tells whether there is a next page.
    let wanted = usize::try_from(page.limit + 1).unwrap_or(usize::MAX);
    let mut upper = match page.before {
        Some(before) => before,
        None if windowed => match known_newest {
            Some(newest) => newest,
            None => conn
                .query_one("SELECT max(id) FROM conversations", &[])?
                .opt_int(0)?,
        }
        .map_or(0, |max| max.saturating_add(1)),
        None => i64::MAX,
    };
    let mut span = first_window.max(1);
    let mut rows = Vec::new();
    while rows.len() < wanted && upper > 0 {
        let lower = windowed.then(|| upper.saturating_sub(span));
        let need = wanted - rows.len();
        let found = window(
            conn,
            &filter,
            upper,
            lower,
            i64::try_from(need).unwrap_or(i64::MAX),
        )?;
        // The next window is sized by the density seen so far (twice what it suggests), and
        // at least four times wider, so a sparse inbox needs few queries.
        let factor = if found.is_empty() {
            8
        } else {
            i64::try_from((need - found.len()) * 2 / found.len())
                .unwrap_or(i64::MAX)
                .max(4)
        };
        rows.extend(found);
        upper = lower.unwrap_or(0);
        span = span.saturating_mul(factor);
    }
    let more = rows.len() == wanted;
    rows.truncate(wanted - 1);
    let next = if more {
        rows.last().map(|row| row.id)
    } else {
        None
    };
    Ok((rows, next))
}

/// The statement and parameters of one inbox window on `backend`: public so that a test can ask the
/// database how it plans exactly what the server runs. `lower` for a filter with groups, looked
/// for in windows of ids; `None` for one read in a single query.
pub fn window_query(
    backend: db::Backend,
    filter: &SqlFilter,
    upper: i64,
    lower: Option<i64>,
    limit: i64,
) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = filter.params.iter().map(|p| Value::Int(*p)).collect();
    // The filter's placeholders come first; ours follow in its numbering (PostgreSQL's `$n`).
    let placeholder = |params: &mut Vec<Value>, value: i64| {
        params.push(Value::Int(value));
        match backend {
            db::Backend::Sqlite => "?".to_owned(),
            db::Backend::Postgres => format!("${}", params.len()),
        }
    };
    // On PostgreSQL a window is bounded on `c.id + 0`, which only the group and assignee
    // indexes carry, so its cached generic plan reads them inside the window (why: the
    // `POSTGRES_INDEXES` docs in `db::schema`).
    let id = match (backend, lower) {
        (db::Backend::Postgres, Some(_)) => "c.id + 0",
        _ => "c.id",
    };
    let mut bounds = format!(" AND {id} < {}", placeholder(&mut params, upper));
    if let Some(lower) = lower {
        // Always written (0 for none), so that every window of a filter is one statement.
        bounds.push_str(&format!(
            " AND {id} >= {}",
            placeholder(&mut params, lower.max(0))
        ));
    }
    let limit = placeholder(&mut params, limit);
    let columns = db::conversation_columns_sql(backend);
    let query = match backend {
        // The ids first (sorted as integers), then the rows and their participants for those
        // alone: SQLite would otherwise read every matching row and its participants first.
        db::Backend::Sqlite => format!(
            "SELECT {columns} FROM conversations c WHERE c.id IN (SELECT c.id FROM \
             conversations c WHERE {}{bounds} ORDER BY c.id DESC LIMIT {limit}) \
             ORDER BY c.id DESC",
            filter.sql,
        ),
        // PostgreSQL reads the participants of the rows the limit keeps only; the wrapper
        // above cost it a second pass (Cleo's page 0.31 against 0.12 ms of database time).
        db::Backend::Postgres => format!(
            "SELECT {columns} FROM conversations c WHERE {}{bounds} ORDER BY c.id DESC \
             LIMIT {limit}",
            filter.sql,
        ),
    };
    (query, params)
}

/// At most `limit` rows matching `filter` with `lower <= id < upper` (no lower bound for
/// `None`), newest first.
fn window(
    conn: &mut dyn Sql,
    filter: &SqlFilter,
    upper: i64,
    lower: Option<i64>,
    limit: i64,
) -> Result<Vec<ConversationRow>, ApiError> {
    let (query, params) = window_query(conn.backend(), filter, upper, lower, limit);
    let rows = conn.query(&query, &params)?;
    Ok(rows
        .iter()
        .map(db::conversation_from_row)
        .collect::<Result<Vec<_>, _>>()?)
}

/// The body of `GET /api/conversations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// The signed-in user.
    pub user: u64,
    /// The filter the query was built from, as the crate describes it.
    pub filter: String,
    /// This page's conversations, newest (highest id) first.
    pub conversations: Vec<ConversationView>,
    /// The id to pass as `before` for the next page; `None` on the last page.
    pub next: Option<i64>,
}

/// `GET /api/conversations?limit=N&before=ID`: a page of the signed-in user's inbox.
///
/// # Errors
/// 401, 400 for a bad `limit` or `before`, 503 or 500 for the database.
pub async fn inbox(
    State(app): State<App>,
    signed_in: SignedInId,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    // A bad page is refused after the sign-in, as other handlers' extractors order them.
    let page = query
        .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
        .and_then(|Query(query)| query.parse());
    let policy = app.policy().await?;
    // The agent and the page in one database task: one trip to the blocking pool, not two.
    let ((rows, next), agent, policy) = app
        .db
        .run(move |conn| {
            let (agent, newest) = signed_in.load_with_newest(conn)?;
            let rows = inbox_rows_below_newest(conn, &policy, &agent, page?, newest)?;
            Ok((rows, agent, policy))
        })
        .await?;
    let subject = agent.subject();
    // One role lookup for the whole page.
    let me = policy.resolve(subject);
    let body = Inbox {
        user: agent.id.0,
        filter: policy
            .filter(&subject, Permissions::VIEW_CONVERSATIONS)
            .to_string(),
        conversations: {
            let mut explainer = Explainer::new(&policy);
            rows.iter().map(|row| explainer.view(&me, row)).collect()
        },
        next,
    };
    Ok(json::response(StatusCode::OK, &body))
}

/// A reply or a private note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: i64,
    /// The conversation.
    pub conversation: i64,
    /// `"reply"` or `"note"`.
    pub kind: String,
    /// The author's user id.
    pub author: i64,
    /// The text.
    pub body: String,
    /// When, in UTC.
    pub time: String,
}

fn messages(conn: &mut dyn Sql, conversation: i64) -> Result<Vec<Message>, ApiError> {
    let rows = conn.query(
        "SELECT id, conversation_id, kind, author_id, body, created_at FROM messages \
         WHERE conversation_id = ? ORDER BY id",
        &[conversation.into()],
    )?;
    let messages = rows
        .iter()
        .map(|row| {
            Ok(Message {
                id: row.int(0)?,
                conversation: row.int(1)?,
                kind: row.text(2)?,
                author: row.int(3)?,
                body: row.text(4)?,
                time: crate::audit::utc(row.int(5)?),
            })
        })
        .collect::<Result<Vec<_>, db::DbError>>()?;
    Ok(messages)
}

/// The body of `GET /api/conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationPage {
    /// The conversation with its buttons.
    #[serde(flatten)]
    pub conversation: ConversationView,
    /// Its replies and notes, oldest first.
    pub messages: Vec<Message>,
}

fn load_or_404(conn: &mut dyn Sql, id: i64) -> Result<ConversationRow, ApiError> {
    db::load_conversation(conn, id)?
        .ok_or_else(|| ApiError::not_found(format!("there is no conversation {id}")))
}

/// 403 with the decision's sentence unless `subject` may do `permission` on `row`.
fn require(
    policy: &Policy,
    subject: &Subject<'_>,
    permission: Permissions,
    row: &ConversationRow,
) -> Result<(), ApiError> {
    policy.check(subject, permission, row).into_result()?;
    Ok(())
}

/// `GET /api/conversations/{id}`: the conversation with its buttons; 403 or 404.
///
/// # Errors
/// 401, 400/404 for a bad id, 404, 403 with the decision's sentence.
pub async fn show(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "conversation")?;
    let policy = app.policy().await?;
    let page = app
        .db
        .run(move |conn| {
            let row = load_or_404(conn, id)?;
            let subject = agent.subject();
            require(&policy, &subject, Permissions::VIEW_CONVERSATIONS, &row)?;
            Ok(ConversationPage {
                conversation: view(&policy, &policy.resolve(subject), &row),
                messages: messages(conn, id)?,
            })
        })
        .await?;
    Ok(json::response(StatusCode::OK, &page))
}

/// The body of `POST .../replies` and `POST .../notes`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// The text; not blank.
    pub body: String,
}

async fn post_message(
    app: App,
    agent: Agent,
    id: &str,
    body: String,
    kind: &'static str,
    permission: Permissions,
) -> Result<Response, ApiError> {
    let id = path_id(id, "conversation")?;
    if body.trim().is_empty() {
        return Err(ApiError::invalid("the message body is empty"));
    }
    let policy = app.policy().await?;
    let message = app
        .db
        .run(move |conn| {
            let row = load_or_404(conn, id)?;
            require(&policy, &agent.subject(), permission, &row)?;
            let created = db::now();
            let inserted = conn.query_one(
                "INSERT INTO messages (conversation_id, author_id, kind, body, created_at) \
                 VALUES (?, ?, ?, ?, ?) RETURNING id",
                &[
                    id.into(),
                    sql_user(agent.id)?.into(),
                    kind.into(),
                    body.as_str().into(),
                    created.into(),
                ],
            )?;
            Ok(Message {
                id: inserted.int(0)?,
                conversation: id,
                kind: kind.to_owned(),
                author: sql_user(agent.id)?,
                body,
                time: crate::audit::utc(created),
            })
        })
        .await?;
    Ok(json::response(StatusCode::CREATED, &message))
}

/// `POST /api/conversations/{id}/replies`: needs `reply` there.
///
/// # Errors
/// 401, 400, 404, 403 with the decision's sentence, 413, 422 for a blank body.
pub async fn reply(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    JsonBody(body): JsonBody<NewMessage>,
) -> Result<Response, ApiError> {
    post_message(app, agent, &id, body.body, "reply", Permissions::REPLY).await
}

/// `POST /api/conversations/{id}/notes`: needs `add_private_note` there.
///
/// # Errors
/// 401, 400, 404, 403 with the decision's sentence, 413, 422 for a blank body.
pub async fn note(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    JsonBody(body): JsonBody<NewMessage>,
) -> Result<Response, ApiError> {
    post_message(
        app,
        agent,
        &id,
        body.body,
        "note",
        Permissions::ADD_PRIVATE_NOTE,
    )
    .await
}

/// The body of `PUT .../assignee`: a user id, or `null` to unassign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssignee {
    /// The new assignee.
    pub user: Option<i64>,
}

/// Whether `target` may be given `row`: their role grants `reply`, and when the conversation
/// has a group they are a full member of it or reach it at Global (a view-only member cannot
/// be assigned). `Err` is the sentence for the 422.
pub fn assignable(policy: &Policy, target: &Agent, row: &ConversationRow) -> Result<(), String> {
    let subject = target.subject();
    // As if it were assigned to them: any grant of reply reaches it then, so the decision says
    // exactly whether (and why not) the role grants reply at all.
    let as_assignee = Conversation {
        group: row.group,
        assignee: Some(target.id),
        participants: &[],
    };
    let decision = policy.check(&subject, Permissions::REPLY, &as_assignee);
    if decision.is_denied() {
        return Err(format!(
            "{} (user {}) cannot be assigned conversation {}: {decision}",
            target.name, target.id, row.id
        ));
    }
    let Some(group) = row.group else {
        return Ok(());
    };
    let role = policy.role(target.role);
    let scope = role.and_then(|role| role.scope_of(Permissions::REPLY));
    if scope == Some(Scope::Global) || target.groups.contains(&group) {
        return Ok(());
    }
    let membership = if target.view_only.contains(&group) {
        "is one of their view-only groups (a view-only member cannot be assigned)"
    } else {
        "is not one of their groups"
    };
    Err(format!(
        "{} (user {}) cannot be assigned conversation {}: its group {group} {membership}, \
         and role \"{}\" grants reply at {} scope, not Global",
        target.name,
        target.id,
        row.id,
        role.map_or("?", |role| role.name()),
        scope.map_or_else(|| "no".to_owned(), |scope| scope.to_string()),
    ))
}

/// `PUT /api/conversations/{id}/assignee`: the actor needs `assign_conversation` there; the
/// new assignee must be [`assignable`]. Answers the conversation as the actor now sees it.
///
/// # Errors
/// 401, 400, 404, 403 with the decision's sentence, 422 with the reason the user cannot take it.
pub async fn assign(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    JsonBody(body): JsonBody<NewAssignee>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "conversation")?;
    let policy = app.policy().await?;
    let view = app
        .db
        .run(move |conn| {
            let row = load_or_404(conn, id)?;
            let subject = agent.subject();
            require(&policy, &subject, Permissions::ASSIGN_CONVERSATION, &row)?;
            let assignee = match body.user {
                None => None,
                Some(user) => {
                    let target = UserId::try_from(user)
                        .ok()
                        .map(|target| db::load_agent(conn, target))
                        .transpose()?
                        .flatten()
                        .ok_or_else(|| ApiError::invalid(format!("there is no user {user}")))?;
                    assignable(&policy, &target, &row).map_err(ApiError::invalid)?;
                    Some(user)
                }
            };
            let actor = sql_user(agent.id)?;
            conn.transaction(|tx| {
                tx.execute(
                    "UPDATE conversations SET assignee_id = ? WHERE id = ?",
                    &[assignee.into(), id.into()],
                )?;
                tx.execute(
                    "INSERT INTO assignments (conversation_id, assignee_id, actor_id, created_at) \
                     VALUES (?, ?, ?, ?)",
                    &[id.into(), assignee.into(), actor.into(), db::now().into()],
                )?;
                Ok(())
            })?;
            let row = load_or_404(conn, id)?;
            Ok(view(&policy, &policy.resolve(subject), &row))
        })
        .await?;
    Ok(json::response(StatusCode::OK, &view))
}

/// The query of `GET .../agents`.
#[derive(Debug, Clone, Deserialize)]
pub struct AgentsQuery {
    /// A permission name, or several joined by `,` (all of them).
    pub permission: Option<String>,
}

/// One agent in a picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentView {
    /// The user id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their role id.
    pub role: u32,
}

/// The body of `GET .../agents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agents {
    /// The conversation.
    pub conversation: i64,
    /// The permissions asked for.
    pub permission: Permissions,
    /// The agents who may, ascending id.
    pub agents: Vec<AgentView>,
}

/// The agents table (`users`, alias `a`) and memberships, as `AgentFilter::to_sql` sees them.
pub fn agent_columns() -> AgentColumns<'static> {
    AgentColumns {
        id: "a.id",
        role: "a.role_id",
        membership: Some(MembershipTable {
            table: "memberships",
            user: "user_id",
            group: "group_id",
            view_only: Some("view_only"),
        }),
    }
}

/// Parses `view_conversations` or `reply,add_private_note` with the policy's vocabulary: 400
/// for an unknown name or none.
///
/// # Errors
/// 400 naming the unknown permission.
pub fn parse_permissions(policy: &Policy, text: &str) -> Result<Permissions, ApiError> {
    let permissions = policy
        .vocabulary()
        .parse(text)
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    if permissions.is_empty() {
        return Err(ApiError::bad_request(
            "name at least one permission: ?permission=reply",
        ));
    }
    Ok(permissions)
}

/// `GET /api/conversations/{id}/agents?permission=NAME`: the agents who may do it there, from
/// `who_may(..).to_sql(..)` in one query. The actor must be able to view the conversation.
///
/// # Errors
/// 401, 400 (no or an unknown permission), 404, 403.
pub async fn agents(
    State(app): State<App>,
    SignedIn(agent): SignedIn,
    IdSegment(id): IdSegment,
    query: Result<Query<AgentsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "conversation")?;
    let Query(query) = query.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    let text = query
        .permission
        .ok_or_else(|| ApiError::bad_request("name the permission: ?permission=reply"))?;
    let policy = app.policy().await?;
    let permissions = parse_permissions(&policy, &text)?;
    let body = app
        .db
        .run(move |conn| {
            let row = load_or_404(conn, id)?;
            require(
                &policy,
                &agent.subject(),
                Permissions::VIEW_CONVERSATIONS,
                &row,
            )?;
            let filter = policy
                .who_may(permissions, &row)
                .to_sql_in(conn.dialect(), &agent_columns())
                .map_err(|error| ApiError::internal(error.to_string()))?;
            let query = format!(
                "SELECT a.id, a.name, a.role_id FROM users a WHERE {} ORDER BY a.id",
                filter.sql
            );
            let params: Vec<Value> = filter.params.iter().map(|p| Value::Int(*p)).collect();
            let agents = conn
                .query(&query, &params)?
                .iter()
                .map(|row| {
                    Ok(AgentView {
                        id: row.int(0)?,
                        name: row.text(1)?,
                        role: u32::try_from(row.int(2)?).unwrap_or(u32::MAX),
                    })
                })
                .collect::<Result<Vec<_>, db::DbError>>()?;
            Ok(Agents {
                conversation: id,
                permission: permissions,
                agents,
            })
        })
        .await?;
    Ok(json::response(StatusCode::OK, &body))
}
