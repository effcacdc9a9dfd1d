//! Proof on real databases: the rows a rendered filter returns are exactly the conversations
//! `check` allows, for 10,000 random conversations and many random subjects (with full and
//! view-only groups), built-in and custom roles, and permission sets; on SQLite (the standard
//! rendering) and on PostgreSQL (its own rendering, and the standard one with numbered
//! placeholders). The data come from a deterministic PRNG (splitmix64, in `tests/common`), so
//! every run tests the same data.

mod common;
#[path = "support/sql_db.rs"]
mod sql_db;
#[path = "support/postgres.rs"]
mod temp_postgres;

use std::collections::HashSet;

use common::Rng;
use helpdesk_policy::{
    BuiltInRole, ConversationFilter, GroupId, ParticipantsTable, Permissions, Plan, Policy,
    Resource, RoleId, Scope, SqlColumns, SqlDialect, SqlError, Subject, UserId,
};
use sql_db::{rendered, with_each_database, Db, Rendering, Value};

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

fn load(db: &mut Db, rows: &[Row]) {
    db.create(
        "CREATE TABLE conversations (
             id {INT} PRIMARY KEY,
             group_id {INT},
             assignee_id {INT}
         );
         -- Its own surrogate `id` too: a subquery reading an unqualified `id` would read it.
         CREATE TABLE conversation_participants (
             id {ID},
             conversation_id {INT} NOT NULL REFERENCES conversations (id),
             user_id {INT} NOT NULL
         );
         CREATE INDEX conversations_group ON conversations (group_id);
         CREATE INDEX conversations_assignee ON conversations (assignee_id);
         CREATE INDEX participants_by_user
             ON conversation_participants (user_id, conversation_id);",
    );
    let conversations: Vec<Vec<Value>> = rows
        .iter()
        .map(|row| {
            vec![
                Value::Int(Some(row.id)),
                Value::Int(row.group_id),
                Value::Int(row.assignee_id),
            ]
        })
        .collect();
    db.insert(
        "conversations",
        &["id", "group_id", "assignee_id"],
        &conversations,
    );
    let participants: Vec<Vec<Value>> = rows
        .iter()
        .flat_map(|row| {
            row.participants
                .iter()
                .map(|&user| vec![Value::Int(Some(row.id)), Value::Int(Some(user))])
        })
        .collect();
    db.insert(
        "conversation_participants",
        &["conversation_id", "user_id"],
        &participants,
    );
    db.analyze();
}

/// The ids the rendered filter selects, in id order.
fn select(
    db: &mut Db,
    rendering: Rendering,
    filter: &ConversationFilter<'_>,
    columns: &SqlColumns<'_>,
) -> Vec<i64> {
    let sql = rendered(rendering, |dialect| filter.to_sql_in(dialect, columns));
    let query = format!(
        "SELECT c.id FROM conversations c WHERE {} ORDER BY c.id",
        sql.sql
    );
    db.ids(&query, &sql.params)
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
    db: &mut Db,
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
    for &rendering in db.renderings() {
        let selected = select(db, rendering, &filter, columns);
        assert_same(
            subject,
            permissions,
            &filter,
            rendering,
            &selected,
            &allowed,
        );
    }
    filter
}

fn assert_same(
    subject: &Subject<'_>,
    permissions: Permissions,
    filter: &ConversationFilter<'_>,
    rendering: Rendering,
    selected: &[i64],
    allowed: &[i64],
) {
    if selected != allowed {
        let selected: HashSet<i64> = selected.iter().copied().collect();
        let allowed: HashSet<i64> = allowed.iter().copied().collect();
        let extra: Vec<_> = selected.difference(&allowed).take(5).collect();
        let missing: Vec<_> = allowed.difference(&selected).take(5).collect();
        panic!(
            "subject {subject:?}, {permissions:?}, filter {filter:?}, {rendering:?}: \
             selected but denied {extra:?}, allowed but not selected {missing:?}"
        );
    }
}

#[test]
fn rendered_queries_return_exactly_what_check_allows_on_sqlite() {
    prove_inbox(&mut Db::sqlite());
}

#[test]
fn rendered_queries_return_exactly_what_check_allows_on_postgres() {
    if let Some(mut db) = Db::postgres("inbox_proof") {
        prove_inbox(&mut db);
    }
}

