//! Custom roles under governance (issue 3, points 1 to 5): cloning, grant, revoke, rename,
//! delete; who may do it; what the plan allows; names and ids; the revision counter; and a
//! table of every kind of refusal, each checked to change nothing at all (the stored form and
//! `PartialEq` before and after).

use helpdesk_policy::{
    BuiltInRole, Conversation, ErrorKind, GroupId, Permissions, Plan, Policy, PolicyError, Reason,
    RoleId, Scope, Subject, UserId,
};

const ACCOUNT_ADMIN: RoleId = BuiltInRole::AccountAdmin.id();
const ADMINISTRATOR: RoleId = BuiltInRole::Administrator.id();
const SUPPORT_MANAGER: RoleId = BuiltInRole::SupportManager.id();
const SUPPORT_AGENT: RoleId = BuiltInRole::SupportAgent.id();
const RESTRICTED_USER: RoleId = BuiltInRole::RestrictedUser.id();

/// The conversation permissions a Support Agent holds (all but delete).
const AGENT_CONVERSATIONS: Permissions =
    Permissions::CONVERSATION_KIND.difference(Permissions::DELETE_CONVERSATION);

/// The fixture's custom roles (see [`fixture`]).
const NIGHT_SHIFT: RoleId = RoleId(100);
const ADMIN_CLONE: RoleId = RoleId(101);
const ADMINISTRATOR_CLONE: RoleId = RoleId(102);
const REGIONAL: RoleId = RoleId(103);
const DELETED: RoleId = RoleId(104);

const MY_GROUPS: &[GroupId] = &[GroupId(2)];
const IN_MY_GROUP: Conversation<'static> = Conversation {
    group: Some(GroupId(2)),
    assignee: None,
    participants: &[],
};
const ELSEWHERE: Conversation<'static> = Conversation {
    group: Some(GroupId(9)),
    assignee: None,
    participants: &[],
};

fn subject(user: u64, role: RoleId) -> Subject<'static> {
    Subject {
        user: UserId(user),
        role,
        groups: MY_GROUPS,
        view_only: &[],
    }
}

/// The Account Admin, the only built-in holder of manage_custom_roles.
fn owner() -> Subject<'static> {
    subject(1, ACCOUNT_ADMIN)
}

fn saved(policy: &Policy) -> String {
    serde_json::to_string(policy).expect("a policy always serializes")
}

fn grants(policy: &Policy, role: RoleId) -> Vec<(Permissions, Scope)> {
    policy
        .role(role)
        .unwrap_or_else(|| panic!("role {role} exists"))
        .grants()
        .collect()
}

/// A Pro policy with:
/// - 100 "Night Shift": a clone of Support Agent;
/// - 101 "Admin Clone": a clone of Account Admin;
/// - 102 "Administrator Clone": a clone of Administrator;
/// - 103 "Regional": a clone of Support Agent with its conversation permissions at Group;
/// - 104 "Temp": created and deleted.
fn fixture() -> Policy {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let ids = [
        policy.clone_role(&o, SUPPORT_AGENT, "Night Shift"),
        policy.clone_role(&o, ACCOUNT_ADMIN, "Admin Clone"),
        policy.clone_role(&o, ADMINISTRATOR, "Administrator Clone"),
        policy.clone_role(&o, SUPPORT_AGENT, "Regional"),
        policy.clone_role(&o, RESTRICTED_USER, "Temp"),
    ];
    assert_eq!(
        ids,
        [
            Ok(NIGHT_SHIFT),
            Ok(ADMIN_CLONE),
            Ok(ADMINISTRATOR_CLONE),
            Ok(REGIONAL),
            Ok(DELETED)
        ]
    );
    policy
        .grant(&o, REGIONAL, AGENT_CONVERSATIONS, Scope::Group)
        .expect("fixture: regional grant");
    policy.delete_role(&o, DELETED).expect("fixture: delete");
    policy
}

// ---------------------------------------------------------------------------------------------
// Cloning

#[test]
fn cloning_any_built_in_role_copies_its_grants() {
    for role in BuiltInRole::ALL {
        let mut policy = Policy::new(Plan::Pro);
        let name = format!("Copy of {}", role.name());
        let id = policy
            .clone_role(&owner(), role.id(), &name)
            .unwrap_or_else(|e| panic!("{role:?}: clone refused: {e}"));
        let clone = policy.role(id).expect("the clone exists");
        let expected: Vec<_> = role
            .role()
            .grants()
            .filter(|&(p, _)| p != Permissions::MANAGE_CUSTOM_ROLES)
            .collect();
        assert_eq!(grants(&policy, id), expected, "{role:?}: grants");
        assert_eq!(clone.name(), name, "{role:?}: name");
        assert_eq!(
            clone.cloned_from(),
            Some(role.id()),
            "{role:?}: cloned_from"
        );
        assert!(clone.is_custom(), "{role:?}: is_custom");
        assert_eq!(clone.builtin(), None, "{role:?}: builtin");
        assert!(
            id >= RoleId::FIRST_CUSTOM,
            "{role:?}: id {id} in custom range"
        );
        assert_eq!(
            policy.role_by_name(&name).map(|r| r.id()),
            Some(id),
            "{role:?}"
        );
    }
}

#[test]
fn cloning_a_custom_role_copies_its_current_grants() {
    let mut policy = fixture();
    let id = policy
        .clone_role(&owner(), REGIONAL, "Regional Copy")
        .expect("clone of a custom role");
    assert_eq!(grants(&policy, id), grants(&policy, REGIONAL));
    assert_eq!(
        policy.role(id).and_then(|r| r.cloned_from()),
        Some(REGIONAL)
    );
    assert_eq!(
        policy.role(id).and_then(|r| r.scope_of(Permissions::REPLY)),
        Some(Scope::Group)
    );
}

#[test]
fn cloning_the_account_admin_gives_everything_but_manage_custom_roles() {
    let policy = fixture();
    let clone = policy.role(ADMIN_CLONE).expect("admin clone exists");
    assert_eq!(
        clone.permissions(),
        Permissions::all().difference(Permissions::MANAGE_CUSTOM_ROLES)
    );
    assert_eq!(
        clone.permissions_at_least(Scope::Global),
        Permissions::all().difference(Permissions::MANAGE_CUSTOM_ROLES),
        "everything at Global"
    );
    assert_eq!(clone.scope_of(Permissions::MANAGE_CUSTOM_ROLES), None);
    // And its holder is refused like anyone without manage_custom_roles.
    let mut policy = policy;
    assert_eq!(
        policy.clone_role(&subject(5, ADMIN_CLONE), SUPPORT_AGENT, "Sneaky"),
        Err(PolicyError::NotAllowed {
            role: "Admin Clone".into()
        })
    );
}

