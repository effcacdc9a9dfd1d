//! View-only groups (the design's "Release 0.2: View-only groups"), rule by rule, from the
//! design's words:
//!
//! - a view-only group extends **Group** scope for `VIEW_ONLY_REACH` (viewing and private
//!   notes) only: reply, assign, resolve and delete are not reached, even at Group;
//! - Global reaches everything as before; Restricted is unchanged (taken-up resources only);
//! - team permissions are not extended: on `Team(g)` with `g` view-only they need Global;
//! - a group that is both full and view-only is a full membership;
//! - several permissions: a view-only group reaches the set only if every permission in it
//!   that needs the group is within `VIEW_ONLY_REACH`, and a denial names the one that is not;
//! - decisions say so, in a sentence;
//! - ids at the extremes and 10,000 + 10,000 groups give correct answers, never a panic;
//! - role assignment is unchanged (view-only groups are facts, not grants).

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, Fact, GroupId, Permissions, Plan, Policy,
    Reason, Resource, RoleId, Scope, Subject, Team, UserId,
};

const ME: UserId = UserId(7);
const VIEW: Permissions = Permissions::VIEW_CONVERSATIONS;
const REPLY: Permissions = Permissions::REPLY;
const NOTE: Permissions = Permissions::ADD_PRIVATE_NOTE;
const ASSIGN: Permissions = Permissions::ASSIGN_CONVERSATION;
const RESOLVE: Permissions = Permissions::RESOLVE_CONVERSATION;
const DELETE: Permissions = Permissions::DELETE_CONVERSATION;

fn owner() -> Subject<'static> {
    Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[])
}

/// The custom roles of the tables below.
struct Roles {
    /// Every scoped permission at Group (a clone of the Administrator).
    group_all: RoleId,
    /// The Sales User, but reply at Global (viewing and notes stay at Group).
    reply_global: RoleId,
    /// Every scoped permission at Restricted.
    restricted_all: RoleId,
    /// Dashboard and reports at Group, export at Restricted (a clone of the Marketing User).
    team_lead: RoleId,
}

fn policy() -> (Policy, Roles) {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner();
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
        .grant(&owner, reply_global, REPLY, Scope::Global)
        .unwrap();
    let restricted_all = policy
        .clone_role(&owner, BuiltInRole::Administrator.id(), "Restricted all")
        .unwrap();
    policy
        .grant(
            &owner,
            restricted_all,
            Permissions::SCOPED,
            Scope::Restricted,
        )
        .unwrap();
    let team_lead = policy
        .clone_role(&owner, BuiltInRole::MarketingUser.id(), "Team lead")
        .unwrap();
    policy
        .grant(
            &owner,
            team_lead,
            Permissions::VIEW_REPORTS | Permissions::VIEW_DASHBOARD,
            Scope::Group,
        )
        .unwrap();
    policy
        .grant(
            &owner,
            team_lead,
            Permissions::EXPORT_REPORTS,
            Scope::Restricted,
        )
        .unwrap();
    let roles = Roles {
        group_all,
        reply_global,
        restricted_all,
        team_lead,
    };
    (policy, roles)
}

/// What a decision should be.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Allowed, decided by this fact at this scope.
    Allowed(Scope, Fact),
    /// Denied: this permission's grant at this scope falls short, for this fact.
    OutOfScope(Permissions, Scope, Fact),
    /// Denied: the role lacks this permission.
    NotGranted(Permissions),
}

fn assert_decision(
    policy: &Policy,
    subject: &Subject<'_>,
    permissions: Permissions,
    resource: &dyn Resource,
    expect: Expect,
    what: &str,
) {
    let decision = policy.check(subject, permissions, resource);
    let reason = *decision.reason();
    let ok = match (expect, reason) {
        (
            Expect::Allowed(scope, fact),
            Reason::Granted {
                scope: s, fact: f, ..
            },
        ) => (scope, fact) == (s, f),
        (
            Expect::OutOfScope(permission, scope, fact),
            Reason::OutOfScope {
                permission: p,
                scope: s,
                fact: f,
                ..
            },
        ) => (permission, scope, fact) == (p, s, f),
        (Expect::NotGranted(permission), Reason::NotGranted { permission: p, .. }) => {
            permission == p
        }
        _ => false,
    };
    assert!(ok, "{what}: expected {expect:?}, got {decision}");
    // The action set agrees, bit by bit.
    let allowed = policy.allowed(subject, resource);
    assert_eq!(
        allowed.contains(permissions) && !permissions.is_empty(),
        decision.is_allowed(),
        "{what}: allowed {allowed:?}"
    );
}

