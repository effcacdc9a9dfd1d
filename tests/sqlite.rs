//! Proof on a real database: the rows a rendered filter returns from SQLite are exactly the
//! conversations `check` allows, for 10,000 random conversations and many random subjects
//! (with full and view-only groups), built-in and custom roles, and permission sets. The data come from a deterministic PRNG
//! (splitmix64, in `tests/common`), so every run tests the same data.

mod common;

use std::collections::HashSet;

use common::Rng;
use helpdesk_policy::{
    BuiltInRole, ConversationFilter, GroupId, ParticipantsTable, Permissions, Plan, Policy,
    Resource, RoleId, Scope, SqlColumns, SqlError, Subject, UserId,
};
use rusqlite::{params, params_from_iter, Connection};

const CONVERSATIONS: i64 = 10_000;
const USERS: u64 = 60;
const GROUPS: u64 = 30;
const SUBJECTS: usize = 200;

/// A conversation as the host loads it from the database.
#[derive(Debug)]
struct Row {
    id: i64,
    group_id: Option<i64>,
    assignee_id: Option<i64>,
    participants: Vec<i64>,
}

impl Resource for Row {
    fn group(&self) -> Option<GroupId> {
        self.group_id
            .and_then(|id| u64::try_from(id).ok())
            .map(GroupId)
    }

    fn assignee(&self) -> Option<UserId> {
        self.assignee_id
            .and_then(|id| u64::try_from(id).ok())
            .map(UserId)
    }

    fn has_participant(&self, user: UserId) -> bool {
        i64::try_from(user.0).is_ok_and(|user| self.participants.contains(&user))
    }
}

fn sql_id(rng: &mut Rng, range: u64) -> i64 {
    let range = range as usize;
    match rng.below(100) {
        0 => -i64::try_from(rng.below(range) + 1).unwrap(), // negative: no id
        1 => i64::MAX,
        _ => i64::try_from(rng.below(range)).unwrap(),
    }
}

fn random_rows(rng: &mut Rng, count: i64) -> Vec<Row> {
    (1..=count)
        .map(|id| {
            let group_id = (!rng.chance(15, 100)).then(|| sql_id(rng, GROUPS));
            let assignee_id = (!rng.chance(30, 100)).then(|| sql_id(rng, USERS));
            let participants = (0..rng.below(4)).map(|_| sql_id(rng, USERS)).collect();
            Row {
                id,
                group_id,
                assignee_id,
                participants,
            }
        })
        .collect()
}

fn database(rows: &[Row]) -> Connection {
    let mut db = Connection::open_in_memory().unwrap();
    db.execute_batch(
        "CREATE TABLE conversations (
             id INTEGER PRIMARY KEY,
             group_id INTEGER,
             assignee_id INTEGER
         );
         -- Its own surrogate `id` too: an unqualified outer `id` in the subquery would read it.
         CREATE TABLE conversation_participants (
             id INTEGER PRIMARY KEY,
             conversation_id INTEGER NOT NULL REFERENCES conversations (id),
             user_id INTEGER NOT NULL
         );
         CREATE INDEX conversations_group ON conversations (group_id);
         CREATE INDEX conversations_assignee ON conversations (assignee_id);
         CREATE INDEX participants_by_conversation
             ON conversation_participants (conversation_id, user_id);",
    )
    .unwrap();
    let tx = db.transaction().unwrap();
    {
        let mut conversation = tx
            .prepare("INSERT INTO conversations (id, group_id, assignee_id) VALUES (?, ?, ?)")
            .unwrap();
        let mut participant = tx
            .prepare(
                "INSERT INTO conversation_participants (conversation_id, user_id) VALUES (?, ?)",
            )
            .unwrap();
        for row in rows {
            conversation
                .execute(params![row.id, row.group_id, row.assignee_id])
                .unwrap();
            for user in &row.participants {
                participant.execute(params![row.id, user]).unwrap();
            }
        }
    }
    tx.commit().unwrap();
    db
}

