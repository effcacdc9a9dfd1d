//! The inbox at a million conversations (issue 20, point 5): the newest-50 page and the count
//! of agents at Group scope (3 and 50 groups), with a view-only group, at Restricted and at
//! Global, through the crate's rendered fragment against a hand-written UNION of index lookups,
//! on SQLite (a file in a temporary directory) and on PostgreSQL where it is installed (a
//! temporary cluster, as the tests start it). Every answer is checked equal to the union's.
//!
//! Run it in release mode (generating the data takes about a minute):
//!
//! ```sh
//! cargo run --release --example inbox_scale                 # a million conversations
//! cargo run --release --example inbox_scale -- 200000       # fewer
//! ```
//!
//! Each figure is the median of 15 timed runs after 3 untimed ones; the ratio is the crate's
//! median over the union's. Target: every scoped case within 2x of the union.

#[path = "../tests/support/sql_db.rs"]
mod sql_db;
#[path = "../tests/support/postgres.rs"]
mod temp_postgres;

use std::time::{Duration, Instant};

use helpdesk_policy::{
    BuiltInRole, GroupId, Permissions, Plan, Policy, SqlDialect, Subject, UserId,
};
use sql_db::{Db, INBOX_COLUMNS};

const WARM_UP: usize = 3;
const TIMED: usize = 15;

/// One agent of the benchmark and what a hand-written query would ask for them.
struct Case {
    name: &'static str,
    subject: Subject<'static>,
    permissions: Permissions,
    /// The groups the hand-written union reads (full and view-only that reach).
    groups: &'static [GroupId],
    /// Whether the agent sees everything (the union is then the table itself).
    global: bool,
}

static THREE: [GroupId; 3] = [GroupId(1), GroupId(2), GroupId(3)];
static THREE_AND_VIEW_ONLY: [GroupId; 4] = [GroupId(1), GroupId(2), GroupId(3), GroupId(250)];
static VIEW_ONLY: [GroupId; 1] = [GroupId(250)];
static FIFTY: [GroupId; 50] = {
    let mut groups = [GroupId(0); 50];
    let mut n = 0;
    while n < 50 {
        groups[n] = GroupId(n as u64 * 10 + 5);
        n += 1;
    }
    groups
};

fn cases() -> Vec<Case> {
    let sales = BuiltInRole::SalesUser.id();
    vec![
        Case {
            name: "Group, 3 groups",
            subject: Subject::new(UserId(7), sales, &THREE),
            permissions: Permissions::REPLY,
            groups: &THREE,
            global: false,
        },
        Case {
            name: "Group, 50 groups",
            subject: Subject::new(UserId(7), sales, &FIFTY),
            permissions: Permissions::REPLY,
            groups: &FIFTY,
            global: false,
        },
        Case {
            name: "Group, 3 groups + 1 view-only",
            subject: Subject::new(UserId(7), sales, &THREE).with_view_only(&VIEW_ONLY),
            permissions: Permissions::VIEW_CONVERSATIONS,
            groups: &THREE_AND_VIEW_ONLY,
            global: false,
        },
        Case {
            name: "Restricted",
            subject: Subject::new(UserId(7), BuiltInRole::RestrictedUser.id(), &[]),
            permissions: Permissions::VIEW_CONVERSATIONS,
            groups: &[],
            global: false,
        },
        Case {
            name: "Global",
            subject: Subject::new(UserId(7), BuiltInRole::SupportAgent.id(), &THREE),
            permissions: Permissions::VIEW_CONVERSATIONS,
            groups: &[],
            global: true,
        },
    ]
}