#[test]
fn view_only_groups_follow_the_design_rules() {
    let (policy, r) = policy();
    let groups = [GroupId(2), GroupId(3)];
    let view_only = [GroupId(9), GroupId(3), GroupId(9), GroupId(11)];
    let subject = |role: RoleId| Subject::new(ME, role, &groups).with_view_only(&view_only);
    let only_view_only = [GroupId(2)];

    let in_group = |group: u64| Conversation {
        group: Some(GroupId(group)),
        assignee: Some(UserId(8)),
        participants: &[],
    };
    let view_only_conversation = Conversation {
        participants: &[UserId(6)],
        ..in_group(9)
    };
    let view_only_assigned = Conversation {
        assignee: Some(ME),
        ..in_group(9)
    };
    let view_only_following = Conversation {
        participants: &[UserId(6), ME],
        ..in_group(9)
    };
    let both = in_group(3);
    let mine = in_group(2);
    let outside = in_group(5);
    let unrouted = Conversation::default();

    let vo = &view_only_conversation;
    let sales = BuiltInRole::SalesUser.id();
    let agent = BuiltInRole::SupportAgent.id();
    let restricted = BuiltInRole::RestrictedUser.id();
    let marketing = BuiltInRole::MarketingManager.id();
    let (group, global, narrow) = (Scope::Group, Scope::Global, Scope::Restricted);
    let in_vo = Fact::InUsersViewOnlyGroups(GroupId(9));
    let blocked = Fact::ViewOnlyGroup(GroupId(9));
    use Expect::{Allowed, NotGranted, OutOfScope};
    #[rustfmt::skip]
    let table: Vec<(&str, RoleId, Permissions, &dyn Resource, Expect)> = vec![
        // Group scope: viewing and notes reach a view-only group, nothing else does.
        ("view at Group", sales, VIEW, vo, Allowed(group, in_vo)),
        ("note at Group", sales, NOTE, vo, Allowed(group, in_vo)),
        ("reply at Group", sales, REPLY, vo, OutOfScope(REPLY, group, blocked)),
        ("resolve at Group", sales, RESOLVE, vo, OutOfScope(RESOLVE, group, blocked)),
        ("assign not granted", sales, ASSIGN, vo, NotGranted(ASSIGN)),
        ("view, group-all role", r.group_all, VIEW, vo, Allowed(group, in_vo)),
        ("note, group-all role", r.group_all, NOTE, vo, Allowed(group, in_vo)),
        ("reply, group-all role", r.group_all, REPLY, vo, OutOfScope(REPLY, group, blocked)),
        ("assign even at Group", r.group_all, ASSIGN, vo, OutOfScope(ASSIGN, group, blocked)),
        ("resolve even at Group", r.group_all, RESOLVE, vo, OutOfScope(RESOLVE, group, blocked)),
        ("delete even at Group", r.group_all, DELETE, vo, OutOfScope(DELETE, group, blocked)),
        // Global: unaffected.
        ("reply at Global", agent, REPLY, vo, Allowed(global, Fact::Everywhere)),
        ("assign at Global", agent, ASSIGN, vo, Allowed(global, Fact::Everywhere)),
        ("reply at Global, outside", agent, REPLY, &outside, Allowed(global, Fact::Everywhere)),
        // Restricted: unchanged, a view-only group reaches nothing more.
        ("view at Restricted", restricted, VIEW, vo, OutOfScope(VIEW, narrow, Fact::NotTakenUp)),
        ("note at Restricted", restricted, NOTE, vo, OutOfScope(NOTE, narrow, Fact::NotTakenUp)),
        ("view at Restricted, assigned", restricted, VIEW, &view_only_assigned, Allowed(narrow, Fact::Assignee)),
        ("reply at Restricted, following", restricted, REPLY, &view_only_following, Allowed(narrow, Fact::Participant)),
        ("view, restricted-all role", r.restricted_all, VIEW, vo, OutOfScope(VIEW, narrow, Fact::NotTakenUp)),
        // Taking a conversation up still reaches it at Group, whatever its group.
        ("reply at Group, assigned", sales, REPLY, &view_only_assigned, Allowed(group, Fact::Assignee)),
        ("reply at Group, following", sales, REPLY, &view_only_following, Allowed(group, Fact::Participant)),
        ("assign at Group, following", r.group_all, ASSIGN, &view_only_following, Allowed(group, Fact::Participant)),
        // Overlap: the full membership wins.
        ("reply, group in both lists", sales, REPLY, &both, Allowed(group, Fact::InUsersGroups(GroupId(3)))),
        ("view, group in both lists", sales, VIEW, &both, Allowed(group, Fact::InUsersGroups(GroupId(3)))),
        ("delete, group in both lists", r.group_all, DELETE, &both, Allowed(group, Fact::InUsersGroups(GroupId(3)))),
        // Other groups as before.
        ("reply in my group", sales, REPLY, &mine, Allowed(group, Fact::InUsersGroups(GroupId(2)))),
        ("view outside", sales, VIEW, &outside, OutOfScope(VIEW, group, Fact::OutsideUsersGroups(GroupId(5)))),
        ("view, no group", sales, VIEW, &unrouted, OutOfScope(VIEW, group, Fact::NoGroup)),
        // Several permissions at once.
        ("view + note", sales, VIEW | NOTE, vo, Allowed(group, in_vo)),
        ("view + reply names reply", sales, VIEW | REPLY, vo, OutOfScope(REPLY, group, blocked)),
        ("view + note + resolve names resolve", sales, VIEW | NOTE | RESOLVE, vo, OutOfScope(RESOLVE, group, blocked)),
        ("all six at Group names the first beyond reach", r.group_all, Permissions::CONVERSATION_KIND, vo, OutOfScope(REPLY, group, blocked)),
        ("view at Group + reply at Global", r.reply_global, VIEW | REPLY, vo, Allowed(group, in_vo)),
        ("reply at Global alone", r.reply_global, REPLY, vo, Allowed(global, Fact::Everywhere)),
        ("view + an account permission", sales, VIEW | Permissions::VIEW_PEOPLE, vo, Allowed(group, in_vo)),
        ("an account permission alone", sales, Permissions::EDIT_PEOPLE, vo, Allowed(global, Fact::AccountWide)),
        // Team permissions are never extended.
        ("reports at Group, view-only team", r.team_lead, Permissions::VIEW_REPORTS, &Team(GroupId(9)), OutOfScope(Permissions::VIEW_REPORTS, group, blocked)),
        ("dashboard at Group, view-only team", r.team_lead, Permissions::VIEW_DASHBOARD, &Team(GroupId(9)), OutOfScope(Permissions::VIEW_DASHBOARD, group, blocked)),
        ("dashboard, group-all role, view-only team", r.group_all, Permissions::VIEW_DASHBOARD, &Team(GroupId(9)), OutOfScope(Permissions::VIEW_DASHBOARD, group, blocked)),
        ("settings, group-all role, view-only team", r.group_all, Permissions::MANAGE_SETTINGS, &Team(GroupId(9)), OutOfScope(Permissions::MANAGE_SETTINGS, group, blocked)),
        ("reports at Group, my team", r.team_lead, Permissions::VIEW_REPORTS, &Team(GroupId(2)), Allowed(group, Fact::InUsersGroups(GroupId(2)))),
        ("reports at Group, team in both lists", r.team_lead, Permissions::VIEW_REPORTS, &Team(GroupId(3)), Allowed(group, Fact::InUsersGroups(GroupId(3)))),
        ("export at Restricted, view-only team", r.team_lead, Permissions::EXPORT_REPORTS, &Team(GroupId(9)), OutOfScope(Permissions::EXPORT_REPORTS, narrow, Fact::NotTakenUp)),
        ("reports at Global, view-only team", marketing, Permissions::VIEW_REPORTS, &Team(GroupId(9)), Allowed(global, Fact::Everywhere)),
        ("reports at Group, the account", r.team_lead, Permissions::VIEW_REPORTS, &Account, OutOfScope(Permissions::VIEW_REPORTS, group, Fact::NoGroup)),
        ("reports at Group, about me", r.team_lead, Permissions::VIEW_REPORTS, &AboutUser(ME), Allowed(group, Fact::Assignee)),
        // The rule is uniform: a permission within VIEW_ONLY_REACH reaches the view-only team.
        ("view on a view-only team", r.group_all, VIEW, &Team(GroupId(9)), Allowed(group, in_vo)),
        ("view + reports on a view-only team", r.group_all, VIEW | Permissions::VIEW_REPORTS, &Team(GroupId(9)), OutOfScope(Permissions::VIEW_REPORTS, group, blocked)),
    ];
    for (what, role, permissions, resource, expect) in table {
        assert_decision(&policy, &subject(role), permissions, resource, expect, what);
    }

    // A user with view-only groups and no full ones.
    let reader = Subject::new(ME, sales, &[]).with_view_only(&only_view_only);
    let g2 = Fact::InUsersViewOnlyGroups(GroupId(2));
    #[rustfmt::skip]
    let table: Vec<(&str, Permissions, &dyn Resource, Expect)> = vec![
        ("reader views", VIEW, &mine, Allowed(group, g2)),
        ("reader notes", NOTE, &mine, Allowed(group, g2)),
        ("reader may not reply", REPLY, &mine, OutOfScope(REPLY, group, Fact::ViewOnlyGroup(GroupId(2)))),
        ("reader, another group", VIEW, &outside, OutOfScope(VIEW, group, Fact::OutsideUsersGroups(GroupId(5)))),
    ];
    for (what, permissions, resource, expect) in table {
        assert_decision(&policy, &reader, permissions, resource, expect, what);
    }
}

