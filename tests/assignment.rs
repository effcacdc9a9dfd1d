//! `Policy::check_assignment(&actor, &target, new_role)` (issue 3, point 6): the actor holds
//! manage_users, is not the target, and every grant of the new role and of the target's current
//! role is within the actor's own, scope-wise; custom roles cannot be assigned below Pro.
//!
//! A table of named cases, each with the exact sentence the decision prints, then two
//! exhaustive sweeps checked against an independent model built from the public role API.

use helpdesk_policy::{
    BuiltInRole, Permissions, Plan, Policy, Reason, Role, RoleId, Scope, Subject, UserId,
};

const ACCOUNT_ADMIN: RoleId = BuiltInRole::AccountAdmin.id();
const ADMINISTRATOR: RoleId = BuiltInRole::Administrator.id();
const SUPPORT_MANAGER: RoleId = BuiltInRole::SupportManager.id();
const SUPPORT_AGENT: RoleId = BuiltInRole::SupportAgent.id();
const MARKETING_MANAGER: RoleId = BuiltInRole::MarketingManager.id();
const SALES_USER: RoleId = BuiltInRole::SalesUser.id();
const RESTRICTED_USER: RoleId = BuiltInRole::RestrictedUser.id();

/// The fixture's custom roles (see [`fixture`]).
const GROUP_LEAD: RoleId = RoleId(100);
const GROUP_REPLIER: RoleId = RoleId(101);
const GLOBAL_REPLIER: RoleId = RoleId(102);
const NIGHT_SHIFT: RoleId = RoleId(103);
const ADMIN_CLONE: RoleId = RoleId(104);
const TEAM_LEAD: RoleId = RoleId(105);
const DELETED: RoleId = RoleId(106);

const ACTOR: UserId = UserId(1);
const TARGET: UserId = UserId(2);

fn owner() -> Subject<'static> {
    Subject {
        user: UserId(99),
        role: ACCOUNT_ADMIN,
        groups: &[],
        view_only: &[],
    }
}

/// A Pro policy with:
/// - 100 "Group Lead": Administrator with every conversation permission at Group;
/// - 101 "Group Replier": Restricted User with reply at Group;
/// - 102 "Global Replier": Restricted User with reply at Global;
/// - 103 "Night Shift": a clone of Support Agent (no manage_users);
/// - 104 "Admin Clone": a clone of Account Admin (everything but manage_custom_roles);
/// - 105 "Team Lead": Administrator with view_reports at Group;
/// - 106 "Temp": created and deleted.
fn fixture() -> Policy {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let made = [
        (ADMINISTRATOR, "Group Lead"),
        (RESTRICTED_USER, "Group Replier"),
        (RESTRICTED_USER, "Global Replier"),
        (SUPPORT_AGENT, "Night Shift"),
        (ACCOUNT_ADMIN, "Admin Clone"),
        (ADMINISTRATOR, "Team Lead"),
        (RESTRICTED_USER, "Temp"),
    ]
    .map(|(source, name)| policy.clone_role(&o, source, name));
    assert_eq!(
        made,
        [
            Ok(GROUP_LEAD),
            Ok(GROUP_REPLIER),
            Ok(GLOBAL_REPLIER),
            Ok(NIGHT_SHIFT),
            Ok(ADMIN_CLONE),
            Ok(TEAM_LEAD),
            Ok(DELETED)
        ]
    );
    let edits = [
        policy.grant(&o, GROUP_LEAD, Permissions::CONVERSATION_KIND, Scope::Group),
        policy.grant(&o, GROUP_REPLIER, Permissions::REPLY, Scope::Group),
        policy.grant(&o, GLOBAL_REPLIER, Permissions::REPLY, Scope::Global),
        policy.grant(&o, TEAM_LEAD, Permissions::VIEW_REPORTS, Scope::Group),
        policy.delete_role(&o, DELETED),
    ];
    assert!(edits.iter().all(Result::is_ok), "fixture edits: {edits:?}");
    policy
}

