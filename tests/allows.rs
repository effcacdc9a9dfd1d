//! `allows`, the verdict alone: `Policy::allows(s, p, r)` and `ResolvedSubject::allows(p, r)`
//! give `check(s, p, r).is_allowed()` for every input.
//!
//! A table of cases whose verdicts are read off the design (each scope and fact, view-only
//! groups, several permissions at once, teams, the account, extension permissions, and every
//! way to be refused: nothing asked, unknown bits, unknown and deleted roles), then every
//! combination of roles, subjects, resources and requests against `check`. The property tests
//! of `tests/model.rs` hold both to the reference model on random policies too.

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, ExtensionPermission, GroupId, PermissionKind,
    Permissions, Plan, Policy, Resource, RoleId, Scope, Subject, Team, UserId, Vocabulary,
};

const ME: UserId = UserId(7);
const THEM: UserId = UserId(3);
/// My group, and a group I may only read.
const MINE: GroupId = GroupId(2);
const READ_ONLY: GroupId = GroupId(9);
const OTHER: GroupId = GroupId(5);

const VIEW: Permissions = Permissions::VIEW_CONVERSATIONS;
const REPLY: Permissions = Permissions::REPLY;
const NOTE: Permissions = Permissions::ADD_PRIVATE_NOTE;

/// Custom roles the built-in ones do not cover, and one extension of each scoped kind.
struct Fixture {
    policy: Policy,
    /// `view_conversations` at Group, `reply` at Global.
    view_group_reply_global: RoleId,
    /// `view_conversations` at Group, `reply` at Restricted.
    view_group_reply_restricted: RoleId,
    /// `view_reports` at Group, `view_dashboard` at Restricted.
    team_lead: RoleId,
    deleted: RoleId,
    /// A conversation extension Sales Users hold at Group.
    merge: Permissions,
    /// A team extension Support Agents hold at Restricted.
    sla: Permissions,
    /// An account extension nobody but the admins holds.
    tokens: Permissions,
}

fn fixture() -> Fixture {
    let vocabulary = Vocabulary::new([
        ExtensionPermission::new("merge_conversations", PermissionKind::Conversation)
            .default_grant(BuiltInRole::SalesUser, Scope::Group),
        ExtensionPermission::new("manage_sla_policies", PermissionKind::Team)
            .default_grant(BuiltInRole::SupportAgent, Scope::Restricted),
        ExtensionPermission::new("manage_api_tokens", PermissionKind::Account),
    ])
    .unwrap();
    let merge = vocabulary.permission("merge_conversations").unwrap();
    let sla = vocabulary.permission("manage_sla_policies").unwrap();
    let tokens = vocabulary.permission("manage_api_tokens").unwrap();
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary);
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    let mut custom = |name: &str, grants: Vec<(Permissions, Scope)>| {
        let id = policy
            .clone_role(&owner, BuiltInRole::RestrictedUser.id(), name)
            .unwrap();
        policy.set_grants(&owner, id, grants).unwrap();
        id
    };
    let view_group_reply_global =
        custom("Reader", vec![(VIEW, Scope::Group), (REPLY, Scope::Global)]);
    let view_group_reply_restricted = custom(
        "Helper",
        vec![(VIEW, Scope::Group), (REPLY, Scope::Restricted)],
    );
    let team_lead = custom(
        "Team lead",
        vec![
            (Permissions::VIEW_REPORTS, Scope::Group),
            (Permissions::VIEW_DASHBOARD, Scope::Restricted),
        ],
    );
    let deleted = custom("Gone", vec![(VIEW, Scope::Global)]);
    policy.delete_role(&owner, deleted).unwrap();
    Fixture {
        policy,
        view_group_reply_global,
        view_group_reply_restricted,
        team_lead,
        deleted,
        merge,
        sla,
        tokens,
    }
}

fn conversation(
    group: Option<GroupId>,
    assignee: Option<UserId>,
    participants: &'static [UserId],
) -> Conversation<'static> {
    Conversation {
        group,
        assignee,
        participants,
    }
}

/// One question and the verdict the design gives.
struct Case<'a> {
    name: &'static str,
    role: RoleId,
    permissions: Permissions,
    resource: &'a dyn Resource,
    allowed: bool,
}

