//! `GET /`: a small server-rendered page to try the crate in a browser. No JavaScript: pick a
//! user with a link, see their inbox a page at a time (newest first, the API's keyset paging)
//! with each conversation's buttons under the catalogue's labels (disabled ones with the
//! reason), and the roles with their grants. Everything interpolated is HTML-escaped.

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use helpdesk_policy::{Permissions, Policy, UserId};
use serde::Deserialize;

use crate::app::App;
use crate::conversations::{inbox_rows, ConversationView, Explainer, PageRequest};
use crate::db::{self, Agent, Sql};
use crate::error::ApiError;
use crate::roles::RoleView;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's query: `?user=3` picks the user to look through, `before` pages their inbox.
#[derive(Debug, Clone, Deserialize)]
pub struct PageQuery {
    /// The user to show, as typed (anything that is not a user shows the picker alone).
    pub user: Option<String>,
    /// The `next` of the page before (as the API's `before`; a bad one is a 400).
    pub before: Option<String>,
}

/// The users the picker lists: the first ones (the demo's); a generated database has
/// thousands, and `?user=ID` reaches any of them.
const PICKER_USERS: i64 = 12;

struct Selected {
    agent: Agent,
    inbox: Vec<ConversationView>,
    page: PageRequest,
    next: Option<i64>,
}

struct PageData {
    users: Vec<Agent>,
    group_names: Vec<(u64, String)>,
    selected: Option<Selected>,
}

fn load(
    conn: &mut dyn Sql,
    policy: &Policy,
    user: Option<i64>,
    page: PageRequest,
) -> Result<PageData, ApiError> {
    let ids = conn.query(
        "SELECT id FROM users ORDER BY id LIMIT ?",
        &[PICKER_USERS.into()],
    )?;
    let mut users = Vec::new();
    for row in ids {
        if let Ok(id) = UserId::try_from(row.int(0)?) {
            users.extend(db::load_agent(conn, id)?);
        }
    }
    let selected = match user.and_then(|id| UserId::try_from(id).ok()) {
        Some(id) => match db::load_agent(conn, id)? {
            Some(agent) => {
                let (rows, next) = inbox_rows(conn, policy, &agent, page)?;
                let me = policy.resolve(agent.subject());
                let mut explainer = Explainer::new(policy);
                let inbox = rows.iter().map(|row| explainer.view(&me, row)).collect();
                Some(Selected {
                    agent,
                    inbox,
                    page,
                    next,
                })
            }
            None => None,
        },
        None => None,
    };
    // Only the groups the page names.
    let mut wanted: Vec<i64> = users
        .iter()
        .chain(selected.as_ref().map(|s| &s.agent))
        .flat_map(|agent| agent.groups.iter().chain(agent.view_only.iter()))
        .filter_map(|group| db::sql_id(group.0))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut group_names = Vec::new();
    for id in wanted {
        if let Some(row) = conn.query_opt("SELECT name FROM groups WHERE id = ?", &[id.into()])? {
            group_names.push((u64::try_from(id).unwrap_or(0), row.text(0)?));
        }
    }
    Ok(PageData {
        users,
        group_names,
        selected,
    })
}

/// `GET /`: the page.
///
/// # Errors
/// A database error.
pub async fn page(
    State(app): State<App>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let query = query.map(|Query(q)| q).ok();
    let user = query
        .as_ref()
        .and_then(|q| q.user.as_deref())
        .and_then(|text| text.trim().parse::<i64>().ok());
    let page = crate::conversations::PageQuery {
        limit: None,
        before: query.and_then(|q| q.before),
    }
    .parse()?;
    let policy = app.policy().await?;
    let (data, policy) = app
        .db
        .run(move |conn| Ok((load(conn, &policy, user, page)?, policy)))
        .await?;
    let html = render(&policy, &data);
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response())
}

fn role_name(policy: &Policy, agent: &Agent) -> String {
    policy.role(agent.role).map_or_else(
        || format!("role id {} (deleted)", agent.role),
        |role| role.name().to_owned(),
    )
}