/// The ids the rendered filter selects, in id order.
fn select(db: &Connection, filter: &ConversationFilter<'_>, columns: &SqlColumns<'_>) -> Vec<i64> {
    let sql = filter.to_sql(columns).unwrap();
    assert!(!sql.sql.contains("IN ()"), "{}", sql.sql);
    assert_eq!(
        sql.sql.matches('?').count(),
        sql.params.len(),
        "{}",
        sql.sql
    );
    let query = format!(
        "SELECT c.id FROM conversations c WHERE {} ORDER BY c.id",
        sql.sql
    );
    let mut statement = db.prepare_cached(&query).unwrap();
    let ids = statement
        .query_map(params_from_iter(&sql.params), |row| row.get(0))
        .unwrap()
        .collect::<Result<Vec<i64>, _>>()
        .unwrap();
    ids
}

const PARTICIPANTS: ParticipantsTable<'static> = ParticipantsTable {
    table: "conversation_participants",
    conversation: "conversation_id",
    user: "user_id",
};

/// Qualified and unqualified outer columns: both must select the same rows.
const COLUMN_SETS: [SqlColumns<'static>; 2] = [
    SqlColumns {
        id: "c.id",
        group: "c.group_id",
        assignee: "c.assignee_id",
        participants: Some(PARTICIPANTS),
    },
    SqlColumns {
        id: "c.id",
        group: "group_id",
        assignee: "assignee_id",
        participants: Some(PARTICIPANTS),
    },
];

/// The built-in roles, random custom roles cloned and granted at mixed scopes, and one deleted
/// custom role (whose holders are denied everything).
fn roles(policy: &mut Policy, rng: &mut Rng) -> Vec<RoleId> {
    let owner = Subject {
        user: UserId(0),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    };
    let mut roles: Vec<RoleId> = BuiltInRole::ALL.iter().map(|role| role.id()).collect();
    let scoped: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    let narrow = [
        BuiltInRole::SalesUser.id(),
        BuiltInRole::RestrictedUser.id(),
        BuiltInRole::SupportAgent.id(),
    ];
    for n in 0..24 {
        let source = if rng.chance(60, 100) {
            *rng.pick(&narrow)
        } else {
            *rng.pick(&roles)
        };
        let role = policy
            .clone_role(&owner, source, &format!("Custom {n}"))
            .unwrap();
        for _ in 0..rng.below(5) + 1 {
            let permission = *rng.pick(&scoped);
            if rng.chance(20, 100) {
                policy.revoke(&owner, role, permission).unwrap();
            } else {
                // Mostly narrow scopes: they are what the query has to get right.
                let scope = *rng.pick(&[
                    Scope::Restricted,
                    Scope::Restricted,
                    Scope::Group,
                    Scope::Group,
                    Scope::Global,
                ]);
                policy.grant(&owner, role, permission, scope).unwrap();
            }
        }
        roles.push(role);
    }
    let doomed = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Doomed")
        .unwrap();
    policy.delete_role(&owner, doomed).unwrap();
    roles.push(doomed);
    roles
}

/// Single permissions, combinations at different scopes, team and account permissions, the
/// empty set and unknown bits.
fn permission_sets() -> Vec<Permissions> {
    let mut sets: Vec<Permissions> = Permissions::CONVERSATION_KIND.iter().collect();
    sets.extend([
        Permissions::VIEW_CONVERSATIONS | Permissions::REPLY,
        Permissions::REPLY | Permissions::ASSIGN_CONVERSATION,
        Permissions::ADD_PRIVATE_NOTE | Permissions::RESOLVE_CONVERSATION,
        Permissions::CONVERSATION_KIND,
        Permissions::VIEW_REPORTS,
        Permissions::VIEW_DASHBOARD | Permissions::VIEW_CONVERSATIONS,
        Permissions::VIEW_PEOPLE,
        Permissions::MANAGE_FAQS | Permissions::REPLY,
        Permissions::empty(),
        Permissions::from_bits_retain(1 << 25),
    ]);
    sets
}

fn random_user(rng: &mut Rng) -> UserId {
    match rng.below(100) {
        0 => UserId(u64::MAX),
        1 => UserId(u64::try_from(i64::MAX).unwrap()),
        _ => UserId(rng.below(USERS as usize) as u64),
    }
}

