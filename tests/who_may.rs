//! `Policy::who_may(permissions, &resource) -> AgentFilter`, the reverse question (the assignee
//! picker, @mention suggestions, notification fan-out).
//!
//! - For every subject `s`: `who_may(p, r).matches(&s) == check(&s, p, r).is_allowed()`, over
//!   random subjects (built-in, custom, deleted and never-issued role ids, full and view-only
//!   groups, ids at the extremes), permission sets and resources of every kind.
//! - Its parts and its `Display` phrase, table-driven.
//! - `to_sql` refuses bad identifiers, and an unqualified or `m`-qualified id column when a
//!   membership table is given.
//! - On SQLite: a database of 2,000 random agents (roles among the built-in ones, ten custom
//!   ones, a deleted one and never-issued ids; random full and view-only memberships) and 200
//!   random conversations, where the agents the rendered query selects are exactly those
//!   `check` allows, for every conversation permission and several combinations, with the
//!   view-only flag column and without it (then only full memberships are stored).
//!
//! Random data come from the deterministic PRNG in `tests/common`.

mod common;
#[path = "support/sql_db.rs"]
mod sql_db;
#[path = "support/postgres.rs"]
mod temp_postgres;

use std::borrow::Cow;
use std::collections::BTreeSet;

use common::Rng;
use helpdesk_policy::{
    AboutUser, Account, AgentColumns, AgentFilter, BuiltInRole, Conversation, GroupId,
    MembershipTable, Permissions, Plan, Policy, Resource, RoleId, Scope, SqlDialect, SqlError,
    Subject, Team, UserId,
};
use sql_db::{rendered, with_each_database, Db, Value};

const VIEW: Permissions = Permissions::VIEW_CONVERSATIONS;
const REPLY: Permissions = Permissions::REPLY;
const NOTE: Permissions = Permissions::ADD_PRIVATE_NOTE;

fn owner() -> Subject<'static> {
    Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[])
}

/// The built-in roles, `custom` random custom roles (clones granted and revoked at random
/// scopes, with viewing and notes at Group often enough to exercise view-only groups), a
/// deleted role and never-issued ids.
fn roles(policy: &mut Policy, rng: &mut Rng, custom: usize) -> Vec<RoleId> {
    let owner = owner();
    let scoped: Vec<Permissions> = Permissions::SCOPED.each().collect();
    let account: Vec<Permissions> = Permissions::ACCOUNT_KIND
        .difference(Permissions::MANAGE_CUSTOM_ROLES)
        .each()
        .collect();
    let mut roles: Vec<RoleId> = BuiltInRole::ALL.iter().map(|role| role.id()).collect();
    for n in 0..custom {
        let source = *rng.pick(&roles);
        let id = policy
            .clone_role(&owner, source, &format!("Custom {n}"))
            .unwrap();
        if rng.chance(1, 2) {
            let set = *rng.pick(&[VIEW, NOTE, VIEW | NOTE, VIEW | REPLY]);
            policy.grant(&owner, id, set, Scope::Group).unwrap();
        }
        for _ in 0..rng.below(5) {
            match rng.below(5) {
                0..=2 => {
                    let scope =
                        *rng.pick(&[Scope::Restricted, Scope::Group, Scope::Group, Scope::Global]);
                    policy.grant(&owner, id, *rng.pick(&scoped), scope).unwrap();
                }
                3 => policy
                    .revoke(&owner, id, *rng.pick(&scoped) | *rng.pick(&account))
                    .unwrap(),
                _ => policy
                    .grant(&owner, id, *rng.pick(&account), Scope::Global)
                    .unwrap(),
            }
        }
        roles.push(id);
    }
    let doomed = policy
        .clone_role(&owner, BuiltInRole::Administrator.id(), "Doomed")
        .unwrap();
    policy.delete_role(&owner, doomed).unwrap();
    roles.extend([
        doomed,
        RoleId(0),
        RoleId(50),
        policy.next_role_id(),
        RoleId(u32::MAX),
    ]);
    roles
}

/// A host row type that lists its participants, as `who_may` needs.
#[derive(Debug)]
struct TicketRow {
    group_id: Option<u64>,
    owner_id: Option<u64>,
    followers: Vec<u64>,
}

impl Resource for TicketRow {
    fn group(&self) -> Option<GroupId> {
        self.group_id.map(GroupId)
    }

    fn assignee(&self) -> Option<UserId> {
        self.owner_id.map(UserId)
    }

    fn has_participant(&self, user: UserId) -> bool {
        self.followers.contains(&user.0)
    }

    fn participants(&self) -> Cow<'_, [UserId]> {
        self.followers.iter().copied().map(UserId).collect()
    }
}

/// The same row type without `participants`: `who_may` cannot name its participants, so it
/// may be narrower than `check`, never wider.
#[derive(Debug)]
struct SilentRow(TicketRow);

impl Resource for SilentRow {
    fn group(&self) -> Option<GroupId> {
        self.0.group()
    }

    fn assignee(&self) -> Option<UserId> {
        self.0.assignee()
    }

    fn has_participant(&self, user: UserId) -> bool {
        self.0.has_participant(user)
    }
}

// ---- matches == check, in memory ----

const GROUP_UNIVERSE: [u64; 12] = [
    0,
    1,
    2,
    3,
    4,
    5,
    (1 << 32) | 2,
    1 << 32,
    1 << 62,
    1 << 63,
    u64::MAX - 1,
    u64::MAX,
];

const USER_UNIVERSE: [u64; 9] = [0, 1, 2, 3, 4, 5, i64::MAX as u64, 1 << 63, u64::MAX];

