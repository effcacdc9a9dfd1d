//! `Policy::filter` agrees with `Policy::check`: for every role (built-in, custom with mixed
//! scopes, deleted, never created), subject, conversation and permission set,
//! `filter(s, p).matches(c) == check(s, p, c).is_allowed()`, view-only groups included. Plus
//! table-driven tests of the filter's readable parts (`Everything`, `Nothing`,
//! `TakenUpBy { user, groups, view_only }`, `user()`, `groups()`, `view_only_groups()`), which
//! a host turns into its inbox query, and of when the view-only groups are in it: exactly when
//! the permissions that need the group are within `Permissions::VIEW_ONLY_REACH`.
//!
//! The random cases come from a small deterministic PRNG (splitmix64, in `tests/common`), so
//! every run checks the same cases and a failure names the seed-free case that broke.

mod common;

use common::Rng;
use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, ConversationFilter, Fact, GroupId, Permissions,
    Plan, Policy, Reason, RoleId, Scope, Subject, Team, UserId,
};

/// Group ids the subjects and conversations draw from: small ones, and ones that differ from
/// small ones only in their high 32 bits, so a scan that compared half words would be caught.
const GROUP_UNIVERSE: [u64; 14] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    (1 << 32) | 3,
    (3 << 32) | 1,
    1 << 32,
    u64::MAX,
    u64::MAX - 1,
];

/// Groups that no subject is ever in.
const FOREIGN_GROUPS: [u64; 3] = [9, (1 << 32) | 9, 1 << 63];

/// Users of the test account (the subjects and the conversations' people).
const USERS: [u64; 6] = [1, 2, 3, 4, 5, u64::MAX];

/// Every permission, one bit each, in bit order.
fn every_permission() -> Vec<Permissions> {
    Permissions::all().iter().collect()
}

/// The Account Admin, who creates and edits the custom roles.
fn owner(policy: &Policy) -> Subject<'static> {
    Subject {
        user: UserId(1),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    }
}

/// A random set of scoped (conversation and team) permissions, non-empty.
fn random_scoped(rng: &mut Rng, scoped: &[Permissions]) -> Permissions {
    let mut set = Permissions::empty();
    let count = 1 + rng.below(4);
    for _ in 0..count {
        set |= *rng.pick(scoped);
    }
    set
}

/// A policy with many custom roles of mixed scopes, all made by the Account Admin through
/// `clone_role`, `grant` and `revoke`, and the ids of every role to test: the built-in ones,
/// the custom ones, a deleted one and one never created.
fn policy_with_custom_roles(rng: &mut Rng) -> (Policy, Vec<RoleId>) {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let scoped: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    let account: Vec<Permissions> = Permissions::ACCOUNT_KIND
        .difference(Permissions::MANAGE_CUSTOM_ROLES)
        .iter()
        .collect();
    let mut roles: Vec<RoleId> = BuiltInRole::ALL
        .iter()
        .map(|&role| policy.builtin(role))
        .collect();

    // One hand-made role with every scope at once, across both scoped kinds.
    let mixed = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::RestrictedUser), "Mixed")
        .unwrap();
    policy
        .grant(
            &owner,
            mixed,
            Permissions::VIEW_CONVERSATIONS,
            Scope::Global,
        )
        .unwrap();
    policy
        .grant(&owner, mixed, Permissions::REPLY, Scope::Group)
        .unwrap();
    policy
        .grant(
            &owner,
            mixed,
            Permissions::ADD_PRIVATE_NOTE,
            Scope::Restricted,
        )
        .unwrap();
    policy
        .grant(&owner, mixed, Permissions::VIEW_REPORTS, Scope::Group)
        .unwrap();
    policy
        .grant(
            &owner,
            mixed,
            Permissions::VIEW_DASHBOARD,
            Scope::Restricted,
        )
        .unwrap();
    policy
        .grant(&owner, mixed, Permissions::MANAGE_FAQS, Scope::Global)
        .unwrap();
    roles.push(mixed);

    // Random ones: clones of random roles (built-in or custom), then random grants at random
    // scopes (widening and narrowing) and random revokes.
    for n in 0..48 {
        let source = *rng.pick(&roles);
        let id = policy
            .clone_role(&owner, source, &format!("Custom {n}"))
            .unwrap();
        for _ in 0..rng.below(6) {
            match rng.below(4) {
                0 | 1 => {
                    let scope = *rng.pick(&Scope::ALL);
                    let set = random_scoped(rng, &scoped);
                    policy.grant(&owner, id, set, scope).unwrap();
                }
                2 => {
                    let set = random_scoped(rng, &scoped) | *rng.pick(&account);
                    policy.revoke(&owner, id, set).unwrap();
                }
                _ => {
                    let permission = *rng.pick(&account);
                    policy.grant(&owner, id, permission, Scope::Global).unwrap();
                }
            }
        }
        roles.push(id);
    }

    // A deleted role (its holders are denied) and an id no role ever had.
    let doomed = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Doomed")
        .unwrap();
    policy.delete_role(&owner, doomed).unwrap();
    roles.push(doomed);
    roles.push(RoleId(policy.next_role_id().0 + 1000));
    roles.push(RoleId(0));
    (policy, roles)
}