/// The variant of a reason, by name, so a table can say which one it expects.
fn kind(reason: &Reason<'_>) -> &'static str {
    match reason {
        Reason::AssignmentAllowed { .. } => "AssignmentAllowed",
        Reason::OwnRole { .. } => "OwnRole",
        Reason::NotGranted { .. } => "NotGranted",
        Reason::NewRoleExceedsActor { .. } => "NewRoleExceedsActor",
        Reason::TargetExceedsActor { .. } => "TargetExceedsActor",
        Reason::CustomRolesUnavailable { .. } => "CustomRolesUnavailable",
        Reason::UnknownRole { .. } => "UnknownRole",
        _ => "something else",
    }
}

struct Case {
    name: &'static str,
    plan: Plan,
    actor: RoleId,
    /// `None`: the actor is the target (same user).
    target: Option<RoleId>,
    new_role: RoleId,
    kind: &'static str,
    sentence: &'static str,
}

const fn case(
    name: &'static str,
    actor: RoleId,
    target: Option<RoleId>,
    new_role: RoleId,
    kind: &'static str,
    sentence: &'static str,
) -> Case {
    Case {
        name,
        plan: Plan::Pro,
        actor,
        target,
        new_role,
        kind,
        sentence,
    }
}

const fn on(plan: Plan, mut case: Case) -> Case {
    case.plan = plan;
    case
}

#[allow(clippy::too_many_lines)]
fn cases() -> Vec<Case> {
    vec![
        // The Account Admin may assign anything to anyone else.
        case(
            "Account Admin gives a Sales User Support Agent",
            ACCOUNT_ADMIN,
            Some(SALES_USER),
            SUPPORT_AGENT,
            "AssignmentAllowed",
            "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Support Agent\" and of the user's current role \"Sales User\"",
        ),
        case(
            "Account Admin makes another user Account Admin",
            ACCOUNT_ADMIN,
            Some(SUPPORT_AGENT),
            ACCOUNT_ADMIN,
            "AssignmentAllowed",
            "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Account Admin\" and of the user's current role \"Support Agent\"",
        ),
        case(
            "Account Admin demotes another Account Admin",
            ACCOUNT_ADMIN,
            Some(ACCOUNT_ADMIN),
            RESTRICTED_USER,
            "AssignmentAllowed",
            "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Restricted User\" and of the user's current role \"Account Admin\"",
        ),
        case(
            "Account Admin gives a custom role",
            ACCOUNT_ADMIN,
            Some(ADMINISTRATOR),
            GROUP_REPLIER,
            "AssignmentAllowed",
            "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Group Replier\" and of the user's current role \"Administrator\"",
        ),
        // Nobody changes their own role.
        case(
            "Account Admin changes own role",
            ACCOUNT_ADMIN,
            None,
            SUPPORT_AGENT,
            "OwnRole",
            "denied: user 1 may not change their own role",
        ),
        case(
            "Administrator keeps own role",
            ADMINISTRATOR,
            None,
            ADMINISTRATOR,
            "OwnRole",
            "denied: user 1 may not change their own role",
        ),
        // manage_users is needed.
        case(
            "Support Manager assigns",
            SUPPORT_MANAGER,
            Some(RESTRICTED_USER),
            RESTRICTED_USER,
            "NotGranted",
            "denied: role \"Support Manager\" does not grant manage_users",
        ),
        case(
            "custom role without manage_users assigns",
            NIGHT_SHIFT,
            Some(RESTRICTED_USER),
            RESTRICTED_USER,
            "NotGranted",
            "denied: role \"Night Shift\" does not grant manage_users",
        ),
        // The Administrator and the Account Admin.
        case(
            "Administrator gives Account Admin",
            ADMINISTRATOR,
            Some(SUPPORT_AGENT),
            ACCOUNT_ADMIN,
            "NewRoleExceedsActor",
            "denied: role \"Account Admin\" grants manage_custom_roles, but the actor's role \"Administrator\" does not grant it",
        ),
        case(
            "Administrator changes an Account Admin's role",
            ADMINISTRATOR,
            Some(ACCOUNT_ADMIN),
            SUPPORT_AGENT,
            "TargetExceedsActor",
            "denied: the user's current role \"Account Admin\" grants manage_custom_roles, but the actor's role \"Administrator\" does not grant it",
        ),
        case(
            "Administrator gives Sales User",
            ADMINISTRATOR,
            Some(SUPPORT_AGENT),
            SALES_USER,
            "AssignmentAllowed",
            "allowed: role \"Administrator\" holds manage_users and every grant of role \"Sales User\" and of the user's current role \"Support Agent\"",
        ),
        case(
            "Administrator gives Administrator",
            ADMINISTRATOR,
            Some(RESTRICTED_USER),
            ADMINISTRATOR,
            "AssignmentAllowed",
            "allowed: role \"Administrator\" holds manage_users and every grant of role \"Administrator\" and of the user's current role \"Restricted User\"",
        ),
        case(
            "Administrator gives the Account Admin's clone",
            ADMINISTRATOR,
            Some(RESTRICTED_USER),
            ADMIN_CLONE,
            "AssignmentAllowed",
            "allowed: role \"Administrator\" holds manage_users and every grant of role \"Admin Clone\" and of the user's current role \"Restricted User\"",
        ),
        case(
            "Account Admin's clone gives Administrator",
            ADMIN_CLONE,
            Some(SALES_USER),
            ADMINISTRATOR,
            "AssignmentAllowed",
            "allowed: role \"Admin Clone\" holds manage_users and every grant of role \"Administrator\" and of the user's current role \"Sales User\"",
        ),
        case(
            "Account Admin's clone gives Account Admin",
            ADMIN_CLONE,
            Some(SALES_USER),
            ACCOUNT_ADMIN,
            "NewRoleExceedsActor",
            "denied: role \"Account Admin\" grants manage_custom_roles, but the actor's role \"Admin Clone\" does not grant it",
        ),
        // Scope-wise: a Group Lead (conversation permissions at Group).
        case(
            "Group Lead gives reply at Group (same scope)",
            GROUP_LEAD,
            Some(RESTRICTED_USER),
            GROUP_REPLIER,
            "AssignmentAllowed",
            "allowed: role \"Group Lead\" holds manage_users and every grant of role \"Group Replier\" and of the user's current role \"Restricted User\"",
        ),
        case(
            "Group Lead gives reply at Restricted (narrower)",
            GROUP_LEAD,
            Some(SALES_USER),
            RESTRICTED_USER,
            "AssignmentAllowed",
            "allowed: role \"Group Lead\" holds manage_users and every grant of role \"Restricted User\" and of the user's current role \"Sales User\"",
        ),
        case(
            "Group Lead gives reply at Global (wider)",
            GROUP_LEAD,
            Some(RESTRICTED_USER),
            GLOBAL_REPLIER,
            "NewRoleExceedsActor",
            "denied: role \"Global Replier\" grants reply at Global scope, but the actor's role \"Group Lead\" grants it only at Group scope",
        ),
        case(
            "Group Lead gives Support Agent (everything at Global)",
            GROUP_LEAD,
            Some(RESTRICTED_USER),
            SUPPORT_AGENT,
            "NewRoleExceedsActor",
            "denied: role \"Support Agent\" grants view_conversations at Global scope, but the actor's role \"Group Lead\" grants it only at Group scope",
        ),
        case(
            "Group Lead changes a Support Agent's role",
            GROUP_LEAD,
            Some(SUPPORT_AGENT),
            RESTRICTED_USER,
            "TargetExceedsActor",
            "denied: the user's current role \"Support Agent\" grants view_conversations at Global scope, but the actor's role \"Group Lead\" grants it only at Group scope",
        ),
        case(
            "Group Lead changes a Global Replier's role",
            GROUP_LEAD,
            Some(GLOBAL_REPLIER),
            GROUP_REPLIER,
            "TargetExceedsActor",
            "denied: the user's current role \"Global Replier\" grants reply at Global scope, but the actor's role \"Group Lead\" grants it only at Group scope",
        ),
        case(
            "Group Lead changes a Sales User's role",
            GROUP_LEAD,
            Some(SALES_USER),
            GROUP_REPLIER,
            "AssignmentAllowed",
            "allowed: role \"Group Lead\" holds manage_users and every grant of role \"Group Replier\" and of the user's current role \"Sales User\"",
        ),
        // Team permissions compare the same way.
        case(
            "Team Lead gives Marketing Manager (reports at Global)",
            TEAM_LEAD,
            Some(SALES_USER),
            MARKETING_MANAGER,
            "NewRoleExceedsActor",
            "denied: role \"Marketing Manager\" grants view_reports at Global scope, but the actor's role \"Team Lead\" grants it only at Group scope",
        ),
        // Unknown and deleted roles.
        case(
            "new role never created",
            ACCOUNT_ADMIN,
            Some(SALES_USER),
            RoleId(999),
            "UnknownRole",
            "denied: role id 999 is unknown to the policy (never created, or deleted)",
        ),
        case(
            "new role deleted",
            ACCOUNT_ADMIN,
            Some(SALES_USER),
            DELETED,
            "UnknownRole",
            "denied: role id 106 is unknown to the policy (never created, or deleted)",
        ),
        case(
            "actor's role unknown",
            RoleId(555),
            Some(SALES_USER),
            RESTRICTED_USER,
            "UnknownRole",
            "denied: role id 555 is unknown to the policy (never created, or deleted)",
        ),
        case(
            "target holds a deleted role",
            ADMINISTRATOR,
            Some(DELETED),
            SUPPORT_AGENT,
            "AssignmentAllowed",
            "allowed: role \"Administrator\" holds manage_users and every grant of role \"Support Agent\", and the user's current role was deleted, so it grants nothing",
        ),
        // A role id the policy never issued is not a deleted one: a stale or foreign id never
        // opens an assignment.
        case(
            "Group Lead and a target with a never-issued role id",
            GROUP_LEAD,
            Some(RoleId(777)),
            RESTRICTED_USER,
            "UnknownRole",
            "denied: role id 777 is unknown to the policy (never created, or deleted)",
        ),
        case(
            "a target whose role id lies between the built-in and custom ranges",
            ADMINISTRATOR,
            Some(RoleId(50)),
            SUPPORT_AGENT,
            "UnknownRole",
            "denied: role id 50 is unknown to the policy (never created, or deleted)",
        ),
        case(
            "a target whose role id is the largest there is",
            ADMINISTRATOR,
            Some(RoleId(u32::MAX)),
            SUPPORT_AGENT,
            "UnknownRole",
            "denied: role id 4294967295 is unknown to the policy (never created, or deleted)",
        ),
        // Plans.
        on(
            Plan::Growth,
            case(
                "Growth: Account Admin gives a custom role",
                ACCOUNT_ADMIN,
                Some(SALES_USER),
                GROUP_REPLIER,
                "CustomRolesUnavailable",
                "denied: role \"Group Replier\" is a custom role, and the growth plan has no custom roles",
            ),
        ),
        on(
            Plan::Free,
            case(
                "Free: Administrator gives a custom role",
                ADMINISTRATOR,
                Some(SALES_USER),
                ADMIN_CLONE,
                "CustomRolesUnavailable",
                "denied: role \"Admin Clone\" is a custom role, and the free plan has no custom roles",
            ),
        ),
        on(
            Plan::Growth,
            case(
                "Growth: Account Admin gives a built-in role",
                ACCOUNT_ADMIN,
                Some(SALES_USER),
                SUPPORT_AGENT,
                "AssignmentAllowed",
                "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Support Agent\" and of the user's current role \"Sales User\"",
            ),
        ),
        on(
            Plan::Growth,
            case(
                "Growth: a custom role's holder moves to a built-in role",
                ACCOUNT_ADMIN,
                Some(GLOBAL_REPLIER),
                RESTRICTED_USER,
                "AssignmentAllowed",
                "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Restricted User\" and of the user's current role \"Global Replier\"",
            ),
        ),
        on(
            Plan::Growth,
            case(
                "Growth: a custom actor keeps deciding",
                GROUP_LEAD,
                Some(SALES_USER),
                RESTRICTED_USER,
                "AssignmentAllowed",
                "allowed: role \"Group Lead\" holds manage_users and every grant of role \"Restricted User\" and of the user's current role \"Sales User\"",
            ),
        ),
        on(
            Plan::Enterprise,
            case(
                "Enterprise: Account Admin gives a custom role",
                ACCOUNT_ADMIN,
                Some(SALES_USER),
                GROUP_REPLIER,
                "AssignmentAllowed",
                "allowed: role \"Account Admin\" holds manage_users and every grant of role \"Group Replier\" and of the user's current role \"Sales User\"",
            ),
        ),
    ]
}

#[test]
fn assignment_cases() {
    let cases = cases();
    assert!(cases.len() >= 30, "the table lost cases");
    for case in &cases {
        let mut policy = fixture();
        policy.set_plan(case.plan).expect("plan");
        let actor = Subject {
            user: ACTOR,
            role: case.actor,
            groups: &[],
            view_only: &[],
        };
        let target = match case.target {
            Some(role) => Subject {
                user: TARGET,
                role,
                groups: &[],
                view_only: &[],
            },
            None => actor,
        };
        let decision = policy.check_assignment(&actor, &target, case.new_role);
        let name = case.name;
        assert_eq!(kind(decision.reason()), case.kind, "{name}: {decision}");
        assert_eq!(
            decision.is_allowed(),
            case.kind == "AssignmentAllowed",
            "{name}"
        );
        assert_eq!(decision.to_string(), case.sentence, "{name}");
    }
}

#[test]
fn reasons_carry_the_roles_permission_and_scopes() {
    let policy = fixture();
    let actor = Subject {
        user: ACTOR,
        role: GROUP_LEAD,
        groups: &[],
        view_only: &[],
    };
    let target = Subject {
        user: TARGET,
        role: RESTRICTED_USER,
        groups: &[],
        view_only: &[],
    };
    let d = policy.check_assignment(&actor, &target, GLOBAL_REPLIER);
    let Reason::NewRoleExceedsActor {
        actor_role,
        new_role,
        permission,
        scope,
        actor_scope,
    } = *d.reason()
    else {
        panic!("expected NewRoleExceedsActor, got {d}");
    };
    assert_eq!(actor_role.id(), GROUP_LEAD);
    assert_eq!(new_role.id(), GLOBAL_REPLIER);
    assert_eq!(permission, Permissions::REPLY);
    assert_eq!(scope, Scope::Global);
    assert_eq!(actor_scope, Some(Scope::Group));

    let own = policy.check_assignment(&actor, &actor, RESTRICTED_USER);
    assert_eq!(own.reason(), &Reason::OwnRole { user: ACTOR });

    let mut growth = fixture();
    growth.set_plan(Plan::Growth).expect("plan");
    let d = growth.check_assignment(&actor, &target, GROUP_REPLIER);
    let Reason::CustomRolesUnavailable { role, plan } = *d.reason() else {
        panic!("expected CustomRolesUnavailable, got {d}");
    };
    assert_eq!((role.id(), plan), (GROUP_REPLIER, Plan::Growth));
}

#[test]
fn upgrading_again_makes_custom_roles_assignable() {
    let mut policy = fixture();
    let actor = Subject {
        user: ACTOR,
        role: ACCOUNT_ADMIN,
        groups: &[],
        view_only: &[],
    };
    let target = Subject {
        user: TARGET,
        role: SALES_USER,
        groups: &[],
        view_only: &[],
    };
    for (step, plan, allowed) in [
        ("Pro", Plan::Pro, true),
        ("down to Growth", Plan::Growth, false),
        ("down to Free", Plan::Free, false),
        ("up to Enterprise", Plan::Enterprise, true),
        ("back to Pro", Plan::Pro, true),
    ] {
        policy.set_plan(plan).expect("plan");
        let d = policy.check_assignment(&actor, &target, GROUP_LEAD);
        assert_eq!(d.is_allowed(), allowed, "{step}: {d}");
    }
}

/// The model: may a role granting `new` be given by a role granting `actor`? Every permission
/// of `new` must be granted by `actor` at the same or a wider scope (`None` < any scope).
fn within(new: &Role, actor: &Role) -> bool {
    Permissions::all()
        .iter()
        .all(|p| new.scope_of(p) <= actor.scope_of(p))
}

/// The target's current role as the model sees it: held, deleted (holds nothing), or never
/// issued by this policy (unknown: never opens an assignment).
enum Current<'p> {
    Held(&'p Role),
    Deleted,
    NeverIssued,
}

fn current(policy: &Policy, id: RoleId) -> Current<'_> {
    match policy.role(id) {
        Some(role) => Current::Held(role),
        None if id >= RoleId::FIRST_CUSTOM && id < policy.next_role_id() => Current::Deleted,
        None => Current::NeverIssued,
    }
}