fn random_group_list(rng: &mut Rng) -> Vec<GroupId> {
    let len = if rng.chance(1, 12) {
        17 + rng.below(40)
    } else {
        rng.below(4)
    };
    (0..len)
        .map(|_| GroupId(*rng.pick(&GROUP_UNIVERSE)))
        .collect()
}

fn random_resource(rng: &mut Rng) -> Box<dyn Resource> {
    let user = |rng: &mut Rng| *rng.pick(&USER_UNIVERSE);
    let group = |rng: &mut Rng| (!rng.chance(1, 6)).then(|| *rng.pick(&GROUP_UNIVERSE));
    match rng.below(10) {
        0..=4 => {
            let participants: Vec<UserId> = (0..rng.below(4)).map(|_| UserId(user(rng))).collect();
            Box::new(Conversation {
                group: group(rng).map(GroupId),
                assignee: rng.chance(1, 2).then(|| UserId(user(rng))),
                participants: participants.leak(),
            })
        }
        5 => Box::new(Team(GroupId(*rng.pick(&GROUP_UNIVERSE)))),
        6 => Box::new(Account),
        7 => Box::new(AboutUser(UserId(user(rng)))),
        _ => Box::new(TicketRow {
            group_id: group(rng),
            owner_id: rng.chance(1, 2).then(|| user(rng)),
            followers: (0..rng.below(4)).map(|_| user(rng)).collect(),
        }),
    }
}

fn random_permissions(rng: &mut Rng) -> Permissions {
    let every: Vec<Permissions> = Permissions::all().each().collect();
    match rng.below(40) {
        0 => Permissions::empty(),
        1 => VIEW | Permissions::from_bits_retain(1 << 40),
        2..=9 => *rng.pick(&[VIEW, NOTE, VIEW | NOTE]),
        10..=24 => *rng.pick(&Permissions::CONVERSATION_KIND.each().collect::<Vec<_>>()),
        _ => {
            let mut set = Permissions::empty();
            for _ in 0..1 + rng.below(3) {
                set |= *rng.pick(&every);
            }
            set
        }
    }
}

#[derive(Debug, Default)]
struct Coverage {
    compared: usize,
    allowed: usize,
    by_view_only: usize,
    by_taking_up: usize,
    nobody: usize,
}

#[test]
fn who_may_matches_check_for_random_subjects() {
    let mut rng = Rng(0x0000_0A60_E7F1_17E5);
    let mut policy = Policy::new(Plan::Enterprise);
    let roles = roles(&mut policy, &mut rng, 30);
    let group_lists: Vec<Vec<GroupId>> = (0..100).map(|_| random_group_list(&mut rng)).collect();
    let mut coverage = Coverage::default();
    for _ in 0..1_500 {
        let resource = random_resource(&mut rng);
        let permissions = random_permissions(&mut rng);
        let filter = policy.who_may(permissions, resource.as_ref());
        coverage.nobody += usize::from(filter.is_nobody());
        let takers: Vec<UserId> = resource
            .participants()
            .iter()
            .copied()
            .chain(resource.assignee())
            .collect();
        for _ in 0..40 {
            // Half the subjects are among the resource's takers, or in its group either way.
            let user = match (rng.below(3), takers.is_empty()) {
                (0, false) => *rng.pick(&takers),
                _ => UserId(*rng.pick(&USER_UNIVERSE)),
            };
            let mut groups = rng.pick(&group_lists).clone();
            let mut view_only = if rng.chance(2, 3) {
                rng.pick(&group_lists).clone()
            } else {
                Vec::new()
            };
            if let (Some(group), true) = (resource.group(), rng.chance(1, 3)) {
                if rng.chance(1, 2) {
                    groups.push(group);
                } else {
                    view_only.push(group);
                }
            }
            let subject = Subject::new(user, *rng.pick(&roles), &groups).with_view_only(&view_only);
            let decision = policy.check(&subject, permissions, resource.as_ref());
            assert_eq!(
                filter.matches(&subject),
                decision.is_allowed(),
                "who_may({permissions:?}) = {filter} disagrees with check ({decision}) for \
                 {subject:?}"
            );
            coverage.compared += 1;
            if decision.is_allowed() {
                coverage.allowed += 1;
                let without_view_only = Subject::new(user, subject.role, &groups);
                if !filter.matches(&without_view_only) {
                    coverage.by_view_only += 1;
                }
                let stranger = Subject {
                    user: UserId(12_345),
                    ..subject
                };
                if !filter.matches(&stranger) {
                    coverage.by_taking_up += 1;
                }
            }
        }
    }
    assert_eq!(coverage.compared, 60_000);
    assert!(coverage.allowed > 10_000, "{coverage:?}");
    assert!(coverage.by_view_only > 300, "{coverage:?}");
    assert!(coverage.by_taking_up > 1_000, "{coverage:?}");
    assert!(coverage.nobody > 50, "{coverage:?}");
}

#[test]
fn who_may_is_never_wider_than_check_for_rows_that_do_not_list_participants() {
    let mut rng = Rng(77);
    let mut policy = Policy::new(Plan::Pro);
    let roles = roles(&mut policy, &mut rng, 10);
    for _ in 0..2_000 {
        let row = SilentRow(TicketRow {
            group_id: Some(rng.below(4) as u64),
            owner_id: rng.chance(1, 2).then(|| rng.below(6) as u64),
            followers: (0..rng.below(4)).map(|_| rng.below(6) as u64).collect(),
        });
        let permissions = random_permissions(&mut rng);
        let filter = policy.who_may(permissions, &row);
        let groups = [GroupId(rng.below(4) as u64)];
        let subject = Subject::new(UserId(rng.below(6) as u64), *rng.pick(&roles), &groups);
        if filter.matches(&subject) {
            assert!(policy.check(&subject, permissions, &row).is_allowed());
        }
    }
}