/// Random group lists for subjects: 0 to 20 entries, repeats allowed, any order.
fn random_group_lists(rng: &mut Rng, count: usize) -> Vec<Vec<GroupId>> {
    (0..count)
        .map(|_| {
            let len = rng.below(21);
            (0..len)
                .map(|_| GroupId(*rng.pick(&GROUP_UNIVERSE)))
                .collect()
        })
        .collect()
}

/// A subject's view-only groups: none a third of the time, else one of `lists` (which may
/// overlap the subject's full groups).
fn random_view_only<'a>(rng: &mut Rng, lists: &'a [Vec<GroupId>]) -> &'a [GroupId] {
    if rng.chance(1, 3) {
        &[]
    } else {
        rng.pick(lists).as_slice()
    }
}

/// The view-only groups a filter should carry, from the design: at Group scope (every
/// permission asked granted, none only at Restricted, some needing the group), the subject's
/// view-only groups when every permission that needs the group (granted at Group, not at
/// Global) is within `VIEW_ONLY_REACH`; otherwise none.
fn expected_view_only<'a>(
    policy: &Policy,
    subject: &Subject<'a>,
    permissions: Permissions,
) -> &'a [GroupId] {
    let Some(role) = policy.role(subject.role) else {
        return &[];
    };
    if permissions.is_empty()
        || !Permissions::all().contains(permissions)
        || role.scope_of(permissions).is_none()
    {
        return &[];
    }
    let mut needs_group = Permissions::empty();
    for permission in permissions.intersection(Permissions::SCOPED).each() {
        match role.scope_of(permission) {
            None | Some(Scope::Restricted) => return &[],
            Some(Scope::Group) => needs_group |= permission,
            Some(Scope::Global) => {}
        }
    }
    if !needs_group.is_empty() && Permissions::VIEW_ONLY_REACH.contains(needs_group) {
        subject.view_only
    } else {
        &[]
    }
}

/// The facts of a random conversation, owned so the test can borrow them.
struct ConversationFacts {
    group: Option<GroupId>,
    assignee: Option<UserId>,
    participants: Vec<UserId>,
}

impl ConversationFacts {
    fn as_conversation(&self) -> Conversation<'_> {
        Conversation {
            group: self.group,
            assignee: self.assignee,
            participants: &self.participants,
        }
    }
}

fn random_conversations(rng: &mut Rng, count: usize) -> Vec<ConversationFacts> {
    (0..count)
        .map(|_| {
            let group = match rng.below(5) {
                0 => None,
                1 => Some(GroupId(*rng.pick(&FOREIGN_GROUPS))),
                _ => Some(GroupId(*rng.pick(&GROUP_UNIVERSE))),
            };
            let assignee = rng.chance(1, 2).then(|| UserId(*rng.pick(&USERS)));
            let participants = (0..rng.below(4))
                .map(|_| UserId(*rng.pick(&USERS)))
                .collect();
            ConversationFacts {
                group,
                assignee,
                participants,
            }
        })
        .collect()
}

/// A random request: mostly 1 to 3 permissions (scoped ones more likely, so that scopes mix),
/// often only what view-only groups reach, sometimes nothing at all or an unknown bit.
fn random_permissions(rng: &mut Rng, scoped: &[Permissions], every: &[Permissions]) -> Permissions {
    match rng.below(100) {
        0 => Permissions::empty(),
        1 => Permissions::VIEW_CONVERSATIONS | Permissions::from_bits_retain(1 << 27),
        // What view-only groups reach, often enough to cover them.
        2..=13 => *rng.pick(&[
            Permissions::VIEW_CONVERSATIONS,
            Permissions::ADD_PRIVATE_NOTE,
            Permissions::VIEW_ONLY_REACH,
        ]),
        _ => {
            let mut set = Permissions::empty();
            for _ in 0..1 + rng.below(3) {
                set |= if rng.chance(3, 4) {
                    *rng.pick(scoped)
                } else {
                    *rng.pick(every)
                };
            }
            set
        }
    }
}

/// What the random comparisons covered, so the test fails if it stops exercising a case.
#[derive(Default, Debug)]
struct Coverage {
    compared: usize,
    allowed: usize,
    everything: usize,
    nothing: usize,
    restricted_filters: usize,
    group_filters: usize,
    by_assignee: usize,
    by_participant: usize,
    by_group: usize,
    by_view_only: usize,
    blocked_by_view_only: usize,
    view_only_filters: usize,
    out_of_scope: usize,
}