fn groups_text(data: &PageData, groups: &[helpdesk_policy::GroupId]) -> String {
    if groups.is_empty() {
        return "none".to_owned();
    }
    groups
        .iter()
        .map(|g| {
            data.group_names
                .iter()
                .find(|(id, _)| *id == g.0)
                .map_or_else(|| format!("group {g}"), |(_, name)| format!("{name} ({g})"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn render(policy: &Policy, data: &PageData) -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>helpdesk-policy: reference backend</title>\
         <style>body{font-family:sans-serif;margin:2em;max-width:70em}\
         table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}\
         button{margin:.1em}button[disabled]{opacity:.45}.why{color:#864;font-size:.85em}\
         .current{font-weight:bold}</style></head><body>\n\
         <h1>helpdesk-policy: reference backend</h1>\n",
    );
    let _ = writeln!(
        html,
        "<p>Plan <b>{}</b>, policy revision <b>{}</b>. The API signs in with the header \
         <code>X-User-Id</code>; this page looks through the user picked below.</p>",
        escape(policy.plan().as_str()),
        policy.revision()
    );
    html.push_str("<h2>Pick a user</h2>\n<ul>\n");
    for user in &data.users {
        let current = data
            .selected
            .as_ref()
            .is_some_and(|selected| selected.agent.id == user.id);
        let _ = writeln!(
            html,
            "<li{}><a href=\"/?user={}\">{}</a>: {}; groups: {}; view-only: {}</li>",
            if current { " class=\"current\"" } else { "" },
            user.id,
            escape(&user.name),
            escape(&role_name(policy, user)),
            escape(&groups_text(data, &user.groups)),
            escape(&groups_text(data, &user.view_only)),
        );
    }
    html.push_str("</ul>\n");
    if let Some(Selected {
        agent,
        inbox,
        page,
        next,
    }) = &data.selected
    {
        let _ = writeln!(
            html,
            "<h2 id=\"inbox\">Inbox of {} ({})</h2>\n<p>{}</p>",
            escape(&agent.name),
            escape(&role_name(policy, agent)),
            escape(
                &policy
                    .filter(&agent.subject(), Permissions::VIEW_CONVERSATIONS)
                    .to_string()
            ),
        );
        if inbox.is_empty() {
            html.push_str("<p>No conversations.</p>\n");
        } else {
            html.push_str(
                "<table><tr><th>id</th><th>subject</th><th>group</th><th>assignee</th>\
                 <th>buttons</th></tr>\n",
            );
            for conversation in inbox {
                render_conversation(&mut html, policy, conversation);
            }
            html.push_str("</table>\n");
        }
        // Keyset paging, as the API: newest first, `next` is the following page's `before`.
        html.push_str("<p class=\"paging\">");
        if page.before.is_some() {
            let _ = write!(html, "<a href=\"/?user={}\">Newest</a> ", agent.id);
        }
        if let Some(next) = next {
            let _ = write!(
                html,
                "<a rel=\"next\" href=\"/?user={}&amp;before={next}\">Older</a>",
                agent.id
            );
        }
        html.push_str("</p>\n");
    }
    html.push_str("<h2>Roles</h2>\n<table><tr><th>id</th><th>role</th><th>grants</th></tr>\n");
    for role in policy.roles().map(|role| RoleView::of(policy, role)) {
        let grants = role
            .grants
            .iter()
            .map(|(name, scope)| format!("{name}: {}", scope.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td><b>{}</b>{}<br><span class=\"why\">{}</span></td><td>{}</td></tr>",
            role.id,
            escape(&role.name),
            if role.builtin { " (built-in)" } else { "" },
            escape(&role.description),
            escape(&grants),
        );
    }
    html.push_str("</table>\n</body></html>\n");
    html
}

/// The catalogue's label of a permission (`Reply` for `reply`), its name if it has none.
fn label(policy: &Policy, permission: Permissions, name: &str) -> String {
    policy
        .vocabulary()
        .info(permission)
        .map_or_else(|| name.to_owned(), |info| info.label.to_string())
}

fn render_conversation(html: &mut String, policy: &Policy, conversation: &ConversationView) {
    let _ = write!(
        html,
        "<tr data-id=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>",
        conversation.id,
        conversation.id,
        escape(&conversation.subject),
        conversation
            .group
            .map_or_else(|| "none".to_owned(), |g| g.to_string()),
        conversation
            .assignee
            .map_or_else(|| "none".to_owned(), |u| u.to_string()),
    );
    for button in crate::conversations::BUTTONS.each() {
        let name = button.permission_name().unwrap_or("unknown");
        let shown = label(policy, button, name);
        if conversation.actions.contains(button) {
            let _ = write!(
                html,
                "<button name=\"{}\">{}</button>",
                escape(name),
                escape(&shown)
            );
        } else if let Some(denied) = conversation.denied.iter().find(|d| d.permission == name) {
            let _ = write!(
                html,
                "<button name=\"{name}\" disabled title=\"{reason}\">{shown}</button>\
                 <div class=\"why\">{shown}: {reason}</div>",
                name = escape(name),
                shown = escape(&shown),
                reason = escape(&denied.reason),
            );
        }
    }
    html.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