#[test]
fn a_clone_is_a_deep_copy() {
    let mut policy = fixture();
    let o = owner();
    let copy = policy
        .clone_role(&o, NIGHT_SHIFT, "Night Shift Copy")
        .expect("clone");
    let copied = grants(&policy, copy);
    let holder = subject(7, copy);
    let before = policy
        .check(&holder, Permissions::REPLY, &ELSEWHERE)
        .to_string();

    // Every kind of edit to the source...
    policy
        .revoke(&o, NIGHT_SHIFT, Permissions::REPLY)
        .expect("revoke");
    policy
        .grant(
            &o,
            NIGHT_SHIFT,
            Permissions::VIEW_CONVERSATIONS,
            Scope::Restricted,
        )
        .expect("narrow");
    policy
        .grant(
            &o,
            NIGHT_SHIFT,
            Permissions::DELETE_CONVERSATION,
            Scope::Global,
        )
        .expect("widen");
    policy
        .rename_role(&o, NIGHT_SHIFT, "Night Owls")
        .expect("rename");
    assert_ne!(
        grants(&policy, NIGHT_SHIFT),
        copied,
        "the source did change"
    );

    // ...never reaches the clone.
    assert_eq!(grants(&policy, copy), copied, "after editing the source");
    assert_eq!(
        policy.role(copy).map(|r| r.name()),
        Some("Night Shift Copy")
    );

    policy.delete_role(&o, NIGHT_SHIFT).expect("delete source");
    assert_eq!(grants(&policy, copy), copied, "after deleting the source");
    assert_eq!(
        policy.role(copy).and_then(|r| r.cloned_from()),
        Some(NIGHT_SHIFT),
        "cloned_from is informational and stays"
    );
    assert_eq!(
        policy
            .check(&holder, Permissions::REPLY, &ELSEWHERE)
            .to_string(),
        before
    );
}

// ---------------------------------------------------------------------------------------------
// Editing

#[test]
fn grant_sets_the_exact_scope_narrowing_and_widening() {
    let o = owner();
    for from in Scope::ALL {
        for to in Scope::ALL {
            let case = format!("{from:?} -> {to:?}");
            let mut policy = fixture();
            policy
                .grant(&o, NIGHT_SHIFT, Permissions::REPLY, from)
                .unwrap_or_else(|e| panic!("{case}: first grant: {e}"));
            policy
                .grant(&o, NIGHT_SHIFT, Permissions::REPLY, to)
                .unwrap_or_else(|e| panic!("{case}: second grant: {e}"));
            let role = policy.role(NIGHT_SHIFT).expect("role");
            assert_eq!(role.scope_of(Permissions::REPLY), Some(to), "{case}");
            // The other grants are untouched.
            assert_eq!(
                role.scope_of(Permissions::ADD_PRIVATE_NOTE),
                Some(Scope::Global),
                "{case}"
            );
            let holder = subject(7, NIGHT_SHIFT);
            let mine = policy.check(&holder, Permissions::REPLY, &IN_MY_GROUP);
            let theirs = policy.check(&holder, Permissions::REPLY, &ELSEWHERE);
            assert_eq!(mine.is_allowed(), to >= Scope::Group, "{case}: {mine}");
            assert_eq!(theirs.is_allowed(), to == Scope::Global, "{case}: {theirs}");
        }
    }
}

#[test]
fn grant_sets_several_permissions_at_once_and_adds_new_ones() {
    let mut policy = fixture();
    let wanted = Permissions::DELETE_CONVERSATION | Permissions::VIEW_REPORTS;
    policy
        .grant(&owner(), NIGHT_SHIFT, wanted, Scope::Group)
        .expect("grant");
    let role = policy.role(NIGHT_SHIFT).expect("role");
    assert_eq!(
        role.scope_of(Permissions::DELETE_CONVERSATION),
        Some(Scope::Group)
    );
    assert_eq!(role.scope_of(Permissions::VIEW_REPORTS), Some(Scope::Group));
    assert_eq!(
        policy
            .check(
                &subject(7, NIGHT_SHIFT),
                Permissions::DELETE_CONVERSATION,
                &IN_MY_GROUP
            )
            .to_string(),
        "allowed: role \"Night Shift\" grants delete_conversation at Group scope, \
         and the conversation's group 2 is one of the user's groups"
    );
    // Account permissions at Global.
    policy
        .grant(
            &owner(),
            NIGHT_SHIFT,
            Permissions::MANAGE_FAQS,
            Scope::Global,
        )
        .expect("account permission at Global");
    assert_eq!(
        policy
            .role(NIGHT_SHIFT)
            .and_then(|r| r.scope_of(Permissions::MANAGE_FAQS)),
        Some(Scope::Global)
    );
}

#[test]
fn revoke_removes_and_revoking_what_is_not_held_is_a_no_op() {
    let mut policy = fixture();
    let o = owner();
    policy
        .revoke(
            &o,
            NIGHT_SHIFT,
            Permissions::REPLY | Permissions::VIEW_PEOPLE,
        )
        .expect("revoke held");
    let role = policy.role(NIGHT_SHIFT).expect("role");
    assert_eq!(role.scope_of(Permissions::REPLY), None);
    assert_eq!(role.scope_of(Permissions::VIEW_PEOPLE), None);
    assert!(role.permissions().contains(Permissions::VIEW_CONVERSATIONS));
    let d = policy.check(&subject(7, NIGHT_SHIFT), Permissions::REPLY, &IN_MY_GROUP);
    assert_eq!(
        d.to_string(),
        "denied: role \"Night Shift\" does not grant reply"
    );

    let before = policy.clone();
    let before_json = saved(&policy);
    for (case, unheld) in [
        ("already revoked", Permissions::REPLY),
        ("never held", Permissions::DELETE_CONVERSATION),
        ("never held, account", Permissions::MANAGE_ACCOUNT),
        ("manage_custom_roles", Permissions::MANAGE_CUSTOM_ROLES),
        ("empty set", Permissions::empty()),
    ] {
        assert_eq!(policy.revoke(&o, NIGHT_SHIFT, unheld), Ok(()), "{case}");
        assert_eq!(saved(&policy), before_json, "{case}: stored form changed");
        assert_eq!(policy, before, "{case}: policy changed");
    }
}

#[test]
fn rename_changes_the_name_everywhere() {
    let mut policy = fixture();
    let o = owner();
    policy
        .rename_role(&o, NIGHT_SHIFT, "  Late Crew ")
        .expect("rename");
    assert_eq!(
        policy.role(NIGHT_SHIFT).map(|r| r.name()),
        Some("Late Crew")
    );
    assert_eq!(
        policy.role_by_name("late crew").map(|r| r.id()),
        Some(NIGHT_SHIFT)
    );
    assert!(
        policy.role_by_name("Night Shift").is_none(),
        "old name freed"
    );
    assert!(saved(&policy).contains("\"name\":\"Late Crew\""));
    assert_eq!(
        policy
            .check(
                &subject(7, NIGHT_SHIFT),
                Permissions::DELETE_CONVERSATION,
                &IN_MY_GROUP
            )
            .to_string(),
        "denied: role \"Late Crew\" does not grant delete_conversation"
    );
    // The old name can be taken by another role now.
    let id = policy
        .clone_role(&o, SUPPORT_AGENT, "night shift")
        .expect("old name is free again");
    assert_eq!(policy.role_by_name("NIGHT SHIFT").map(|r| r.id()), Some(id));

    // Changing only the case of its own name is allowed, and counts.
    let revision = policy.revision();
    policy
        .rename_role(&o, NIGHT_SHIFT, "LATE CREW")
        .expect("case-only rename");
    assert_eq!(
        policy.role(NIGHT_SHIFT).map(|r| r.name()),
        Some("LATE CREW")
    );
    assert_eq!(policy.revision(), revision + 1);
    assert_eq!(
        policy.role_by_name("Late Crew").map(|r| r.id()),
        Some(NIGHT_SHIFT)
    );
}