impl Coverage {
    fn record_filter(&mut self, filter: &ConversationFilter<'_>) {
        match filter {
            ConversationFilter::Everything => self.everything += 1,
            ConversationFilter::Nothing => self.nothing += 1,
            ConversationFilter::TakenUpBy {
                groups: [],
                view_only: [],
                ..
            } => {
                self.restricted_filters += 1;
            }
            ConversationFilter::TakenUpBy { view_only, .. } => {
                self.group_filters += 1;
                if !view_only.is_empty() {
                    self.view_only_filters += 1;
                }
            }
            _ => unreachable!("a new kind of filter"),
        }
    }

    fn record_reason(&mut self, reason: &Reason<'_>) {
        match reason {
            Reason::Granted { fact, .. } => {
                self.allowed += 1;
                match fact {
                    Fact::Assignee => self.by_assignee += 1,
                    Fact::Participant => self.by_participant += 1,
                    Fact::InUsersGroups(_) => self.by_group += 1,
                    Fact::InUsersViewOnlyGroups(_) => self.by_view_only += 1,
                    _ => {}
                }
            }
            Reason::OutOfScope { fact, .. } => {
                self.out_of_scope += 1;
                if matches!(fact, Fact::ViewOnlyGroup(_)) {
                    self.blocked_by_view_only += 1;
                }
            }
            _ => {}
        }
    }
}

fn assert_agrees(
    policy: &Policy,
    subject: &Subject<'_>,
    permissions: Permissions,
    filter: &ConversationFilter<'_>,
    conversation: &Conversation<'_>,
    coverage: &mut Coverage,
) {
    let decision = policy.check(subject, permissions, conversation);
    assert_eq!(
        filter.matches(conversation),
        decision.is_allowed(),
        "filter {filter:?} disagrees with check ({decision}) for role {:?} ({:?}), \
         subject {subject:?}, permissions {permissions:?}, conversation {conversation:?}",
        policy.role(subject.role).map(|role| role.name()),
        policy
            .role(subject.role)
            .map(|role| role.grants().collect::<Vec<_>>()),
    );
    // And both agree with what the readable parts say, read the way a host's query would.
    assert_eq!(
        filter.matches(conversation),
        reference_matches(filter, conversation),
        "{filter:?} {conversation:?}"
    );
    coverage.compared += 1;
    coverage.record_reason(decision.reason());
}

/// What a filter's readable parts mean, written independently of the crate: the host's query.
fn reference_matches(filter: &ConversationFilter<'_>, conversation: &Conversation<'_>) -> bool {
    match *filter {
        ConversationFilter::Everything => true,
        ConversationFilter::Nothing => false,
        ConversationFilter::TakenUpBy {
            user,
            groups,
            view_only,
        } => {
            conversation.assignee == Some(user)
                || conversation
                    .group
                    .is_some_and(|group| groups.contains(&group) || view_only.contains(&group))
                || conversation.participants.contains(&user)
        }
        _ => false,
    }
}

#[test]
fn filter_matches_exactly_what_check_allows_on_random_cases() {
    let mut rng = Rng(0x5EED_F11E_u64);
    let (policy, roles) = policy_with_custom_roles(&mut rng);
    let group_lists = random_group_lists(&mut rng, 300);
    let conversations = random_conversations(&mut rng, 1000);
    let scoped: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    let every = every_permission();
    let mut coverage = Coverage::default();

    // 25,000 (role, subject, permissions) triples, each filter compared with check on 8
    // conversations: 200,000 comparisons.
    for _ in 0..25_000 {
        let subject = Subject {
            user: UserId(*rng.pick(&USERS)),
            role: *rng.pick(&roles),
            groups: rng.pick(&group_lists).as_slice(),
            view_only: random_view_only(&mut rng, &group_lists),
        };
        let permissions = random_permissions(&mut rng, &scoped, &every);
        let filter = policy.filter(&subject, permissions);
        coverage.record_filter(&filter);
        assert_eq!(
            filter.view_only_groups(),
            expected_view_only(&policy, &subject, permissions),
            "{subject:?} {permissions:?} {filter:?}"
        );
        for _ in 0..8 {
            let conversation = rng.pick(&conversations).as_conversation();
            assert_agrees(
                &policy,
                &subject,
                permissions,
                &filter,
                &conversation,
                &mut coverage,
            );
        }
    }

    assert_eq!(coverage.compared, 200_000);
    // Every shape of filter and every deciding fact came up often, so agreement means something.
    for (what, count) in [
        ("allowed", coverage.allowed),
        ("Everything filters", coverage.everything),
        ("Nothing filters", coverage.nothing),
        ("Restricted filters", coverage.restricted_filters),
        ("Group filters", coverage.group_filters),
        ("allowed as assignee", coverage.by_assignee),
        ("allowed as participant", coverage.by_participant),
        ("allowed by group", coverage.by_group),
        ("denied out of scope", coverage.out_of_scope),
    ] {
        assert!(count > 1_000, "only {count} {what}: {coverage:?}");
    }
    // Group filters are a minority (most roles are Global), view-only ones a part of them.
    for (what, count) in [
        ("filters with view-only groups", coverage.view_only_filters),
        ("allowed by a view-only group", coverage.by_view_only),
        ("denied in a view-only group", coverage.blocked_by_view_only),
    ] {
        assert!(count > 300, "only {count} {what}: {coverage:?}");
    }
    assert!(
        coverage.allowed < coverage.compared - 20_000,
        "too few denials: {coverage:?}"
    );
}