fn random_groups(rng: &mut Rng) -> Vec<GroupId> {
    let mut groups: Vec<GroupId> = (0..rng.below(7))
        .map(|_| match rng.below(50) {
            0 => GroupId(1 << 63),
            1 => GroupId(u64::try_from(i64::MAX).unwrap()),
            _ => GroupId(rng.below(GROUPS as usize) as u64),
        })
        .collect();
    if rng.chance(5, 100) {
        // Many groups, repeated: one placeholder each after deduplication.
        groups.extend((0..200).map(|g| GroupId(g % GROUPS)));
    }
    groups
}

#[derive(Default, Debug)]
struct Seen {
    everything: usize,
    nothing: usize,
    restricted: usize,
    grouped: usize,
    with_view_only: usize,
    false_for_huge_user: usize,
}

/// Asserts that the query rendered for `subject` and `permissions` selects exactly the rows
/// `check` allows (and that `matches` agrees with `check` on each); returns the filter.
fn assert_agrees<'a>(
    db: &Connection,
    rows: &[Row],
    policy: &Policy,
    subject: &Subject<'a>,
    permissions: Permissions,
    columns: &SqlColumns<'_>,
) -> ConversationFilter<'a> {
    let filter = policy.filter(subject, permissions);
    let allowed: Vec<i64> = rows
        .iter()
        .filter(|row| {
            let allowed = policy.check(subject, permissions, *row).is_allowed();
            assert_eq!(filter.matches(*row), allowed, "{row:?} {subject:?}");
            allowed
        })
        .map(|row| row.id)
        .collect();
    let selected = select(db, &filter, columns);
    if selected != allowed {
        let selected: HashSet<i64> = selected.iter().copied().collect();
        let allowed: HashSet<i64> = allowed.iter().copied().collect();
        let extra: Vec<_> = selected.difference(&allowed).take(5).collect();
        let missing: Vec<_> = allowed.difference(&selected).take(5).collect();
        panic!(
            "subject {subject:?}, {permissions:?}, filter {filter:?}: \
             selected but denied {extra:?}, allowed but not selected {missing:?}"
        );
    }
    filter
}

#[test]
fn rendered_queries_return_exactly_what_check_allows() {
    let mut rng = Rng(0x5EED_F1DE);
    let rows = random_rows(&mut rng, CONVERSATIONS);
    let db = database(&rows);
    let mut policy = Policy::new(Plan::Enterprise);
    let roles = roles(&mut policy, &mut rng);
    let sets = permission_sets();
    let mut seen = Seen::default();

    let mut subjects: Vec<(UserId, RoleId, Vec<GroupId>, Vec<GroupId>)> = (0..SUBJECTS)
        .map(|_| {
            let groups = random_groups(&mut rng);
            // View-only groups for two subjects in three (overlapping the full ones at times).
            let view_only = if rng.chance(2, 3) {
                random_groups(&mut rng)
            } else {
                Vec::new()
            };
            (random_user(&mut rng), *rng.pick(&roles), groups, view_only)
        })
        .collect();
    // Sales Users (Group scope) with view-only groups: the filters that carry them.
    for _ in 0..24 {
        let groups = random_groups(&mut rng);
        let mut view_only = random_groups(&mut rng);
        view_only.push(GroupId(rng.below(GROUPS as usize) as u64));
        subjects.push((
            random_user(&mut rng),
            BuiltInRole::SalesUser.id(),
            groups,
            view_only,
        ));
    }
    // Users and groups no SQL integer can hold, at Restricted and Group scope.
    for user in [UserId(u64::MAX), UserId(1 << 63)] {
        let huge_groups = vec![GroupId(u64::MAX), GroupId(1 << 63)];
        subjects.push((
            user,
            BuiltInRole::RestrictedUser.id(),
            Vec::new(),
            Vec::new(),
        ));
        subjects.push((
            user,
            BuiltInRole::SalesUser.id(),
            huge_groups.clone(),
            huge_groups,
        ));
        subjects.push((
            user,
            BuiltInRole::SalesUser.id(),
            vec![GroupId(3)],
            vec![GroupId(4), GroupId(u64::MAX)],
        ));
    }

    for (n, (user, role, groups, view_only)) in subjects.iter().enumerate() {
        let subject = Subject::new(*user, *role, groups).with_view_only(view_only);
        let columns = &COLUMN_SETS[n % COLUMN_SETS.len()];
        // One random set, and one every inbox needs (viewing, or what view-only groups reach,
        // or what they do not).
        let permission_sets = [
            *rng.pick(&sets),
            [
                Permissions::VIEW_CONVERSATIONS,
                Permissions::REPLY,
                Permissions::VIEW_ONLY_REACH,
                Permissions::ADD_PRIVATE_NOTE,
            ][n % 4],
        ];
        for permissions in permission_sets {
            let filter = assert_agrees(&db, &rows, &policy, &subject, permissions, columns);
            match filter {
                ConversationFilter::Everything => seen.everything += 1,
                ConversationFilter::Nothing => seen.nothing += 1,
                ConversationFilter::TakenUpBy {
                    user,
                    groups,
                    view_only,
                } => {
                    if filter.to_sql(columns).unwrap().sql == "FALSE" {
                        assert!(user.0 > u64::try_from(i64::MAX).unwrap());
                        seen.false_for_huge_user += 1;
                    } else if groups.is_empty() && view_only.is_empty() {
                        seen.restricted += 1;
                    } else {
                        seen.grouped += 1;
                        seen.with_view_only += usize::from(!view_only.is_empty());
                    }
                }
                _ => unreachable!("a new kind of filter"),
            }
        }
    }
    // Every shape of filter was exercised.
    assert!(seen.everything > 10, "{seen:?}");
    assert!(seen.nothing > 10, "{seen:?}");
    assert!(seen.restricted > 10, "{seen:?}");
    assert!(seen.grouped > 10, "{seen:?}");
    assert!(seen.with_view_only > 15, "{seen:?}");
    assert!(seen.false_for_huge_user > 0, "{seen:?}");
}

