//! Requirements between permissions (issue 10, point 2): every built-in role meets the design's
//! requirements; `Role::unmet_requirements` reports each kind of violation with the right
//! scopes (required not granted, granted narrower, several at once, account permissions), in
//! bit order, with a sentence and JSON; grant and revoke do not enforce them.

use helpdesk_policy::{
    BuiltInRole, Permissions, Plan, Policy, Role, RoleId, Scope, Subject, UnmetRequirement, UserId,
};

use Scope::{Global, Group, Restricted};

/// The design's requirements as (permission, what it requires).
const REQUIREMENTS: [(Permissions, Permissions); 8] = [
    (Permissions::REPLY, Permissions::VIEW_CONVERSATIONS),
    (
        Permissions::ADD_PRIVATE_NOTE,
        Permissions::VIEW_CONVERSATIONS,
    ),
    (
        Permissions::ASSIGN_CONVERSATION,
        Permissions::VIEW_CONVERSATIONS,
    ),
    (
        Permissions::RESOLVE_CONVERSATION,
        Permissions::VIEW_CONVERSATIONS,
    ),
    (
        Permissions::DELETE_CONVERSATION,
        Permissions::VIEW_CONVERSATIONS,
    ),
    (Permissions::EXPORT_REPORTS, Permissions::VIEW_REPORTS),
    (Permissions::EDIT_PEOPLE, Permissions::VIEW_PEOPLE),
    (Permissions::VIEW_CONTACT_DETAILS, Permissions::VIEW_PEOPLE),
];

fn owner() -> Subject<'static> {
    Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[])
}

/// A Pro policy with one custom role (id 100) holding exactly `grants`.
fn role_with(grants: &[(Permissions, Scope)]) -> (Policy, RoleId) {
    let mut policy = Policy::new(Plan::Pro);
    let role = policy
        .clone_role(&owner(), BuiltInRole::RestrictedUser.id(), "Editor test")
        .expect("clone");
    policy
        .set_grants(&owner(), role, grants.iter().copied())
        .expect("set_grants");
    (policy, role)
}

fn role(policy: &Policy, id: RoleId) -> &Role {
    policy.role(id).expect("the role exists")
}

#[test]
fn every_builtin_role_meets_every_requirement() {
    let policy = Policy::new(Plan::Pro);
    for builtin in BuiltInRole::ALL {
        let role = role(&policy, builtin.id());
        assert_eq!(role.unmet_requirements(), [], "{builtin:?}");
        // Checked again from the design's table alone, not through the crate's own list.
        for (permission, requires) in REQUIREMENTS {
            if let Some(scope) = role.scope_of(permission) {
                assert!(
                    role.scope_of(requires) >= Some(scope),
                    "{builtin:?}: {permission} at {scope:?} without {requires} that wide"
                );
            }
        }
        assert_eq!(
            builtin.role().unmet_requirements(),
            [],
            "{builtin:?} (static)"
        );
    }
}

/// Shorthand for an expected unmet requirement.
fn unmet(
    permission: Permissions,
    scope: Scope,
    requires: Permissions,
    granted: Option<Scope>,
) -> (Permissions, Scope, Permissions, Option<Scope>) {
    (permission, scope, requires, granted)
}