#[test]
fn filter_matches_check_for_every_role_and_single_permission() {
    let mut rng = Rng(42);
    let (policy, roles) = policy_with_custom_roles(&mut rng);
    let group_lists = random_group_lists(&mut rng, 12);
    let conversations = random_conversations(&mut rng, 48);
    let mut coverage = Coverage::default();
    for &role in &roles {
        for permission in every_permission() {
            for (n, groups) in group_lists.iter().enumerate() {
                let subject = Subject {
                    user: UserId(USERS[n % USERS.len()]),
                    role,
                    groups,
                    // Some lists overlap the full ones, some are empty.
                    view_only: &group_lists[(n * 5 + 3) % group_lists.len()],
                };
                let filter = policy.filter(&subject, permission);
                for facts in &conversations {
                    let conversation = facts.as_conversation();
                    assert_agrees(
                        &policy,
                        &subject,
                        permission,
                        &filter,
                        &conversation,
                        &mut coverage,
                    );
                }
            }
        }
    }
    assert!(coverage.by_group > 0 && coverage.by_participant > 0 && coverage.by_assignee > 0);
    assert!(coverage.by_view_only > 0 && coverage.blocked_by_view_only > 0);
}

#[test]
fn filter_matches_check_on_every_kind_of_resource() {
    // The rule is the same for teams, the account and resources about one user, so a filter
    // also agrees with check there (not only on conversations).
    let mut rng = Rng(7);
    let (policy, roles) = policy_with_custom_roles(&mut rng);
    let group_lists = random_group_lists(&mut rng, 40);
    let scoped: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    let every = every_permission();
    for _ in 0..20_000 {
        let subject = Subject {
            user: UserId(*rng.pick(&USERS)),
            role: *rng.pick(&roles),
            groups: rng.pick(&group_lists).as_slice(),
            view_only: random_view_only(&mut rng, &group_lists),
        };
        let permissions = random_permissions(&mut rng, &scoped, &every);
        let filter = policy.filter(&subject, permissions);
        let team = Team(GroupId(if rng.chance(1, 4) {
            *rng.pick(&FOREIGN_GROUPS)
        } else {
            *rng.pick(&GROUP_UNIVERSE)
        }));
        let about = AboutUser(UserId(*rng.pick(&USERS)));
        assert_eq!(
            filter.matches(&team),
            policy.check(&subject, permissions, &team).is_allowed(),
            "{filter:?} {subject:?} {permissions:?} {team:?}"
        );
        assert_eq!(
            filter.matches(&about),
            policy.check(&subject, permissions, &about).is_allowed(),
            "{filter:?} {subject:?} {permissions:?} {about:?}"
        );
        assert_eq!(
            filter.matches(&Account),
            policy.check(&subject, permissions, &Account).is_allowed(),
            "{filter:?} {subject:?} {permissions:?} Account"
        );
    }
}

#[test]
fn filters_keep_agreeing_after_a_downgrade() {
    // Below Pro, custom roles keep deciding for their holders; their filters must too.
    let mut rng = Rng(99);
    let (mut policy, roles) = policy_with_custom_roles(&mut rng);
    policy.set_plan(Plan::Growth).expect("plan");
    let group_lists = random_group_lists(&mut rng, 50);
    let conversations = random_conversations(&mut rng, 200);
    let scoped: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    let every = every_permission();
    let mut coverage = Coverage::default();
    for _ in 0..5_000 {
        let subject = Subject {
            user: UserId(*rng.pick(&USERS)),
            role: *rng.pick(&roles),
            groups: rng.pick(&group_lists).as_slice(),
            view_only: random_view_only(&mut rng, &group_lists),
        };
        let permissions = random_permissions(&mut rng, &scoped, &every);
        let filter = policy.filter(&subject, permissions);
        for _ in 0..4 {
            let conversation = rng.pick(&conversations).as_conversation();
            assert_agrees(
                &policy,
                &subject,
                permissions,
                &filter,
                &conversation,
                &mut coverage,
            );
        }
    }
    assert!(coverage.by_group > 0 && coverage.allowed > 0 && coverage.by_view_only > 0);
}