#[test]
fn allows_gives_the_designs_verdict_on_every_case() {
    let f = fixture();
    let agent = BuiltInRole::SupportAgent.id();
    let sales = BuiltInRole::SalesUser.id();
    let restricted = BuiltInRole::RestrictedUser.id();
    let marketing = BuiltInRole::MarketingManager.id();
    let admin = BuiltInRole::Administrator.id();

    let in_mine = conversation(Some(MINE), Some(THEM), &[THEM]);
    let in_read_only = conversation(Some(READ_ONLY), None, &[]);
    let elsewhere = conversation(Some(OTHER), Some(THEM), &[THEM]);
    let assigned_elsewhere = conversation(Some(OTHER), Some(ME), &[]);
    let following_elsewhere = conversation(Some(OTHER), None, &[THEM, ME]);
    let no_group = conversation(None, None, &[]);
    let unknown_bit = Permissions::from_bits_retain(1 << 63);

    #[rustfmt::skip]
    let cases = [
        // Global reaches everything; what is not granted is denied.
        Case { name: "global, elsewhere", role: agent, permissions: VIEW, resource: &elsewhere, allowed: true },
        Case { name: "global, no group", role: agent, permissions: VIEW | REPLY, resource: &no_group, allowed: true },
        Case { name: "not granted", role: agent, permissions: Permissions::DELETE_CONVERSATION, resource: &in_mine, allowed: false },
        Case { name: "one of two not granted", role: agent, permissions: VIEW | Permissions::DELETE_CONVERSATION, resource: &in_mine, allowed: false },
        // Group: the user's groups, plus what Restricted reaches.
        Case { name: "group, my group", role: sales, permissions: REPLY, resource: &in_mine, allowed: true },
        Case { name: "group, another group", role: sales, permissions: REPLY, resource: &elsewhere, allowed: false },
        Case { name: "group, no group", role: sales, permissions: REPLY, resource: &no_group, allowed: false },
        Case { name: "group, assigned to me elsewhere", role: sales, permissions: REPLY, resource: &assigned_elsewhere, allowed: true },
        Case { name: "group, following elsewhere", role: sales, permissions: REPLY, resource: &following_elsewhere, allowed: true },
        // View-only groups: viewing and notes at Group scope only.
        Case { name: "view-only, view", role: sales, permissions: VIEW, resource: &in_read_only, allowed: true },
        Case { name: "view-only, note", role: sales, permissions: NOTE, resource: &in_read_only, allowed: true },
        Case { name: "view-only, view and note", role: sales, permissions: VIEW | NOTE, resource: &in_read_only, allowed: true },
        Case { name: "view-only, reply", role: sales, permissions: REPLY, resource: &in_read_only, allowed: false },
        Case { name: "view-only, view and reply at Group", role: sales, permissions: VIEW | REPLY, resource: &in_read_only, allowed: false },
        Case { name: "view-only, view at Group and reply at Global", role: f.view_group_reply_global, permissions: VIEW | REPLY, resource: &in_read_only, allowed: true },
        Case { name: "view-only, Restricted scope", role: restricted, permissions: VIEW, resource: &in_read_only, allowed: false },
        Case { name: "view-only, Global scope", role: agent, permissions: REPLY, resource: &in_read_only, allowed: true },
        // Restricted: taken-up conversations only.
        Case { name: "restricted, assigned", role: restricted, permissions: VIEW, resource: &assigned_elsewhere, allowed: true },
        Case { name: "restricted, following", role: restricted, permissions: VIEW, resource: &following_elsewhere, allowed: true },
        Case { name: "restricted, my group", role: restricted, permissions: VIEW, resource: &in_mine, allowed: false },
        // Several permissions: each at its own scope, so the narrowest decides.
        Case { name: "group and restricted, my group", role: f.view_group_reply_restricted, permissions: VIEW | REPLY, resource: &in_mine, allowed: false },
        Case { name: "group and restricted, assigned", role: f.view_group_reply_restricted, permissions: VIEW | REPLY, resource: &assigned_elsewhere, allowed: true },
        Case { name: "group and restricted, the group one alone", role: f.view_group_reply_restricted, permissions: VIEW, resource: &in_mine, allowed: true },
        // Team permissions: the same rule, never extended by view-only groups.
        Case { name: "team, global", role: marketing, permissions: Permissions::VIEW_REPORTS, resource: &Team(OTHER), allowed: true },
        Case { name: "team, my team", role: f.team_lead, permissions: Permissions::VIEW_REPORTS, resource: &Team(MINE), allowed: true },
        Case { name: "team, another team", role: f.team_lead, permissions: Permissions::VIEW_REPORTS, resource: &Team(OTHER), allowed: false },
        Case { name: "team, a view-only team", role: f.team_lead, permissions: Permissions::VIEW_REPORTS, resource: &Team(READ_ONLY), allowed: false },
        Case { name: "team, the account at Group", role: f.team_lead, permissions: Permissions::VIEW_REPORTS, resource: &Account, allowed: false },
        Case { name: "team, my own report", role: f.team_lead, permissions: Permissions::VIEW_DASHBOARD, resource: &AboutUser(ME), allowed: true },
        Case { name: "team, another's report", role: f.team_lead, permissions: Permissions::VIEW_DASHBOARD, resource: &AboutUser(THEM), allowed: false },
        // Account permissions ignore the resource.
        Case { name: "account, granted", role: agent, permissions: Permissions::VIEW_PEOPLE, resource: &Account, allowed: true },
        Case { name: "account, granted, on a conversation", role: agent, permissions: Permissions::VIEW_PEOPLE, resource: &elsewhere, allowed: true },
        Case { name: "account, not granted", role: agent, permissions: Permissions::MANAGE_FAQS, resource: &Account, allowed: false },
        Case { name: "account and group, my group", role: sales, permissions: VIEW | Permissions::VIEW_PEOPLE, resource: &in_mine, allowed: true },
        Case { name: "account and group, elsewhere", role: sales, permissions: VIEW | Permissions::VIEW_PEOPLE, resource: &elsewhere, allowed: false },
        Case { name: "account, only the Account Admin", role: admin, permissions: Permissions::MANAGE_CUSTOM_ROLES, resource: &Account, allowed: false },
        // Extensions behave like the twenty.
        Case { name: "extension at Group, my group", role: sales, permissions: f.merge, resource: &in_mine, allowed: true },
        Case { name: "extension at Group, elsewhere", role: sales, permissions: f.merge, resource: &elsewhere, allowed: false },
        Case { name: "extension at Group, view-only group", role: sales, permissions: f.merge, resource: &in_read_only, allowed: false },
        Case { name: "extension, not granted", role: agent, permissions: f.merge, resource: &in_mine, allowed: false },
        Case { name: "team extension at Restricted, my report", role: agent, permissions: f.sla, resource: &AboutUser(ME), allowed: true },
        Case { name: "team extension at Restricted, my team", role: agent, permissions: f.sla, resource: &Team(MINE), allowed: false },
        Case { name: "account extension, the admins", role: admin, permissions: f.tokens, resource: &Account, allowed: true },
        Case { name: "account extension, not granted", role: agent, permissions: f.tokens, resource: &Account, allowed: false },
        // Refused whatever the role grants.
        Case { name: "nothing asked", role: admin, permissions: Permissions::empty(), resource: &in_mine, allowed: false },
        Case { name: "unknown bits", role: admin, permissions: VIEW | unknown_bit, resource: &in_mine, allowed: false },
        Case { name: "unknown bits alone", role: admin, permissions: unknown_bit, resource: &Account, allowed: false },
        Case { name: "deleted role", role: f.deleted, permissions: VIEW, resource: &in_mine, allowed: false },
        Case { name: "role never issued", role: RoleId(99_999), permissions: VIEW, resource: &in_mine, allowed: false },
        Case { name: "role id zero", role: RoleId(0), permissions: VIEW, resource: &in_mine, allowed: false },
    ];

    let groups = [MINE];
    let view_only = [READ_ONLY];
    for case in &cases {
        let subject = Subject::new(ME, case.role, &groups).with_view_only(&view_only);
        let decision = f.policy.check(&subject, case.permissions, case.resource);
        assert_eq!(
            decision.is_allowed(),
            case.allowed,
            "{}: {decision}",
            case.name
        );
        assert_eq!(
            f.policy.allows(&subject, case.permissions, case.resource),
            case.allowed,
            "Policy::allows, {}",
            case.name
        );
        assert_eq!(
            f.policy
                .resolve(subject)
                .allows(case.permissions, case.resource),
            case.allowed,
            "ResolvedSubject::allows, {}",
            case.name
        );
    }
}

