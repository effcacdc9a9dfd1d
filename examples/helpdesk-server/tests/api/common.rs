//! Calling the router without a socket, and reading its JSON answers.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use helpdesk_server::router;
use serde_json::Value;
use tower::ServiceExt;

pub use super::backend::{fresh, Store};

/// A fresh server over a new database with the demo data (SQLite in memory, or a new
/// PostgreSQL database); `None` when this backend's tests are skipped (no PostgreSQL here).
pub async fn demo() -> Option<Router> {
    Some(router(fresh(0).await?))
}

/// An answer: status, headers and body (as JSON when it parses, else `Value::Null`).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// The ETag header as text.
    pub fn etag(&self) -> Option<&str> {
        self.headers.get("etag").and_then(|v| v.to_str().ok())
    }

    /// The `reason` of an error body.
    pub fn reason(&self) -> &str {
        self.json["reason"].as_str().unwrap_or("")
    }

    /// Asserts the status and, for an error, that the body is `{"error": kind, "reason": ..}`.
    #[track_caller]
    pub fn expect(&self, status: u16, kind: Option<&str>) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        if let Some(kind) = kind {
            assert_eq!(self.json["error"], kind, "body: {}", self.text);
            assert!(!self.reason().is_empty(), "no reason in {}", self.text);
        }
        self
    }
}

/// A request: method, path, the signed-in user, `If-Match`, and a raw body.
pub async fn call(
    app: &Router,
    method: &str,
    uri: &str,
    user: Option<i64>,
    if_match: Option<&str>,
    body: Option<String>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(user) = user {
        request = request.header("x-user-id", user.to_string());
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .expect("body");
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

pub async fn get(app: &Router, uri: &str, user: i64) -> Reply {
    call(app, "GET", uri, Some(user), None, None).await
}

pub async fn send(app: &Router, method: &str, uri: &str, user: i64, body: Value) -> Reply {
    call(app, method, uri, Some(user), None, Some(body.to_string())).await
}

pub async fn edit(
    app: &Router,
    method: &str,
    uri: &str,
    user: i64,
    tag: &str,
    body: Value,
) -> Reply {
    call(
        app,
        method,
        uri,
        Some(user),
        Some(tag),
        Some(body.to_string()),
    )
    .await
}

/// The ids of a JSON array of objects with an `id`.
pub fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|item| item["id"].as_i64().expect("an id"))
        .collect()
}

/// The strings of a JSON array.
pub fn strings(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|item| item.as_str().expect("a string"))
        .collect()
}

/// The inbox ids of a user, ascending: every page of two (newest first) walked through by
/// `next`, each page checked to be in order and to continue the one before.
pub async fn inbox(app: &Router, user: i64) -> Vec<i64> {
    let mut all: Vec<i64> = Vec::new();
    let mut uri = "/api/conversations?limit=2".to_owned();
    loop {
        let reply = get(app, &uri, user).await;
        reply.expect(200, None);
        let page = ids(&reply.json["conversations"]);
        assert!(page.len() <= 2, "{}", reply.text);
        assert!(
            page.windows(2).all(|w| w[0] > w[1]),
            "not newest first: {page:?}"
        );
        if let (Some(last), Some(first)) = (all.last(), page.first()) {
            assert!(first < last, "pages overlap: {all:?} then {page:?}");
        }
        all.extend(&page);
        match reply.json["next"].as_i64() {
            Some(next) => {
                assert_eq!(page.last(), Some(&next), "next is the page's last id");
                uri = format!("/api/conversations?limit=2&before={next}");
            }
            None => {
                assert!(reply.json["next"].is_null(), "{}", reply.text);
                break;
            }
        }
    }
    all.reverse();
    all
}

/// The current revision's ETag.
pub async fn etag(app: &Router) -> String {
    get(app, "/api/roles", 1)
        .await
        .etag()
        .expect("an ETag")
        .to_owned()
}

// Demo users.
pub const ADA: i64 = 1;
pub const BEN: i64 = 2;
pub const CLEO: i64 = 3;
pub const DEV: i64 = 4;
pub const EVE: i64 = 5;
pub const FINN: i64 = 6;