#[test]
fn without_view_only_groups_nothing_changes() {
    // The same subject without its view-only groups: every view-only conversation is outside.
    let (policy, r) = policy();
    let groups = [GroupId(2)];
    let conversation = Conversation {
        group: Some(GroupId(9)),
        assignee: None,
        participants: &[],
    };
    for role in [BuiltInRole::SalesUser.id(), r.group_all] {
        let subject = Subject::new(ME, role, &groups);
        assert!(subject.view_only.is_empty());
        for permission in Permissions::CONVERSATION_KIND.each() {
            assert_decision(
                &policy,
                &subject,
                permission,
                &conversation,
                match policy.role(role).unwrap().scope_of(permission) {
                    Some(scope) => {
                        Expect::OutOfScope(permission, scope, Fact::OutsideUsersGroups(GroupId(9)))
                    }
                    None => Expect::NotGranted(permission),
                },
                "no view-only groups",
            );
        }
    }
}

#[test]
fn subject_new_and_with_view_only_build_the_subject() {
    let groups = [GroupId(2), GroupId(3)];
    let view_only = [GroupId(9)];
    let subject = Subject::new(ME, RoleId(4), &groups);
    assert_eq!(
        subject,
        Subject {
            user: ME,
            role: RoleId(4),
            groups: &groups,
            view_only: &[],
        }
    );
    let reader = subject.with_view_only(&view_only);
    assert_eq!(
        reader,
        Subject {
            user: ME,
            role: RoleId(4),
            groups: &groups,
            view_only: &view_only,
        }
    );
    // with_view_only replaces, it does not append.
    assert_eq!(reader.with_view_only(&[]), subject);
    // `const`: usable in a constant.
    const CONSTANT: Subject<'static> =
        Subject::new(UserId(1), RoleId(1), &[GroupId(1)]).with_view_only(&[GroupId(2)]);
    assert_eq!(CONSTANT.view_only, [GroupId(2)]);
}

