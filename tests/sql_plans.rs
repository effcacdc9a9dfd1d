//! The inbox and who-may SQL is answered from indexes, judged by the plans both databases make
//! of it, not by how it reads: for every scoped agent (Group with 1 to 100 groups, view-only
//! groups, Restricted, custom roles) counting the inbox never reads the whole conversations
//! table, on SQLite (`EXPLAIN QUERY PLAN`: no `SCAN` of it) and on PostgreSQL (`EXPLAIN (FORMAT
//! JSON)` after `ANALYZE`, of the count and the newest-50 page: no `Seq Scan` on it), at 200,000
//! conversations; and who may act on a conversation with a group is found without reading the
//! whole agents table (50,000 agents). The indexes are the ones `SqlColumns` and `AgentColumns`
//! document.

mod common;
#[path = "support/sql_db.rs"]
mod sql_db;
#[path = "support/postgres.rs"]
mod temp_postgres;

use helpdesk_policy::{
    AgentColumns, BuiltInRole, Conversation, ConversationFilter, GroupId, MembershipTable,
    Permissions, Plan, Policy, RoleId, Scope, Subject, UserId,
};
use sql_db::{rendered, with_each_database, Db, INBOX_COLUMNS};

const CONVERSATIONS: u64 = 200_000;
const AGENTS: u64 = 50_000;
/// As in `Db::generate_inbox`.
const GROUPS: u64 = 500;

const AGENT_COLUMNS: AgentColumns<'static> = AgentColumns {
    id: "a.id",
    role: "a.role_id",
    membership: Some(MembershipTable {
        table: "memberships",
        user: "user_id",
        group: "group_id",
        view_only: Some("view_only"),
    }),
};

/// The inbox (see `Db::generate_inbox`) with 50,000 agents, each in three groups (one
/// of them view-only in four agents of ten), most holding custom team roles and one in fifty a
/// built-in role, and the documented indexes.
fn load(db: &mut Db, custom_roles: &[RoleId]) {
    db.generate_inbox(CONVERSATIONS);
    db.create(
        "CREATE TABLE agents (id {INT} PRIMARY KEY, role_id {INT} NOT NULL, name TEXT NOT NULL);
         CREATE TABLE memberships (
             user_id {INT} NOT NULL, group_id {INT} NOT NULL, view_only BOOLEAN NOT NULL
         );",
    );
    let agents = db.series(AGENTS);
    let roles: Vec<String> = custom_roles.iter().map(|role| role.0.to_string()).collect();
    let role_count = roles.len();
    let role_case: String = roles
        .iter()
        .enumerate()
        .map(|(n, role)| format!(" WHEN {n} THEN {role}"))
        .collect();
    let builtin_case: String = BuiltInRole::ALL
        .iter()
        .enumerate()
        .map(|(n, role)| format!(" WHEN {n} THEN {}", role.id().0))
        .collect();
    let view_only = db.boolean("g % 10 < 4");
    let full = db.boolean("1 = 0");
    db.batch(&format!(
        "INSERT INTO agents (id, role_id, name)
             SELECT g,
                    CASE WHEN g % 50 = 0 THEN CASE (g / 50) % 9{builtin_case} END
                         ELSE CASE g % {role_count}{role_case} END END,
                    'Agent ' || g
             FROM {agents} AS s;
         INSERT INTO memberships (user_id, group_id, view_only)
             SELECT g, (g * 17) % {GROUPS}, {full} FROM {agents} AS s;
         INSERT INTO memberships (user_id, group_id, view_only)
             SELECT g, (g * 17 + 101) % {GROUPS}, {full} FROM {agents} AS s;
         INSERT INTO memberships (user_id, group_id, view_only)
             SELECT g, (g * 17 + 203) % {GROUPS}, {view_only} FROM {agents} AS s;
         CREATE INDEX agents_by_role ON agents (role_id);
         CREATE INDEX memberships_by_group ON memberships (group_id, user_id);"
    ));
    db.analyze();
}

/// Custom roles as a large account narrows its agents: team roles at Group scope, and a few at
/// Restricted.
fn custom_roles(policy: &mut Policy) -> Vec<RoleId> {
    let owner = Subject::new(UserId(0), BuiltInRole::AccountAdmin.id(), &[]);
    let mut roles = Vec::new();
    for n in 0..20 {
        let (source, scope) = if n % 4 == 3 {
            (BuiltInRole::RestrictedUser, Scope::Restricted)
        } else {
            (BuiltInRole::SalesUser, Scope::Group)
        };
        let role = policy
            .clone_role(&owner, source.id(), &format!("Team role {n}"))
            .unwrap();
        policy
            .grant(&owner, role, Permissions::ASSIGN_CONVERSATION, scope)
            .unwrap();
        roles.push(role);
    }
    roles
}

/// Whether a PostgreSQL JSON plan has a `Seq Scan` node on `table`.
fn has_seq_scan(plan: &serde_json::Value, table: &str) -> bool {
    match plan {
        serde_json::Value::Object(node) => {
            let seq = node.get("Node Type").and_then(|t| t.as_str()) == Some("Seq Scan")
                && node.get("Relation Name").and_then(|t| t.as_str()) == Some(table);
            seq || node.values().any(|child| has_seq_scan(child, table))
        }
        serde_json::Value::Array(items) => items.iter().any(|item| has_seq_scan(item, table)),
        _ => false,
    }
}