// ---- the filter's parts and phrase ----

/// A row of the table below: what, permissions, resource, the roles by Global, by membership,
/// by view-only membership and by taking up, the takers, and the phrase.
type Row<'a> = (
    &'a str,
    Permissions,
    &'a dyn Resource,
    Vec<RoleId>,
    Vec<RoleId>,
    Vec<RoleId>,
    Vec<RoleId>,
    Vec<UserId>,
    &'a str,
);

#[test]
fn who_may_names_the_roles_of_the_design_table() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner();
    let group_all = policy
        .clone_role(&owner, BuiltInRole::Administrator.id(), "Group all")
        .unwrap();
    policy
        .grant(&owner, group_all, Permissions::SCOPED, Scope::Group)
        .unwrap();
    assert_eq!(group_all, RoleId::FIRST_CUSTOM);

    let [admin, administrator, support_manager, support_agent, marketing_manager, marketing_user, sales_manager, sales_user, restricted] =
        BuiltInRole::ALL.map(BuiltInRole::id);
    let conversation = Conversation {
        group: Some(GroupId(2)),
        assignee: Some(UserId(5)),
        participants: &[UserId(6), UserId(5)],
    };
    let unrouted = Conversation::default();
    let huge = Conversation {
        group: Some(GroupId(u64::MAX)),
        assignee: Some(UserId(u64::MAX)),
        participants: &[UserId(1 << 63)],
    };
    let global_view = vec![
        admin,
        administrator,
        support_manager,
        support_agent,
        sales_manager,
    ];
    let u = |ids: &[u64]| ids.iter().copied().map(UserId).collect::<Vec<_>>();
    #[rustfmt::skip]
    let table: Vec<Row<'_>> = vec![
        ("view", VIEW, &conversation, global_view.clone(), vec![sales_user, group_all], vec![sales_user, group_all], vec![sales_user, restricted, group_all], u(&[5, 6]),
         "agents with roles 1, 2, 3, 4, 7, or with roles 8, 100 in group 2, or with roles 8, 100 with view-only group 2, or with roles 8, 9, 100 who are user 5 or 6"),
        ("reply", REPLY, &conversation, global_view.clone(), vec![sales_user, group_all], vec![], vec![sales_user, restricted, group_all], u(&[5, 6]),
         "agents with roles 1, 2, 3, 4, 7, or with roles 8, 100 in group 2, or with roles 8, 9, 100 who are user 5 or 6"),
        ("view and note", VIEW | NOTE, &conversation, global_view.clone(), vec![sales_user, group_all], vec![sales_user, group_all], vec![sales_user, restricted, group_all], u(&[5, 6]),
         "agents with roles 1, 2, 3, 4, 7, or with roles 8, 100 in group 2, or with roles 8, 100 with view-only group 2, or with roles 8, 9, 100 who are user 5 or 6"),
        ("view and reply", VIEW | REPLY, &conversation, global_view.clone(), vec![sales_user, group_all], vec![], vec![sales_user, restricted, group_all], u(&[5, 6]),
         "agents with roles 1, 2, 3, 4, 7, or with roles 8, 100 in group 2, or with roles 8, 9, 100 who are user 5 or 6"),
        ("assign", Permissions::ASSIGN_CONVERSATION, &conversation, global_view.clone(), vec![group_all], vec![], vec![group_all], u(&[5, 6]),
         "agents with roles 1, 2, 3, 4, 7, or with role 100 in group 2, or with role 100 who are user 5 or 6"),
        ("delete", Permissions::DELETE_CONVERSATION, &conversation, vec![admin, administrator], vec![group_all], vec![], vec![group_all], u(&[5, 6]),
         "agents with roles 1, 2, or with role 100 in group 2, or with role 100 who are user 5 or 6"),
        ("view, no group nor takers", VIEW, &unrouted, global_view.clone(), vec![], vec![], vec![], vec![],
         "agents with roles 1, 2, 3, 4, 7"),
        ("view, ids beyond SQL", VIEW, &huge, global_view.clone(), vec![sales_user, group_all], vec![sales_user, group_all], vec![sales_user, restricted, group_all], u(&[1 << 63, u64::MAX]),
         "agents with roles 1, 2, 3, 4, 7, or with roles 8, 100 in group 18446744073709551615, or with roles 8, 100 with view-only group 18446744073709551615, or with roles 8, 9, 100 who are user 9223372036854775808 or 18446744073709551615"),
        ("reports on a team", Permissions::VIEW_REPORTS, &Team(GroupId(4)), vec![admin, administrator, marketing_manager, sales_manager], vec![group_all], vec![], vec![], vec![],
         "agents with roles 1, 2, 5, 7, or with role 100 in group 4"),
        ("reports about an agent", Permissions::VIEW_REPORTS, &AboutUser(UserId(3)), vec![admin, administrator, marketing_manager, sales_manager], vec![], vec![], vec![group_all], u(&[3]),
         "agents with roles 1, 2, 5, 7, or with role 100 who are user 3"),
        ("campaigns", Permissions::MANAGE_CAMPAIGNS, &Account, vec![admin, administrator, support_manager, marketing_manager, marketing_user, group_all], vec![], vec![], vec![], vec![],
         "agents with roles 1, 2, 3, 5, 6, 100"),
        ("custom roles", Permissions::MANAGE_CUSTOM_ROLES, &conversation, vec![admin], vec![], vec![], vec![], vec![],
         "agents with role 1"),
        ("custom roles and delete, on a team", Permissions::MANAGE_CUSTOM_ROLES | Permissions::DELETE_CONVERSATION, &Team(GroupId(1)), vec![admin], vec![], vec![], vec![], vec![],
         "agents with role 1"),
    ];
    for (what, permissions, resource, everywhere, members, view_only, taking_up, takers, phrase) in
        table
    {
        let filter = policy.who_may(permissions, resource);
        assert_eq!(filter.roles_everywhere(), everywhere, "{what}");
        assert_eq!(filter.roles_by_membership(), members, "{what}");
        assert_eq!(filter.roles_by_view_only_membership(), view_only, "{what}");
        assert_eq!(filter.roles_taking_up(), taking_up, "{what}");
        assert_eq!(filter.takers(), takers, "{what}");
        assert_eq!(filter.is_nobody(), phrase == "nobody", "{what}");
        assert_eq!(filter.to_string(), phrase, "{what}");
        if !members.is_empty() {
            assert_eq!(filter.group(), resource.group(), "{what}");
        }
    }
}