fn model(plan: Plan, actor: Option<&Role>, target: &Current<'_>, new: Option<&Role>) -> bool {
    let (Some(actor), Some(new)) = (actor, new) else {
        return false;
    };
    actor.permissions().contains(Permissions::MANAGE_USERS)
        && (matches!(plan, Plan::Pro | Plan::Enterprise) || !new.is_custom())
        && within(new, actor)
        && match target {
            Current::Held(target) => within(target, actor),
            Current::Deleted => true,
            Current::NeverIssued => false,
        }
}

/// Every actor, target and new role among the built-in and the fixture's custom roles (and an
/// unknown id), on every plan: the decision agrees with the model, and its sentence reads as a
/// sentence that names the roles it is about.
#[test]
fn every_combination_agrees_with_the_model() {
    let mut ids: Vec<RoleId> = BuiltInRole::ALL.iter().map(|r| r.id()).collect();
    ids.extend([
        GROUP_LEAD,
        GROUP_REPLIER,
        GLOBAL_REPLIER,
        NIGHT_SHIFT,
        ADMIN_CLONE,
        TEAM_LEAD,
        DELETED,
        RoleId(50),       // between the built-in and custom ranges: never issued
        RoleId(u32::MAX), // never issued
    ]);
    let mut allowed = 0;
    let mut denied = 0;
    for plan in [Plan::Free, Plan::Growth, Plan::Pro, Plan::Enterprise] {
        let mut policy = fixture();
        policy.set_plan(plan).expect("plan");
        for &a in &ids {
            for &t in &ids {
                for &n in &ids {
                    let case = format!("{plan:?}: actor {a}, target {t}, new {n}");
                    let actor = Subject {
                        user: ACTOR,
                        role: a,
                        groups: &[],
                        view_only: &[],
                    };
                    let target = Subject {
                        user: TARGET,
                        role: t,
                        groups: &[],
                        view_only: &[],
                    };
                    let d = policy.check_assignment(&actor, &target, n);
                    let want = model(plan, policy.role(a), &current(&policy, t), policy.role(n));
                    assert_eq!(d.is_allowed(), want, "{case}: {d}");
                    let sentence = d.to_string();
                    let prefix = if want { "allowed: " } else { "denied: " };
                    assert!(sentence.starts_with(prefix), "{case}: {sentence}");
                    for junk in ["RoleId", "Some(", "None", "{", "Permissions("] {
                        assert!(!sentence.contains(junk), "{case}: {sentence}");
                    }
                    match *d.reason() {
                        Reason::AssignmentAllowed {
                            actor_role,
                            new_role,
                            current_role,
                        } => {
                            assert_eq!(
                                current_role.map(|r| r.id()),
                                policy.role(t).map(|r| r.id()),
                                "{case}"
                            );
                            assert!(sentence.contains(&format!("\"{}\"", actor_role.name())));
                            assert!(sentence.contains(&format!("\"{}\"", new_role.name())));
                        }
                        Reason::NewRoleExceedsActor {
                            actor_role,
                            new_role,
                            ..
                        } => {
                            assert_eq!(new_role.id(), n, "{case}");
                            assert!(sentence.contains(&format!("\"{}\"", actor_role.name())));
                            assert!(sentence.contains(&format!("\"{}\"", new_role.name())));
                        }
                        Reason::TargetExceedsActor {
                            actor_role,
                            target_role,
                            ..
                        } => {
                            assert_eq!(target_role.id(), t, "{case}");
                            assert!(sentence.contains(&format!("\"{}\"", actor_role.name())));
                            assert!(sentence.contains(&format!("\"{}\"", target_role.name())));
                        }
                        _ => {}
                    }
                    if want {
                        allowed += 1;
                    } else {
                        denied += 1;
                    }
                }
            }
        }
    }
    assert!(
        allowed > 100 && denied > 100,
        "{allowed} allowed, {denied} denied"
    );
}

