//! The public types are `Send + Sync`, checked at compile time, and one policy shared across
//! threads decides the same everywhere.

use std::sync::Arc;
use std::thread;

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, ConversationFilter, Decision, Fact, GroupId,
    PermissionKind, Permissions, Plan, Policy, PolicyError, Reason, ResolvedSubject, Role, RoleId,
    Scope, Subject, Team, UserId,
};

/// Compiles only if `T` is `Send + Sync`.
const fn assert_send_sync<T: Send + Sync>() {}

/// Checked when this file compiles: a type that stops being `Send + Sync` breaks the build.
const _: () = {
    assert_send_sync::<Policy>();
    assert_send_sync::<Role>();
    assert_send_sync::<Decision<'static>>();
    assert_send_sync::<Reason<'static>>();
    assert_send_sync::<Fact>();
    assert_send_sync::<ConversationFilter<'static>>();
    assert_send_sync::<Subject<'static>>();
    assert_send_sync::<ResolvedSubject<'static, 'static>>();
    assert_send_sync::<Conversation<'static>>();
    assert_send_sync::<PolicyError>();
    assert_send_sync::<Permissions>();
    assert_send_sync::<PermissionKind>();
    assert_send_sync::<Scope>();
    assert_send_sync::<Plan>();
    assert_send_sync::<RoleId>();
    assert_send_sync::<UserId>();
    assert_send_sync::<GroupId>();
    assert_send_sync::<BuiltInRole>();
    assert_send_sync::<Team>();
    assert_send_sync::<Account>();
    assert_send_sync::<AboutUser>();
    // Errors travel across threads inside the usual boxed error type.
    assert_send_sync::<Box<dyn std::error::Error + Send + Sync>>();
};

#[test]
fn errors_fit_in_a_boxed_send_sync_error() {
    let boxed: Box<dyn std::error::Error + Send + Sync> =
        Box::new(PolicyError::UnknownRole(RoleId(4242)));
    assert!(boxed.to_string().contains("4242"));
}

/// Every decision of a fixed grid, as sentences, so that two runs compare exactly.
fn decisions(policy: &Policy, roles: &[RoleId]) -> Vec<String> {
    let groups = [GroupId(1), GroupId(3)];
    let participants = [UserId(7), UserId(8)];
    let conversations = [
        Conversation {
            group: Some(GroupId(1)),
            assignee: None,
            participants: &[],
        },
        Conversation {
            group: Some(GroupId(2)),
            assignee: Some(UserId(7)),
            participants: &[],
        },
        Conversation {
            group: Some(GroupId(2)),
            assignee: None,
            participants: &participants,
        },
        Conversation {
            group: None,
            assignee: None,
            participants: &[],
        },
    ];
    let mut out = Vec::new();
    for &role in roles {
        for user in [UserId(7), UserId(9)] {
            let subject = Subject {
                user,
                role,
                groups: &groups,
                view_only: &[],
            };
            for (_, permission) in Permissions::permission_names() {
                for c in &conversations {
                    out.push(policy.check(&subject, permission, c).to_string());
                    out.push(format!("{:?}", policy.filter(&subject, permission)));
                }
                out.push(
                    policy
                        .check(&subject, permission, &Team(GroupId(3)))
                        .to_string(),
                );
                out.push(policy.check(&subject, permission, &Account).to_string());
                out.push(
                    policy
                        .check(&subject, permission, &AboutUser(user))
                        .to_string(),
                );
            }
        }
    }
    out
}

#[test]
fn a_shared_policy_decides_the_same_on_every_thread() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = Subject {
        user: UserId(1),
        role: BuiltInRole::AccountAdmin.id(),
        groups: &[],
        view_only: &[],
    };
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let intern = policy.clone_role(&owner, agent, "Intern").unwrap();
    policy.revoke(&owner, intern, Permissions::REPLY).unwrap();
    policy
        .grant(
            &owner,
            intern,
            Permissions::ADD_PRIVATE_NOTE | Permissions::VIEW_REPORTS,
            Scope::Group,
        )
        .unwrap();
    let gone = policy.clone_role(&owner, intern, "Gone").unwrap();
    policy.delete_role(&owner, gone).unwrap();

    let mut roles: Vec<RoleId> = BuiltInRole::ALL.iter().map(|b| b.id()).collect();
    roles.extend([intern, gone, RoleId(0)]);
    let expected = decisions(&policy, &roles);

    let policy = Arc::new(policy);
    let roles = Arc::new(roles);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let policy = Arc::clone(&policy);
            let roles = Arc::clone(&roles);
            thread::spawn(move || {
                (0..3)
                    .map(|_| decisions(&policy, &roles))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for handle in handles {
        for got in handle.join().unwrap() {
            assert_eq!(got, expected);
        }
    }

    // Scoped threads can borrow the policy and send decisions (which borrow it) back.
    let subject = Subject {
        user: UserId(7),
        role: intern,
        groups: &[GroupId(1)],
        view_only: &[],
    };
    let c = Conversation {
        group: Some(GroupId(1)),
        assignee: None,
        participants: &[],
    };
    let here = policy.check(&subject, Permissions::ADD_PRIVATE_NOTE, &c);
    let there = thread::scope(|scope| {
        scope
            .spawn(|| policy.check(&subject, Permissions::ADD_PRIVATE_NOTE, &c))
            .join()
            .unwrap()
    });
    assert_eq!(here, there);
    assert!(there.is_allowed());
}