#[test]
fn delete_removes_the_role_and_frees_its_name_but_not_its_id() {
    let mut policy = fixture();
    let o = owner();
    policy.delete_role(&o, NIGHT_SHIFT).expect("delete");
    assert!(policy.role(NIGHT_SHIFT).is_none());
    assert!(policy.role_by_name("Night Shift").is_none());
    assert!(!policy.roles().any(|r| r.id() == NIGHT_SHIFT));
    assert!(!saved(&policy).contains("Night Shift"));
    let again = policy
        .clone_role(&o, SUPPORT_AGENT, "Night Shift")
        .expect("name is free");
    assert_eq!(again, RoleId(105), "a fresh id, never 100 or 104 again");
    // Its old holders are not handed the new role.
    let d = policy.check(&subject(7, NIGHT_SHIFT), Permissions::REPLY, &IN_MY_GROUP);
    assert_eq!(d.reason(), &Reason::UnknownRole { role: NIGHT_SHIFT });
}

#[test]
fn built_in_roles_are_immutable() {
    type Op = fn(&mut Policy, RoleId) -> Result<(), PolicyError>;
    let ops: [(&str, Op); 6] = [
        ("grant scoped", |p, r| {
            p.grant(&owner(), r, Permissions::REPLY, Scope::Restricted)
        }),
        ("grant account", |p, r| {
            p.grant(&owner(), r, Permissions::MANAGE_FAQS, Scope::Global)
        }),
        ("revoke", |p, r| {
            p.revoke(&owner(), r, Permissions::EDIT_OWN_PROFILE)
        }),
        ("revoke unheld", |p, r| {
            p.revoke(&owner(), r, Permissions::empty())
        }),
        ("rename", |p, r| p.rename_role(&owner(), r, "Renamed")),
        ("delete", |p, r| p.delete_role(&owner(), r)),
    ];
    for role in BuiltInRole::ALL {
        for (op_name, op) in ops {
            let case = format!("{op_name} on {}", role.name());
            let mut policy = fixture();
            let before = policy.clone();
            let before_json = saved(&policy);
            let result = op(&mut policy, role.id());
            assert_eq!(
                result,
                Err(PolicyError::BuiltInRoleImmutable(role.name())),
                "{case}"
            );
            let message = result.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.contains(&format!(
                    "built-in role `{}` cannot be changed",
                    role.name()
                )),
                "{case}: {message}"
            );
            assert_eq!(saved(&policy), before_json, "{case}: stored form changed");
            assert_eq!(policy, before, "{case}: policy changed");
            assert_eq!(policy.role(role.id()), Some(role.role()), "{case}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Governance: who may change custom roles

#[test]
fn only_a_holder_of_manage_custom_roles_may_change_custom_roles() {
    let actors: [(&str, Subject<'static>, PolicyError); 7] = [
        (
            "Administrator",
            subject(2, ADMINISTRATOR),
            PolicyError::NotAllowed {
                role: "Administrator".into(),
            },
        ),
        (
            "Support Manager",
            subject(3, SUPPORT_MANAGER),
            PolicyError::NotAllowed {
                role: "Support Manager".into(),
            },
        ),
        (
            "custom role cloned from Administrator",
            subject(4, ADMINISTRATOR_CLONE),
            PolicyError::NotAllowed {
                role: "Administrator Clone".into(),
            },
        ),
        (
            "custom role cloned from Account Admin",
            subject(5, ADMIN_CLONE),
            PolicyError::NotAllowed {
                role: "Admin Clone".into(),
            },
        ),
        (
            "unknown role id",
            subject(6, RoleId(555)),
            PolicyError::UnknownRole(RoleId(555)),
        ),
        (
            "deleted role id",
            subject(7, DELETED),
            PolicyError::UnknownRole(DELETED),
        ),
        (
            "built-in range, no role",
            subject(8, RoleId(42)),
            PolicyError::UnknownRole(RoleId(42)),
        ),
    ];
    type Op = fn(&mut Policy, &Subject<'_>) -> Result<(), PolicyError>;
    let ops: [(&str, Op); 6] = [
        ("clone", |p, a| {
            p.clone_role(a, SUPPORT_AGENT, "Fresh Role").map(drop)
        }),
        ("clone a custom role", |p, a| {
            p.clone_role(a, ADMIN_CLONE, "Fresh Role").map(drop)
        }),
        ("grant", |p, a| {
            p.grant(
                a,
                NIGHT_SHIFT,
                Permissions::DELETE_CONVERSATION,
                Scope::Global,
            )
        }),
        ("revoke", |p, a| {
            p.revoke(a, NIGHT_SHIFT, Permissions::REPLY)
        }),
        ("rename", |p, a| p.rename_role(a, NIGHT_SHIFT, "Renamed")),
        ("delete", |p, a| p.delete_role(a, NIGHT_SHIFT)),
    ];
    for (actor_name, actor, expected) in &actors {
        for (op_name, op) in ops {
            let case = format!("{op_name} by {actor_name}");
            let mut policy = fixture();
            let before = policy.clone();
            let before_json = saved(&policy);
            let result = op(&mut policy, actor);
            assert_eq!(result.as_ref(), Err(expected), "{case}");
            assert_eq!(saved(&policy), before_json, "{case}: stored form changed");
            assert_eq!(policy, before, "{case}: policy changed");
        }
        // The same operations succeed for the Account Admin (so the refusal is about the actor).
        for (op_name, op) in ops {
            let mut policy = fixture();
            assert_eq!(
                op(&mut policy, &owner()),
                Ok(()),
                "{op_name} by Account Admin"
            );
        }
    }
    assert!(PolicyError::NotAllowed {
        role: "Administrator".into()
    }
    .to_string()
    .contains("role `Administrator` may not create, change, rename or delete custom roles"));
}

// ---------------------------------------------------------------------------------------------
// Plans

#[test]
fn below_pro_creating_widening_renaming_and_describing_are_refused_but_narrowing_is_allowed() {
    type Op = fn(&mut Policy) -> Result<(), PolicyError>;
    // Night Shift is a Support Agent clone: conversations but delete at Global.
    let refused: [(&str, Op); 6] = [
        ("clone", |p| {
            p.clone_role(&owner(), SUPPORT_AGENT, "Fresh Role")
                .map(drop)
        }),
        ("grant a new permission", |p| {
            p.grant(
                &owner(),
                NIGHT_SHIFT,
                Permissions::DELETE_CONVERSATION,
                Scope::Restricted,
            )
        }),
        ("widen a grant", |p| {
            p.grant(&owner(), REGIONAL, Permissions::REPLY, Scope::Global)
        }),
        ("save grants that widen one", |p| {
            p.set_grants(
                &owner(),
                REGIONAL,
                [(Permissions::VIEW_CONVERSATIONS, Scope::Global)],
            )
        }),
        ("rename", |p| {
            p.rename_role(&owner(), NIGHT_SHIFT, "Renamed")
        }),
        ("describe", |p| {
            p.set_role_description(&owner(), NIGHT_SHIFT, "Works nights")
        }),
    ];
    let narrowing: [(&str, Op); 5] = [
        ("narrow a grant", |p| {
            p.grant(&owner(), NIGHT_SHIFT, Permissions::REPLY, Scope::Group)
        }),
        ("revoke", |p| {
            p.revoke(&owner(), NIGHT_SHIFT, Permissions::REPLY)
        }),
        ("revoke unheld", |p| {
            p.revoke(&owner(), NIGHT_SHIFT, Permissions::DELETE_CONVERSATION)
        }),
        ("save grants that only narrow", |p| {
            p.set_grants(
                &owner(),
                REGIONAL,
                [(Permissions::VIEW_CONVERSATIONS, Scope::Restricted)],
            )
        }),
        ("delete", |p| p.delete_role(&owner(), NIGHT_SHIFT)),
    ];
    for plan in [Plan::Free, Plan::Growth] {
        for (op_name, op) in refused {
            let case = format!("{op_name} on {plan:?}");
            let mut policy = fixture();
            policy.set_plan(plan).expect("plan");
            let before = policy.clone();
            let before_json = saved(&policy);
            let result = op(&mut policy);
            let error = result.expect_err(&case);
            // Creating, renaming and describing: the plan; widening: the plan and the grant.
            assert!(
                error == PolicyError::PlanWithoutCustomRoles(plan)
                    || matches!(
                        &error,
                        PolicyError::WideningWithoutCustomRoles { plan: p, .. } if *p == plan
                    ),
                "{case}: {error:?}"
            );
            assert_eq!(error.kind(), ErrorKind::Plan, "{case}");
            let message = error.to_string();
            assert!(
                message.contains(&format!("the `{plan}` plan has no custom roles")),
                "{case}: {message}"
            );
            assert_eq!(saved(&policy), before_json, "{case}: stored form changed");
            assert_eq!(policy, before, "{case}: policy changed");

            // Upgrading restores the operation.
            policy.set_plan(Plan::Pro).expect("plan");
            assert_eq!(op(&mut policy), Ok(()), "{case}, then upgraded to Pro");
        }
        for (op_name, op) in narrowing {
            let case = format!("{op_name} on {plan:?}");
            let mut policy = fixture();
            policy.set_plan(plan).expect("plan");
            let before = policy.clone();
            assert_eq!(op(&mut policy), Ok(()), "{case}");
            // It took access away (or changed nothing): no role grants more than before.
            for role in before.roles() {
                if let Some(after) = policy.role(role.id()) {
                    for (permission, scope) in after.grants() {
                        assert!(
                            role.scope_of(permission) >= Some(scope),
                            "{case}: {permission} widened in {}",
                            role.name()
                        );
                    }
                }
            }
        }
        // Only the Account Admin narrows, below Pro as on Pro.
        let mut policy = fixture();
        policy.set_plan(plan).expect("plan");
        let administrator = Subject::new(UserId(2), ADMINISTRATOR, &[]);
        assert_eq!(
            policy.revoke(&administrator, NIGHT_SHIFT, Permissions::REPLY),
            Err(PolicyError::NotAllowed {
                role: "Administrator".into()
            })
        );
    }
    // Enterprise has custom roles like Pro.
    let mut policy = fixture();
    policy.set_plan(Plan::Enterprise).expect("plan");
    for (op_name, op) in refused.iter().chain(&narrowing) {
        assert_eq!(op(&mut policy.clone()), Ok(()), "{op_name} on Enterprise");
    }
}

/// Every decision a set of subjects gets on a set of conversations, as sentences.
fn decisions(policy: &Policy, roles: &[RoleId]) -> Vec<String> {
    let mut out = Vec::new();
    for &role in roles {
        let s = subject(7, role);
        for permission in Permissions::all().iter() {
            for c in [&IN_MY_GROUP, &ELSEWHERE] {
                out.push(policy.check(&s, permission, c).to_string());
            }
        }
    }
    out
}

#[test]
fn a_downgrade_loses_nothing_and_an_upgrade_restores_everything() {
    let custom = [
        NIGHT_SHIFT,
        ADMIN_CLONE,
        ADMINISTRATOR_CLONE,
        REGIONAL,
        DELETED,
    ];
    for plan in [Plan::Free, Plan::Growth] {
        let mut policy = fixture();
        let before = policy.clone();
        let decided = decisions(&policy, &custom);
        assert!(
            decided
                .iter()
                .any(|d| d.starts_with("allowed: role \"Regional\"")),
            "the fixture's custom roles do allow things"
        );

        policy.set_plan(plan).expect("plan");
        assert_eq!(policy.plan(), plan);
        assert_eq!(
            policy.revision(),
            before.revision() + 1,
            "{plan:?}: set_plan counts"
        );
        assert_eq!(
            decisions(&policy, &custom),
            decided,
            "{plan:?}: decisions changed"
        );
        for id in custom {
            assert_eq!(
                policy.role(id),
                before.role(id),
                "{plan:?}: role {id} changed"
            );
        }
        let regional = subject(7, REGIONAL);
        assert!(policy
            .check(&regional, Permissions::REPLY, &IN_MY_GROUP)
            .is_allowed());
        assert!(policy
            .check(&regional, Permissions::REPLY, &ELSEWHERE)
            .is_denied());

        policy.set_plan(Plan::Pro).expect("plan");
        assert_eq!(policy.revision(), before.revision() + 2);
        // Everything as it was, apart from the two revisions.
        let mut restored: serde_json::Value = serde_json::from_str(&saved(&policy)).expect("json");
        let mut original: serde_json::Value = serde_json::from_str(&saved(&before)).expect("json");
        restored["revision"] = serde_json::Value::Null;
        original["revision"] = serde_json::Value::Null;
        assert_eq!(restored, original, "{plan:?} then Pro");
        assert_eq!(decisions(&policy, &custom), decided);
        assert!(policy.clone_role(&owner(), REGIONAL, "Regional 2").is_ok());
    }
}

// ---------------------------------------------------------------------------------------------
// Names

#[test]
fn valid_names_are_stored_trimmed() {
    let cases: [(&str, String, &str); 9] = [
        ("plain", "Intern".into(), "Intern"),
        ("trimmed", "  Night shift \t".into(), "Night shift"),
        ("trimmed newline", "\nNight shift\r\n".into(), "Night shift"),
        ("one character", "x".into(), "x"),
        ("64 ASCII", "a".repeat(64), ""),
        ("64 two-byte characters", "é".repeat(64), ""),
        ("64 four-byte characters", "🦀".repeat(64), ""),
        ("64 after trimming", format!("  {}  ", "ж".repeat(64)), ""),
        // The spaces between words count as characters.
        (
            "64 with spaces",
            format!("{} {}", "a".repeat(31), "b".repeat(32)),
            "",
        ),
    ];
    for (case, name, want) in &cases {
        let mut policy = Policy::new(Plan::Pro);
        let id = policy
            .clone_role(&owner(), SUPPORT_AGENT, name)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let want = if want.is_empty() { name.trim() } else { want };
        assert_eq!(policy.role(id).map(|r| r.name()), Some(want), "{case}");
        // And as a rename target.
        let mut policy = fixture();
        policy
            .rename_role(&owner(), NIGHT_SHIFT, name)
            .unwrap_or_else(|e| panic!("{case}, rename: {e}"));
        assert_eq!(
            policy.role(NIGHT_SHIFT).map(|r| r.name()),
            Some(want),
            "{case}"
        );
    }
}

/// What every refusal must satisfy: the expected error, a message naming the item, and nothing
/// changed at all.
fn assert_refused(
    case: &str,
    policy: &mut Policy,
    op: &dyn Fn(&mut Policy) -> Result<(), PolicyError>,
    expected: &PolicyError,
    fragment: &str,
) {
    let before = policy.clone();
    let before_json = saved(policy);
    let result = op(policy);
    assert_eq!(result.as_ref(), Err(expected), "{case}");
    let message = result.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains(fragment),
        "{case}: message {message:?} lacks {fragment:?}"
    );
    assert_eq!(saved(policy), before_json, "{case}: stored form changed");
    assert_eq!(*policy, before, "{case}: policy changed");
    assert_eq!(
        policy.revision(),
        before.revision(),
        "{case}: revision changed"
    );
}

#[test]
fn invalid_names_are_refused_by_clone_and_rename() {
    let invalid = |name: &str, problem: &'static str| PolicyError::InvalidName {
        name: name.into(),
        problem,
    };
    let cases: Vec<(&str, String, PolicyError, String)> = vec![
        (
            "empty",
            String::new(),
            invalid("", "it is empty"),
            "invalid role name ``: it is empty".into(),
        ),
        (
            "only spaces",
            "   ".into(),
            invalid("   ", "it is empty"),
            "it is empty".into(),
        ),
        (
            "65 ASCII",
            "a".repeat(65),
            invalid(&"a".repeat(65), "it is longer than 64 characters"),
            "longer than 64 characters".into(),
        ),
        (
            "65 counting a space",
            format!("{} {}", "a".repeat(32), "b".repeat(32)),
            invalid(
                &format!("{} {}", "a".repeat(32), "b".repeat(32)),
                "it is longer than 64 characters",
            ),
            "longer than 64 characters".into(),
        ),
        (
            "65 two-byte characters",
            "é".repeat(65),
            invalid(&"é".repeat(65), "it is longer than 64 characters"),
            format!("`{}`", "é".repeat(65)),
        ),
        (
            "65 four-byte characters",
            "🦀".repeat(65),
            invalid(&"🦀".repeat(65), "it is longer than 64 characters"),
            "longer than 64 characters".into(),
        ),
        (
            "bell",
            "a\u{7}b".into(),
            invalid("a\u{7}b", "it contains a control character"),
            "it contains a control character".into(),
        ),
        (
            "inner newline",
            "night\nshift".into(),
            invalid("night\nshift", "it contains a control character"),
            "`night\\nshift`".into(),
        ),
        (
            "inner tab",
            "night\tshift".into(),
            invalid("night\tshift", "it contains a control character"),
            "control character".into(),
        ),
        (
            "NUL",
            "a\u{0}".into(),
            invalid("a\u{0}", "it contains a control character"),
            "control character".into(),
        ),
        (
            "DEL",
            "\u{7f}rm".into(),
            invalid("\u{7f}rm", "it contains a control character"),
            "control character".into(),
        ),
        (
            "C1 control",
            "x\u{85}y".into(),
            invalid("x\u{85}y", "it contains a control character"),
            "control character".into(),
        ),
        (
            "built-in name",
            "Support Agent".into(),
            PolicyError::BuiltInName("Support Agent".into()),
            "name `Support Agent` belongs to a built-in role".into(),
        ),
        (
            "built-in name, lower case",
            "account admin".into(),
            PolicyError::BuiltInName("account admin".into()),
            "name `account admin` belongs to a built-in role".into(),
        ),
        (
            "built-in name, upper case and spaces",
            "  RESTRICTED USER ".into(),
            PolicyError::BuiltInName("RESTRICTED USER".into()),
            "`RESTRICTED USER`".into(),
        ),
        (
            "built-in name, mixed case",
            "aDmInIsTrAtOr".into(),
            PolicyError::BuiltInName("aDmInIsTrAtOr".into()),
            "`aDmInIsTrAtOr`".into(),
        ),
        (
            "taken by a custom role, other case",
            "night shift".into(),
            PolicyError::NameTaken("night shift".into()),
            "name `night shift` is already taken".into(),
        ),
        (
            "taken, upper case and spaces",
            " REGIONAL  ".into(),
            PolicyError::NameTaken("REGIONAL".into()),
            "name `REGIONAL` is already taken".into(),
        ),
    ];
    for (case, name, expected, fragment) in &cases {
        let mut policy = fixture();
        assert_refused(
            &format!("clone named {case}"),
            &mut policy,
            &|p: &mut Policy| p.clone_role(&owner(), SUPPORT_AGENT, name).map(drop),
            expected,
            fragment,
        );
        // Renaming Admin Clone to it: same refusal.
        assert_refused(
            &format!("rename to {case}"),
            &mut policy,
            &|p: &mut Policy| p.rename_role(&owner(), ADMIN_CLONE, name),
            expected,
            fragment,
        );
    }
    // Every built-in name, in three cases.
    for role in BuiltInRole::ALL {
        for name in [
            role.name().to_owned(),
            role.name().to_lowercase(),
            role.name().to_uppercase(),
        ] {
            let mut policy = fixture();
            assert_refused(
                &format!("built-in name {name:?}"),
                &mut policy,
                &|p: &mut Policy| p.clone_role(&owner(), SUPPORT_AGENT, &name).map(drop),
                &PolicyError::BuiltInName(name.clone()),
                &format!("name `{name}` belongs to a built-in role"),
            );
        }
    }
}

#[test]
fn names_are_unique_ignoring_case_also_for_multi_byte_letters() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let first = policy
        .clone_role(&o, SUPPORT_AGENT, "Équipe Ärzte")
        .expect("first");
    for taken in ["équipe ärzte", "ÉQUIPE ÄRZTE", " Équipe Ärzte "] {
        assert_eq!(
            policy.clone_role(&o, SUPPORT_AGENT, taken),
            Err(PolicyError::NameTaken(taken.trim().into())),
            "{taken:?}"
        );
    }
    assert_eq!(
        policy.role_by_name("ÉQUIPE ÄRZTE").map(|r| r.id()),
        Some(first)
    );
    // A different name is fine; renaming it onto the first is not.
    let second = policy
        .clone_role(&o, SUPPORT_AGENT, "Équipe Ärzte 2")
        .expect("second");
    assert_eq!(
        policy.rename_role(&o, second, "ÉQUIPE ärzte"),
        Err(PolicyError::NameTaken("ÉQUIPE ärzte".into()))
    );
}

// ---------------------------------------------------------------------------------------------
// Ids

#[test]
fn role_ids_are_never_reused_after_delete() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let mut seen = Vec::new();
    for round in 0..5 {
        let id = policy
            .clone_role(&o, SUPPORT_AGENT, "Again")
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert!(!seen.contains(&id), "round {round}: id {id} reused");
        assert_eq!(id, RoleId(100 + round), "round {round}");
        seen.push(id);
        policy.delete_role(&o, id).expect("delete");
        assert_eq!(policy.next_role_id(), RoleId(101 + round));
    }
}

#[test]
fn role_ids_are_never_reused_after_save_and_load() {
    let mut policy = fixture();
    let o = owner();
    // Delete the newest role too, so that no stored role carries the highest id handed out.
    policy.delete_role(&o, REGIONAL).expect("delete");
    let json = saved(&policy);
    let mut loaded: Policy = serde_json::from_str(&json).expect("load");
    assert_eq!(loaded.next_role_id(), RoleId(105));
    let id = loaded
        .clone_role(&o, SUPPORT_AGENT, "Regional")
        .expect("clone after load");
    assert_eq!(
        id,
        RoleId(105),
        "not 103 or 104, which were handed out before"
    );
    for gone in [REGIONAL, DELETED] {
        let d = loaded.check(
            &subject(7, gone),
            Permissions::VIEW_CONVERSATIONS,
            &IN_MY_GROUP,
        );
        assert_eq!(d.reason(), &Reason::UnknownRole { role: gone }, "{gone}");
    }

    // Also when every custom role was deleted.
    let mut policy = fixture();
    for id in [NIGHT_SHIFT, ADMIN_CLONE, ADMINISTRATOR_CLONE, REGIONAL] {
        policy.delete_role(&o, id).expect("delete");
    }
    let mut loaded: Policy = serde_json::from_str(&saved(&policy)).expect("load");
    assert_eq!(
        loaded.clone_role(&o, SUPPORT_AGENT, "Night Shift"),
        Ok(RoleId(105))
    );
}

#[test]
fn holders_of_a_deleted_role_are_denied_with_unknown_role() {
    let mut policy = fixture();
    let holder = subject(7, REGIONAL);
    assert!(policy
        .check(&holder, Permissions::REPLY, &IN_MY_GROUP)
        .is_allowed());
    policy.delete_role(&owner(), REGIONAL).expect("delete");
    // A new role with the same name does not revive them.
    policy
        .clone_role(&owner(), ACCOUNT_ADMIN, "Regional")
        .expect("reuse the name");
    for permission in Permissions::all().iter() {
        for c in [&IN_MY_GROUP, &ELSEWHERE] {
            let d = policy.check(&holder, permission, c);
            assert!(d.is_denied(), "{permission}: {d}");
            assert_eq!(
                d.reason(),
                &Reason::UnknownRole { role: REGIONAL },
                "{permission}"
            );
            assert_eq!(
                d.to_string(),
                "denied: role id 103 is unknown to the policy (never created, or deleted)"
            );
        }
    }
    assert!(!policy
        .filter(&holder, Permissions::VIEW_CONVERSATIONS)
        .matches(&IN_MY_GROUP));
}

// ---------------------------------------------------------------------------------------------
// The revision counter

#[test]
fn the_revision_counts_successful_changes_only() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let admin = subject(2, ADMINISTRATOR);
    type Step = Box<dyn Fn(&mut Policy) -> Result<(), PolicyError>>;
    // (case, step, whether it should count)
    let steps: Vec<(&str, Step, bool)> = vec![
        (
            "clone",
            Box::new(move |p| p.clone_role(&o, SUPPORT_AGENT, "Intern").map(drop)),
            true,
        ),
        (
            "grant that narrows",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::REPLY, Scope::Group)),
            true,
        ),
        (
            "same grant again (no-op)",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::REPLY, Scope::Group)),
            false,
        ),
        (
            "grant of nothing (no-op)",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::empty(), Scope::Group)),
            false,
        ),
        (
            "grant that widens",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::REPLY, Scope::Global)),
            true,
        ),
        (
            "grant of a new permission",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::MANAGE_FAQS, Scope::Global)),
            true,
        ),
        (
            "revoke held",
            Box::new(move |p| p.revoke(&o, RoleId(100), Permissions::REPLY)),
            true,
        ),
        (
            "revoke unheld (no-op)",
            Box::new(move |p| p.revoke(&o, RoleId(100), Permissions::REPLY)),
            false,
        ),
        (
            "rename",
            Box::new(move |p| p.rename_role(&o, RoleId(100), "Trainee")),
            true,
        ),
        (
            "rename to its own name (no-op)",
            Box::new(move |p| p.rename_role(&o, RoleId(100), " Trainee ")),
            false,
        ),
        (
            "rename changing case",
            Box::new(move |p| p.rename_role(&o, RoleId(100), "trainee")),
            true,
        ),
        (
            "refused: Administrator clones",
            Box::new(move |p| p.clone_role(&admin, SUPPORT_AGENT, "X").map(drop)),
            false,
        ),
        (
            "refused: name taken",
            Box::new(move |p| p.clone_role(&o, SUPPORT_AGENT, "TRAINEE").map(drop)),
            false,
        ),
        (
            "refused: grant on a built-in role",
            Box::new(move |p| p.grant(&o, SUPPORT_AGENT, Permissions::REPLY, Scope::Group)),
            false,
        ),
        (
            "refused: scoped account permission",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::MANAGE_FAQS, Scope::Group)),
            false,
        ),
        (
            "set_plan to the current plan (no-op)",
            Box::new(|p| {
                p.set_plan(Plan::Pro).expect("plan");
                Ok(())
            }),
            false,
        ),
        (
            "set_plan to Growth",
            Box::new(|p| {
                p.set_plan(Plan::Growth).expect("plan");
                Ok(())
            }),
            true,
        ),
        (
            "refused on Growth: grant",
            Box::new(move |p| p.grant(&o, RoleId(100), Permissions::REPLY, Scope::Group)),
            false,
        ),
        (
            "set_plan to Pro",
            Box::new(|p| {
                p.set_plan(Plan::Pro).expect("plan");
                Ok(())
            }),
            true,
        ),
        (
            "delete",
            Box::new(move |p| p.delete_role(&o, RoleId(100))),
            true,
        ),
        (
            "refused: delete again",
            Box::new(move |p| p.delete_role(&o, RoleId(100))),
            false,
        ),
    ];
    let mut expected = 0;
    for (case, step, counts) in &steps {
        let before_json = saved(&policy);
        let ok = step(&mut policy).is_ok();
        let refused = case.starts_with("refused");
        assert_eq!(ok, !refused, "{case}: outcome");
        if *counts {
            expected += 1;
        } else {
            assert_eq!(saved(&policy), before_json, "{case}: stored form changed");
        }
        assert_eq!(policy.revision(), expected, "{case}: revision");
    }
    assert_eq!(expected, 10);
}