#[test]
fn decisions_say_why_in_one_sentence() {
    let (policy, r) = policy();
    let groups = [GroupId(2)];
    let view_only = [GroupId(9)];
    let sales = Subject::new(ME, BuiltInRole::SalesUser.id(), &groups).with_view_only(&view_only);
    let conversation = Conversation {
        group: Some(GroupId(9)),
        assignee: Some(UserId(8)),
        participants: &[],
    };

    let reply = policy.check(&sales, REPLY, &conversation);
    assert!(reply.is_denied());
    let sentence = reply.to_string();
    assert_eq!(
        sentence,
        "denied: role \"Sales User\" grants reply at Group scope, and the conversation's group 9 \
         is one of the user's view-only groups, which reach only viewing and private notes"
    );
    // The parts the design asks for, whatever the wording around them.
    for part in [
        "Sales User",
        "reply",
        "Group",
        "9",
        "view-only",
        "only viewing and private notes",
    ] {
        assert!(
            sentence.contains(part),
            "{part:?} missing from {sentence:?}"
        );
    }
    // A set with reply in it is denied for reply, with the same sentence.
    assert_eq!(
        policy
            .check(&sales, VIEW | REPLY, &conversation)
            .to_string(),
        sentence
    );

    #[rustfmt::skip]
    let table: Vec<(Subject<'_>, Permissions, &dyn Resource, &str)> = vec![
        (sales, VIEW, &conversation,
         "allowed: role \"Sales User\" grants view_conversations at Group scope, and the conversation's group 9 is one of the user's view-only groups, which reach viewing and private notes"),
        (sales, NOTE, &conversation,
         "allowed: role \"Sales User\" grants add_private_note at Group scope, and the conversation's group 9 is one of the user's view-only groups, which reach viewing and private notes"),
        (sales, RESOLVE, &conversation,
         "denied: role \"Sales User\" grants resolve_conversation at Group scope, and the conversation's group 9 is one of the user's view-only groups, which reach only viewing and private notes"),
        (Subject { role: r.team_lead, ..sales }, Permissions::VIEW_REPORTS, &Team(GroupId(9)),
         "denied: role \"Team lead\" grants view_reports at Group scope, and team 9 is one of the user's view-only groups, which reach no team permission"),
        (Subject { role: BuiltInRole::RestrictedUser.id(), ..sales }, VIEW, &conversation,
         "denied: role \"Restricted User\" grants view_conversations at Restricted scope, and the user is neither the conversation's assignee nor a participant"),
        (Subject { role: BuiltInRole::SupportAgent.id(), ..sales }, REPLY, &conversation,
         "allowed: role \"Support Agent\" grants reply at Global scope, which reaches every conversation"),
    ];
    for (subject, permissions, resource, expected) in table {
        assert_eq!(
            policy.check(&subject, permissions, resource).to_string(),
            expected
        );
    }
}

