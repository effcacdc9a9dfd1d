//! Replicas: two server processes (the real binary) on one PostgreSQL, over TCP.
//!
//! A role change through one is used by the other's requests within the stated bound (at once
//! through `LISTEN`/`NOTIFY`); two edits from one revision through the two give one 200 and
//! one 409, and the audit log one entry per stored revision; a server whose database goes away
//! answers 503 with the usual body and recovers by itself when it is back.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::postgres::backend::new_database;
use crate::temp_postgres::TempPostgres;

/// The staleness bound the server states (`app::STALE_BOUND`), plus time for a loaded machine.
const BOUND: Duration = Duration::from_millis(2000 + 1500);

/// A server process; killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_helpdesk-server"))
            .args(["--addr", "127.0.0.1:0", "--database-url", url])
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the server's first line");
        // "helpdesk-server: http://127.0.0.1:PORT (database: ...)"
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server {
            child,
            addr,
            _stdout: stdout,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request on its own connection; the status, the ETag and the body as JSON.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    user: i64,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let user = user.to_string();
    let mut headers = vec![
        ("X-User-Id", user.as_str()),
        ("Content-Type", "application/json"),
    ];
    if let Some(tag) = if_match {
        headers.push(("If-Match", tag));
    }
    let (status, head, body) =
        crate::raw_http::exchange(addr, method, path, &headers, &body, Duration::from_secs(15))
            .await;
    let etag = head
        .lines()
        .find_map(|line| {
            line.strip_prefix("etag: ")
                .or_else(|| line.strip_prefix("ETag: "))
        })
        .map(str::to_owned);
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    (status, etag, json)
}

async fn revision(server: &Server) -> u64 {
    let (status, _, body) = request(server.addr, "GET", "/api/roles", 1, None, None).await;
    assert_eq!(status, 200, "{body}");
    body["revision"].as_u64().expect("a revision")
}

/// Waits until `server` answers with revision `wanted`; how long it took.
async fn until_revision(server: &Server, wanted: u64) -> Duration {
    let start = Instant::now();
    while revision(server).await != wanted {
        assert!(
            start.elapsed() < BOUND,
            "revision {wanted} not seen within {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

fn database(name: &str) -> Option<String> {
    new_database(name)
}

#[tokio::test]
async fn a_role_change_through_one_replica_is_used_by_the_other() {
    let Some(url) = database("replica_follow") else {
        return;
    };
    let (one, two) = (Server::start(&url), Server::start(&url));
    assert_eq!(revision(&two).await, 0);
    // Ada clones Support Agent as Intern through one; Ben gives it to Cleo through two.
    let (status, tag, _) = request(
        one.addr,
        "POST",
        "/api/roles",
        1,
        None,
        Some(json!({"source": 4, "name": "Intern"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(tag.as_deref(), Some("\"1\""));
    let took = until_revision(&two, 1).await;
    eprintln!("replica two saw revision 1 after {took:?}");
    let (status, _, body) = request(
        two.addr,
        "PUT",
        "/api/users/3/role",
        2,
        None,
        Some(json!({"role": 100})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Cleo may reply on conversation 1 through either.
    let reply = |server: &Server| {
        let addr = server.addr;
        async move {
            request(
                addr,
                "POST",
                "/api/conversations/1/replies",
                3,
                None,
                Some(json!({"body": "hello"})),
            )
            .await
        }
    };
    assert_eq!(reply(&two).await.0, 201);
    // Ada revokes reply through one: two refuses Cleo's next reply within the bound.
    let (status, _, body) = request(
        one.addr,
        "PATCH",
        "/api/roles/100",
        1,
        Some("\"1\""),
        Some(json!({"revoke": ["reply"]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let start = Instant::now();
    loop {
        let (status, _, body) = reply(&two).await;
        if status == 403 {
            assert_eq!(body["error"], "forbidden");
            assert!(
                body["reason"].as_str().unwrap().contains("Intern"),
                "{body}"
            );
            break;
        }
        assert_eq!(status, 201);
        assert!(
            start.elapsed() < BOUND,
            "two still allows the reply after {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_edits_from_one_revision_through_two_replicas_one_200_one_409() {
    let Some(url) = database("replica_cas") else {
        return;
    };
    let (one, two) = (Server::start(&url), Server::start(&url));
    let (status, _, _) = request(
        one.addr,
        "POST",
        "/api/roles",
        1,
        None,
        Some(json!({"source": 4, "name": "Intern"})),
    )
    .await;
    assert_eq!(status, 201);
    until_revision(&two, 1).await;
    for round in 1..=6u64 {
        let tag = format!("\"{round}\"");
        // Each edit changes something (a new name), so each would store a revision.
        let edit = |server: &Server, who: &'static str| {
            let (addr, tag) = (server.addr, tag.clone());
            async move {
                request(
                    addr,
                    "PATCH",
                    "/api/roles/100",
                    1,
                    Some(&tag),
                    Some(json!({"name": format!("Intern {round} {who}")})),
                )
                .await
            }
        };
        let (a, b) = tokio::join!(edit(&one, "one"), edit(&two, "two"));
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}: {a:?} {b:?}");
        let conflict = if a.0 == 409 { &a } else { &b };
        assert_eq!(conflict.2["error"], "conflict");
        assert_eq!(conflict.2["revision"], round + 1);
        until_revision(&one, round + 1).await;
        until_revision(&two, round + 1).await;
    }
    // Exactly one audit entry per stored revision, 1 to 7, through either server.
    let (status, _, audit) = request(two.addr, "GET", "/api/audit", 1, None, None).await;
    assert_eq!(status, 200);
    let mut revisions: Vec<u64> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["revision"].as_u64().unwrap())
        .collect();
    revisions.sort_unstable();
    assert_eq!(revisions, (1..=7).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_replica_that_loses_its_database_answers_503_and_recovers() {
    // A cluster of its own: the shared one keeps serving the other tests.
    let Some(cluster) = tokio::task::spawn_blocking(TempPostgres::start)
        .await
        .expect("task")
    else {
        return;
    };
    let url = cluster.create_database("lost");
    let server = Server::start(&url);
    let (status, _, _) = request(server.addr, "GET", "/api/conversations", 5, None, None).await;
    assert_eq!(status, 200);
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.stop();
        cluster
    })
    .await
    .expect("task");
    for path in ["/api/conversations", "/api/roles", "/api/audit"] {
        let (status, _, body) = request(server.addr, "GET", path, 1, None, None).await;
        assert_eq!(status, 503, "{path}: {body}");
        assert_eq!(body["error"], "unavailable", "{body}");
        assert!(!body["reason"].as_str().unwrap_or("").is_empty(), "{body}");
    }
    let (status, _, body) = request(
        server.addr,
        "POST",
        "/api/roles",
        1,
        None,
        Some(json!({"source": 4, "name": "Intern"})),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.start_again();
        cluster
    })
    .await
    .expect("task");
    let start = Instant::now();
    loop {
        let (status, _, body) =
            request(server.addr, "GET", "/api/conversations", 5, None, None).await;
        if status == 200 {
            assert_eq!(body["conversations"][0]["id"], 5);
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no recovery in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Writes work again too, and the policy is the stored one.
    let (status, tag, _) = request(
        server.addr,
        "POST",
        "/api/roles",
        1,
        None,
        Some(json!({"source": 4, "name": "Intern"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(tag.as_deref(), Some("\"1\""));
    drop(server);
    drop(cluster);
}