/// (what, the role's exact grants, the unmet requirements in order).
#[allow(clippy::type_complexity)]
fn cases() -> Vec<(
    &'static str,
    Vec<(Permissions, Scope)>,
    Vec<(Permissions, Scope, Permissions, Option<Scope>)>,
)> {
    let view = Permissions::VIEW_CONVERSATIONS;
    let reply = Permissions::REPLY;
    vec![
        ("nothing granted", vec![], vec![]),
        ("view alone", vec![(view, Global)], vec![]),
        (
            "required not granted",
            vec![(reply, Global)],
            vec![unmet(reply, Global, view, None)],
        ),
        (
            "required not granted, restricted",
            vec![(reply, Restricted)],
            vec![unmet(reply, Restricted, view, None)],
        ),
        (
            "granted narrower: group for global",
            vec![(view, Group), (reply, Global)],
            vec![unmet(reply, Global, view, Some(Group))],
        ),
        (
            "granted narrower: restricted for global",
            vec![(view, Restricted), (reply, Global)],
            vec![unmet(reply, Global, view, Some(Restricted))],
        ),
        (
            "granted narrower: restricted for group",
            vec![(view, Restricted), (reply, Group)],
            vec![unmet(reply, Group, view, Some(Restricted))],
        ),
        (
            "same scope meets it",
            vec![(view, Group), (reply, Group)],
            vec![],
        ),
        (
            "wider scope meets it",
            vec![(view, Global), (reply, Restricted)],
            vec![],
        ),
        (
            "several, in bit order of the requiring permission",
            vec![
                (Permissions::DELETE_CONVERSATION, Restricted),
                (reply, Global),
                (Permissions::ADD_PRIVATE_NOTE, Group),
                (view, Restricted),
            ],
            vec![
                unmet(reply, Global, view, Some(Restricted)),
                unmet(Permissions::ADD_PRIVATE_NOTE, Group, view, Some(Restricted)),
            ],
        ),
        (
            "every conversation action over a narrower view",
            vec![
                (view, Group),
                (Permissions::CONVERSATION_KIND ^ view, Global),
            ],
            vec![
                unmet(reply, Global, view, Some(Group)),
                unmet(Permissions::ADD_PRIVATE_NOTE, Global, view, Some(Group)),
                unmet(Permissions::ASSIGN_CONVERSATION, Global, view, Some(Group)),
                unmet(Permissions::RESOLVE_CONVERSATION, Global, view, Some(Group)),
                unmet(Permissions::DELETE_CONVERSATION, Global, view, Some(Group)),
            ],
        ),
        (
            "team: export without view_reports",
            vec![(Permissions::EXPORT_REPORTS, Group)],
            vec![unmet(
                Permissions::EXPORT_REPORTS,
                Group,
                Permissions::VIEW_REPORTS,
                None,
            )],
        ),
        (
            "team: export wider than view_reports",
            vec![
                (Permissions::VIEW_REPORTS, Restricted),
                (Permissions::EXPORT_REPORTS, Global),
            ],
            vec![unmet(
                Permissions::EXPORT_REPORTS,
                Global,
                Permissions::VIEW_REPORTS,
                Some(Restricted),
            )],
        ),
        (
            "account: edit_people and contact details without view_people",
            vec![(
                Permissions::EDIT_PEOPLE | Permissions::VIEW_CONTACT_DETAILS,
                Global,
            )],
            vec![
                unmet(
                    Permissions::EDIT_PEOPLE,
                    Global,
                    Permissions::VIEW_PEOPLE,
                    None,
                ),
                unmet(
                    Permissions::VIEW_CONTACT_DETAILS,
                    Global,
                    Permissions::VIEW_PEOPLE,
                    None,
                ),
            ],
        ),
        (
            "account: view_people meets both",
            vec![(
                Permissions::VIEW_PEOPLE
                    | Permissions::EDIT_PEOPLE
                    | Permissions::VIEW_CONTACT_DETAILS,
                Global,
            )],
            vec![],
        ),
        (
            "kinds mixed: one of each",
            vec![
                (reply, Group),
                (Permissions::EXPORT_REPORTS, Restricted),
                (Permissions::EDIT_PEOPLE, Global),
                (
                    Permissions::VIEW_DASHBOARD | Permissions::MANAGE_SETTINGS,
                    Global,
                ),
                (
                    Permissions::MANAGE_FAQS | Permissions::EDIT_OWN_PROFILE,
                    Global,
                ),
            ],
            vec![
                unmet(reply, Group, view, None),
                unmet(
                    Permissions::EXPORT_REPORTS,
                    Restricted,
                    Permissions::VIEW_REPORTS,
                    None,
                ),
                unmet(
                    Permissions::EDIT_PEOPLE,
                    Global,
                    Permissions::VIEW_PEOPLE,
                    None,
                ),
            ],
        ),
        (
            "permissions that require nothing",
            vec![
                (
                    Permissions::VIEW_DASHBOARD
                        | Permissions::VIEW_REPORTS
                        | Permissions::MANAGE_SETTINGS,
                    Restricted,
                ),
                (
                    Permissions::ACCOUNT_KIND
                        ^ Permissions::EDIT_PEOPLE
                        ^ Permissions::VIEW_CONTACT_DETAILS
                        ^ Permissions::MANAGE_CUSTOM_ROLES
                        ^ Permissions::VIEW_PEOPLE,
                    Global,
                ),
            ],
            vec![],
        ),
    ]
}

#[test]
fn each_kind_of_violation_is_reported_with_the_right_scopes() {
    for (what, grants, expected) in cases() {
        let (policy, id) = role_with(&grants);
        let found: Vec<_> = role(&policy, id)
            .unmet_requirements()
            .iter()
            .map(|u| (u.permission, u.scope, u.requires, u.granted))
            .collect();
        assert_eq!(found, expected, "{what}");
        for u in role(&policy, id).unmet_requirements() {
            assert_eq!(
                u.permission.permission_name(),
                Some(u.permission_name),
                "{what}"
            );
            assert_eq!(
                u.requires.permission_name(),
                Some(u.requires_name),
                "{what}"
            );
        }
    }
}

