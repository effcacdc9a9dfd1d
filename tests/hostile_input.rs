//! Hostile stored policies: truncated, mutated, deeply nested, huge. Loading untrusted JSON
//! never panics, refuses what a policy could not have written, and whatever it accepts saves
//! back the same bytes and decides without panicking. Version 2 adds role descriptions (huge,
//! with control characters, of the wrong type, missing in version 2, present in version 1) and
//! extension names (unknown, misspelled, duplicated; strict and keeping the unknown).

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use common::Rng;
use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, ExtensionPermission, GroupId, PermissionKind,
    Permissions, Plan, Policy, PolicyError, RoleId, Scope, Subject, Team, UserId, Vocabulary,
};

/// The longest error message a hostile input may produce: errors cut what they repeat of the
/// input (a little over 64 characters, escaped), so they never grow with it.
const SHORT: usize = 1024;

fn owner() -> Subject<'static> {
    Subject {
        user: UserId(1),
        role: BuiltInRole::AccountAdmin.id(),
        groups: &[],
        view_only: &[],
    }
}

/// A policy with a bit of everything: clones of built-in and custom roles, grants at every
/// scope, a rename, a deleted role (a gap in the ids), names that need escaping.
fn rich_policy() -> Policy {
    let mut policy = Policy::new(Plan::Enterprise);
    let o = owner();
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let admin = policy.builtin(BuiltInRole::Administrator);
    let intern = policy.clone_role(&o, agent, "Intern").unwrap();
    policy.revoke(&o, intern, Permissions::REPLY).unwrap();
    policy
        .grant(&o, intern, Permissions::ADD_PRIVATE_NOTE, Scope::Group)
        .unwrap();
    policy
        .grant(&o, intern, Permissions::VIEW_REPORTS, Scope::Restricted)
        .unwrap();
    let gone = policy.clone_role(&o, admin, "Temporary").unwrap();
    let lead = policy
        .clone_role(&o, intern, "Équipe \"Nuit\" \\ 夜")
        .unwrap();
    policy
        .grant(
            &o,
            lead,
            Permissions::VIEW_DASHBOARD | Permissions::MANAGE_SETTINGS,
            Scope::Group,
        )
        .unwrap();
    policy
        .grant(&o, lead, Permissions::MANAGE_FAQS, Scope::Global)
        .unwrap();
    let deputy = policy.clone_role(&o, admin, "Deputy").unwrap();
    policy
        .grant(
            &o,
            deputy,
            Permissions::DELETE_CONVERSATION,
            Scope::Restricted,
        )
        .unwrap();
    policy.delete_role(&o, gone).unwrap();
    policy.rename_role(&o, intern, "Trainee").unwrap();
    policy
        .set_role_description(&o, lead, "Nuit \"夜\" shift\nsecond line \\ end")
        .unwrap();
    policy
}

fn save(policy: &Policy) -> String {
    serde_json::to_string(policy).unwrap()
}

/// Loads `bytes`, turning a panic into a test failure that shows the input.
fn load_no_panic(bytes: &[u8], what: &str) -> Result<Policy, serde_json::Error> {
    match catch_unwind(AssertUnwindSafe(|| serde_json::from_slice::<Policy>(bytes))) {
        Ok(result) => result,
        Err(_) => panic!(
            "loading panicked on {what}: {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        ),
    }
}

/// Everything a host does with a loaded policy, none of which may panic: save it (and load
/// the save back to the same bytes), look up and iterate roles, decide for every role and a few
/// unknown ids, filter, check assignments, and try the governed changes.
fn exercise(policy: &Policy, what: &str) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let saved = serde_json::to_string(policy).unwrap();
        let again: Policy = serde_json::from_str(&saved)
            .unwrap_or_else(|e| panic!("a saved policy does not load back: {e}: {saved}"));
        assert_eq!(&again, policy);
        assert_eq!(serde_json::to_string(&again).unwrap(), saved);

        let mut ids: Vec<RoleId> = policy.roles().map(|r| r.id()).collect();
        ids.extend([
            RoleId(0),
            RoleId(99),
            policy.next_role_id(),
            RoleId(u32::MAX),
        ]);
        for role in policy.roles() {
            assert_eq!(policy.role(role.id()).map(|r| r.id()), Some(role.id()));
            assert!(policy.role_by_name(role.name()).is_some());
            let _ = role.grants().count();
        }
        let groups = [GroupId(1), GroupId(2)];
        let participants = [UserId(7)];
        let conversations = [
            Conversation {
                group: Some(GroupId(1)),
                assignee: None,
                participants: &[],
            },
            Conversation {
                group: Some(GroupId(9)),
                assignee: Some(UserId(7)),
                participants: &[],
            },
            Conversation {
                group: None,
                assignee: None,
                participants: &participants,
            },
        ];
        let asks = [
            Permissions::empty(),
            Permissions::REPLY,
            Permissions::VIEW_REPORTS | Permissions::MANAGE_FAQS,
            Permissions::all(),
            Permissions::from_bits_retain(1 << 30),
        ];
        for &role in &ids {
            let s = Subject {
                user: UserId(7),
                role,
                groups: &groups,
                view_only: &[],
            };
            for &asked in &asks {
                for c in &conversations {
                    let d = policy.check(&s, asked, c);
                    assert_eq!(policy.filter(&s, asked).matches(c), d.is_allowed());
                    let _ = d.to_string();
                }
                let _ = policy.check(&s, asked, &Team(GroupId(2))).to_string();
                let _ = policy.check(&s, asked, &Account).to_string();
                let _ = policy.check(&s, asked, &AboutUser(UserId(7))).to_string();
            }
            let target = Subject {
                user: UserId(8),
                role,
                groups: &[],
                view_only: &[],
            };
            for &new_role in ids.iter().take(12) {
                let _ = policy
                    .check_assignment(&owner(), &target, new_role)
                    .to_string();
                let _ = policy.check_assignment(&s, &target, new_role).to_string();
            }
        }

        // Governed changes on a copy: whatever they answer, no panic, and a refusal changes
        // nothing.
        let mut copy = policy.clone();
        // At the largest revision every change is refused, which is checked elsewhere.
        let _ = copy.set_plan(Plan::Pro);
        let o = owner();
        let custom: Vec<RoleId> = copy
            .roles()
            .filter(|r| r.is_custom())
            .map(|r| r.id())
            .take(3)
            .collect();
        for id in custom.iter().copied().chain([RoleId(3)]) {
            let before = copy.clone();
            if copy.clone_role(&o, id, "Fresh clone name").is_err() {
                assert_eq!(copy, before);
            }
            let before = copy.clone();
            if copy
                .grant(&o, id, Permissions::REPLY, Scope::Group)
                .is_err()
            {
                assert_eq!(copy, before);
            }
            let _ = copy.revoke(&o, id, Permissions::REPLY);
            let _ = copy.rename_role(&o, id, "Renamed role");
            let _ = copy.delete_role(&o, id);
        }
        let _ = serde_json::to_string(&copy).unwrap();
    }));
    if outcome.is_err() {
        panic!("a loaded policy panicked when used: {what}");
    }
}