fn prove_inbox(db: &mut Db) {
    let mut rng = Rng(0x5EED_F1DE);
    let rows = random_rows(&mut rng, CONVERSATIONS);
    load(db, &rows);
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
            let filter = assert_agrees(db, &rows, &policy, &subject, permissions, columns);
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
    with_each_database("inbox_qualifiers", |db| {
        // The participants subquery reads nothing of the outer query, so the id column may be
        // unqualified, or qualified by the subquery's own alias `p`, and still mean the outer
        // row.
        let mut rng = Rng(7);
        let rows = random_rows(&mut rng, 2_000);
        load(db, &rows);
        let filter = ConversationFilter::TakenUpBy {
            user: UserId(5),
            groups: &[GroupId(3)],
            view_only: &[],
        };
        for &rendering in db.renderings() {
            let expected = select(db, rendering, &filter, &COLUMN_SETS[1]);
            assert!(!expected.is_empty());
            for (from, id) in [
                ("conversations", "id"),
                ("conversations", "conversations.id"),
                ("conversations p", "p.id"),
            ] {
                let columns = SqlColumns {
                    id,
                    ..COLUMN_SETS[1]
                };
                let sql = rendered(rendering, |dialect| filter.to_sql_in(dialect, &columns));
                let query = format!("SELECT {id} FROM {from} WHERE {} ORDER BY {id}", sql.sql);
                assert_eq!(db.ids(&query, &sql.params), expected, "{id} {rendering:?}");
            }
        }
    });
}

#[test]
fn keyset_pages_give_every_allowed_row_once_newest_first() {
    with_each_database("inbox_pages", |db| {
        let mut rng = Rng(0x9A6E);
        let rows = random_rows(&mut rng, 3_000);
        load(db, &rows);
        let policy = Policy::new(Plan::Pro);
        let groups = [GroupId(3), GroupId(11), GroupId(4)];
        let view_only = [GroupId(20)];
        let subjects = [
            Subject::new(UserId(5), BuiltInRole::SalesUser.id(), &groups),
            Subject::new(UserId(5), BuiltInRole::SalesUser.id(), &groups)
                .with_view_only(&view_only),
            Subject::new(UserId(9), BuiltInRole::RestrictedUser.id(), &[]),
            Subject::new(UserId(9), BuiltInRole::SupportAgent.id(), &[]),
        ];
        let mut pages_read = 0;
        for subject in &subjects {
            let filter = policy.filter(subject, Permissions::VIEW_CONVERSATIONS);
            let mut expected: Vec<i64> = rows
                .iter()
                .filter(|row| {
                    policy
                        .check(subject, Permissions::VIEW_CONVERSATIONS, *row)
                        .is_allowed()
                })
                .map(|row| row.id)
                .collect();
            expected.reverse();
            assert!(expected.len() > 60, "{subject:?}: {}", expected.len());
            for &rendering in db.renderings() {
                // The host's own conditions bind first (a status, then the cursor), the
                // fragment after them: `to_sql_from` numbers its placeholders from `$3`.
                let sql = match rendering {
                    Rendering::Sqlite => filter.to_sql(&COLUMN_SETS[0]).unwrap(),
                    Rendering::Postgres => filter
                        .to_sql_from(SqlDialect::Postgres, &COLUMN_SETS[0], 3)
                        .unwrap(),
                };
                let (status, cursor) = match rendering {
                    Rendering::Sqlite => ("?", "?"),
                    Rendering::Postgres => ("$1", "$2"),
                };
                let query = format!(
                    "SELECT c.id FROM conversations c WHERE c.id > {status} AND c.id < {cursor} \
                     AND {} ORDER BY c.id DESC LIMIT 50",
                    sql.sql
                );
                let mut seen: Vec<i64> = Vec::new();
                let mut before = i64::MAX;
                loop {
                    let mut params = vec![0, before];
                    params.extend(&sql.params);
                    let page = db.ids(&query, &params);
                    pages_read += 1;
                    assert!(page.len() <= 50);
                    seen.extend(&page);
                    match page.last() {
                        Some(&last) if page.len() == 50 => before = last,
                        _ => break,
                    }
                }
                assert_eq!(seen, expected, "{subject:?} {rendering:?}");
            }
        }
        assert!(pages_read > 20, "{pages_read}");
    });
}

#[test]
fn hostile_identifiers_never_reach_the_database() {
    let mut db = Db::sqlite();
    load(&mut db, &[]);
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
        for dialect in [SqlDialect::Sqlite, SqlDialect::Postgres] {
            assert_eq!(
                filter.to_sql_in(dialect, &columns),
                Err(SqlError::InvalidIdentifier(bad.to_owned()))
            );
            assert_eq!(
                ConversationFilter::Everything.to_sql_in(dialect, &columns),
                Err(SqlError::InvalidIdentifier(bad.to_owned())),
                "checked whatever the filter"
            );
        }
    }
    assert_eq!(db.ids("SELECT count(*) FROM conversations", &[]), [0]);
}