#[test]
fn a_request_no_role_can_grant_reaches_nobody() {
    let policy = Policy::new(Plan::Pro);
    let conversation = Conversation {
        group: Some(GroupId(2)),
        assignee: Some(UserId(5)),
        participants: &[UserId(6), UserId(5)],
    };
    let unassigned = Conversation {
        assignee: None,
        participants: &[],
        ..conversation
    };
    for permissions in [
        Permissions::empty(),
        VIEW | Permissions::from_bits_retain(1 << 40),
        Permissions::from_bits_retain(1 << 63),
    ] {
        let filter = policy.who_may(permissions, &conversation);
        assert!(filter.is_nobody(), "{permissions:?}");
        assert_eq!(filter.to_string(), "nobody");
        assert!(filter.roles_everywhere().is_empty());
        assert!(filter.roles_by_membership().is_empty());
        assert!(filter.roles_by_view_only_membership().is_empty());
        assert!(filter.roles_taking_up().is_empty());
        assert_eq!(filter.to_sql(&COLUMNS).unwrap().sql, "FALSE");
        let subject = Subject::new(UserId(5), BuiltInRole::AccountAdmin.id(), &[GroupId(2)]);
        assert!(!filter.matches(&subject));
        // As documented: "in id order (empty when no role reaches through them)".
        assert_eq!(filter.takers(), [], "{permissions:?}");
        // A filter is a value: nobody is nobody, whoever the resource's takers.
        assert_eq!(filter, policy.who_may(permissions, &unassigned));
    }
}

#[test]
fn equal_sets_of_agents_give_equal_filters() {
    // A filter is a value: the same question asked twice, or about resources with the same
    // facts in another order, gives an equal filter.
    let policy = Policy::new(Plan::Pro);
    let a = Conversation {
        group: Some(GroupId(2)),
        assignee: Some(UserId(5)),
        participants: &[UserId(6), UserId(5), UserId(6)],
    };
    let b = Conversation {
        participants: &[UserId(6)],
        ..a
    };
    let row = TicketRow {
        group_id: Some(2),
        owner_id: Some(5),
        followers: vec![6],
    };
    for permissions in [VIEW, REPLY, VIEW | NOTE, Permissions::CONVERSATION_KIND] {
        let filter = policy.who_may(permissions, &a);
        assert_eq!(filter, policy.who_may(permissions, &a));
        assert_eq!(filter, policy.who_may(permissions, &b));
        assert_eq!(filter, policy.who_may(permissions, &row));
        let clone: AgentFilter = filter.clone();
        assert_eq!(clone.to_string(), filter.to_string());
    }
}

// ---- to_sql ----

const MEMBERSHIPS: MembershipTable<'static> = MembershipTable {
    table: "memberships",
    user: "user_id",
    group: "group_id",
    view_only: Some("view_only"),
};

const COLUMNS: AgentColumns<'static> = AgentColumns {
    id: "a.id",
    role: "a.role_id",
    membership: Some(MEMBERSHIPS),
};

