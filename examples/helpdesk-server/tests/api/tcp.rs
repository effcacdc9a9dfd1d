//! A few requests through a real TCP listener on 127.0.0.1 (an ephemeral port), in raw HTTP/1.1.

use std::net::SocketAddr;

use serde_json::Value;
use tokio::net::TcpListener;

async fn serve() -> Option<SocketAddr> {
    let app = super::common::demo().await?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Some(addr)
}

/// One request on its own connection (`Connection: close`); the status and the body.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let (status, _, body) = crate::raw_http::exchange(
        addr,
        method,
        path,
        headers,
        body,
        std::time::Duration::from_secs(10),
    )
    .await;
    (status, body)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn inbox_note_and_refusals_over_tcp() {
    let Some(addr) = serve().await else { return };
    let (status, body) =
        request(addr, "GET", "/api/conversations", &[("X-User-Id", "5")], "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(super::common::ids(&json(&body)["conversations"]), [5, 3]);

    let (status, body) = request(
        addr,
        "POST",
        "/api/conversations/5/notes",
        &[("X-User-Id", "5"), ("Content-Type", "application/json")],
        r#"{"body":"over TCP"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(json(&body)["body"], "over TCP");

    let (status, body) = request(addr, "GET", "/api/conversations", &[], "").await;
    assert_eq!(status, 401);
    assert_eq!(json(&body)["error"], "unauthorized");

    let (status, body) = request(
        addr,
        "POST",
        "/api/conversations/5/replies",
        &[("X-User-Id", "6")],
        r#"{"body":"hi"}"#,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        json(&body)["reason"],
        "denied: role \"Marketing User\" does not grant reply"
    );
}

#[tokio::test]
async fn role_edit_with_etag_over_tcp() {
    let Some(addr) = serve().await else { return };
    let (status, body) = request(
        addr,
        "POST",
        "/api/roles",
        &[("X-User-Id", "1")],
        r#"{"source":8,"name":"Closer"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let revision = json(&body)["revision"].as_u64().unwrap();
    let tag = format!("\"{revision}\"");
    let (status, body) = request(
        addr,
        "PATCH",
        "/api/roles/100",
        &[("X-User-Id", "1"), ("If-Match", &tag)],
        r#"{"revoke":["resolve_conversation"]}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = request(
        addr,
        "PATCH",
        "/api/roles/100",
        &[("X-User-Id", "1"), ("If-Match", &tag)],
        r#"{"name":"Late"}"#,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = request(addr, "GET", "/", &[], "").await;
    assert_eq!(status, 200);
    assert!(body.contains("Closer"));
}