// ---------------------------------------------------------------------------------------------
// Every refusal, as a table: the expected error, a message naming the item, and no change.

type Op = Box<dyn Fn(&mut Policy) -> Result<(), PolicyError>>;

struct Refusal {
    name: &'static str,
    plan: Plan,
    op: Op,
    expected: PolicyError,
    fragment: &'static str,
}

fn refusal(
    name: &'static str,
    op: impl Fn(&mut Policy) -> Result<(), PolicyError> + 'static,
    expected: PolicyError,
    fragment: &'static str,
) -> Refusal {
    Refusal {
        name,
        plan: Plan::Pro,
        op: Box::new(op),
        expected,
        fragment,
    }
}

fn on(plan: Plan, mut case: Refusal) -> Refusal {
    case.plan = plan;
    case
}

#[allow(clippy::too_many_lines)]
fn refusals() -> Vec<Refusal> {
    let o = owner();
    let admin = subject(2, ADMINISTRATOR);
    let manager = subject(3, SUPPORT_MANAGER);
    let admin_clone_holder = subject(4, ADMINISTRATOR_CLONE);
    let stranger = subject(6, RoleId(555));
    let unknown_bit = Permissions::from_bits_retain(1 << 25);
    vec![
        // Names.
        refusal(
            "clone: name taken, other case",
            move |p| p.clone_role(&o, SUPPORT_AGENT, "night shift").map(drop),
            PolicyError::NameTaken("night shift".into()),
            "name `night shift` is already taken",
        ),
        refusal(
            "rename: onto another custom role's name",
            move |p| p.rename_role(&o, ADMIN_CLONE, "NIGHT SHIFT"),
            PolicyError::NameTaken("NIGHT SHIFT".into()),
            "name `NIGHT SHIFT` is already taken",
        ),
        refusal(
            "clone: empty name",
            move |p| p.clone_role(&o, SUPPORT_AGENT, " \t ").map(drop),
            PolicyError::InvalidName {
                name: " \t ".into(),
                problem: "it is empty",
            },
            "it is empty",
        ),
        refusal(
            "clone: 65 characters",
            move |p| p.clone_role(&o, SUPPORT_AGENT, &"ü".repeat(65)).map(drop),
            PolicyError::InvalidName {
                name: "ü".repeat(65),
                problem: "it is longer than 64 characters",
            },
            "is longer than 64 characters",
        ),
        refusal(
            "rename: control character",
            move |p| p.rename_role(&o, NIGHT_SHIFT, "night\u{1b}[31mshift"),
            PolicyError::InvalidName {
                name: "night\u{1b}[31mshift".into(),
                problem: "it contains a control character",
            },
            "control character",
        ),
        refusal(
            "clone: built-in name",
            move |p| p.clone_role(&o, ADMINISTRATOR, "ADMINISTRATOR").map(drop),
            PolicyError::BuiltInName("ADMINISTRATOR".into()),
            "name `ADMINISTRATOR` belongs to a built-in role",
        ),
        refusal(
            "rename: built-in name",
            move |p| p.rename_role(&o, NIGHT_SHIFT, "support manager"),
            PolicyError::BuiltInName("support manager".into()),
            "name `support manager` belongs to a built-in role",
        ),
        // Who.
        refusal(
            "clone by Administrator",
            move |p| p.clone_role(&admin, SUPPORT_AGENT, "Shadow").map(drop),
            PolicyError::NotAllowed {
                role: "Administrator".into(),
            },
            "role `Administrator` may not create, change, rename or delete custom roles",
        ),
        refusal(
            "grant by Support Manager",
            move |p| p.grant(&manager, NIGHT_SHIFT, Permissions::REPLY, Scope::Group),
            PolicyError::NotAllowed {
                role: "Support Manager".into(),
            },
            "role `Support Manager` may not create, change, rename or delete custom roles",
        ),
        refusal(
            "revoke by a custom role cloned from Administrator",
            move |p| p.revoke(&admin_clone_holder, NIGHT_SHIFT, Permissions::REPLY),
            PolicyError::NotAllowed {
                role: "Administrator Clone".into(),
            },
            "role `Administrator Clone` may not create, change, rename or delete custom roles",
        ),
        refusal(
            "delete by an unknown role id",
            move |p| p.delete_role(&stranger, NIGHT_SHIFT),
            PolicyError::UnknownRole(RoleId(555)),
            "unknown role id `555`",
        ),
        // Which role.
        refusal(
            "grant on a built-in role",
            move |p| p.grant(&o, SUPPORT_AGENT, Permissions::DELETE_CONVERSATION, Scope::Global),
            PolicyError::BuiltInRoleImmutable("Support Agent"),
            "built-in role `Support Agent` cannot be changed",
        ),
        refusal(
            "delete the Account Admin",
            move |p| p.delete_role(&o, ACCOUNT_ADMIN),
            PolicyError::BuiltInRoleImmutable("Account Admin"),
            "built-in role `Account Admin` cannot be changed",
        ),
        refusal(
            "grant on an unknown role",
            move |p| p.grant(&o, RoleId(999), Permissions::REPLY, Scope::Global),
            PolicyError::UnknownRole(RoleId(999)),
            "unknown role id `999`",
        ),
        refusal(
            "revoke on a deleted role",
            move |p| p.revoke(&o, DELETED, Permissions::REPLY),
            PolicyError::UnknownRole(DELETED),
            "unknown role id `104`",
        ),
        refusal(
            "rename a deleted role",
            move |p| p.rename_role(&o, DELETED, "Temp"),
            PolicyError::UnknownRole(DELETED),
            "unknown role id `104`",
        ),
        refusal(
            "delete a deleted role",
            move |p| p.delete_role(&o, DELETED),
            PolicyError::UnknownRole(DELETED),
            "unknown role id `104`",
        ),
        refusal(
            "clone from an unknown role",
            move |p| p.clone_role(&o, RoleId(999), "Fresh").map(drop),
            PolicyError::UnknownRole(RoleId(999)),
            "unknown role id `999`",
        ),
        refusal(
            "clone from a deleted role",
            move |p| p.clone_role(&o, DELETED, "Fresh").map(drop),
            PolicyError::UnknownRole(DELETED),
            "unknown role id `104`",
        ),
        refusal(
            "clone from role id 0",
            move |p| p.clone_role(&o, RoleId(0), "Fresh").map(drop),
            PolicyError::UnknownRole(RoleId(0)),
            "unknown role id `0`",
        ),
        // What is granted: all or nothing.
        refusal(
            "grant reply and manage_faqs at Group",
            move |p| {
                p.grant(
                    &o,
                    NIGHT_SHIFT,
                    Permissions::REPLY | Permissions::MANAGE_FAQS,
                    Scope::Group,
                )
            },
            PolicyError::ScopedAccountPermission {
                permission: "manage_faqs",
                scope: Scope::Group,
                role: "Night Shift".into(),
            },
            "account permission `manage_faqs` has no scope: it cannot be granted at `group` in role `Night Shift`",
        ),
        refusal(
            "grant delete_conversation and view_people at Restricted",
            move |p| {
                p.grant(
                    &o,
                    NIGHT_SHIFT,
                    Permissions::DELETE_CONVERSATION | Permissions::VIEW_PEOPLE,
                    Scope::Restricted,
                )
            },
            PolicyError::ScopedAccountPermission {
                permission: "view_people",
                scope: Scope::Restricted,
                role: "Night Shift".into(),
            },
            "account permission `view_people`",
        ),
        refusal(
            "grant manage_custom_roles",
            move |p| p.grant(&o, ADMIN_CLONE, Permissions::MANAGE_CUSTOM_ROLES, Scope::Global),
            PolicyError::ManageCustomRolesOnCustomRole {
                role: "Admin Clone".into(),
            },
            "permission `manage_custom_roles` cannot be granted to custom role `Admin Clone`",
        ),
        refusal(
            "grant delete_conversation with manage_custom_roles",
            move |p| {
                p.grant(
                    &o,
                    NIGHT_SHIFT,
                    Permissions::DELETE_CONVERSATION | Permissions::MANAGE_CUSTOM_ROLES,
                    Scope::Global,
                )
            },
            PolicyError::ManageCustomRolesOnCustomRole {
                role: "Night Shift".into(),
            },
            "custom role `Night Shift`",
        ),
        refusal(
            "grant everything",
            move |p| p.grant(&o, NIGHT_SHIFT, Permissions::all(), Scope::Global),
            PolicyError::ManageCustomRolesOnCustomRole {
                role: "Night Shift".into(),
            },
            "manage_custom_roles",
        ),
        refusal(
            "grant with an unknown bit",
            move |p| p.grant(&o, NIGHT_SHIFT, Permissions::REPLY | unknown_bit, Scope::Group),
            PolicyError::UnknownPermissionBits(1 << 25),
            "unknown permission bits `0x2000000`",
        ),
        refusal(
            "revoke with an unknown bit",
            move |p| p.revoke(&o, NIGHT_SHIFT, Permissions::REPLY | unknown_bit),
            PolicyError::UnknownPermissionBits(1 << 25),
            "unknown permission bits `0x2000000`",
        ),
        // Plans.
        on(
            Plan::Growth,
            refusal(
                "clone on Growth",
                move |p| p.clone_role(&o, SUPPORT_AGENT, "Fresh").map(drop),
                PolicyError::PlanWithoutCustomRoles(Plan::Growth),
                "the `growth` plan has no custom roles",
            ),
        ),
        on(
            Plan::Free,
            refusal(
                "widening grant on Free",
                move |p| p.grant(&o, NIGHT_SHIFT, Permissions::DELETE_CONVERSATION, Scope::Group),
                PolicyError::WideningWithoutCustomRoles {
                    plan: Plan::Free,
                    role: "Night Shift".into(),
                    permission: "delete_conversation",
                },
                "`delete_conversation` would be granted wider in role `Night Shift`",
            ),
        ),
        on(
            Plan::Free,
            refusal(
                "rename on Free",
                move |p| p.rename_role(&o, NIGHT_SHIFT, "Renamed"),
                PolicyError::PlanWithoutCustomRoles(Plan::Free),
                "the `free` plan",
            ),
        ),
        on(
            Plan::Growth,
            refusal(
                "delete by Administrator on Growth",
                move |p| p.delete_role(&admin, NIGHT_SHIFT),
                PolicyError::NotAllowed {
                    role: "Administrator".into(),
                },
                "role `Administrator` may not create, change, rename or delete custom roles",
            ),
        ),
    ]
}