#[test]
fn to_sql_refuses_bad_identifiers_whatever_the_filter() {
    let policy = Policy::new(Plan::Pro);
    let conversation = Conversation {
        group: Some(GroupId(2)),
        assignee: Some(UserId(5)),
        participants: &[],
    };
    let filters = [
        policy.who_may(VIEW, &conversation),
        policy.who_may(Permissions::empty(), &conversation),
        policy.who_may(Permissions::MANAGE_FAQS, &Account),
    ];
    let m = MEMBERSHIPS;
    #[rustfmt::skip]
    let bad: Vec<(AgentColumns<'_>, &str)> = vec![
        (AgentColumns { id: "a.id; DROP TABLE agents", ..COLUMNS }, "a.id; DROP TABLE agents"),
        (AgentColumns { id: "a.b.id", ..COLUMNS }, "a.b.id"),
        (AgentColumns { role: "role id", ..COLUMNS }, "role id"),
        (AgentColumns { role: "a.role_id) OR (1=1", ..COLUMNS }, "a.role_id) OR (1=1"),
        (AgentColumns { role: "", ..COLUMNS }, ""),
        (AgentColumns { role: "\"role_id\"", ..COLUMNS }, "\"role_id\""),
        (AgentColumns { membership: Some(MembershipTable { table: "memberships m; --", ..m }), ..COLUMNS }, "memberships m; --"),
        (AgentColumns { membership: Some(MembershipTable { table: "1memberships", ..m }), ..COLUMNS }, "1memberships"),
        (AgentColumns { membership: Some(MembershipTable { user: "m.user_id", ..m }), ..COLUMNS }, "m.user_id"),
        (AgentColumns { membership: Some(MembershipTable { user: "user-id", ..m }), ..COLUMNS }, "user-id"),
        (AgentColumns { membership: Some(MembershipTable { group: "group_id OR 1", ..m }), ..COLUMNS }, "group_id OR 1"),
        (AgentColumns { membership: Some(MembershipTable { group: "grüppe", ..m }), ..COLUMNS }, "grüppe"),
        (AgentColumns { membership: Some(MembershipTable { view_only: Some("view_only = 0 OR 1"), ..m }), ..COLUMNS }, "view_only = 0 OR 1"),
        (AgentColumns { membership: Some(MembershipTable { view_only: Some("m.view_only"), ..m }), ..COLUMNS }, "m.view_only"),
        (AgentColumns { membership: Some(MembershipTable { view_only: Some(""), ..m }), ..COLUMNS }, ""),
    ];
    for filter in &filters {
        for (columns, name) in &bad {
            assert_eq!(
                filter.to_sql(columns),
                Err(SqlError::InvalidIdentifier((*name).to_owned())),
                "{columns:?}"
            );
        }
        // The membership subquery reads nothing of the outer query: any id qualifier will do.
        for id in ["id", "m.id", "M.id", "agents.id"] {
            for membership in [COLUMNS.membership, None] {
                let columns = AgentColumns {
                    id,
                    membership,
                    ..COLUMNS
                };
                assert!(filter.to_sql(&columns).is_ok(), "{id}");
            }
        }
        // Valid names in every accepted form.
        for columns in [
            COLUMNS,
            AgentColumns {
                id: "agents.id",
                role: "role_id",
                membership: Some(MembershipTable {
                    table: "main.memberships",
                    view_only: None,
                    ..m
                }),
            },
            AgentColumns {
                id: "_a.ID2",
                role: "_a.Role_2",
                membership: None,
            },
        ] {
            let sql = filter.to_sql(&columns).unwrap();
            assert_eq!(
                sql.sql.matches('?').count(),
                sql.params.len(),
                "{}",
                sql.sql
            );
        }
    }
}

#[test]
fn to_sql_renders_bind_parameters_only_and_leaves_out_ids_beyond_i64() {
    let policy = Policy::new(Plan::Pro);
    let huge = Conversation {
        group: Some(GroupId(u64::MAX)),
        assignee: Some(UserId(u64::MAX)),
        participants: &[UserId(1 << 63), UserId(3)],
    };
    let sql = policy.who_may(VIEW, &huge).to_sql(&COLUMNS).unwrap();
    // No group test (no row holds the group), and only user 3 among the takers.
    assert_eq!(
        sql.sql,
        "(a.role_id IN (?, ?, ?, ?, ?) OR (a.role_id IN (?, ?) AND a.id IN (?)))"
    );
    assert_eq!(sql.params, [1, 2, 3, 4, 7, 8, 9, 3]);
    assert!(sql.params.iter().all(|&p| p >= 0));
    // Nobody beyond the Global roles can be selected: the takers are all beyond i64.
    let beyond = Conversation {
        participants: &[UserId(1 << 63)],
        ..huge
    };
    let sql = policy.who_may(REPLY, &beyond).to_sql(&COLUMNS).unwrap();
    assert_eq!(sql.sql, "(a.role_id IN (?, ?, ?, ?, ?))");
    // Only the Account Admin: one role, one placeholder.
    let admin_only = policy.who_may(Permissions::MANAGE_CUSTOM_ROLES | REPLY, &beyond);
    let sql = admin_only.to_sql(&COLUMNS).unwrap();
    assert_eq!(sql.sql, "(a.role_id IN (?))");
    assert_eq!(sql.params, [1]);
    // Nobody at all: FALSE, never an empty `IN ()`.
    let nobody = policy.who_may(Permissions::empty(), &huge);
    assert_eq!(nobody.to_sql(&COLUMNS).unwrap().sql, "FALSE");
    assert!(nobody.to_sql(&COLUMNS).unwrap().params.is_empty());
    // The group of a full membership alone, and any membership: two membership terms.
    let c = Conversation {
        group: Some(GroupId(2)),
        assignee: None,
        participants: &[],
    };
    let sql = policy.who_may(VIEW, &c).to_sql(&COLUMNS).unwrap();
    assert_eq!(
        sql.sql,
        "(a.role_id IN (?, ?, ?, ?, ?) OR (a.role_id IN (?) AND a.id IN (SELECT m.user_id FROM \
         memberships m WHERE m.group_id = ?)))"
    );
    assert_eq!(sql.params, [1, 2, 3, 4, 7, 8, 2]);
    let sql = policy.who_may(REPLY, &c).to_sql(&COLUMNS).unwrap();
    assert_eq!(
        sql.sql,
        "(a.role_id IN (?, ?, ?, ?, ?) OR (a.role_id IN (?) AND a.id IN (SELECT m.user_id FROM \
         memberships m WHERE m.group_id = ? AND NOT m.view_only)))"
    );
    assert_eq!(sql.params, [1, 2, 3, 4, 7, 8, 2]);
    assert_eq!(
        policy
            .who_may(REPLY, &c)
            .to_sql_in(SqlDialect::Postgres, &COLUMNS)
            .unwrap()
            .sql,
        "(a.role_id IN ($1, $2, $3, $4, $5) OR (a.role_id IN ($6) AND a.id = ANY (ARRAY(SELECT \
         m.user_id FROM memberships m WHERE m.group_id = $7 AND NOT m.view_only))))"
    );
}

// ---- on SQLite ----