/// What a filter should read as, for the table below.
#[derive(Debug)]
enum Expected {
    Everything,
    Nothing,
    /// `TakenUpBy` the subject, with the subject's groups (Group scope).
    SubjectAndGroups,
    /// `TakenUpBy` the subject, with no groups (Restricted scope).
    SubjectOnly,
}

#[test]
fn filters_read_as_everything_nothing_or_taken_up_by() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let mixed = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Mixed")
        .unwrap();
    policy
        .grant(&owner, mixed, Permissions::REPLY, Scope::Group)
        .unwrap();
    policy
        .grant(
            &owner,
            mixed,
            Permissions::ADD_PRIVATE_NOTE,
            Scope::Restricted,
        )
        .unwrap();
    policy
        .grant(&owner, mixed, Permissions::VIEW_REPORTS, Scope::Group)
        .unwrap();
    let deleted = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::Administrator), "Gone")
        .unwrap();
    policy.delete_role(&owner, deleted).unwrap();

    let b = |role: BuiltInRole| role.id();
    let p = Permissions::VIEW_CONVERSATIONS;
    #[rustfmt::skip]
    let table: Vec<(&str, RoleId, Permissions, Expected)> = vec![
        ("account admin sees everything", b(BuiltInRole::AccountAdmin), p, Expected::Everything),
        ("support agent: global", b(BuiltInRole::SupportAgent), p, Expected::Everything),
        ("sales manager: global", b(BuiltInRole::SalesManager), Permissions::ASSIGN_CONVERSATION, Expected::Everything),
        ("sales user: group", b(BuiltInRole::SalesUser), p, Expected::SubjectAndGroups),
        ("sales user: reply and resolve at group", b(BuiltInRole::SalesUser), Permissions::REPLY | Permissions::RESOLVE_CONVERSATION, Expected::SubjectAndGroups),
        ("sales user: group plus an account permission", b(BuiltInRole::SalesUser), p | Permissions::VIEW_PEOPLE, Expected::SubjectAndGroups),
        ("sales user may not assign", b(BuiltInRole::SalesUser), Permissions::ASSIGN_CONVERSATION, Expected::Nothing),
        ("restricted user: restricted", b(BuiltInRole::RestrictedUser), p, Expected::SubjectOnly),
        ("restricted user may not see people", b(BuiltInRole::RestrictedUser), Permissions::VIEW_PEOPLE, Expected::Nothing),
        ("marketing user sees no conversations", b(BuiltInRole::MarketingUser), p, Expected::Nothing),
        ("support agent may not delete", b(BuiltInRole::SupportAgent), Permissions::DELETE_CONVERSATION, Expected::Nothing),
        ("only account permissions: everything", b(BuiltInRole::SupportManager), Permissions::MANAGE_FAQS, Expected::Everything),
        ("account permission not held", b(BuiltInRole::SupportAgent), Permissions::MANAGE_FAQS, Expected::Nothing),
        ("one missing permission denies the set", b(BuiltInRole::SupportAgent), p | Permissions::MANAGE_USERS, Expected::Nothing),
        ("nothing asked", b(BuiltInRole::AccountAdmin), Permissions::empty(), Expected::Nothing),
        ("unknown bits", b(BuiltInRole::AccountAdmin), p | Permissions::from_bits_retain(1 << 29), Expected::Nothing),
        ("unknown role", RoleId(4242), p, Expected::Nothing),
        ("deleted role", deleted, p, Expected::Nothing),
        ("custom: global alone", mixed, p, Expected::Everything),
        ("custom: group alone", mixed, Permissions::REPLY, Expected::SubjectAndGroups),
        ("custom: global and group, group wins", mixed, p | Permissions::REPLY, Expected::SubjectAndGroups),
        ("custom: restricted alone", mixed, Permissions::ADD_PRIVATE_NOTE, Expected::SubjectOnly),
        ("custom: global, group and restricted, restricted wins", mixed, p | Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE, Expected::SubjectOnly),
        ("custom: team permission at group", mixed, Permissions::VIEW_REPORTS, Expected::SubjectAndGroups),
        ("custom: revoked permission", mixed, Permissions::DELETE_CONVERSATION, Expected::Nothing),
    ];

    let groups = [GroupId(3), GroupId(1), GroupId(3)];
    for (what, role, permissions, expected) in table {
        let subject = Subject {
            user: UserId(7),
            role,
            groups: &groups,
            view_only: &[],
        };
        let filter = policy.filter(&subject, permissions);
        match expected {
            Expected::Everything => {
                assert_eq!(filter, ConversationFilter::Everything, "{what}");
                assert_eq!(filter.user(), None, "{what}");
                assert!(filter.groups().is_empty(), "{what}");
            }
            Expected::Nothing => {
                assert_eq!(filter, ConversationFilter::Nothing, "{what}");
                assert_eq!(filter.user(), None, "{what}");
                assert!(filter.groups().is_empty(), "{what}");
            }
            Expected::SubjectAndGroups => {
                assert_eq!(
                    filter,
                    ConversationFilter::TakenUpBy {
                        user: UserId(7),
                        groups: &groups,
                        view_only: &[]
                    },
                    "{what}"
                );
                assert_eq!(filter.user(), Some(UserId(7)), "{what}");
                // The subject's own slice, as given: same order, repeats kept, no copy.
                assert_eq!(filter.groups(), &groups, "{what}");
                assert!(std::ptr::eq(filter.groups(), &groups[..]), "{what}");
            }
            Expected::SubjectOnly => {
                assert_eq!(
                    filter,
                    ConversationFilter::TakenUpBy {
                        user: UserId(7),
                        groups: &[],
                        view_only: &[]
                    },
                    "{what}"
                );
                assert_eq!(filter.user(), Some(UserId(7)), "{what}");
                assert!(filter.groups().is_empty(), "{what}");
            }
        }
    }
}

