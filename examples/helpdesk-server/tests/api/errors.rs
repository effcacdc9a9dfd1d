//! Bad input of every kind gets a clear 4xx with a JSON body: never a 500 or a panic.

use serde_json::json;

use super::common::*;

#[tokio::test]
async fn unknown_or_missing_users_get_401() {
    let Some(app) = demo().await else { return };
    for user in [
        None,
        Some("77"),
        Some("-1"),
        Some("abc"),
        Some("99999999999999999999"),
        Some(""),
    ] {
        let mut request = axum::http::Request::builder().uri("/api/conversations");
        if let Some(user) = user {
            request = request.header("x-user-id", user);
        }
        let response = tower::ServiceExt::oneshot(
            app.clone(),
            request.body(axum::body::Body::empty()).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 401, "X-User-Id {user:?}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"], "unauthorized");
    }
    for (method, uri) in [
        ("GET", "/api/conversations/1"),
        ("GET", "/api/roles"),
        ("GET", "/api/permissions"),
        ("GET", "/api/audit"),
        ("POST", "/api/roles"),
        ("DELETE", "/api/roles/100"),
        ("PUT", "/api/users/3/role"),
    ] {
        call(
            &app,
            method,
            uri,
            Some(404),
            Some("\"0\""),
            Some("{}".into()),
        )
        .await
        .expect(401, Some("unauthorized"));
    }
}

#[tokio::test]
async fn malformed_json_is_400_with_the_json_error_body() {
    let Some(app) = demo().await else { return };
    for body in [
        "{",
        "not json",
        "[]",
        "{\"body\": 5}",
        "{\"body\": \"x\", \"extra\": 1}",
        "",
    ] {
        let reply = call(
            &app,
            "POST",
            "/api/conversations/1/notes",
            Some(CLEO),
            None,
            Some(body.into()),
        )
        .await;
        reply.expect(400, Some("bad_request"));
        assert!(
            reply.reason().starts_with("malformed JSON body"),
            "{body}: {}",
            reply.text
        );
    }
    let reply = call(
        &app,
        "PATCH",
        "/api/roles/100",
        Some(ADA),
        Some("\"0\""),
        Some("{\"grant\": {".into()),
    )
    .await;
    reply.expect(400, Some("bad_request"));
    let reply = call(
        &app,
        "PUT",
        "/api/users/3/role",
        Some(ADA),
        None,
        Some("{\"role\": 1e400}".into()),
    )
    .await;
    reply.expect(400, Some("bad_request"));
    let reply = call(
        &app,
        "PUT",
        "/api/users/3/role",
        Some(ADA),
        None,
        Some("{\"role\": 99999999999999999999999}".into()),
    )
    .await;
    reply.expect(400, Some("bad_request"));
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let Some(app) = demo().await else { return };
    let big = json!({"body": "x".repeat(64 * 1024)}).to_string();
    let reply = call(
        &app,
        "POST",
        "/api/conversations/1/notes",
        Some(CLEO),
        None,
        Some(big),
    )
    .await;
    reply.expect(413, Some("payload_too_large"));
    let reply = call(
        &app,
        "PATCH",
        "/api/roles/4",
        Some(ADA),
        Some("\"0\""),
        Some(" ".repeat(70_000)),
    )
    .await;
    reply.expect(413, Some("payload_too_large"));
    // Just under the limit is fine.
    let fits = json!({"body": "y".repeat(60 * 1024)}).to_string();
    let reply = call(
        &app,
        "POST",
        "/api/conversations/1/notes",
        Some(CLEO),
        None,
        Some(fits),
    )
    .await;
    reply.expect(201, None);
    assert_eq!(reply.json["body"].as_str().unwrap().len(), 60 * 1024);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let Some(app) = demo().await else { return };
    get(&app, "/api/nothing", ADA)
        .await
        .expect(404, Some("not_found"));
    call(&app, "DELETE", "/api/conversations", Some(ADA), None, None)
        .await
        .expect(405, Some("method_not_allowed"));
}

#[tokio::test]
async fn the_page_shows_users_inbox_buttons_reasons_and_roles_escaped() {
    let Some(app) = demo().await else { return };
    let tag = etag(&app).await;
    let hostile = "<script>alert(\"x\")</script> & co";
    let created = call(
        &app,
        "POST",
        "/api/roles",
        Some(ADA),
        Some(&tag),
        Some(json!({"source": 9, "name": hostile}).to_string()),
    )
    .await;
    created.expect(201, None);
    let page = call(&app, "GET", "/?user=4", None, None, None).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers["content-type"], "text/html; charset=utf-8");
    let html = &page.text;
    assert!(!html.contains("<script>"), "unescaped role name");
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"));
    for name in ["Ada", "Ben", "Cleo", "Dev", "Eve", "Finn"] {
        assert!(html.contains(&format!(">{name}</a>")), "{name} missing");
    }
    assert!(html.contains("Inbox of Dev"));
    // The catalogue's labels on the buttons, the permission's name beside.
    assert!(html.contains("<button name=\"reply\">Reply</button>"));
    assert!(html.contains("<button name=\"assign_conversation\" disabled title=\"denied: role &quot;Sales User&quot; does not grant assign_conversation\">Assign conversations</button>"));
    assert!(!html.contains(">reply</button>"));
    assert!(html.contains("Support Agent"));
    // A bad `before` is the API's 400; paging itself is tested in `paging` and in a browser.
    let bad = call(&app, "GET", "/?user=4&before=-3", None, None, None).await;
    bad.expect(400, Some("bad_request"));
    // Without a user, or an unknown one, the picker alone.
    let page = call(&app, "GET", "/?user=%3Cb%3E", None, None, None).await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("Inbox of"));
}