/// Asserts that the plan of `query` never reads the whole of `table` (aliased `alias`).
fn assert_indexed(db: &mut Db, query: &str, params: &[i64], table: &str, alias: &str, what: &str) {
    let plan = db.plan(query, params);
    if db.is_postgres() {
        let json: serde_json::Value = serde_json::from_str(&plan).unwrap();
        assert!(
            !has_seq_scan(&json, table),
            "{what}: a Seq Scan on {table}:\n{query}\n{plan}"
        );
        assert!(plan.contains("Index"), "{what}: no index used:\n{plan}");
    } else {
        // `SCAN c`, or `SCAN c USING INDEX ...`: either reads every row.
        let scans = plan.lines().any(|line| {
            [alias, table].iter().any(|name| {
                line == format!("SCAN {name}") || line.starts_with(&format!("SCAN {name} "))
            })
        });
        assert!(!scans, "{what}: a SCAN of {table}:\n{query}\n{plan}");
        assert!(plan.contains("USING"), "{what}: no index used:\n{plan}");
    }
}

#[test]
fn scoped_inboxes_are_counted_and_paged_from_indexes() {
    with_each_database("plans_inbox", |db| {
        let mut policy = Policy::new(Plan::Enterprise);
        let custom = custom_roles(&mut policy);
        load(db, &custom);
        let group_lists: Vec<Vec<GroupId>> = [1_u64, 3, 10, 50, 100]
            .iter()
            .map(|&n| (0..n).map(|g| GroupId(g * 5 % GROUPS)).collect())
            .collect();
        let view_only = [GroupId(7), GroupId(8)];
        let mut subjects: Vec<(String, Subject<'_>, Permissions)> = Vec::new();
        for groups in &group_lists {
            let n = groups.len();
            let sales = Subject::new(UserId(7), BuiltInRole::SalesUser.id(), groups);
            subjects.push((format!("Group, {n} groups"), sales, Permissions::REPLY));
            subjects.push((
                format!("Group, {n} groups and view-only groups"),
                sales.with_view_only(&view_only),
                Permissions::VIEW_CONVERSATIONS,
            ));
            subjects.push((
                format!("custom Group role, {n} groups"),
                Subject::new(UserId(8), custom[0], groups),
                Permissions::ASSIGN_CONVERSATION | Permissions::REPLY,
            ));
        }
        subjects.push((
            "Restricted".into(),
            Subject::new(UserId(9), BuiltInRole::RestrictedUser.id(), &[]),
            Permissions::VIEW_CONVERSATIONS,
        ));
        subjects.push((
            "Restricted custom role with groups it does not use".into(),
            Subject::new(UserId(10), custom[3], &group_lists[2]),
            Permissions::ASSIGN_CONVERSATION,
        ));
        for (what, subject, permissions) in &subjects {
            let filter = policy.filter(subject, *permissions);
            assert!(
                matches!(filter, ConversationFilter::TakenUpBy { .. }),
                "{what}: {filter:?}"
            );
            for &rendering in db.renderings() {
                let sql = rendered(rendering, |dialect| {
                    filter.to_sql_in(dialect, &INBOX_COLUMNS)
                });
                let count = format!("SELECT count(*) FROM conversations c WHERE {}", sql.sql);
                let what = format!("{what}, {rendering:?}");
                assert_indexed(db, &count, &sql.params, "conversations", "c", &what);
                if db.is_postgres() {
                    // SQLite may rightly walk the primary key backwards for a page where it
                    // expects to stop early; its page is judged by time in the benchmark.
                    let page = format!(
                        "SELECT c.id, c.subject FROM conversations c WHERE {} \
                         ORDER BY c.id DESC LIMIT 50",
                        sql.sql
                    );
                    assert_indexed(db, &page, &sql.params, "conversations", "c", &what);
                }
            }
        }
        // The data are what the plans were judged on: a global agent's inbox is everything.
        assert_eq!(
            db.ids("SELECT count(*) FROM conversations", &[]),
            [i64::try_from(CONVERSATIONS).unwrap()]
        );
    });
}

#[test]
fn who_may_finds_the_agents_of_a_group_from_indexes() {
    with_each_database("plans_agents", |db| {
        let mut policy = Policy::new(Plan::Enterprise);
        let custom = custom_roles(&mut policy);
        load(db, &custom);
        let participants = [UserId(12), UserId(40_001)];
        let conversations = [
            Conversation {
                group: Some(GroupId(42)),
                assignee: None,
                participants: &[],
            },
            Conversation {
                group: Some(GroupId(42)),
                assignee: Some(UserId(4_242)),
                participants: &participants,
            },
        ];
        let sets = [
            Permissions::VIEW_CONVERSATIONS,
            Permissions::REPLY,
            Permissions::VIEW_ONLY_REACH,
            Permissions::ASSIGN_CONVERSATION,
            Permissions::DELETE_CONVERSATION,
        ];
        let mut selected = 0;
        for conversation in &conversations {
            for permissions in sets {
                let filter = policy.who_may(permissions, conversation);
                for &rendering in db.renderings() {
                    let sql = rendered(rendering, |dialect| {
                        filter.to_sql_in(dialect, &AGENT_COLUMNS)
                    });
                    let what = format!("{permissions:?} on {conversation:?}, {rendering:?}");
                    let count = format!("SELECT count(*) FROM agents a WHERE {}", sql.sql);
                    assert_indexed(db, &count, &sql.params, "agents", "a", &what);
                    selected += db.ids(&count, &sql.params)[0];
                }
            }
        }
        assert!(selected > 1_000, "{selected}");
    });
}