#[test]
fn every_refusal_names_the_item_and_changes_nothing() {
    let cases = refusals();
    assert!(cases.len() >= 30, "the table lost cases");
    for case in &cases {
        let mut policy = fixture();
        policy.set_plan(case.plan).expect("plan");
        assert_refused(
            case.name,
            &mut policy,
            &*case.op,
            &case.expected,
            case.fragment,
        );
    }
}

#[test]
fn a_refused_grant_of_several_permissions_grants_none_of_them() {
    let mut policy = fixture();
    let o = owner();
    let refused = policy.grant(
        &o,
        NIGHT_SHIFT,
        Permissions::DELETE_CONVERSATION | Permissions::EXPORT_REPORTS | Permissions::MANAGE_FAQS,
        Scope::Group,
    );
    assert!(refused.is_err());
    let role = policy.role(NIGHT_SHIFT).expect("role");
    for p in [
        Permissions::DELETE_CONVERSATION,
        Permissions::EXPORT_REPORTS,
        Permissions::MANAGE_FAQS,
    ] {
        assert_eq!(role.scope_of(p), None, "{p} must not be granted");
    }
    let d = policy.check(
        &subject(7, NIGHT_SHIFT),
        Permissions::DELETE_CONVERSATION,
        &IN_MY_GROUP,
    );
    assert!(d.is_denied(), "{d}");
}