#[test]
fn ids_at_the_extremes() {
    let (policy, r) = policy();
    let max = GroupId(u64::MAX);
    let zero = GroupId(0);
    for user in [UserId(0), UserId(u64::MAX)] {
        for (groups, view_only, full_group, view_only_group) in [
            (vec![zero], vec![max], zero, max),
            (vec![max], vec![zero], max, zero),
            (vec![max, zero], vec![max, zero], max, zero),
        ] {
            let subject =
                Subject::new(user, BuiltInRole::SalesUser.id(), &groups).with_view_only(&view_only);
            let at = |group: GroupId| Conversation {
                group: Some(group),
                assignee: Some(UserId(user.0 ^ 1)),
                participants: &[],
            };
            let full = at(full_group);
            let read = at(view_only_group);
            let in_both = groups.contains(&view_only_group);
            assert!(policy.check(&subject, REPLY, &full).is_allowed());
            assert!(policy.check(&subject, VIEW | NOTE, &read).is_allowed());
            assert_eq!(
                policy.check(&subject, REPLY, &read).is_allowed(),
                in_both,
                "{subject:?}"
            );
            let elsewhere = at(GroupId(u64::MAX - 1));
            assert!(policy.check(&subject, VIEW, &elsewhere).is_denied());
            // Ids equal to the user's only in their low half are other ids.
            let low_half = at(GroupId(view_only_group.0 ^ (1 << 40)));
            assert!(policy.check(&subject, VIEW, &low_half).is_denied());
            let assigned = Conversation {
                assignee: Some(user),
                ..elsewhere
            };
            assert!(policy.check(&subject, REPLY, &assigned).is_allowed());
            let team_lead = Subject {
                role: r.team_lead,
                ..subject
            };
            assert_eq!(
                policy
                    .check(
                        &team_lead,
                        Permissions::VIEW_REPORTS,
                        &Team(view_only_group)
                    )
                    .is_allowed(),
                in_both
            );
            assert!(policy
                .check(&team_lead, Permissions::VIEW_REPORTS, &Team(full_group))
                .is_allowed());
            for resource in [&full as &dyn Resource, &read, &elsewhere, &assigned] {
                let allowed = policy.allowed(&subject, resource);
                for bit in Permissions::all().each() {
                    assert_eq!(
                        allowed.contains(bit),
                        policy.check(&subject, bit, resource).is_allowed()
                    );
                }
                for permissions in [VIEW, REPLY, VIEW | NOTE] {
                    let expected = policy.check(&subject, permissions, resource).is_allowed();
                    assert_eq!(
                        policy.filter(&subject, permissions).matches(resource),
                        expected
                    );
                    assert_eq!(
                        policy.who_may(permissions, resource).matches(&subject),
                        expected
                    );
                }
            }
        }
    }
}