#[test]
fn group_filter_of_a_user_in_no_groups_reads_like_restricted() {
    let policy = Policy::new(Plan::Pro);
    let subject = Subject {
        user: UserId(5),
        role: BuiltInRole::SalesUser.id(),
        groups: &[],
        view_only: &[],
    };
    let filter = policy.filter(&subject, Permissions::REPLY);
    assert_eq!(filter.user(), Some(UserId(5)));
    assert!(filter.groups().is_empty());
    let mine = Conversation {
        group: Some(GroupId(1)),
        assignee: Some(UserId(5)),
        participants: &[],
    };
    let following = Conversation {
        group: None,
        assignee: Some(UserId(6)),
        participants: &[UserId(9), UserId(5)],
    };
    let other = Conversation {
        group: Some(GroupId(1)),
        assignee: None,
        participants: &[],
    };
    assert!(filter.matches(&mine));
    assert!(filter.matches(&following));
    assert!(!filter.matches(&other));
}

#[test]
fn taken_up_by_matches_by_assignee_group_or_participant() {
    // The parts a host builds its query from, read one by one.
    let groups = [GroupId(10), GroupId(20)];
    let by_group = ConversationFilter::TakenUpBy {
        user: UserId(1),
        groups: &groups,
        view_only: &[],
    };
    let restricted = ConversationFilter::TakenUpBy {
        user: UserId(1),
        groups: &[],
        view_only: &[],
    };
    #[rustfmt::skip]
    let cases: [(Conversation<'_>, bool, bool); 7] = [
        // (conversation, matches at Group, matches at Restricted)
        (Conversation { group: Some(GroupId(20)), assignee: None, participants: &[] }, true, false),
        (Conversation { group: Some(GroupId(30)), assignee: None, participants: &[] }, false, false),
        (Conversation { group: Some(GroupId(30)), assignee: Some(UserId(1)), participants: &[] }, true, true),
        (Conversation { group: None, assignee: Some(UserId(2)), participants: &[UserId(1)] }, true, true),
        (Conversation { group: None, assignee: Some(UserId(2)), participants: &[UserId(3)] }, false, false),
        (Conversation { group: None, assignee: None, participants: &[] }, false, false),
        (Conversation { group: Some(GroupId(10)), assignee: Some(UserId(2)), participants: &[] }, true, false),
    ];
    for (conversation, at_group, at_restricted) in cases {
        assert_eq!(
            by_group.matches(&conversation),
            at_group,
            "{conversation:?}"
        );
        assert_eq!(
            restricted.matches(&conversation),
            at_restricted,
            "{conversation:?}"
        );
        assert!(ConversationFilter::Everything.matches(&conversation));
        assert!(!ConversationFilter::Nothing.matches(&conversation));
    }
}

#[test]
fn long_group_lists_match_exactly_the_listed_groups() {
    // Users in many groups (the scan works in chunks): every listed group is found, at every
    // position, and no other, including ids equal in their low or high 32 bits only.
    let policy = Policy::new(Plan::Pro);
    let mut rng = Rng(1000);
    for len in (0..=70).chain([255, 256, 257, 1000]) {
        let groups: Vec<GroupId> = (0..len)
            .map(|_| GroupId((rng.next() % 64) | ((rng.next() % 4) << 32)))
            .collect();
        let subject = Subject {
            user: UserId(1),
            role: BuiltInRole::SalesUser.id(),
            groups: &groups,
            view_only: &[],
        };
        let filter = policy.filter(&subject, Permissions::REPLY);
        assert_eq!(filter.groups(), &groups[..]);
        for low in 0..66_u64 {
            for high in 0..5_u64 {
                let group = GroupId(low | (high << 32));
                let conversation = Conversation {
                    group: Some(group),
                    assignee: Some(UserId(2)),
                    participants: &[],
                };
                let listed = groups.contains(&group);
                assert_eq!(filter.matches(&conversation), listed, "len {len} {group:?}");
                assert_eq!(
                    policy
                        .check(&subject, Permissions::REPLY, &conversation)
                        .is_allowed(),
                    listed,
                    "len {len} {group:?}"
                );
            }
        }
    }
}

/// What a filter with view-only groups should read as, for the table below.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Everything,
    Nothing,
    /// `TakenUpBy` the subject, with no groups at all (Restricted scope).
    SubjectOnly,
    /// `TakenUpBy` the subject's groups, and its view-only groups (true) or none (false).
    Groups {
        view_only: bool,
    },
}