#[test]
fn when_role_ids_run_out_cloning_is_refused_and_changes_nothing() {
    let json =
        r#"{"version":1,"plan":"pro","revision":3,"next_role_id":4294967294,"custom_roles":[]}"#;
    let mut policy: Policy = serde_json::from_str(json).expect("load");
    let o = owner();
    assert_eq!(
        policy.clone_role(&o, SUPPORT_AGENT, "Last"),
        Ok(RoleId(u32::MAX - 1)),
        "the last id below u32::MAX is still handed out"
    );
    assert_refused(
        "no ids left",
        &mut policy,
        &|p: &mut Policy| p.clone_role(&o, SUPPORT_AGENT, "One Too Many").map(drop),
        &PolicyError::RoleIdsExhausted(RoleId(u32::MAX)),
        "no role ids are left",
    );
    // Editing the existing roles still works.
    assert_eq!(
        policy.rename_role(&o, RoleId(u32::MAX - 1), "Still Here"),
        Ok(())
    );
}

/// Names made of, or hiding, invisible format characters (zero-width space, bidi overrides, BOM)
/// read as another name, or as nothing, to the admin who sees them.
#[test]
fn names_with_invisible_format_characters_are_refused() {
    for (case, name) in [
        ("only a zero-width space", "\u{200b}"),
        (
            "built-in name with a zero-width space",
            "Support\u{200b} Agent",
        ),
        ("built-in name with a trailing BOM", "Administrator\u{feff}"),
        ("right-to-left override", "\u{202e}nimdA tnuoccA"),
        (
            "custom name with a zero-width joiner",
            "Night\u{200d} Shift",
        ),
    ] {
        let mut policy = fixture();
        let result = policy.clone_role(&owner(), SUPPORT_AGENT, name);
        assert!(result.is_err(), "{case}: accepted as {result:?}");
    }
}

/// Names that are the same ignoring case by Unicode's own case mappings: `"οδοσ"` upper-cases to
/// `"ΟΔΟΣ"`, and `"Straße"` to `"STRASSE"`; lower-casing alone (final sigma, ß) misses both.
#[test]
fn names_equal_under_unicode_case_mapping_are_taken() {
    for (first, second) in [("ΟΔΟΣ", "οδοσ"), ("Straße", "STRASSE")] {
        assert_eq!(
            first.to_uppercase(),
            second.to_uppercase(),
            "same name ignoring case"
        );
        let mut policy = Policy::new(Plan::Pro);
        policy
            .clone_role(&owner(), SUPPORT_AGENT, first)
            .expect("first name");
        assert_eq!(
            policy.clone_role(&owner(), SUPPORT_AGENT, second),
            Err(PolicyError::NameTaken(second.into())),
            "{first} then {second}"
        );
    }
}