/// The hand-written queries for `case` (page, count) with their parameters, in `dialect`.
fn union(case: &Case, dialect: SqlDialect) -> (String, String, Vec<i64>) {
    if case.global {
        return (
            "SELECT id FROM conversations ORDER BY id DESC LIMIT 50".into(),
            "SELECT count(*) FROM conversations".into(),
            Vec::new(),
        );
    }
    let mut next = 0;
    let mut placeholder = || {
        next += 1;
        match dialect {
            SqlDialect::Postgres => format!("${next}"),
            _ => "?".into(),
        }
    };
    let user = 7_i64;
    let mut params = vec![user];
    let mut parts = vec![format!(
        "SELECT id FROM conversations WHERE assignee_id = {}",
        placeholder()
    )];
    if !case.groups.is_empty() {
        let list: Vec<String> = case.groups.iter().map(|_| placeholder()).collect();
        parts.push(format!(
            "SELECT id FROM conversations WHERE group_id IN ({})",
            list.join(", ")
        ));
        params.extend(case.groups.iter().map(|g| i64::try_from(g.0).unwrap()));
    }
    parts.push(format!(
        "SELECT conversation_id FROM participants WHERE user_id = {}",
        placeholder()
    ));
    params.push(user);
    let union = parts.join(" UNION ");
    (
        format!("SELECT id FROM ({union}) u ORDER BY id DESC LIMIT 50"),
        format!("SELECT count(*) FROM ({union}) u"),
        params,
    )
}

/// The median time of `run` over the timed runs, and its last answer.
fn median(mut run: impl FnMut() -> Vec<i64>) -> (Duration, Vec<i64>) {
    for _ in 0..WARM_UP {
        run();
    }
    let mut answer = Vec::new();
    let mut times: Vec<Duration> = (0..TIMED)
        .map(|_| {
            let start = Instant::now();
            answer = run();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[TIMED / 2], answer)
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1.0 {
        format!("{ms:.3}")
    } else if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}

fn bench(db: &mut Db, dialect: SqlDialect, label: &str) {
    let policy = Policy::new(Plan::Pro);
    println!("\n{label}\n");
    println!("| agent | page: crate (ms) | page: union (ms) | ratio | count: crate (ms) | count: union (ms) | ratio | rows |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for case in cases() {
        let filter = policy.filter(&case.subject, case.permissions);
        let sql = filter.to_sql_in(dialect, &INBOX_COLUMNS).unwrap();
        let page = format!(
            "SELECT c.id FROM conversations c WHERE {} ORDER BY c.id DESC LIMIT 50",
            sql.sql
        );
        let count = format!("SELECT count(*) FROM conversations c WHERE {}", sql.sql);
        let (union_page, union_count, union_params) = union(&case, dialect);
        let (crate_page_time, crate_page) = median(|| db.ids(&page, &sql.params));
        let (union_page_time, hand_page) = median(|| db.ids(&union_page, &union_params));
        let (crate_count_time, crate_count) = median(|| db.ids(&count, &sql.params));
        let (union_count_time, hand_count) = median(|| db.ids(&union_count, &union_params));
        assert_eq!(crate_page, hand_page, "{}: the pages differ", case.name);
        assert_eq!(crate_count, hand_count, "{}: the counts differ", case.name);
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
        println!(
            "| {} | {} | {} | {:.2}x | {} | {} | {:.2}x | {} |",
            case.name,
            ms(crate_page_time),
            ms(union_page_time),
            ratio(crate_page_time, union_page_time),
            ms(crate_count_time),
            ms(union_count_time),
            ratio(crate_count_time, union_count_time),
            crate_count[0],
        );
    }
}

fn main() {
    let conversations: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |n| n.parse().expect("a number of conversations"));
    let dir = std::env::temp_dir().join(format!("inbox-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let start = Instant::now();
    let mut sqlite = Db::Sqlite(rusqlite::Connection::open(dir.join("inbox.sqlite3")).unwrap());
    sqlite.batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;");
    sqlite.generate_inbox(conversations);
    println!(
        "SQLite {}: {conversations} conversations generated in {:.1} s",
        rusqlite::version(),
        start.elapsed().as_secs_f64()
    );
    bench(&mut sqlite, SqlDialect::Sqlite, "SQLite (a file, WAL)");
    drop(sqlite);
    let _ = std::fs::remove_dir_all(&dir);

    let start = Instant::now();
    match Db::postgres("inbox_scale") {
        Some(mut pg) => {
            pg.generate_inbox(conversations);
            println!(
                "\nPostgreSQL: {conversations} conversations generated in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            bench(
                &mut pg,
                SqlDialect::Postgres,
                "PostgreSQL (a temporary cluster)",
            );
        }
        None => println!("\nPostgreSQL is not installed: its half was skipped"),
    }
}