/// Every role of the fixture, built-in and custom, and ids it does not hold.
fn roles(f: &Fixture) -> Vec<RoleId> {
    let mut roles: Vec<RoleId> = f.policy.roles().map(|role| role.id()).collect();
    roles.extend([
        f.deleted,
        f.policy.next_role_id(),
        RoleId(0),
        RoleId(50),
        RoleId(u32::MAX),
    ]);
    roles
}

/// Every request of one permission, pairs of neighbours, every pair with an extension, all
/// of them, nothing, and unknown bits.
fn requests(policy: &Policy) -> Vec<Permissions> {
    let known: Vec<Permissions> = policy.vocabulary().all().each().collect();
    let mut requests = known.clone();
    requests.extend(known.windows(2).map(|pair| pair[0] | pair[1]));
    requests.extend(known.iter().map(|&p| p | known[known.len() - 3]));
    requests.extend([
        policy.vocabulary().all(),
        VIEW | NOTE,
        VIEW | NOTE | REPLY,
        Permissions::empty(),
        Permissions::from_bits_retain(1 << 63),
        VIEW | Permissions::from_bits_retain(1 << 40),
    ]);
    requests
}

#[test]
fn allows_is_checks_verdict_on_every_combination() {
    let f = fixture();
    const FOLLOWING: &[UserId] = &[THEM, ME];
    const OTHERS: &[UserId] = &[THEM];
    let conversations = [
        conversation(Some(MINE), None, OTHERS),
        conversation(Some(MINE), Some(ME), &[]),
        conversation(Some(READ_ONLY), None, OTHERS),
        conversation(Some(READ_ONLY), None, FOLLOWING),
        conversation(Some(OTHER), Some(THEM), OTHERS),
        conversation(Some(OTHER), Some(ME), OTHERS),
        conversation(Some(OTHER), None, FOLLOWING),
        conversation(None, None, &[]),
        conversation(None, Some(ME), &[]),
    ];
    let mut resources: Vec<&dyn Resource> =
        conversations.iter().map(|c| c as &dyn Resource).collect();
    let teams = [Team(MINE), Team(READ_ONLY), Team(OTHER)];
    resources.extend(teams.iter().map(|t| t as &dyn Resource));
    resources.extend([&Account as &dyn Resource, &AboutUser(ME), &AboutUser(THEM)]);
    let requests = requests(&f.policy);
    // Short and long lists (the long scan is another code path), overlapping and repeated.
    let many: Vec<GroupId> = (100..140).map(GroupId).chain([MINE]).collect();
    let many_read_only: Vec<GroupId> = (200..230).map(GroupId).chain([READ_ONLY]).collect();
    let memberships: [(&[GroupId], &[GroupId]); 5] = [
        (&[MINE], &[]),
        (&[MINE], &[READ_ONLY]),
        (&[], &[READ_ONLY, READ_ONLY]),
        (&[MINE, READ_ONLY], &[READ_ONLY]),
        (&many, &many_read_only),
    ];
    let (mut allowed, mut denied) = (0, 0);
    for role in roles(&f) {
        for (groups, view_only) in memberships {
            let subject = Subject::new(ME, role, groups).with_view_only(view_only);
            let resolved = f.policy.resolve(subject);
            for &resource in &resources {
                for &permissions in &requests {
                    let expected = f.policy.check(&subject, permissions, resource).is_allowed();
                    let context = || format!("{role:?} {groups:?}/{view_only:?} {permissions:?}");
                    assert_eq!(
                        f.policy.allows(&subject, permissions, resource),
                        expected,
                        "Policy::allows, {}",
                        context()
                    );
                    assert_eq!(
                        resolved.allows(permissions, resource),
                        expected,
                        "ResolvedSubject::allows, {}",
                        context()
                    );
                    if expected {
                        allowed += 1;
                    } else {
                        denied += 1;
                    }
                }
            }
        }
    }
    // Both outcomes, often: not a corner of one.
    assert!(allowed > 5_000 && denied > 5_000, "{allowed} / {denied}");
}
