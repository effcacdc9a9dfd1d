//! Paging on a generated database: walked through to the end, every conversation `check`
//! allows, each once, newest first; and the 400s of a bad `limit` or `before`.

use helpdesk_policy::{Permissions, UserId};
use helpdesk_server::conversations::{
    conversation_columns, inbox_rows_from_window, window_query, PageRequest,
};
use helpdesk_server::db::{self, conversation_columns_sql, Backend, Value};
use helpdesk_server::{router, App};

use super::common::*;

/// Every conversation `user` may view according to `check`, over all rows, ascending.
async fn allowed_by_check(app: &App, user: i64) -> Vec<i64> {
    let policy = app.policy().await.expect("policy");
    let (agent, rows) = app
        .db
        .run(move |conn| {
            let agent = db::load_agent(conn, UserId(user as u64))?.expect("a user");
            let query = format!(
                "SELECT {} FROM conversations c ORDER BY c.id",
                conversation_columns_sql(conn.backend())
            );
            let rows = conn
                .query(&query, &[])?
                .iter()
                .map(db::conversation_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((agent, rows))
        })
        .await
        .expect("rows");
    rows.iter()
        .filter(|row| {
            policy
                .check(&agent.subject(), Permissions::VIEW_CONVERSATIONS, *row)
                .is_allowed()
        })
        .map(|row| row.id)
        .collect()
}

/// Every page of `limit` (newest first, through `next`), each page checked; ascending ids.
async fn walk(app: &axum::Router, user: i64, limit: i64) -> Vec<i64> {
    let mut all: Vec<i64> = Vec::new();
    let mut uri = format!("/api/conversations?limit={limit}");
    loop {
        let reply = get(app, &uri, user).await;
        reply.expect(200, None);
        let page = ids(&reply.json["conversations"]);
        assert!(page.len() as i64 <= limit);
        assert!(page.windows(2).all(|w| w[0] > w[1]), "{page:?}");
        if let (Some(last), Some(first)) = (all.last(), page.first()) {
            assert!(first < last, "pages overlap");
        }
        all.extend(&page);
        match reply.json["next"].as_i64() {
            Some(next) => {
                assert_eq!(page.len() as i64, limit, "only a full page has a next");
                assert_eq!(page.last(), Some(&next));
                uri = format!("/api/conversations?limit={limit}&before={next}");
            }
            None => break,
        }
    }
    all.reverse();
    all
}

#[tokio::test]
async fn paging_to_the_end_gives_every_allowed_conversation_once() {
    let Some(app) = fresh(1500).await else { return };
    let routes = router(app.clone());
    // The demo users, and generated agents on every kind of role (7 to 40 cover them all).
    let mut users: Vec<i64> = (1..=6).collect();
    users.extend(7..=40);
    let mut seen_limited = false;
    for user in users {
        let expected = allowed_by_check(&app, user).await;
        let pages = walk(&routes, user, 37).await;
        assert_eq!(pages, expected, "user {user}");
        seen_limited |= !expected.is_empty() && expected.len() < 1506;
    }
    assert!(seen_limited, "some users see part of the conversations");
    // Cleo (Global) sees all of them; the default page is 50.
    let first = get(&routes, "/api/conversations", CLEO).await;
    assert_eq!(ids(&first.json["conversations"]).len(), 50);
    assert_eq!(first.json["conversations"][0]["id"], 1506);
    assert_eq!(first.json["next"], 1457);
    let whole = get(&routes, "/api/conversations?limit=200&before=1457", CLEO).await;
    assert_eq!(
        ids(&whole.json["conversations"]),
        (1257..1457).rev().collect::<Vec<_>>()
    );
}

/// Every page through the id windows of `inbox_rows`, the first `first_window` ids wide.
async fn walk_windows(app: &App, user: i64, limit: i64, first_window: i64) -> Vec<i64> {
    let policy = app.policy().await.expect("policy");
    app.db
        .run(move |conn| {
            let agent = db::load_agent(conn, UserId(user as u64))?.expect("a user");
            let (mut all, mut before) = (Vec::new(), None);
            loop {
                let page = PageRequest { limit, before };
                let (rows, next) =
                    inbox_rows_from_window(conn, &policy, &agent, page, first_window)?;
                assert!(rows.len() as i64 <= limit);
                all.extend(rows.iter().map(|row| row.id));
                match next {
                    Some(next) => before = Some(next),
                    None => break,
                }
            }
            all.reverse();
            Ok(all)
        })
        .await
        .expect("pages")
}

#[tokio::test]
async fn narrow_id_windows_page_the_same_as_one_query() {
    let Some(app) = fresh(1500).await else { return };
    for user in [3, 4, 5, 7, 8, 9, 10, 11, 12] {
        let expected = allowed_by_check(&app, user).await;
        for (limit, first_window) in [(5, 1), (37, 16), (50, 3), (200, 1 << 20)] {
            assert_eq!(
                walk_windows(&app, user, limit, first_window).await,
                expected,
                "user {user}, limit {limit}, first window {first_window}"
            );
        }
    }
}

#[tokio::test]
async fn a_bad_limit_or_before_is_400_with_the_error_body() {
    let Some(app) = demo().await else { return };
    for query in [
        "limit=0",
        "limit=201",
        "limit=-1",
        "limit=abc",
        "limit=1.5",
        "limit=",
        "limit=99999999999999999999999",
        "before=-1",
        "before=abc",
        "before=",
        "before=99999999999999999999999",
        "limit=2&limit=3",
        "before=%FF",
    ] {
        let reply = get(&app, &format!("/api/conversations?{query}"), DEV).await;
        reply.expect(400, Some("bad_request"));
    }
    // The edges are fine: 1 and 200, before 0 (nothing older), a before past the newest.
    let one = get(&app, "/api/conversations?limit=1", DEV).await;
    one.expect(200, None);
    assert_eq!(ids(&one.json["conversations"]), [4]);
    assert_eq!(one.json["next"], 4);
    let max = get(&app, "/api/conversations?limit=200&before=1000", DEV).await;
    assert_eq!(ids(&max.json["conversations"]), [4, 2, 1]);
    assert!(max.json["next"].is_null());
    let none = get(&app, "/api/conversations?before=0", DEV).await;
    assert_eq!(ids(&none.json["conversations"]), Vec::<i64>::new());
    assert!(none.json["next"].is_null());
    // Unauthenticated is still 401 first.
    let anonymous = call(&app, "GET", "/api/conversations?limit=0", None, None, None).await;
    anonymous.expect(401, Some("unauthorized"));
}

#[tokio::test]
async fn the_generator_is_deterministic_and_shaped_like_a_helpdesk() {
    let (Some(one), Some(two)) = (fresh(2000).await, fresh(2000).await) else {
        return;
    };
    let dump = |app: App| async move {
        app.db
            .run(|conn| {
                let mut out = Vec::new();
                for query in [
                    "SELECT id, subject, group_id, assignee_id FROM conversations ORDER BY id",
                    "SELECT conversation_id, user_id FROM conversation_participants ORDER BY 1, 2",
                    "SELECT id, name, role_id FROM users ORDER BY id",
                    "SELECT user_id, group_id, view_only FROM memberships ORDER BY 1, 2",
                    "SELECT count(*) FROM groups",
                ] {
                    out.push(conn.query(query, &[])?);
                }
                Ok(out)
            })
            .await
            .expect("dump")
    };
    let (a, b) = (dump(one.clone()).await, dump(two).await);
    assert_eq!(a, b, "the same N gives the same rows");
    let [conversations, participants, users, memberships, groups] = &a[..] else {
        unreachable!()
    };
    assert_eq!(conversations.len(), 2006);
    // The demo conversations are kept as they are.
    assert_eq!(conversations[0].text(1).unwrap(), "Parcel stuck in Lyon");
    assert_eq!(conversations[5].text(1).unwrap(), "Card declined twice");
    let generated = &conversations[6..];
    let assigned = generated
        .iter()
        .filter(|r| r.opt_int(3).unwrap().is_some())
        .count();
    assert!(
        (1250..1550).contains(&assigned),
        "about 70% assigned: {assigned}"
    );
    assert!(
        (450..750).contains(&(participants.len() - 1)),
        "about 0.3 each"
    );
    assert_eq!(users.len(), 5006);
    assert_eq!(groups[0].int(0).unwrap(), 500);
    let view_only = memberships
        .iter()
        .filter(|r| r.int(2).unwrap() == 1)
        .count();
    assert!(
        view_only > 500,
        "some memberships are view-only: {view_only}"
    );
    // Custom roles exist and are held; the audit log has the one stored revision.
    let roles = get(&router(one.clone()), "/api/roles", ADA).await;
    assert_eq!(roles.json["roles"].as_array().unwrap().len(), 12);
    let holders = users.iter().filter(|r| r.int(2).unwrap() >= 100).count();
    assert!(holders > 1000, "{holders} agents on custom roles");
    let audit = get(&router(one), "/api/audit", ADA).await;
    assert_eq!(audit.json["entries"].as_array().unwrap().len(), 1);
    assert_eq!(audit.json["entries"][0]["revision"], roles.json["revision"]);
}

/// How the database plans the statement of one inbox window of Dev (groups 1 and 2, 16,384 ids
/// below the newest, as the server's first window), one line of plan per row, as the server
/// has it run. On PostgreSQL that is two plans, both returned: the plan for the values (a
/// prepared statement's first five runs) and the generic plan it may settle on after them.
async fn window_plan(app: &App) -> Vec<String> {
    let policy = app.policy().await.expect("policy");
    app.db
        .run(move |conn| {
            let agent = db::load_agent(conn, UserId(4))?.expect("Dev");
            let filter = policy
                .filter(&agent.subject(), Permissions::VIEW_CONVERSATIONS)
                .to_sql_in(conn.dialect(), &conversation_columns())
                .expect("renders");
            let newest = conn
                .query_one("SELECT max(id) FROM conversations", &[])?
                .int(0)?;
            let (query, params) = window_query(
                conn.backend(),
                &filter,
                newest + 1,
                Some(newest - 16_383),
                51,
            );
            let lines = match conn.backend() {
                Backend::Postgres => {
                    let values = params
                        .iter()
                        .map(|value| match value {
                            Value::Int(value) => value.to_string(),
                            other => panic!("a window binds integers only, not {other:?}"),
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let types = vec!["bigint"; params.len()].join(", ");
                    conn.batch(&format!("PREPARE dev_window ({types}) AS {query}"))?;
                    let mut lines = Vec::new();
                    for mode in ["force_custom_plan", "force_generic_plan"] {
                        conn.batch(&format!("SET plan_cache_mode = {mode}"))?;
                        for row in
                            conn.query(&format!("EXPLAIN EXECUTE dev_window ({values})"), &[])?
                        {
                            lines.push(row.text(0)?);
                        }
                    }
                    conn.batch("DEALLOCATE dev_window; RESET plan_cache_mode")?;
                    lines
                }
                Backend::Sqlite => conn
                    .query(&format!("EXPLAIN QUERY PLAN {query}"), &params)?
                    .iter()
                    .map(|row| row.text(3))
                    .collect::<Result<Vec<_>, _>>()?,
            };
            Ok(lines)
        })
        .await
        .expect("plan")
}

#[tokio::test]
async fn an_inbox_window_is_read_through_the_filters_indexes_whatever_its_values() {
    // Large enough for the planners to weigh the indexes against walking the window.
    let Some(app) = fresh(200_000).await else {
        return;
    };
    let plan = window_plan(&app).await;
    let text = plan.join("\n");
    match app.db.backend() {
        // Not the primary key walked through the window, every row filtered: a generic plan
        // on `c.id` did that (8 ms for Dev at a million conversations). Both plans read the
        // group index inside the window.
        Backend::Postgres => {
            assert!(
                !text.contains("using conversations_pkey on conversations c "),
                "{text}"
            );
            assert_eq!(
                text.matches("Bitmap Index Scan on conversations_group_window")
                    .count(),
                2,
                "{text}"
            );
        }
        Backend::Sqlite => {
            assert!(
                !plan.iter().any(|line| line.starts_with("SCAN c")),
                "{text}"
            );
            assert!(text.contains("conversations_group"), "{text}");
        }
    }
}