#[test]
fn sentences_name_the_permission_its_scope_what_it_requires_and_what_is_granted() {
    let view = Permissions::VIEW_CONVERSATIONS;
    for (grants, sentence) in [
        (
            vec![(view, Group), (Permissions::REPLY, Global)],
            "reply at Global scope requires view_conversations at Global scope, which is granted only at Group scope",
        ),
        (
            vec![(Permissions::ADD_PRIVATE_NOTE, Group)],
            "add_private_note at Group scope requires view_conversations at Group scope or wider, which is not granted",
        ),
        (
            vec![(view, Restricted), (Permissions::RESOLVE_CONVERSATION, Group)],
            "resolve_conversation at Group scope requires view_conversations at Group scope or wider, which is granted only at Restricted scope",
        ),
        (
            vec![(Permissions::EXPORT_REPORTS, Restricted)],
            "export_reports at Restricted scope requires view_reports at Restricted scope or wider, which is not granted",
        ),
    ] {
        let (policy, id) = role_with(&grants);
        let unmet = role(&policy, id).unmet_requirements();
        assert_eq!(unmet.len(), 1, "{grants:?}");
        assert_eq!(unmet[0].to_string(), sentence);
    }
    // Account permissions: the sentence names both and says the requirement is not granted.
    let (policy, id) = role_with(&[(Permissions::VIEW_CONTACT_DETAILS, Global)]);
    let unmet = role(&policy, id).unmet_requirements();
    let sentence = unmet[0].to_string();
    assert!(
        sentence.starts_with("view_contact_details ")
            && sentence.contains(" requires view_people")
            && sentence.ends_with(", which is not granted"),
        "{sentence}"
    );
    assert!(!sentence.contains('\n'));
}

#[test]
fn unmet_requirements_serialize_by_name() {
    let (policy, id) = role_with(&[
        (Permissions::VIEW_CONVERSATIONS, Restricted),
        (Permissions::REPLY, Group),
        (Permissions::EDIT_PEOPLE, Global),
    ]);
    let unmet: Vec<UnmetRequirement> = role(&policy, id).unmet_requirements();
    assert_eq!(
        serde_json::to_value(&unmet).expect("serializes"),
        serde_json::json!([
            {"permission": "reply", "scope": "group", "requires": "view_conversations", "granted": "restricted"},
            {"permission": "edit_people", "scope": "global", "requires": "view_people", "granted": null},
        ])
    );
}

/// Grant and revoke do not enforce requirements: the host decides (refuse, cascade or warn).
#[test]
fn grant_and_revoke_leave_requirements_to_the_host() {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let agent = policy
        .clone_role(&o, BuiltInRole::SupportAgent.id(), "Careless")
        .expect("clone");
    assert_eq!(role(&policy, agent).unmet_requirements(), []);
    policy
        .revoke(&o, agent, Permissions::VIEW_CONVERSATIONS)
        .expect("a careless revoke is allowed");
    let names: Vec<&str> = role(&policy, agent)
        .unmet_requirements()
        .iter()
        .map(|u| u.permission_name)
        .collect();
    assert_eq!(
        names,
        [
            "reply",
            "add_private_note",
            "assign_conversation",
            "resolve_conversation"
        ]
    );
    policy
        .grant(&o, agent, Permissions::VIEW_CONVERSATIONS, Restricted)
        .expect("a narrow grant is allowed");
    assert!(role(&policy, agent)
        .unmet_requirements()
        .iter()
        .all(|u| u.granted == Some(Restricted) && u.scope == Global));
    policy
        .grant(&o, agent, Permissions::VIEW_CONVERSATIONS, Global)
        .expect("grant");
    assert_eq!(role(&policy, agent).unmet_requirements(), []);
    // Revoking the requiring permission is never a problem.
    policy
        .revoke(&o, agent, Permissions::VIEW_PEOPLE)
        .expect("revoke view_people");
    let people: Vec<&str> = role(&policy, agent)
        .unmet_requirements()
        .iter()
        .map(|u| u.permission_name)
        .collect();
    assert_eq!(people, ["edit_people", "view_contact_details"]);
    policy
        .revoke(
            &o,
            agent,
            Permissions::EDIT_PEOPLE | Permissions::VIEW_CONTACT_DETAILS,
        )
        .expect("revoke");
    assert_eq!(role(&policy, agent).unmet_requirements(), []);
}

/// A clone of every built-in role meets the requirements too, and survives save and load.
#[test]
fn clones_of_builtin_roles_meet_them_and_loading_keeps_the_verdict() {
    let mut policy = Policy::new(Plan::Pro);
    for builtin in BuiltInRole::ALL {
        let id = policy
            .clone_role(
                &owner(),
                builtin.id(),
                &format!("Copy of {}", builtin.name()),
            )
            .expect("clone");
        assert_eq!(role(&policy, id).unmet_requirements(), [], "{builtin:?}");
    }
    let (broken, id) = role_with(&[(Permissions::REPLY, Global)]);
    let loaded: Policy =
        serde_json::from_str(&serde_json::to_string(&broken).expect("save")).expect("load");
    assert_eq!(
        role(&loaded, id).unmet_requirements(),
        role(&broken, id).unmet_requirements()
    );
    assert_eq!(role(&loaded, id).unmet_requirements().len(), 1);
}