const AGENTS: usize = 2_000;
const CONVERSATIONS: usize = 200;
const GROUPS: usize = 24;

/// An agent as the host stores it.
#[derive(Debug)]
struct Agent {
    id: i64,
    role: RoleId,
    full: Vec<GroupId>,
    view_only: Vec<GroupId>,
}

impl Agent {
    fn subject(&self, with_view_only: bool) -> Subject<'_> {
        let subject = Subject::new(
            UserId(u64::try_from(self.id).unwrap()),
            self.role,
            &self.full,
        );
        if with_view_only {
            subject.with_view_only(&self.view_only)
        } else {
            subject
        }
    }
}

fn random_agents(rng: &mut Rng, roles: &[RoleId]) -> Vec<Agent> {
    let group = |rng: &mut Rng| GroupId(rng.below(GROUPS) as u64);
    (0..AGENTS)
        .map(|n| {
            let id = match n {
                0 => i64::MAX,
                1 => i64::MAX - 1,
                _ => i64::try_from(n).unwrap() - 2,
            };
            // Built-in roles half the time, so that the custom ones are not drowned out.
            let role = if rng.chance(1, 2) {
                BuiltInRole::ALL[rng.below(9)].id()
            } else {
                *rng.pick(roles)
            };
            let full: Vec<GroupId> = (0..rng.below(4)).map(|_| group(rng)).collect();
            let mut view_only: Vec<GroupId> = (0..rng.below(4)).map(|_| group(rng)).collect();
            if !full.is_empty() && rng.chance(1, 8) {
                view_only.push(full[0]); // both ways: the full membership wins
            }
            Agent {
                id,
                role,
                full,
                view_only,
            }
        })
        .collect()
}

fn load(db: &mut Db, agents: &[Agent]) {
    db.create(
        "CREATE TABLE agents (id {INT} PRIMARY KEY, role_id {INT} NOT NULL);
         -- Their own surrogate ids: a subquery reading an unqualified `id` would read them.
         CREATE TABLE memberships (
             id {ID},
             user_id {INT} NOT NULL REFERENCES agents (id),
             group_id {INT} NOT NULL,
             view_only BOOLEAN NOT NULL
         );
         CREATE TABLE full_memberships (
             id {ID},
             user_id {INT} NOT NULL REFERENCES agents (id),
             group_id {INT} NOT NULL
         );
         CREATE INDEX agents_by_role ON agents (role_id);
         CREATE INDEX memberships_by_group ON memberships (group_id, user_id);
         CREATE INDEX full_memberships_by_group ON full_memberships (group_id, user_id);",
    );
    let int = |v: i64| Value::Int(Some(v));
    let rows: Vec<Vec<Value>> = agents
        .iter()
        .map(|a| vec![int(a.id), int(i64::from(a.role.0))])
        .collect();
    db.insert("agents", &["id", "role_id"], &rows);
    let group = |group: &GroupId| i64::try_from(group.0).unwrap();
    let mut memberships = Vec::new();
    let mut full = Vec::new();
    for a in agents {
        for g in &a.full {
            memberships.push(vec![int(a.id), int(group(g)), Value::Bool(false)]);
            full.push(vec![int(a.id), int(group(g))]);
        }
        for g in &a.view_only {
            memberships.push(vec![int(a.id), int(group(g)), Value::Bool(true)]);
        }
    }
    db.insert(
        "memberships",
        &["user_id", "group_id", "view_only"],
        &memberships,
    );
    db.insert("full_memberships", &["user_id", "group_id"], &full);
    db.analyze();
}

/// Conversation facts, owned.
struct Facts {
    group: Option<GroupId>,
    assignee: Option<UserId>,
    participants: Vec<UserId>,
}

impl Facts {
    fn conversation(&self) -> Conversation<'_> {
        Conversation {
            group: self.group,
            assignee: self.assignee,
            participants: &self.participants,
        }
    }
}

fn random_conversations(rng: &mut Rng, agents: &[Agent]) -> Vec<Facts> {
    let user = |rng: &mut Rng| match rng.below(20) {
        0 => UserId(u64::MAX),
        1 => UserId(1 << 63),
        2 => UserId(99_999), // nobody's id
        _ => UserId(u64::try_from(rng.pick(agents).id).unwrap()),
    };
    (0..CONVERSATIONS)
        .map(|_| {
            let group = match rng.below(20) {
                0 | 1 => None,
                2 => Some(GroupId(u64::MAX)),
                3 => Some(GroupId(1 << 63)),
                _ => Some(GroupId(rng.below(GROUPS + 2) as u64)),
            };
            Facts {
                group,
                assignee: rng.chance(2, 3).then(|| user(rng)),
                participants: (0..rng.below(4)).map(|_| user(rng)).collect(),
            }
        })
        .collect()
}

/// One way a host may lay out its tables.
struct Layout {
    from: &'static str,
    columns: AgentColumns<'static>,
    /// Whether the subjects have their view-only groups (the flag column exists).
    view_only: bool,
}

const LAYOUTS: [Layout; 2] = [
    Layout {
        from: "agents a",
        columns: COLUMNS,
        view_only: true,
    },
    Layout {
        from: "agents",
        columns: AgentColumns {
            id: "agents.id",
            role: "role_id",
            membership: Some(MembershipTable {
                table: "full_memberships",
                user: "user_id",
                group: "group_id",
                view_only: None,
            }),
        },
        view_only: false,
    },
];