#[test]
fn ten_thousand_full_and_ten_thousand_view_only_groups() {
    let (policy, r) = policy();
    // Full groups are even, view-only ones odd; high bits vary so that ids equal in their low
    // 32 bits to a listed one (but not in full) exist, and 0 and u64::MAX are listed.
    let full: Vec<GroupId> = (0..10_000_u64)
        .map(|g| GroupId((2 * g) | ((g % 7) << 40)))
        .collect();
    let mut view_only: Vec<GroupId> = (0..10_000_u64)
        .map(|g| GroupId((2 * g + 1) | ((g % 5) << 36)))
        .collect();
    view_only[9_999] = GroupId(u64::MAX);
    // One group in both lists, far into each.
    let overlap = full[7_777];
    view_only[5_000] = overlap;
    let is_full = |g: GroupId| full.contains(&g);
    let is_view_only = |g: GroupId| view_only.contains(&g);

    let mut probes: Vec<GroupId> = Vec::new();
    for index in [
        0, 1, 15, 16, 17, 31, 32, 33, 4_999, 5_000, 5_001, 7_777, 9_998, 9_999,
    ] {
        for list in [&full, &view_only] {
            let g = list[index];
            // The id itself, and ids that share its low 32 bits only.
            probes.extend([g, GroupId(g.0 ^ (1 << 33)), GroupId(g.0 ^ (1 << 63))]);
        }
    }
    probes.extend([GroupId(20_001), GroupId(u64::MAX - 1), GroupId(1 << 62)]);

    let roles = [
        BuiltInRole::SalesUser.id(),
        r.group_all,
        r.team_lead,
        BuiltInRole::RestrictedUser.id(),
    ];
    let mut reached_by_view_only = 0;
    for role in roles {
        let subject = Subject::new(ME, role, &full).with_view_only(&view_only);
        let grants = policy.role(role).unwrap();
        for &group in &probes {
            for resource in [
                &Conversation {
                    group: Some(group),
                    assignee: Some(UserId(8)),
                    participants: &[UserId(6)],
                } as &dyn Resource,
                &Team(group),
            ] {
                let allowed = policy.allowed(&subject, resource);
                for permission in Permissions::SCOPED.each() {
                    // The design's rule, read with a plain `contains`.
                    let expected = match grants.scope_of(permission) {
                        Some(Scope::Global) => true,
                        Some(Scope::Group) => {
                            is_full(group)
                                || (is_view_only(group)
                                    && Permissions::VIEW_ONLY_REACH.contains(permission))
                        }
                        Some(Scope::Restricted) | None => false,
                    };
                    let decision = policy.check(&subject, permission, resource);
                    assert_eq!(
                        decision.is_allowed(),
                        expected,
                        "{group:?} {permission:?}: {decision}"
                    );
                    assert_eq!(allowed.contains(permission), expected);
                    if expected && !is_full(group) {
                        reached_by_view_only += 1;
                    }
                }
                for permissions in [VIEW, NOTE, REPLY, VIEW | NOTE, VIEW | REPLY] {
                    let expected = policy.check(&subject, permissions, resource).is_allowed();
                    let filter = policy.filter(&subject, permissions);
                    assert_eq!(filter.matches(resource), expected, "{group:?}");
                    let who = policy.who_may(permissions, resource);
                    assert_eq!(who.matches(&subject), expected, "{group:?}");
                }
            }
        }
    }
    assert!(reached_by_view_only > 20, "{reached_by_view_only}");
}

#[test]
fn role_assignment_ignores_view_only_groups() {
    let (policy, r) = policy();
    let groups = [GroupId(2)];
    let view_only = [GroupId(9), GroupId(2)];
    let actors = [
        owner(),
        Subject::new(UserId(2), BuiltInRole::Administrator.id(), &groups),
        Subject::new(UserId(3), BuiltInRole::SalesUser.id(), &groups),
    ];
    let targets = [
        Subject::new(UserId(4), BuiltInRole::SalesUser.id(), &groups),
        Subject::new(UserId(5), BuiltInRole::Administrator.id(), &[]),
        Subject::new(UserId(6), r.group_all, &groups),
    ];
    let new_roles = [
        BuiltInRole::SupportAgent.id(),
        BuiltInRole::AccountAdmin.id(),
        r.team_lead,
        r.restricted_all,
    ];
    for actor in actors {
        for target in targets {
            for new_role in new_roles {
                let plain = policy.check_assignment(&actor, &target, new_role);
                let with_view_only = policy.check_assignment(
                    &actor.with_view_only(&view_only),
                    &target.with_view_only(&view_only),
                    new_role,
                );
                assert_eq!(plain, with_view_only, "{actor:?} {target:?} {new_role:?}");
            }
        }
    }
}
