//! `Policy::resolve(subject)` answers exactly what `Policy::check` and `Policy::allowed` answer
//! for the same subject: the same `Decision` (reason and sentence included) and the same action
//! set, for every kind of role (built-in, custom at each scope, deleted, never issued), every
//! relation of a conversation to the user, view-only groups, teams, the account, and requests
//! of every shape (one permission, several, none, unknown bits).
//!
//! The property tests of `tests/model.rs` compare every resolved decision with the reference
//! model too; this file names the cases.

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, Reason,
    Resource, RoleId, Scope, Subject, Team, UserId,
};

const ME: UserId = UserId(7);

/// Built-in roles, custom roles granting `reply` at each scope, a deleted role and ids never
/// issued.
fn policy_and_roles() -> (Policy, Vec<RoleId>) {
    let mut policy = Policy::new(Plan::Enterprise);
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    let mut roles: Vec<RoleId> = BuiltInRole::ALL.iter().map(|role| role.id()).collect();
    for scope in Scope::ALL {
        let id = policy
            .clone_role(
                &owner,
                BuiltInRole::MarketingUser.id(),
                &format!("Reply at {scope}"),
            )
            .unwrap();
        policy
            .grant(
                &owner,
                id,
                Permissions::REPLY | Permissions::VIEW_CONVERSATIONS,
                scope,
            )
            .unwrap();
        roles.push(id);
    }
    let deleted = policy
        .clone_role(&owner, BuiltInRole::SupportAgent.id(), "Deleted")
        .unwrap();
    policy.delete_role(&owner, deleted).unwrap();
    roles.extend([deleted, policy.next_role_id(), RoleId(0), RoleId(u32::MAX)]);
    (policy, roles)
}

/// Every relation of a resource to [`ME`], who is in group 2 and view-only in group 9.
fn resources() -> Vec<(&'static str, Box<dyn Resource>)> {
    let conversation = |group: Option<u64>, assignee: Option<UserId>, participants| {
        Box::new(Conversation {
            group: group.map(GroupId),
            assignee,
            participants,
        }) as Box<dyn Resource>
    };
    const FOLLOWERS: &[UserId] = &[UserId(3), ME];
    const OTHERS: &[UserId] = &[UserId(3)];
    vec![
        ("mine", conversation(Some(5), Some(ME), OTHERS)),
        ("following", conversation(Some(5), None, FOLLOWERS)),
        ("my group", conversation(Some(2), None, OTHERS)),
        ("view-only group", conversation(Some(9), None, OTHERS)),
        ("elsewhere", conversation(Some(5), Some(UserId(3)), OTHERS)),
        ("no group", conversation(None, None, &[])),
        ("my team", Box::new(Team(GroupId(2)))),
        ("view-only team", Box::new(Team(GroupId(9)))),
        ("other team", Box::new(Team(GroupId(5)))),
        ("account", Box::new(Account)),
        ("about me", Box::new(AboutUser(ME))),
    ]
}

/// One permission at a time, some pairs, nothing, and bits no vocabulary names.
fn requests(policy: &Policy) -> Vec<Permissions> {
    let known = policy.vocabulary().all();
    let mut requests: Vec<Permissions> = known.each().collect();
    requests.extend([
        Permissions::empty(),
        Permissions::REPLY | Permissions::VIEW_CONVERSATIONS,
        Permissions::REPLY | Permissions::DELETE_CONVERSATION,
        Permissions::ADD_PRIVATE_NOTE | Permissions::VIEW_REPORTS,
        Permissions::from_bits_retain(1 << 63),
        Permissions::REPLY | Permissions::from_bits_retain(1 << 63),
    ]);
    requests
}

#[test]
fn a_resolved_subject_decides_exactly_like_the_policy() {
    let (policy, roles) = policy_and_roles();
    let resources = resources();
    let requests = requests(&policy);
    let groups = [GroupId(2)];
    let view_only = [GroupId(9)];
    let mut allowed_seen = 0;
    let mut denied_seen = 0;
    for &role in &roles {
        for view_only in [&view_only[..], &[]] {
            let subject = Subject::new(ME, role, &groups).with_view_only(view_only);
            let resolved = policy.resolve(subject);
            assert_eq!(resolved.subject(), &subject);
            assert_eq!(resolved.role(), policy.role(role), "{role:?}");
            for (name, resource) in &resources {
                let resource = resource.as_ref();
                assert_eq!(
                    resolved.allowed(resource),
                    policy.allowed(&subject, resource),
                    "{role:?} on {name}"
                );
                for &permissions in &requests {
                    let expected = policy.check(&subject, permissions, resource);
                    let decision = resolved.check(permissions, resource);
                    assert_eq!(decision, expected, "{role:?} {permissions:?} on {name}");
                    assert_eq!(decision.to_string(), expected.to_string());
                    if decision.is_allowed() {
                        allowed_seen += 1;
                    } else {
                        denied_seen += 1;
                    }
                }
            }
        }
    }
    // The table reaches both outcomes often, not a corner of one.
    assert!(
        allowed_seen > 1_000 && denied_seen > 1_000,
        "{allowed_seen} / {denied_seen}"
    );
}

#[test]
fn a_role_the_policy_does_not_hold_resolves_to_none_and_allows_nothing() {
    let (policy, roles) = policy_and_roles();
    let conversation = Conversation {
        group: Some(GroupId(2)),
        assignee: Some(ME),
        participants: &[ME],
    };
    // The deleted role and the ids never issued.
    for &role in &roles[roles.len() - 4..] {
        let resolved = policy.resolve(Subject::new(ME, role, &[GroupId(2)]));
        assert!(resolved.role().is_none(), "{role:?}");
        assert!(resolved.allowed(&conversation).is_empty());
        let decision = resolved.check(Permissions::VIEW_CONVERSATIONS, &conversation);
        assert_eq!(*decision.reason(), Reason::UnknownRole { role });
    }
}

#[test]
fn each_scope_reaches_what_the_design_says() {
    let (policy, roles) = policy_and_roles();
    // The custom roles granting `reply` at Restricted, Group and Global follow the built-in ones.
    let custom = &roles[BuiltInRole::ALL.len()..BuiltInRole::ALL.len() + 3];
    let groups = [GroupId(2)];
    let in_my_group = Conversation {
        group: Some(GroupId(2)),
        assignee: None,
        participants: &[],
    };
    let elsewhere = Conversation {
        group: Some(GroupId(5)),
        ..in_my_group
    };
    // (scope, allowed in my group, allowed elsewhere)
    let cases = [
        (Scope::Restricted, false, false),
        (Scope::Group, true, false),
        (Scope::Global, true, true),
    ];
    for (&role, (scope, mine, other)) in custom.iter().zip(cases) {
        let resolved = policy.resolve(Subject::new(ME, role, &groups));
        assert_eq!(
            resolved.role().map(|r| r.name().to_owned()),
            Some(format!("Reply at {scope}"))
        );
        let decision = resolved.check(Permissions::REPLY, &in_my_group);
        assert_eq!(decision.is_allowed(), mine, "{decision}");
        let decision = resolved.check(Permissions::REPLY, &elsewhere);
        assert_eq!(decision.is_allowed(), other, "{decision}");
    }
}