/// Scope-wise comparison, for a conversation and a team permission: an actor granting it at
/// `a` may give a role granting it at `b` (and change the role of a user whose role grants it
/// at `b`) exactly when `b <= a`.
#[test]
fn scopes_compare_as_levels_for_new_and_current_roles() {
    for permission in [Permissions::REPLY, Permissions::EXPORT_REPORTS] {
        for a in Scope::ALL {
            for b in Scope::ALL {
                let case = format!("{permission}: actor at {a}, other role at {b}");
                let mut policy = Policy::new(Plan::Pro);
                let o = owner();
                // The actor: an Administrator with `permission` at `a`.
                let lead = policy
                    .clone_role(&o, ADMINISTRATOR, "Lead")
                    .expect("clone lead");
                // The other role: nothing but `permission` at `b`.
                let other = policy
                    .clone_role(&o, RESTRICTED_USER, "Other")
                    .expect("clone other");
                let setup = [
                    policy.grant(&o, lead, permission, a),
                    policy.revoke(&o, other, Permissions::all()),
                    policy.grant(&o, other, permission, b),
                ];
                assert!(setup.iter().all(Result::is_ok), "{case}: {setup:?}");

                let actor = Subject {
                    user: ACTOR,
                    role: lead,
                    groups: &[],
                    view_only: &[],
                };
                let holder_of_other = Subject {
                    user: TARGET,
                    role: other,
                    groups: &[],
                    view_only: &[],
                };
                let restricted_user = Subject {
                    user: TARGET,
                    role: RESTRICTED_USER,
                    groups: &[],
                    view_only: &[],
                };
                let give = policy.check_assignment(&actor, &restricted_user, other);
                assert_eq!(give.is_allowed(), b <= a, "{case}, giving: {give}");
                let change = policy.check_assignment(&actor, &holder_of_other, RESTRICTED_USER);
                assert_eq!(change.is_allowed(), b <= a, "{case}, changing: {change}");
                if b > a {
                    let expected = format!(
                        "denied: role \"Other\" grants {permission} at {b} scope, but the actor's role \"Lead\" grants it only at {a} scope"
                    );
                    assert_eq!(give.to_string(), expected, "{case}");
                    let expected = format!(
                        "denied: the user's current role \"Other\" grants {permission} at {b} scope, but the actor's role \"Lead\" grants it only at {a} scope"
                    );
                    assert_eq!(change.to_string(), expected, "{case}");
                }
            }
        }
    }
}