#[test]
fn any_id_qualifier_or_none_selects_the_same_rows() {
    // The participants subquery reads nothing of the outer query, so the id column may be
    // unqualified, or qualified by the subquery's own alias `p`, and still mean the outer row.
    let mut rng = Rng(7);
    let rows = random_rows(&mut rng, 2_000);
    let db = database(&rows);
    let filter = ConversationFilter::TakenUpBy {
        user: UserId(5),
        groups: &[GroupId(3)],
        view_only: &[],
    };
    let expected = select(&db, &filter, &COLUMN_SETS[1]);
    assert!(!expected.is_empty());
    for id in ["id", "conversations.id"] {
        let columns = SqlColumns {
            id,
            ..COLUMN_SETS[1]
        };
        let sql = filter.to_sql(&columns).unwrap();
        let query = format!("SELECT id FROM conversations WHERE {} ORDER BY id", sql.sql);
        let mut statement = db.prepare(&query).unwrap();
        let got: Vec<i64> = statement
            .query_map(params_from_iter(&sql.params), |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(got, expected, "{id}");
    }
    let sql = filter
        .to_sql(&SqlColumns {
            id: "p.id",
            ..COLUMN_SETS[1]
        })
        .unwrap();
    let query = format!(
        "SELECT p.id FROM conversations p WHERE {} ORDER BY p.id",
        sql.sql
    );
    let mut statement = db.prepare(&query).unwrap();
    let got: Vec<i64> = statement
        .query_map(params_from_iter(&sql.params), |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got, expected, "p.id");
}

#[test]
fn hostile_identifiers_never_reach_the_database() {
    let db = database(&[]);
    let filter = ConversationFilter::TakenUpBy {
        user: UserId(5),
        groups: &[GroupId(1)],
        view_only: &[],
    };
    for bad in [
        "group_id) OR 1=1 --",
        "group_id; DROP TABLE conversations",
        "group id",
        "\"group_id\"",
    ] {
        let columns = SqlColumns {
            group: bad,
            ..COLUMN_SETS[0]
        };
        assert_eq!(
            filter.to_sql(&columns),
            Err(SqlError::InvalidIdentifier(bad.to_owned()))
        );
        assert_eq!(
            ConversationFilter::Everything.to_sql(&columns),
            Err(SqlError::InvalidIdentifier(bad.to_owned())),
            "checked whatever the filter"
        );
    }
    let count: i64 = db
        .query_row("SELECT count(*) FROM conversations", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count, 0);
}
