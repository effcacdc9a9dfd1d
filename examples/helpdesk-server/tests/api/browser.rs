//! The demo page in a real headless browser (Debian's `chromium`): what a person sees once the
//! browser has parsed it. Skipped with the reason when chromium is not installed, never under
//! `CI=true`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::sqlite::backend::fresh;
use crate::sqlite::common::{call, etag, ADA};

fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .into_iter()
                .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
                .map(move |dir| dir.join(name))
        })
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is required under CI=true (apt-get install -y chromium)"
        );
        eprintln!("skipping the browser test: no chromium on PATH (apt-get install -y chromium)");
    }
    found
}

/// The page's DOM as chromium serialises it after parsing (`--dump-dom`), within 60 s.
fn dump_dom(browser: &PathBuf, url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("helpdesk-chromium-{}", std::process::id()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("chromium").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not answer within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut dom = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut dom)
        .expect("the DOM");
    dom
}

/// Text as the DOM serialises it, back to characters.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[derive(Debug, PartialEq)]
struct Button {
    name: String,
    label: String,
    disabled: bool,
    title: Option<String>,
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The inbox rows in the DOM: each conversation's id and its buttons, in order.
fn rows(dom: &str) -> Vec<(i64, Vec<Button>)> {
    let mut out = Vec::new();
    for piece in dom.split("<tr data-id=\"").skip(1) {
        let id = piece[..piece.find('"').expect("id")]
            .parse()
            .expect("an id");
        let row = &piece[..piece.find("</tr>").expect("end of row")];
        let buttons = row
            .split("<button")
            .skip(1)
            .map(|button| {
                let close = button.find('>').expect("tag end");
                let tag = &button[..close];
                let label = &button[close + 1..button.find("</button>").expect("end")];
                Button {
                    name: attribute(tag, "name").expect("a name"),
                    label: unescape(label),
                    disabled: tag.contains(" disabled"),
                    title: attribute(tag, "title"),
                }
            })
            .collect();
        out.push((id, buttons));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_page_in_a_headless_browser() {
    let Some(browser) = chromium() else { return };
    let app = fresh(300).await.expect("SQLite");
    let router = helpdesk_server::router(app);
    // A hostile role name: it must reach the person as text, never as markup.
    let tag = etag(&router).await;
    let hostile = "<script>document.title='owned'</script><b>bold</b> & co";
    call(
        &router,
        "POST",
        "/api/roles",
        Some(ADA),
        Some(&tag),
        Some(json!({"source": 9, "name": hostile}).to_string()),
    )
    .await
    .expect(201, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr: SocketAddr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let page = |path: &str| {
        let (browser, url) = (browser.clone(), format!("http://{addr}{path}"));
        tokio::task::spawn_blocking(move || dump_dom(&browser, &url))
    };

    // Dev: his rows, newest first; on conversation 2 (his view-only group) Reply is disabled
    // with the reason, Add private notes is enabled; labels from the catalogue.
    let dom = page("/?user=4").await.expect("task");
    assert!(dom.contains("Inbox of Dev"), "{dom}");
    let dev = rows(&dom);
    let ids: Vec<i64> = dev.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert_eq!(ids[ids.len() - 3..], [4, 2, 1], "{ids:?}");
    let (_, two) = dev.iter().find(|(id, _)| *id == 2).expect("conversation 2");
    let reply = two
        .iter()
        .find(|b| b.name == "reply")
        .expect("a Reply button");
    assert_eq!(reply.label, "Reply");
    assert!(reply.disabled);
    let reason = "denied: role \"Sales User\" grants reply at Group scope, and the conversation's \
                  group 2 is one of the user's view-only groups, which reach only viewing and \
                  private notes";
    assert_eq!(reply.title.as_deref(), Some(reason));
    assert!(
        unescape(&dom).contains(&format!("Reply: {reason}")),
        "the reason is shown"
    );
    let note = two
        .iter()
        .find(|b| b.name == "add_private_note")
        .expect("notes");
    assert_eq!(
        (note.label.as_str(), note.disabled, note.title.as_deref()),
        ("Add private notes", false, None)
    );
    for (_, buttons) in &dev {
        assert_eq!(
            buttons.len(),
            6,
            "every conversation button, enabled or not"
        );
        for button in buttons {
            assert_ne!(button.label, button.name, "a label, not the name");
            assert_eq!(button.disabled, button.title.is_some(), "{button:?}");
        }
    }
    // The hostile name is text: no element came of it, and the person reads it as typed.
    assert!(
        !dom.contains("<script>document"),
        "a script element from the role name"
    );
    assert!(!dom.contains("<b>bold</b>"), "markup from the role name");
    assert!(unescape(&dom).contains(hostile));

    // Cleo sees every conversation: 306 of them, 50 a page, through the Older link.
    let dom = page("/?user=3").await.expect("task");
    let first: Vec<i64> = rows(&dom).iter().map(|(id, _)| *id).collect();
    assert_eq!(first, (257..=306).rev().collect::<Vec<_>>());
    let older = dom
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(unescape)
        .expect("an Older link");
    assert_eq!(older, "/?user=3&before=257");
    let dom = page(&older).await.expect("task");
    let second: Vec<i64> = rows(&dom).iter().map(|(id, _)| *id).collect();
    assert_eq!(second, (207..=256).rev().collect::<Vec<_>>());
    let (_, buttons) = &rows(&dom)[0];
    let delete = buttons
        .iter()
        .find(|b| b.name == "delete_conversation")
        .expect("delete");
    assert_eq!(delete.label, "Delete conversations");
    assert_eq!(
        delete.title.as_deref(),
        Some("denied: role \"Support Agent\" does not grant delete_conversation")
    );
    assert!(dom.contains(">Newest</a>"));
}