#[test]
fn filters_include_view_only_groups_exactly_within_view_only_reach() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let group_all = policy
        .clone_role(&owner, BuiltInRole::Administrator.id(), "Group all")
        .unwrap();
    policy
        .grant(&owner, group_all, Permissions::SCOPED, Scope::Group)
        .unwrap();
    let reply_global = policy
        .clone_role(&owner, BuiltInRole::SalesUser.id(), "Reply global")
        .unwrap();
    policy
        .grant(&owner, reply_global, Permissions::REPLY, Scope::Global)
        .unwrap();
    let note_restricted = policy
        .clone_role(&owner, BuiltInRole::SalesUser.id(), "Notes when taken up")
        .unwrap();
    policy
        .grant(
            &owner,
            note_restricted,
            Permissions::ADD_PRIVATE_NOTE,
            Scope::Restricted,
        )
        .unwrap();

    let view = Permissions::VIEW_CONVERSATIONS;
    let note = Permissions::ADD_PRIVATE_NOTE;
    let reply = Permissions::REPLY;
    let sales = BuiltInRole::SalesUser.id();
    let with = Shape::Groups { view_only: true };
    let without = Shape::Groups { view_only: false };
    #[rustfmt::skip]
    let table: Vec<(&str, RoleId, Permissions, Shape)> = vec![
        ("view at Group", sales, view, with),
        ("note at Group", sales, note, with),
        ("view and note at Group", sales, view | note, with),
        ("VIEW_ONLY_REACH itself", sales, Permissions::VIEW_ONLY_REACH, with),
        ("view and an account permission", sales, view | Permissions::VIEW_PEOPLE, with),
        ("reply at Group", sales, reply, without),
        ("resolve at Group", sales, Permissions::RESOLVE_CONVERSATION, without),
        ("view and reply at Group", sales, view | reply, without),
        ("view, note and resolve at Group", sales, view | note | Permissions::RESOLVE_CONVERSATION, without),
        ("assign at Group", group_all, Permissions::ASSIGN_CONVERSATION, without),
        ("delete at Group", group_all, Permissions::DELETE_CONVERSATION, without),
        ("all six at Group", group_all, Permissions::CONVERSATION_KIND, without),
        ("a team permission at Group", group_all, Permissions::VIEW_REPORTS, without),
        ("view and a team permission at Group", group_all, view | Permissions::VIEW_DASHBOARD, without),
        ("view at Group, group-all role", group_all, view | note, with),
        // Reply at Global does not need the group: only viewing does, which view-only reaches.
        ("view at Group and reply at Global", reply_global, view | reply, with),
        ("reply at Global alone", reply_global, reply, Shape::Everything),
        ("note at Restricted", note_restricted, note, Shape::SubjectOnly),
        ("view at Group and note at Restricted", note_restricted, view | note, Shape::SubjectOnly),
        ("view at Restricted", BuiltInRole::RestrictedUser.id(), view, Shape::SubjectOnly),
        ("view at Global", BuiltInRole::SupportAgent.id(), view, Shape::Everything),
        ("not granted", BuiltInRole::MarketingUser.id(), view, Shape::Nothing),
        ("assign not granted", sales, Permissions::ASSIGN_CONVERSATION, Shape::Nothing),
        ("nothing asked", sales, Permissions::empty(), Shape::Nothing),
        ("unknown role", RoleId(4242), view, Shape::Nothing),
    ];

    let groups = [GroupId(3), GroupId(1), GroupId(3)];
    let view_only = [GroupId(9), GroupId(1), GroupId(9)];
    for (what, role, permissions, shape) in table {
        let subject = Subject::new(UserId(7), role, &groups).with_view_only(&view_only);
        let filter = policy.filter(&subject, permissions);
        match shape {
            Shape::Everything => assert_eq!(filter, ConversationFilter::Everything, "{what}"),
            Shape::Nothing => assert_eq!(filter, ConversationFilter::Nothing, "{what}"),
            Shape::SubjectOnly => assert_eq!(
                filter,
                ConversationFilter::TakenUpBy {
                    user: UserId(7),
                    groups: &[],
                    view_only: &[],
                },
                "{what}"
            ),
            Shape::Groups { view_only: true } => {
                assert_eq!(filter.groups(), &groups, "{what}");
                assert_eq!(filter.view_only_groups(), &view_only, "{what}");
                // The subject's own slice: no copy.
                assert!(
                    std::ptr::eq(filter.view_only_groups(), &view_only[..]),
                    "{what}"
                );
            }
            Shape::Groups { view_only: false } => {
                assert_eq!(
                    filter,
                    ConversationFilter::TakenUpBy {
                        user: UserId(7),
                        groups: &groups,
                        view_only: &[],
                    },
                    "{what}"
                );
            }
        }
        assert_eq!(
            filter.view_only_groups(),
            expected_view_only(&policy, &subject, permissions),
            "{what}"
        );
        // And it agrees with check on conversations in each kind of group.
        for group in [None, Some(1), Some(3), Some(9), Some(5)] {
            for assignee in [None, Some(UserId(7)), Some(UserId(8))] {
                let conversation = Conversation {
                    group: group.map(GroupId),
                    assignee,
                    participants: &[],
                };
                assert_eq!(
                    filter.matches(&conversation),
                    policy
                        .check(&subject, permissions, &conversation)
                        .is_allowed(),
                    "{what}: {conversation:?}"
                );
            }
        }
    }
}