// ---------------------------------------------------------------------------------------------
// Truncation
// ---------------------------------------------------------------------------------------------

#[test]
fn every_prefix_of_a_valid_document_is_refused() {
    let policy = rich_policy();
    let compact = save(&policy);
    let pretty = serde_json::to_string_pretty(&policy).unwrap();
    for doc in [&compact, &pretty] {
        let bytes = doc.as_bytes();
        let full = load_no_panic(bytes, "the full document").expect("the full document loads");
        assert_eq!(full, policy);
        for end in 0..bytes.len() {
            let prefix = &bytes[..end];
            let what = format!("the prefix of {end} bytes");
            assert!(
                load_no_panic(prefix, &what).is_err(),
                "{what} loaded: {:?}",
                String::from_utf8_lossy(prefix)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random mutations
// ---------------------------------------------------------------------------------------------

// The mutations draw from `common::Rng` (splitmix64, seeded), so every run mutates the same way.

/// Bytes that tend to keep JSON well-formed, or break it in interesting ways.
const INTERESTING: &[u8] = b"\"{}[],:0123456789-+.eE\\untrl /\x00\x7f\xc3\xa9\xff";

/// Tokens that replace a run of bytes: other values, edge numbers, other names.
const TOKENS: &[&str] = &[
    "0",
    "1",
    "-1",
    "99",
    "100",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "1e3",
    "1.5",
    "null",
    "true",
    "[]",
    "{}",
    "\"\"",
    "\"global\"",
    "\"group\"",
    "\"restricted\"",
    "\"Global\"",
    "\"manage_custom_roles\"",
    "\"view_people\"",
    "\"reply\"",
    "\"pro\"",
    "\"free\"",
    "\"Support Agent\"",
    "\"intern\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"a\\u0007b\"",
    "\"  padded  \"",
];

fn mutate(rng: &mut Rng, doc: &[u8]) -> Vec<u8> {
    let mut out = doc.to_vec();
    for _ in 0..=rng.below(3) {
        if out.is_empty() {
            out.push(b'{');
        }
        let at = rng.below(out.len());
        match rng.below(7) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out[at] = *rng.pick(INTERESTING),
            2 => out.insert(at, *rng.pick(INTERESTING)),
            3 => {
                let end = (at + 1 + rng.below(8)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                let end = (at + 1 + rng.below(24)).min(out.len());
                let chunk = out[at..end].to_vec();
                let to = rng.below(out.len());
                out.splice(to..to, chunk);
            }
            5 => {
                // Replace a run of alphanumerics (a number, a name, a keyword) with a token.
                let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
                let mut start = at;
                while start > 0 && is_word(out[start - 1]) {
                    start -= 1;
                }
                let mut end = at;
                while end < out.len() && is_word(out[end]) {
                    end += 1;
                }
                let token = rng.pick(TOKENS).as_bytes();
                let token = if out.get(start.wrapping_sub(1)) == Some(&b'"') {
                    token.strip_prefix(b"\"").unwrap_or(token)
                } else {
                    token
                };
                let token = token.strip_suffix(b"\"").unwrap_or(token);
                out.splice(start..end, token.iter().copied());
            }
            _ => {
                let b = rng.below(out.len());
                out.swap(at, b);
            }
        }
    }
    out
}

#[test]
fn random_mutations_never_panic_and_what_loads_works() {
    let policy = rich_policy();
    let docs = [
        save(&policy),
        serde_json::to_string_pretty(&policy).unwrap(),
        save(&Policy::new(Plan::Free)),
    ];
    let mut rng = Rng(0x5EED_F00D);
    let (mut loaded, mut refused) = (0u32, 0u32);
    let started = Instant::now();
    for round in 0..30_000 {
        let doc = rng.pick(&docs).as_bytes();
        let mutant = mutate(&mut rng, doc);
        let what = format!("mutant {round}");
        match load_no_panic(&mutant, &what) {
            Ok(p) => {
                loaded += 1;
                exercise(&p, &format!("{what}: {}", String::from_utf8_lossy(&mutant)));
            }
            Err(e) => {
                refused += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    eprintln!(
        "{loaded} mutants loaded, {refused} refused, in {:?}",
        started.elapsed()
    );
    // Both outcomes must be common, or the mutations test nothing.
    assert!(loaded > 300, "only {loaded} mutants loaded");
    assert!(refused > 10_000, "only {refused} mutants were refused");
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// Structured mutations: the document as a JSON value with one field changed to an edge
/// value, so that far more mutants get past the parser into validation.
#[test]
fn edge_values_in_every_field_never_panic() {
    let policy = rich_policy();
    let value: serde_json::Value = serde_json::from_str(&save(&policy)).unwrap();
    let edges: Vec<serde_json::Value> = TOKENS
        .iter()
        // (A lone surrogate is not a JSON value serde_json builds; the byte mutations try it.)
        .filter_map(|t| serde_json::from_str(t).ok())
        .chain([
            serde_json::json!(-0.0),
            serde_json::json!(u64::MAX),
            serde_json::json!(i64::MIN),
            serde_json::json!({"id": 100}),
            serde_json::json!(["x"]),
            serde_json::json!("x".repeat(70)),
        ])
        .collect();
    let mut paths = Vec::new();
    collect_paths(&value, &mut Vec::new(), &mut paths);
    let mut tried = 0;
    for path in &paths {
        for edge in &edges {
            let mut mutant = value.clone();
            *pointer_mut(&mut mutant, path) = edge.clone();
            let text = serde_json::to_string(&mutant).unwrap();
            tried += 1;
            if let Ok(p) = load_no_panic(text.as_bytes(), &text) {
                exercise(&p, &text);
            }
        }
    }
    assert!(tried > 1_000, "{tried}");
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn collect_paths(value: &serde_json::Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                at.push(Step::Key(k.clone()));
                collect_paths(v, at, out);
                at.pop();
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Step::Index(i));
                collect_paths(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer_mut<'v>(value: &'v mut serde_json::Value, path: &[Step]) -> &'v mut serde_json::Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

// ---------------------------------------------------------------------------------------------
// Deep nesting and huge input
// ---------------------------------------------------------------------------------------------

/// Runs `f` on a thread with a small stack: deep recursion would overflow it and abort.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let head = r#"{"version":1,"plan":"pro","revision":0,"next_role_id":101,"custom_roles":"#;
    let docs: Vec<String> = vec![
        "[".repeat(100_000),
        "{\"a\":".repeat(100_000),
        format!("{head}{}", "[".repeat(100_000)),
        format!(
            "{head}[{{\"id\":100,\"name\":\"Deep\",\"cloned_from\":null,\"grants\":{}",
            "{\"reply\":".repeat(100_000)
        ),
        format!(
            "{head}[{{\"id\":100,\"name\":{}",
            "[".repeat(100_000) + &"]".repeat(100_000)
        ),
    ];
    for doc in docs {
        let result = on_small_stack(move || {
            let r = serde_json::from_str::<Policy>(&doc).map(|_| ());
            r.map_err(|e| e.to_string())
        });
        let error = result.expect_err("a deeply nested document must be refused");
        assert!(error.len() < 300, "{error}");
    }
}

/// A role document around `name` (already JSON-escaped).
fn one_role(name: &str, grants: &str) -> String {
    format!(
        r#"{{"version":1,"plan":"pro","revision":0,"next_role_id":101,"custom_roles":[{{"id":100,"name":"{name}","cloned_from":4,"grants":{grants}}}]}}"#
    )
}

#[test]
fn a_ten_megabyte_role_name_is_refused_with_a_short_message() {
    let huge = "x".repeat(10 * 1024 * 1024);
    let started = Instant::now();

    let error = serde_json::from_str::<Policy>(&one_role(&huge, "{}"))
        .expect_err("a 10 MB name must be refused")
        .to_string();
    assert!(error.len() < SHORT, "message of {} bytes", error.len());
    assert!(
        error.contains("invalid role name") && error.contains("64"),
        "{error}"
    );

    // The same through the governed methods.
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let error = policy.clone_role(&o, agent, &huge).unwrap_err();
    assert!(
        matches!(error, PolicyError::InvalidName { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.len() < SHORT && message.contains("64"), "{message}");
    let id = policy.clone_role(&o, agent, "Short").unwrap();
    let before = policy.clone();
    let message = policy.rename_role(&o, id, &huge).unwrap_err().to_string();
    assert!(message.len() < SHORT, "{message}");
    assert_eq!(policy, before);

    // A huge name of spaces around a valid one, of multi-byte characters, of control ones.
    for huge in [
        format!("{}Night{}", " ".repeat(5_000_000), " ".repeat(5_000_000)),
        "é".repeat(5 * 1024 * 1024),
        "\u{7}".repeat(10 * 1024 * 1024),
    ] {
        let message = policy.clone_role(&o, agent, &huge).map_or_else(
            |e| e.to_string(),
            |id| format!("accepted as {:?}", policy.role(id).map(|r| r.name().len())),
        );
        assert!(message.len() < SHORT, "{} bytes: {message}", message.len());
    }

    // A huge unknown permission name and a huge unknown scope in the grants.
    for grants in [
        format!(r#"{{"{huge}":"global"}}"#),
        format!(r#"{{"reply":"{huge}"}}"#),
    ] {
        let error = serde_json::from_str::<Policy>(&one_role("Fine", &grants))
            .expect_err("refused")
            .to_string();
        assert!(error.len() < SHORT, "message of {} bytes", error.len());
        assert!(error.contains("unknown"), "{error}");
    }
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// Resident memory high-water mark of this process, in KiB (Linux only; 0 elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn many_roles(count: u32) -> String {
    let mut doc = String::with_capacity(count as usize * 90);
    doc.push_str(&format!(
        r#"{{"version":2,"plan":"pro","revision":{count},"next_role_id":{},"custom_roles":["#,
        100 + count
    ));
    for i in 0..count {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            r#"{{"id":{},"name":"Role {i}","description":"","cloned_from":{},"grants":{{"reply":"group","view_people":"global"}}}}"#,
            100 + i,
            if i == 0 { 4 } else { 99 + i }
        ));
    }
    doc.push_str("]}");
    doc
}

#[test]
fn a_hundred_thousand_roles_load_quickly_and_decide_in_constant_time() {
    let doc = many_roles(100_000);
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let policy: Policy = serde_json::from_str(&doc).unwrap();
    let load_time = started.elapsed();
    assert_eq!(policy.roles().count(), 100_009);
    let last = RoleId(100_099);
    assert_eq!(policy.role(last).map(|r| r.name()), Some("Role 99999"));
    assert_eq!(
        policy.role_by_name("role 50000").map(|r| r.id()),
        Some(RoleId(50_100))
    );
    let s = Subject {
        user: UserId(7),
        role: last,
        groups: &[GroupId(1)],
        view_only: &[],
    };
    let c = Conversation {
        group: Some(GroupId(1)),
        assignee: None,
        participants: &[],
    };
    assert!(policy.check(&s, Permissions::REPLY, &c).is_allowed());
    assert_eq!(save(&policy), doc);
    let total = started.elapsed();
    // Memory: the document is about 9 MB; the policy should hold a small multiple of it.
    let grown_mib = peak_rss_kib().saturating_sub(rss_before) / 1024;
    assert!(grown_mib < 400, "peak memory grew by {grown_mib} MiB");
    assert!(
        total < Duration::from_secs(20),
        "load {load_time:?}, load+save {total:?}"
    );

    // A clash at the very end is still found, and named.
    let clash = doc.replacen(r#""name":"Role 99999""#, r#""name":"ROLE 3""#, 1);
    let error = serde_json::from_str::<Policy>(&clash)
        .unwrap_err()
        .to_string();
    assert!(error.contains("ROLE 3"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Specific hostile documents
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_keys_and_unknown_names_are_refused() {
    let mut grants = String::from("{");
    for i in 0..1_000 {
        if i > 0 {
            grants.push(',');
        }
        grants.push_str(r#""reply":"global""#);
    }
    grants.push('}');
    let refused = [
        // 1,000 times the same grant.
        (one_role("Dup", &grants), "permission `reply` is listed twice in role `Dup`"),
        // The same grant twice.
        (one_role("Dup", r#"{"reply":"global","reply":"group"}"#), "reply"),
        // Unknown permission and scope names, wrong case, near misses.
        (one_role("Bad", r#"{"Reply":"global"}"#), "Reply"),
        (one_role("Bad", r#"{"view_conversation":"global"}"#), "view_conversation"),
        (one_role("Bad", r#"{"reply":"Global"}"#), "Global"),
        (one_role("Bad", r#"{"reply":"everywhere"}"#), "everywhere"),
        (one_role("Bad", r#"{"reply ":"global"}"#), "reply"),
        (one_role("Bad", r#"{"":"global"}"#), "unknown permission"),
        // Rules of the design.
        (one_role("Bad", r#"{"view_people":"group"}"#), "view_people"),
        (one_role("Bad", r#"{"manage_custom_roles":"global"}"#), "manage_custom_roles"),
        (one_role("Support Agent", "{}"), "Support Agent"),
        (one_role(" Padded", "{}"), "Padded"),
        (one_role("", "{}"), "empty"),
        (one_role("Bell\\u0007", "{}"), "control"),
        (one_role(&"y".repeat(65), "{}"), "64"),
        // Top-level keys twice, and 1,000 times.
        (
            r#"{"version":1,"version":1,"plan":"pro","revision":0,"next_role_id":100,"custom_roles":[]}"#
                .to_owned(),
            "version",
        ),
        (
            format!(
                r#"{{"version":1,"plan":"pro",{}"revision":0,"next_role_id":100,"custom_roles":[]}}"#,
                r#""plan":"free","#.repeat(1_000)
            ),
            "plan",
        ),
        // Unknown version, unknown field, wrong types, out-of-range numbers.
        (
            r#"{"version":3,"plan":"pro","revision":0,"next_role_id":100,"custom_roles":[]}"#
                .to_owned(),
            "version",
        ),
        (
            r#"{"version":1,"plan":"pro","revision":0,"next_role_id":100,"custom_roles":[],"admin":true}"#
                .to_owned(),
            "admin",
        ),
        (
            r#"{"version":1,"plan":"Pro","revision":0,"next_role_id":100,"custom_roles":[]}"#
                .to_owned(),
            "Pro",
        ),
        (
            r#"{"version":1,"plan":"pro","revision":-1,"next_role_id":100,"custom_roles":[]}"#
                .to_owned(),
            "-1",
        ),
        (
            r#"{"version":1,"plan":"pro","revision":0,"next_role_id":4294967296,"custom_roles":[]}"#
                .to_owned(),
            "4294967296",
        ),
        (
            r#"{"version":1,"plan":"pro","revision":0,"next_role_id":5,"custom_roles":[]}"#
                .to_owned(),
            "next_role_id",
        ),
    ];
    for (doc, named) in &refused {
        let result = load_no_panic(doc.as_bytes(), doc);
        let error = result.map_or_else(|e| e.to_string(), |_| format!("loaded: {doc}"));
        assert!(
            error.contains(named) && !error.starts_with("loaded"),
            "{error} (should name {named})"
        );
        assert!(error.len() < SHORT, "{error}");
    }
}

#[test]
fn edge_counters_never_overflow() {
    // The last role id handed out: the next clone is refused, not wrapped round.
    let doc = r#"{"version":1,"plan":"pro","revision":18446744073709551615,"next_role_id":4294967295,"custom_roles":[{"id":4294967294,"name":"Last","cloned_from":4,"grants":{}}]}"#;
    let mut policy: Policy = serde_json::from_str(doc).unwrap();
    exercise(&policy, doc);
    let o = owner();
    let before = policy.clone();
    let error = policy
        .clone_role(&o, RoleId(4), "One more")
        .expect_err("no ids left");
    assert!(
        matches!(error, PolicyError::RoleIdsExhausted(_)),
        "{error:?}"
    );
    assert_eq!(policy, before);
    // The revision counter at its maximum: a change is refused, naming the revision, rather
    // than counted as the same revision again (compare-and-swap would miss the conflict).
    let error = policy
        .grant(&o, RoleId(4_294_967_294), Permissions::REPLY, Scope::Group)
        .expect_err("the revision cannot count another change");
    assert_eq!(error, PolicyError::RevisionExhausted(u64::MAX));
    assert!(
        error.to_string().contains("18446744073709551615"),
        "{error}"
    );
    assert_eq!(policy, before);
    assert_eq!(
        policy.delete_role(&o, RoleId(4_294_967_294)),
        Err(PolicyError::RevisionExhausted(u64::MAX))
    );
    assert_eq!(
        policy.set_plan(Plan::Free),
        Err(PolicyError::RevisionExhausted(u64::MAX))
    );
    assert_eq!(policy, before);
    // What changes nothing is still fine.
    assert_eq!(
        policy.revoke(&o, RoleId(4_294_967_294), Permissions::REPLY),
        Ok(())
    );
    assert_eq!(policy.set_plan(Plan::Pro), Ok(()));
    let saved = save(&policy);
    let again: Policy = serde_json::from_str(&saved).unwrap();
    assert_eq!(save(&again), saved);
}

#[test]
fn garbage_around_a_valid_document_is_refused() {
    let doc = save(&rich_policy());
    for bad in [
        format!("{doc}x"),
        format!("{doc}{doc}"),
        format!("\u{feff}{doc}"),
        format!("[{doc}]"),
        doc.replacen('{', "{\"a\":1,", 1),
        String::new(),
        "null".to_owned(),
        "\"policy\"".to_owned(),
    ] {
        assert!(load_no_panic(bad.as_bytes(), &bad).is_err(), "{bad}");
    }
    // White space around it is fine (it is still the same JSON).
    let spaced = format!("  \n{doc}\n ");
    let loaded = load_no_panic(spaced.as_bytes(), &spaced).unwrap();
    assert_eq!(save(&loaded), doc);
}

/// Found by this file: serde's own messages repeat a hostile string in full, so a 10 MB unknown
/// field name, plan name or wrongly typed value gives a 10 MB error (role names, permission
/// names and scopes are cut by the crate). Not a contract breach (the design only asks that the
/// error name the item), but a log-flooding vector; un-ignore once messages are capped.
#[test]
fn huge_strings_anywhere_give_short_messages() {
    let huge = "x".repeat(10 * 1024 * 1024);
    let head = r#"{"version":1,"plan":"pro","revision":0,"next_role_id":101,"custom_roles":"#;
    for doc in [
        format!(r#"{{"version":1,"{huge}":1}}"#),
        format!(
            r#"{{"version":1,"plan":"{huge}","revision":0,"next_role_id":100,"custom_roles":[]}}"#
        ),
        format!(r#"{head}[{{"id":100,"name":"A","{huge}":1}}]}}"#),
        format!(r#"{head}[{{"id":100,"name":"A","cloned_from":"{huge}"}}]}}"#),
    ] {
        let error = serde_json::from_str::<Policy>(&doc)
            .unwrap_err()
            .to_string();
        assert!(
            error.len() < SHORT,
            "{} bytes: {}...",
            error.len(),
            &error[..80]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Version 2: descriptions
// ---------------------------------------------------------------------------------------------

/// A version-2 document with one role whose description field is `field` (`"description":..`
/// with its comma, or nothing).
fn described(field: &str) -> String {
    format!(
        r#"{{"version":2,"plan":"pro","revision":0,"next_role_id":101,"custom_roles":[{{"id":100,"name":"Desk",{field}"cloned_from":4,"grants":{{"reply":"global"}}}}]}}"#
    )
}

#[test]
fn hostile_descriptions_are_refused_naming_the_role_with_short_messages() {
    let huge = "x".repeat(10 * 1024 * 1024);
    let huge_wide = "é".repeat(2 * 1024 * 1024);
    let refused: Vec<(&str, String, &str)> = vec![
        (
            "10 MB",
            described(&format!(r#""description":"{huge}","#)),
            "500",
        ),
        (
            "4 MB of two-byte characters",
            described(&format!(r#""description":"{huge_wide}","#)),
            "500",
        ),
        (
            "501 characters",
            described(&format!(r#""description":"{}","#, "d".repeat(501))),
            "500",
        ),
        ("bell", described(r#""description":"a\u0007b","#), "control"),
        (
            "escape sequence",
            described(r#""description":"a\u001b[2Jb","#),
            "control",
        ),
        (
            "carriage return",
            described(r#""description":"a\r\nb","#),
            "control",
        ),
        (
            "tab inside",
            described(r#""description":"a\tb","#),
            "control",
        ),
        ("nul", described(r#""description":"a\u0000b","#), "control"),
        (
            "C1 control",
            described(r#""description":"a\u0085b","#),
            "control",
        ),
        (
            "leading space",
            described(r#""description":" Desk","#),
            "white space",
        ),
        (
            "trailing line feed",
            described(r#""description":"Desk\n","#),
            "white space",
        ),
        (
            "only spaces",
            described(r#""description":"   ","#),
            "white space",
        ),
        (
            "huge white space around",
            described(&format!(
                r#""description":"{}Desk","#,
                " ".repeat(1024 * 1024)
            )),
            "Desk",
        ),
        ("a number", described(r#""description":1,"#), "invalid type"),
        (
            "null",
            described(r#""description":null,"#),
            "role `Desk`: its description is missing",
        ),
        ("true", described(r#""description":true,"#), "invalid type"),
        (
            "a list",
            described(r#""description":["Desk"],"#),
            "invalid type",
        ),
        (
            "an object",
            described(r#""description":{"text":"Desk"},"#),
            "invalid type",
        ),
        (
            "twice",
            described(r#""description":"a","description":"b","#),
            "duplicate field `description`",
        ),
        (
            "missing in version 2",
            described(""),
            "role `Desk`: its description is missing",
        ),
        (
            "present in version 1",
            described(r#""description":"","#).replace(r#""version":2"#, r#""version":1"#),
            "role `Desk`: version 1 has no descriptions",
        ),
        (
            "present in version 1, with text",
            described(r#""description":"Desk","#).replace(r#""version":2"#, r#""version":1"#),
            "version 1 has no descriptions",
        ),
    ];
    for (what, doc, fragment) in &refused {
        let error = load_no_panic(doc.as_bytes(), what)
            .map_or_else(|e| e.to_string(), |_| format!("loaded: {what}"));
        assert!(error.contains(fragment), "{what}: {error:.300}");
        assert!(
            error.len() < SHORT,
            "{what}: message of {} bytes",
            error.len()
        );
        assert!(
            !error.chars().any(|c| c.is_control()),
            "{what}: raw control character in {error:?}"
        );
        if !error.contains("invalid type") && !error.contains("duplicate field") {
            assert!(
                error.contains("Desk"),
                "{what}: names the role: {error:.300}"
            );
        }
    }
    // What a policy can write loads, and saves back the same bytes.
    for (what, field) in [
        ("empty", r#""description":"","#.to_owned()),
        (
            "line feeds inside",
            r#""description":"a\nb\n\nc","#.to_owned(),
        ),
        (
            "500 characters",
            format!(r#""description":"{}","#, "d".repeat(500)),
        ),
        (
            "500 four-byte characters",
            format!(r#""description":"{}","#, "🦀".repeat(500)),
        ),
        (
            "escaped quotes and backslashes",
            r#""description":"\"a\" \\ b","#.to_owned(),
        ),
    ] {
        let doc = described(&field);
        let policy = load_no_panic(doc.as_bytes(), what).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(save(&policy), doc, "{what}");
        exercise(&policy, what);
    }
    // The same limits through the governed method, with a short message and nothing changed.
    let mut policy = rich_policy();
    let before = policy.clone();
    for text in [huge.as_str(), "a\u{7}b", &"é".repeat(501)] {
        let error = policy
            .set_role_description(&owner(), RoleId(102), text)
            .expect_err("refused");
        assert!(
            error.to_string().len() < SHORT,
            "{} bytes",
            error.to_string().len()
        );
        assert_eq!(policy, before);
    }
}

// ---------------------------------------------------------------------------------------------
// Extension names in documents
// ---------------------------------------------------------------------------------------------

/// A host's vocabulary: a conversation and an account extension.
fn vocabulary() -> Vocabulary {
    Vocabulary::new([
        ExtensionPermission::new("merge_conversations", PermissionKind::Conversation)
            .requires(Permissions::VIEW_CONVERSATIONS),
        ExtensionPermission::new("manage_api_tokens", PermissionKind::Account),
    ])
    .unwrap()
}

/// A version-2 document with one role holding `grants` (the inside of the object).
fn granting(grants: &str) -> String {
    format!(
        r#"{{"version":2,"plan":"pro","revision":4,"next_role_id":101,"custom_roles":[{{"id":100,"name":"Desk","description":"","cloned_from":4,"grants":{{{grants}}}}}]}}"#
    )
}

/// Loads with `vocabulary`, strictly or keeping the unknown, turning a panic into a failure.
fn load_with(doc: &str, vocabulary: &Vocabulary, keep: bool) -> Result<Policy, PolicyError> {
    catch_unwind(AssertUnwindSafe(|| {
        if keep {
            Policy::from_json_keeping_unknown(doc, vocabulary)
        } else {
            Policy::from_json(doc, vocabulary)
        }
    }))
    .unwrap_or_else(|_| panic!("loading panicked on {doc:.300}"))
}

#[test]
fn unknown_misspelled_and_duplicated_extension_names() {
    let vocabulary = vocabulary();
    // (what, grants, refused strictly naming, kept when keeping the unknown?)
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, &str, Option<&str>)> = vec![
        ("unknown extension", r#""reply":"global","time_entries":"group""#, "time_entries", Some("time_entries")),
        ("misspelled: one letter short", r#""merge_conversation":"group""#, "merge_conversation", Some("merge_conversation")),
        ("misspelled: one letter more", r#""merge_conversationss":"group""#, "merge_conversationss", Some("merge_conversationss")),
        ("misspelled: built-in name", r#""replies":"global""#, "replies", Some("replies")),
        ("the name of another host's extension", r#""sla_policies":"global""#, "sla_policies", Some("sla_policies")),
    ];
    for (what, grants, named, kept) in cases {
        let doc = granting(grants);
        let error = load_with(&doc, &vocabulary, false)
            .expect_err(what)
            .to_string();
        assert!(
            error.contains(&format!("unknown permission `{named}` in role `Desk`")),
            "{what}: {error}"
        );
        let policy = load_with(&doc, &vocabulary, true).unwrap_or_else(|e| panic!("{what}: {e}"));
        let found: Vec<&str> = policy
            .role(RoleId(100))
            .unwrap()
            .kept_grants()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(found, kept.into_iter().collect::<Vec<_>>(), "{what}");
        assert_eq!(save(&policy), doc, "{what}: written back unchanged");
        // Plain serde refuses it as well.
        assert!(serde_json::from_str::<Policy>(&doc).is_err(), "{what}");
    }
    // Refused whether or not the unknown is kept.
    #[rustfmt::skip]
    let refused: Vec<(&str, String, &str)> = vec![
        ("a known extension twice", granting(r#""merge_conversations":"group","merge_conversations":"global""#), "permission `merge_conversations` is listed twice in role `Desk`"),
        ("a known extension twice, same scope", granting(r#""merge_conversations":"group","reply":"global","merge_conversations":"group""#), "listed twice"),
        ("an account extension at Group", granting(r#""manage_api_tokens":"group""#), "account permission `manage_api_tokens` has no scope"),
        ("a known extension at an unknown scope", granting(r#""merge_conversations":"team""#), "unknown scope `team` for permission `merge_conversations`"),
        ("an unknown extension at an unknown scope", granting(r#""time_entries":"team""#), "unknown scope `team` for permission `time_entries`"),
        ("an unknown extension as a number", granting(r#""time_entries":1"#), "invalid type"),
    ];
    for (what, doc, fragment) in &refused {
        for keep in [false, true] {
            let error = load_with(doc, &vocabulary, keep)
                .expect_err(what)
                .to_string();
            assert!(error.contains(fragment), "{what} (keep: {keep}): {error}");
        }
    }
    // An unknown name twice: strictly it is unknown; kept, it is a duplicate.
    let twice = granting(r#""time_entries":"group","reply":"global","time_entries":"global""#);
    let error = load_with(&twice, &vocabulary, false)
        .expect_err("strict")
        .to_string();
    assert!(
        error.contains("unknown permission `time_entries`"),
        "{error}"
    );
    assert_eq!(
        load_with(&twice, &vocabulary, true),
        Err(PolicyError::DuplicatePermission {
            permission: "time_entries".into(),
            role: "Desk".into()
        })
    );
    // A huge unknown name gives a short message, strictly; kept, it is written back whole.
    let huge = "x".repeat(1024 * 1024);
    let doc = granting(&format!(r#""{huge}":"global""#));
    let error = load_with(&doc, &vocabulary, false)
        .expect_err("huge")
        .to_string();
    assert!(error.len() < SHORT, "{} bytes", error.len());
}

/// A name no vocabulary can declare (not snake_case ASCII of at most 64 characters) cannot
/// have been written by a newer replica: even when keeping the unknown it should be refused,
/// naming it, as "Loading untrusted JSON ... rejects ... unknown permission names" asks.
#[test]
fn names_no_vocabulary_can_declare_are_refused_even_when_keeping() {
    let long = "y".repeat(65);
    for name in [
        "Merge_conversations",
        "merge conversations",
        "merge_conversations ",
        "merge-conversations",
        "",
        "\\u0007",
        long.as_str(),
        "1st_line",
    ] {
        let doc = granting(&format!(r#""{name}":"global""#));
        assert!(
            load_with(&doc, &vocabulary(), true).is_err(),
            "kept {name:?}"
        );
    }
}

/// `grants` for role "Desk": `known` built-in or extension names at valid scopes, `kept` unknown
/// ones, and a last entry.
fn long_grants(known: &[&str], kept: usize, last: &str) -> String {
    let mut entries: Vec<String> = known
        .iter()
        .map(|name| {
            let kind = Permissions::from_permission_name(name).and_then(Permissions::kind);
            let scope = if kind == Some(PermissionKind::Conversation) {
                "group"
            } else {
                "global"
            };
            format!(r#""{name}":"{scope}""#)
        })
        .collect();
    entries.extend((0..kept).map(|n| format!(r#""newer_{n:02}":"global""#)));
    if !last.is_empty() {
        entries.push(last.to_owned());
    }
    entries.join(",")
}

/// The grants object is read up to one entry past the most a role can hold (64), so that an
/// invalid entry in 65th place is still seen and refused, never skipped: were one entry fewer
/// read, the 65-entry documents below would load with the offending entry silently dropped
/// (and 65 distinct grants would load as 64).
#[test]
fn an_invalid_grant_after_the_valid_ones_is_refused_naming_it() {
    // The nineteen built-in permissions a custom role may hold, in bit order.
    let nineteen: Vec<&str> = Permissions::permission_names()
        .map(|(name, _)| name)
        .filter(|name| *name != "manage_custom_roles")
        .collect();
    assert_eq!(nineteen.len(), 19);
    assert_eq!(nineteen[18], "manage_account");
    let builtin = Vocabulary::builtin();
    let one_extension = vocabulary();
    let mut twenty = nineteen.clone();
    twenty.push("merge_conversations");
    let desk = || "Desk".to_owned();
    // (what, grants, vocabulary, keep the unknown?, entries, the error)
    #[rustfmt::skip]
    let cases: Vec<(&str, String, &Vocabulary, bool, usize, PolicyError)> = vec![
        // 20 valid entries, then an invalid one.
        ("20 valid, then an unknown name", long_grants(&twenty, 0, r#""bogus":"global""#), &one_extension, false, 21,
            PolicyError::UnknownPermission { permission: "bogus".into(), role: desk() }),
        ("20 valid, then a duplicate", long_grants(&twenty, 0, r#""reply":"restricted""#), &one_extension, false, 21,
            PolicyError::DuplicatePermission { permission: "reply".into(), role: desk() }),
        ("20 valid, then manage_custom_roles", long_grants(&twenty, 0, r#""manage_custom_roles":"global""#), &one_extension, true, 21,
            PolicyError::ManageCustomRolesOnCustomRole { role: desk() }),
        ("19 known and one kept, then an unknown scope", long_grants(&nineteen, 1, r#""zz_last":"galactic""#), &builtin, true, 21,
            PolicyError::UnknownScope { scope: "galactic".into(), permission: "zz_last".into(), role: desk() }),
        // 64 entries, as many as a role can hold, then an invalid 65th.
        ("19 known and 45 kept, then an unknown scope", long_grants(&nineteen, 45, r#""zz_last":"galactic""#), &builtin, true, 65,
            PolicyError::UnknownScope { scope: "galactic".into(), permission: "zz_last".into(), role: desk() }),
        ("19 known and 45 kept, then a kept name again", long_grants(&nineteen, 45, r#""newer_00":"group""#), &builtin, true, 65,
            PolicyError::DuplicatePermission { permission: "newer_00".into(), role: desk() }),
        ("19 known and 45 kept, then a known one again", long_grants(&nineteen, 45, r#""view_people":"global""#), &builtin, true, 65,
            PolicyError::DuplicatePermission { permission: "view_people".into(), role: desk() }),
        ("19 known and 45 kept, then manage_custom_roles", long_grants(&nineteen, 45, r#""manage_custom_roles":"global""#), &builtin, true, 65,
            PolicyError::ManageCustomRolesOnCustomRole { role: desk() }),
        ("18 known and 46 kept, then an account permission at Group", long_grants(&nineteen[..18], 46, r#""manage_account":"group""#), &builtin, true, 65,
            PolicyError::ScopedAccountPermission { permission: "manage_account", scope: Scope::Group, role: desk() }),
        ("20 known and 44 kept, then a known extension again", long_grants(&twenty, 44, r#""merge_conversations":"global""#), &one_extension, true, 65,
            PolicyError::DuplicatePermission { permission: "merge_conversations".into(), role: desk() }),
        ("65 distinct grants", long_grants(&nineteen, 46, ""), &builtin, true, 65,
            PolicyError::TooManyGrants { role: desk() }),
    ];
    for (what, grants, vocabulary, keep, entries, error) in cases {
        assert_eq!(grants.matches(r#"":""#).count(), entries, "{what}: entries");
        let doc = granting(&grants);
        assert_eq!(
            load_with(&doc, vocabulary, keep),
            Err(error.clone()),
            "{what}"
        );
        let message = error.to_string();
        assert!(message.contains("Desk"), "{what}: {message}");
        if !matches!(error, PolicyError::TooManyGrants { .. }) {
            let last = grants.rsplit(',').next().unwrap_or("");
            let name = last.split('"').nth(1).unwrap_or("");
            assert!(message.contains(name), "{what}: {message} names {name}");
        }
    }
    // Exactly 64 entries (19 known, 45 kept) load and save back the same.
    let doc = granting(&long_grants(&nineteen, 45, ""));
    let policy = load_with(&doc, &builtin, true).expect("64 entries load");
    assert_eq!(save(&policy), doc);
    assert_eq!(policy.role(RoleId(100)).unwrap().kept_grants().count(), 45);
    // With 44 extensions, 63 grants (all but manage_custom_roles) load strictly; a 64th
    // unknown one is refused, naming it.
    let extensions: Vec<ExtensionPermission> = (0..44)
        .map(|n| {
            let name: &'static str = Box::leak(format!("ext_{n:02}").into_boxed_str());
            ExtensionPermission::new(name, PermissionKind::Account)
        })
        .collect();
    let full = Vocabulary::new(extensions).unwrap();
    let names: Vec<String> = (0..44).map(|n| format!("ext_{n:02}")).collect();
    let mut known = nineteen.clone();
    known.extend(names.iter().map(String::as_str));
    let all = granting(&long_grants(&known, 0, ""));
    let policy = load_with(&all, &full, false).expect("63 grants load");
    assert_eq!(policy.role(RoleId(100)).unwrap().grants().count(), 63);
    assert_eq!(save(&policy), all);
    let one_more = granting(&long_grants(&known, 0, r#""zz_unknown":"global""#));
    assert_eq!(
        load_with(&one_more, &full, false),
        Err(PolicyError::UnknownPermission {
            permission: "zz_unknown".into(),
            role: desk()
        })
    );
}