/// The agents the rendered filter selects, in id order, the same in every rendering the
/// database runs.
fn select(db: &mut Db, layout: &Layout, filter: &AgentFilter) -> Vec<i64> {
    let mut answers = db.renderings().iter().map(|&rendering| {
        let sql = rendered(rendering, |dialect| {
            filter.to_sql_in(dialect, &layout.columns)
        });
        let id = layout.columns.id;
        let query = format!(
            "SELECT {id} FROM {} WHERE {} ORDER BY {id}",
            layout.from, sql.sql
        );
        (rendering, db.ids(&query, &sql.params))
    });
    let (_, first) = answers.next().unwrap();
    for (rendering, other) in answers {
        assert_eq!(
            other, first,
            "{rendering:?} against the first rendering: {filter}"
        );
    }
    first
}

#[derive(Debug, Default)]
struct Seen {
    queries: usize,
    selected: usize,
    by_view_only: usize,
    by_taking_up: usize,
    empty: usize,
}

#[test]
fn the_query_selects_exactly_the_agents_check_allows() {
    with_each_database("who_may_proof", |db| {
        let mut rng = Rng(0x5EED_A6E7);
        let mut policy = Policy::new(Plan::Enterprise);
        let roles = roles(&mut policy, &mut rng, 10);
        let agents = random_agents(&mut rng, &roles);
        load(db, &agents);
        let conversations = random_conversations(&mut rng, &agents);
        let mut sets: Vec<Permissions> = Permissions::CONVERSATION_KIND.each().collect();
        sets.extend([
            VIEW | NOTE,
            VIEW | REPLY,
            Permissions::CONVERSATION_KIND,
            REPLY | Permissions::RESOLVE_CONVERSATION,
            VIEW | Permissions::VIEW_PEOPLE,
        ]);
        let mut seen = Seen::default();
        // Three sets per conversation, in turn, so that each set meets some 55 conversations; the
        // layout without the flag column every other conversation (each set still meets it), to
        // keep the run short.
        let k = sets.len();
        for (n, facts) in conversations.iter().enumerate() {
            let conversation = facts.conversation();
            for permissions in [sets[n % k], sets[(n + 4) % k], sets[(n + 8) % k]] {
                let filter = policy.who_may(permissions, &conversation);
                for layout in &LAYOUTS[..if n % 2 == 0 { 2 } else { 1 }] {
                    let allowed: Vec<i64> = agents
                        .iter()
                        .filter(|agent| {
                            let subject = agent.subject(layout.view_only);
                            let allowed = policy
                                .check(&subject, permissions, &conversation)
                                .is_allowed();
                            assert_eq!(filter.matches(&subject), allowed, "{subject:?}");
                            if allowed && layout.view_only {
                                // Let in only through a view-only membership, or only by taking
                                // the conversation up: every part of the query was needed.
                                if !filter.matches(&agent.subject(false)) {
                                    seen.by_view_only += 1;
                                }
                                let stranger = Subject {
                                    user: UserId(1 << 62),
                                    ..subject
                                };
                                if !filter.matches(&stranger) {
                                    seen.by_taking_up += 1;
                                }
                            }
                            allowed
                        })
                        .map(|agent| agent.id)
                        .collect::<BTreeSet<i64>>()
                        .into_iter()
                        .collect();
                    let selected = select(db, layout, &filter);
                    if selected != allowed {
                        let s: BTreeSet<_> = selected.iter().collect();
                        let a: BTreeSet<_> = allowed.iter().collect();
                        panic!(
                            "{permissions:?} on {conversation:?}, filter {filter}, layout {}: \
                             selected but denied {:?}, allowed but not selected {:?}",
                            layout.from,
                            s.difference(&a).take(5).collect::<Vec<_>>(),
                            a.difference(&s).take(5).collect::<Vec<_>>(),
                        );
                    }
                    seen.queries += 1;
                    seen.selected += selected.len();
                    seen.empty += usize::from(selected.is_empty());
                }
            }
        }
        assert_eq!(seen.queries, CONVERSATIONS * 3 * 3 / 2);
        assert!(seen.by_view_only > 1_000, "{seen:?}");
        assert!(seen.by_taking_up > 100, "{seen:?}");
        assert!(seen.empty < seen.queries / 4, "{seen:?}");
    });
}

#[test]
fn agents_with_ids_beyond_sql_are_matched_in_memory_and_left_out_of_the_query() {
    with_each_database("who_may_huge_ids", |db| {
        // A user id above i64::MAX cannot be stored in the agents table: the query leaves such
        // takers out (it could select no row), `matches` still agrees with `check`, nothing panics.
        let mut rng = Rng(3);
        let mut policy = Policy::new(Plan::Pro);
        let roles = roles(&mut policy, &mut rng, 10);
        let agents = random_agents(&mut rng, &roles);
        load(db, &agents);
        let group = [GroupId(1 << 63)];
        for facts in [
            Facts {
                group: Some(GroupId(u64::MAX)),
                assignee: Some(UserId(u64::MAX)),
                participants: vec![UserId(1 << 63), UserId(5)],
            },
            Facts {
                group: Some(GroupId(1 << 63)),
                assignee: Some(UserId(1 << 63)),
                participants: vec![],
            },
        ] {
            let conversation = facts.conversation();
            for permissions in [VIEW, REPLY, VIEW | NOTE, Permissions::CONVERSATION_KIND] {
                let filter = policy.who_may(permissions, &conversation);
                for &role in &roles {
                    for user in [UserId(u64::MAX), UserId(1 << 63), UserId(5)] {
                        for subject in [
                            Subject::new(user, role, &[]),
                            Subject::new(user, role, &group),
                            Subject::new(user, role, &[]).with_view_only(&group),
                        ] {
                            assert_eq!(
                                filter.matches(&subject),
                                policy
                                    .check(&subject, permissions, &conversation)
                                    .is_allowed(),
                                "{subject:?}"
                            );
                        }
                    }
                }
                for layout in &LAYOUTS {
                    let sql = filter.to_sql(&layout.columns).unwrap();
                    assert!(sql.params.iter().all(|&p| p >= 0), "{sql:?}");
                    let allowed: Vec<i64> = agents
                        .iter()
                        .filter(|agent| {
                            policy
                                .check(&agent.subject(layout.view_only), permissions, &conversation)
                                .is_allowed()
                        })
                        .map(|agent| agent.id)
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    assert_eq!(select(db, layout, &filter), allowed);
                }
            }
        }
    });
}