#[test]
fn a_filter_with_view_only_groups_reads_as_one_phrase() {
    let policy = Policy::new(Plan::Pro);
    let groups = [GroupId(3), GroupId(1)];
    let view_only = [GroupId(9)];
    let subject =
        Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &groups).with_view_only(&view_only);
    assert_eq!(
        policy
            .filter(&subject, Permissions::VIEW_CONVERSATIONS)
            .to_string(),
        "conversations in groups 3, 1, or in view-only group 9, or assigned to user 7, or with \
         user 7 among the participants"
    );
    assert_eq!(
        policy.filter(&subject, Permissions::REPLY).to_string(),
        "conversations in groups 3, 1, or assigned to user 7, or with user 7 among the participants"
    );
    let reader =
        Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &[]).with_view_only(&view_only);
    assert_eq!(
        policy
            .filter(&reader, Permissions::ADD_PRIVATE_NOTE)
            .to_string(),
        "conversations in view-only group 9, or assigned to user 7, or with user 7 among the \
         participants"
    );
}

#[test]
fn long_view_only_lists_match_exactly_the_listed_groups() {
    // Both lists go through the long-list scan: every listed view-only group is found for
    // viewing, at every position, and no other, including ids equal in one half only; reply
    // finds only the full ones.
    let policy = Policy::new(Plan::Pro);
    let mut rng = Rng(2000);
    for len in (0..=40).chain([63, 64, 65, 1000]) {
        let full: Vec<GroupId> = (0..len)
            .map(|_| GroupId((rng.next() % 64) | ((rng.next() % 3) << 32)))
            .collect();
        let view_only: Vec<GroupId> = (0..len)
            .map(|_| GroupId((rng.next() % 64) | ((rng.next() % 3) << 32)))
            .collect();
        let subject =
            Subject::new(UserId(1), BuiltInRole::SalesUser.id(), &full).with_view_only(&view_only);
        let view = policy.filter(&subject, Permissions::VIEW_CONVERSATIONS);
        let reply = policy.filter(&subject, Permissions::REPLY);
        assert_eq!(view.view_only_groups(), &view_only[..]);
        assert!(reply.view_only_groups().is_empty());
        for low in 0..66_u64 {
            for high in 0..4_u64 {
                let group = GroupId(low | (high << 32));
                let conversation = Conversation {
                    group: Some(group),
                    assignee: Some(UserId(2)),
                    participants: &[],
                };
                let in_full = full.contains(&group);
                let listed = in_full || view_only.contains(&group);
                assert_eq!(view.matches(&conversation), listed, "len {len} {group:?}");
                assert_eq!(reply.matches(&conversation), in_full, "len {len} {group:?}");
                for (permissions, expected) in [
                    (Permissions::VIEW_CONVERSATIONS, listed),
                    (Permissions::ADD_PRIVATE_NOTE, listed),
                    (Permissions::REPLY, in_full),
                ] {
                    assert_eq!(
                        policy
                            .check(&subject, permissions, &conversation)
                            .is_allowed(),
                        expected,
                        "len {len} {group:?} {permissions:?}"
                    );
                }
            }
        }
    }
}