#[test]
fn without_a_membership_table_nobody_is_reached_through_a_group() {
    with_each_database("who_may_no_memberships", |db| {
        let mut rng = Rng(11);
        let mut policy = Policy::new(Plan::Pro);
        let roles = roles(&mut policy, &mut rng, 10);
        let agents = random_agents(&mut rng, &roles);
        load(db, &agents);
        let layout = Layout {
            from: "agents a",
            columns: AgentColumns {
                id: "id",
                role: "role_id",
                membership: None,
            },
            view_only: false,
        };
        let conversations = random_conversations(&mut rng, &agents);
        for facts in conversations.iter().take(40) {
            let conversation = facts.conversation();
            for permissions in [VIEW, REPLY, VIEW | NOTE] {
                let filter = policy.who_may(permissions, &conversation);
                // The host keeps no memberships: its agents are in no group.
                let allowed: Vec<i64> = agents
                    .iter()
                    .filter(|agent| {
                        let subject =
                            Subject::new(UserId(u64::try_from(agent.id).unwrap()), agent.role, &[]);
                        policy
                            .check(&subject, permissions, &conversation)
                            .is_allowed()
                    })
                    .map(|agent| agent.id)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                assert_eq!(select(db, &layout, &filter), allowed);
            }
        }
    });
}

#[test]
fn who_may_and_filter_treat_extension_permissions_like_the_others() {
    use helpdesk_policy::{ExtensionPermission, PermissionKind, Vocabulary};
    let vocabulary = Vocabulary::new([
        ExtensionPermission::new("merge_conversations", PermissionKind::Conversation)
            .requires(VIEW)
            .default_grant(BuiltInRole::SalesUser, Scope::Group)
            .default_grant(BuiltInRole::RestrictedUser, Scope::Restricted),
        ExtensionPermission::new("view_sla_reports", PermissionKind::Team)
            .default_grant(BuiltInRole::MarketingManager, Scope::Group),
        ExtensionPermission::new("manage_macros", PermissionKind::Account)
            .default_grant(BuiltInRole::SupportAgent, Scope::Global),
    ])
    .unwrap();
    let merge = vocabulary.permission("merge_conversations").unwrap();
    let sla = vocabulary.permission("view_sla_reports").unwrap();
    let macros = vocabulary.permission("manage_macros").unwrap();
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary);
    let mut rng = Rng(0xE87);
    let roles = roles(&mut policy, &mut rng, 10);
    let owner = owner();
    let merger = policy
        .clone_role(&owner, BuiltInRole::SalesUser.id(), "Merger")
        .unwrap();
    policy.grant(&owner, merger, merge, Scope::Group).unwrap();
    let roles: Vec<RoleId> = roles.into_iter().chain([merger]).collect();
    let sets = [
        merge,
        merge | VIEW,
        VIEW | NOTE,
        sla,
        macros,
        macros | NOTE,
        merge | Permissions::from_bits_retain(1 << 60),
    ];
    let group_lists: Vec<Vec<GroupId>> = (0..50).map(|_| random_group_list(&mut rng)).collect();
    let mut allowed = 0;
    for _ in 0..400 {
        let resource = random_resource(&mut rng);
        let permissions = *rng.pick(&sets);
        let filter = policy.who_may(permissions, resource.as_ref());
        for _ in 0..25 {
            let view_only = rng.pick(&group_lists).clone();
            let mut groups = rng.pick(&group_lists).clone();
            if let (Some(group), true) = (resource.group(), rng.chance(1, 2)) {
                groups.push(group);
            }
            let subject = Subject::new(
                UserId(*rng.pick(&USER_UNIVERSE)),
                *rng.pick(&roles),
                &groups,
            )
            .with_view_only(&view_only);
            let decision = policy.check(&subject, permissions, resource.as_ref());
            assert_eq!(
                filter.matches(&subject),
                decision.is_allowed(),
                "{decision}"
            );
            assert_eq!(
                policy
                    .filter(&subject, permissions)
                    .matches(resource.as_ref()),
                decision.is_allowed(),
                "{decision}"
            );
            allowed += usize::from(decision.is_allowed());
        }
    }
    assert!(allowed > 1_000, "{allowed}");
    // A conversation extension is not within VIEW_ONLY_REACH: a view-only group does not
    // reach it, even at Group.
    let c = Conversation {
        group: Some(GroupId(2)),
        assignee: None,
        participants: &[],
    };
    let filter = policy.who_may(merge, &c);
    assert!(filter
        .roles_by_membership()
        .contains(&BuiltInRole::SalesUser.id()));
    assert!(filter.roles_by_view_only_membership().is_empty());
    let reader =
        Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &[]).with_view_only(&[GroupId(2)]);
    assert!(!filter.matches(&reader));
    assert!(policy.filter(&reader, merge).view_only_groups().is_empty());
    assert_eq!(
        policy.filter(&reader, VIEW).view_only_groups(),
        [GroupId(2)]
    );
}
