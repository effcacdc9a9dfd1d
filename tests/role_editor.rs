//! The role editor's back end (issue 10, points 3 to 5; "The role editor" in DESIGN.md):
//! descriptions under the governance of `rename_role`, saving a role's whole grant set at once
//! with `set_grants`, and `diff` for the editor's summary and the audit log: exactly the
//! expected changes after every kind of governance call, in the design's order, with sentences
//! and JSON, and a property test over random sequences of governance calls.

use std::collections::BTreeMap;

use helpdesk_policy::{
    BuiltInRole, Change, ErrorKind, Permissions, Plan, Policy, PolicyError, RoleId, Scope, Subject,
    UserId,
};
use proptest::prelude::*;

use Scope::{Global, Group, Restricted};

const ACCOUNT_ADMIN: RoleId = BuiltInRole::AccountAdmin.id();
const ADMINISTRATOR: RoleId = BuiltInRole::Administrator.id();
const SUPPORT_AGENT: RoleId = BuiltInRole::SupportAgent.id();
const SALES_USER: RoleId = BuiltInRole::SalesUser.id();

/// The fixture's custom roles (see [`fixture`]).
const INTERN: RoleId = RoleId(100);
const REGIONAL: RoleId = RoleId(101);
const DEPUTY: RoleId = RoleId(102);
const DELETED: RoleId = RoleId(103);

/// What a Support Agent (and so the Intern) holds, all at Global.
const AGENT_CONVERSATIONS: Permissions =
    Permissions::CONVERSATION_KIND.difference(Permissions::DELETE_CONVERSATION);
const PEOPLE: Permissions = Permissions::VIEW_PEOPLE
    .union(Permissions::EDIT_PEOPLE)
    .union(Permissions::VIEW_CONTACT_DETAILS)
    .union(Permissions::EDIT_OWN_PROFILE);

fn subject(user: u64, role: RoleId) -> Subject<'static> {
    Subject::new(UserId(user), role, &[])
}

fn owner() -> Subject<'static> {
    subject(1, ACCOUNT_ADMIN)
}

fn saved(policy: &Policy) -> String {
    serde_json::to_string(policy).expect("a policy always serializes")
}

/// A Pro policy with 100 "Intern" (a Support Agent clone), 101 "Regional" (a Sales User
/// clone), 102 "Deputy" (an Account Admin clone), and 103 created and deleted.
fn fixture() -> Policy {
    let mut policy = Policy::new(Plan::Pro);
    let o = owner();
    let ids = [
        policy.clone_role(&o, SUPPORT_AGENT, "Intern"),
        policy.clone_role(&o, SALES_USER, "Regional"),
        policy.clone_role(&o, ACCOUNT_ADMIN, "Deputy"),
        policy.clone_role(&o, SUPPORT_AGENT, "Temp"),
    ];
    assert_eq!(ids, [Ok(INTERN), Ok(REGIONAL), Ok(DEPUTY), Ok(DELETED)]);
    policy.delete_role(&o, DELETED).expect("fixture: delete");
    policy
}

/// The fixture at revision `u64::MAX`, loaded from its stored form.
fn fixture_at_last_revision() -> Policy {
    let json = saved(&fixture()).replace(r#""revision":5"#, &format!(r#""revision":{}"#, u64::MAX));
    let policy: Policy = serde_json::from_str(&json).expect("loads");
    assert_eq!(policy.revision(), u64::MAX);
    policy
}

fn grants_of(policy: &Policy, role: RoleId) -> Vec<(Permissions, Scope)> {
    policy.role(role).expect("role exists").grants().collect()
}

fn description_of(policy: &Policy, role: RoleId) -> &str {
    policy.role(role).expect("role exists").description()
}

/// Asserts a refused call left `policy` exactly as `before`: equal, same revision, same bytes.
fn assert_unchanged(policy: &Policy, before: &Policy, what: &str) {
    assert_eq!(
        policy.revision(),
        before.revision(),
        "{what}: revision moved"
    );
    assert_eq!(saved(policy), saved(before), "{what}: stored form changed");
    assert_eq!(policy, before, "{what}: policy changed");
    assert_eq!(before.diff(policy), [], "{what}: diff not empty");
}

// ---------------------------------------------------------------------------------------------
// Descriptions

#[test]
fn a_custom_role_starts_with_an_empty_description_even_when_cloned_from_a_described_one() {
    let mut policy = fixture();
    let o = owner();
    assert_eq!(description_of(&policy, INTERN), "");
    policy
        .set_role_description(&o, INTERN, "Learns the ropes: notes, no replies")
        .expect("describe");
    let copy = policy.clone_role(&o, INTERN, "Intern 2").expect("clone");
    assert_eq!(description_of(&policy, copy), "");
    assert_eq!(
        description_of(&policy, INTERN),
        "Learns the ropes: notes, no replies"
    );
    // Renaming keeps the description; the description survives saving and loading.
    policy.rename_role(&o, INTERN, "Trainee").expect("rename");
    assert_eq!(
        description_of(&policy, INTERN),
        "Learns the ropes: notes, no replies"
    );
    let loaded: Policy = serde_json::from_str(&saved(&policy)).expect("load");
    assert_eq!(
        description_of(&loaded, INTERN),
        "Learns the ropes: notes, no replies"
    );
    assert_eq!(loaded, policy);
}

#[test]
fn descriptions_are_trimmed_at_most_500_characters_and_only_line_feeds_among_controls() {
    let x500 = "x".repeat(500);
    let e500 = "é".repeat(500);
    let crab500 = "🦀".repeat(500);
    let padded = format!(" \t\n{x500}\n \t");
    let x501 = "x".repeat(501);
    let e501 = "é".repeat(501);
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, Result<&str, &str>)> = vec![
        ("plain", "Learns the ropes: notes, no replies", Ok("Learns the ropes: notes, no replies")),
        ("trimmed", "  \t Learns the ropes \n\n", Ok("Learns the ropes")),
        ("line feeds inside", "Line one\nLine two\n\nLine four", Ok("Line one\nLine two\n\nLine four")),
        ("unicode", "Équipe de nuit — 夜勤 🦀", Ok("Équipe de nuit — 夜勤 🦀")),
        ("quotes", "Says \"hi\" and 'bye'", Ok("Says \"hi\" and 'bye'")),
        ("500 ascii", &x500, Ok(&x500)),
        ("500 two-byte characters", &e500, Ok(&e500)),
        ("500 four-byte characters", &crab500, Ok(&crab500)),
        ("500 inside white space", &padded, Ok(&x500)),
        ("501 ascii", &x501, Err("longer than 500 characters")),
        ("501 two-byte characters", &e501, Err("longer than 500 characters")),
        ("carriage return", "one\r\ntwo", Err("control character")),
        ("lone carriage return", "one\rtwo", Err("control character")),
        ("tab inside", "one\ttwo", Err("control character")),
        ("bell", "one\u{7}two", Err("control character")),
        ("escape sequence", "one\u{1b}[2Jtwo", Err("control character")),
        ("nul", "one\0two", Err("control character")),
        ("delete", "one\u{7f}two", Err("control character")),
        ("C1 next line", "one\u{85}two", Err("control character")),
        ("vertical tab", "one\u{b}two", Err("control character")),
    ];
    for (what, text, expected) in cases {
        let mut policy = fixture();
        let before = policy.clone();
        let result = policy.set_role_description(&owner(), INTERN, text);
        match expected {
            Ok(stored) => {
                assert_eq!(result, Ok(()), "{what}");
                assert_eq!(description_of(&policy, INTERN), stored, "{what}");
                assert_eq!(policy.revision(), before.revision() + 1, "{what}");
            }
            Err(fragment) => {
                let error = result.expect_err(what);
                assert!(
                    matches!(error, PolicyError::InvalidDescription { .. }),
                    "{what}: {error:?}"
                );
                assert_eq!(error.kind(), ErrorKind::InvalidInput, "{what}");
                let message = error.to_string();
                assert!(message.contains(fragment), "{what}: {message}");
                assert!(
                    !message.chars().any(|c| c.is_control()),
                    "{what}: the message carries a raw control character: {message:?}"
                );
                assert!(message.chars().count() < 300, "{what}: message too long");
                assert_unchanged(&policy, &before, what);
            }
        }
    }
}

#[test]
fn setting_the_same_description_again_counts_no_revision() {
    let mut policy = fixture();
    let o = owner();
    let start = policy.revision();
    // The empty description on a new role is already there.
    policy.set_role_description(&o, INTERN, "").expect("empty");
    policy
        .set_role_description(&o, INTERN, "  \n ")
        .expect("blank");
    assert_eq!(policy.revision(), start, "empty on empty is a no-op");
    policy
        .set_role_description(&o, INTERN, "Night shift")
        .expect("set");
    assert_eq!(policy.revision(), start + 1);
    let after = policy.clone();
    for same in ["Night shift", "  Night shift\n", "\tNight shift"] {
        policy.set_role_description(&o, INTERN, same).expect(same);
        assert_unchanged(&policy, &after, same);
    }
    // Clearing it is a change.
    policy.set_role_description(&o, INTERN, "").expect("clear");
    assert_eq!(policy.revision(), start + 2);
    assert_eq!(description_of(&policy, INTERN), "");
    // A no-op at the last revision changes nothing and is not refused.
    let mut last = fixture_at_last_revision();
    let before = last.clone();
    assert_eq!(last.set_role_description(&o, INTERN, " "), Ok(()));
    assert_unchanged(&last, &before, "no-op at u64::MAX");
}

/// A context in which a governed call is made: who, on which plan, on which role.
struct Context {
    what: &'static str,
    policy: fn() -> Policy,
    actor: Subject<'static>,
    role: RoleId,
    error: PolicyError,
}

fn pro() -> Policy {
    fixture()
}

fn growth() -> Policy {
    let mut policy = fixture();
    policy.set_plan(Plan::Growth).expect("plan");
    policy
}

fn free() -> Policy {
    let mut policy = fixture();
    policy.set_plan(Plan::Free).expect("plan");
    policy
}

/// Every refusal that governs renaming, describing and creating.
fn refusing_contexts() -> Vec<Context> {
    vec![
        Context {
            what: "the Administrator",
            policy: pro,
            actor: subject(2, ADMINISTRATOR),
            role: INTERN,
            error: PolicyError::NotAllowed {
                role: "Administrator".into(),
            },
        },
        Context {
            what: "a Support Agent",
            policy: pro,
            actor: subject(3, SUPPORT_AGENT),
            role: INTERN,
            error: PolicyError::NotAllowed {
                role: "Support Agent".into(),
            },
        },
        Context {
            what: "a holder of a clone of the Account Admin",
            policy: pro,
            actor: subject(4, DEPUTY),
            role: INTERN,
            error: PolicyError::NotAllowed {
                role: "Deputy".into(),
            },
        },
        Context {
            what: "an actor whose role is unknown",
            policy: pro,
            actor: subject(5, RoleId(555)),
            role: INTERN,
            error: PolicyError::UnknownRole(RoleId(555)),
        },
        Context {
            what: "the Growth plan",
            policy: growth,
            actor: owner(),
            role: INTERN,
            error: PolicyError::PlanWithoutCustomRoles(Plan::Growth),
        },
        Context {
            what: "the Free plan",
            policy: free,
            actor: owner(),
            role: INTERN,
            error: PolicyError::PlanWithoutCustomRoles(Plan::Free),
        },
        Context {
            what: "a built-in role",
            policy: pro,
            actor: owner(),
            role: SUPPORT_AGENT,
            error: PolicyError::BuiltInRoleImmutable("Support Agent"),
        },
        Context {
            what: "the Account Admin role itself",
            policy: pro,
            actor: owner(),
            role: ACCOUNT_ADMIN,
            error: PolicyError::BuiltInRoleImmutable("Account Admin"),
        },
        Context {
            what: "a deleted role",
            policy: pro,
            actor: owner(),
            role: DELETED,
            error: PolicyError::UnknownRole(DELETED),
        },
        Context {
            what: "a role never created",
            policy: pro,
            actor: owner(),
            role: RoleId(999),
            error: PolicyError::UnknownRole(RoleId(999)),
        },
        Context {
            what: "the last revision",
            policy: fixture_at_last_revision,
            actor: owner(),
            role: INTERN,
            error: PolicyError::RevisionExhausted(u64::MAX),
        },
    ]
}

#[test]
fn describing_is_governed_like_renaming_and_refusals_change_nothing() {
    for context in refusing_contexts() {
        let what = context.what;
        let mut policy = (context.policy)();
        let before = policy.clone();
        let described = policy.set_role_description(&context.actor, context.role, "Changed");
        assert_eq!(described, Err(context.error.clone()), "describe: {what}");
        assert_unchanged(&policy, &before, what);
        let renamed = policy.rename_role(&context.actor, context.role, "Changed");
        assert_eq!(renamed, Err(context.error.clone()), "rename: {what}");
        assert_unchanged(&policy, &before, what);
        let expected_kind = match context.error {
            PolicyError::NotAllowed { .. } | PolicyError::BuiltInRoleImmutable(_) => {
                ErrorKind::Forbidden
            }
            PolicyError::UnknownRole(_) => ErrorKind::NotFound,
            PolicyError::PlanWithoutCustomRoles(_) => ErrorKind::Plan,
            _ => ErrorKind::Conflict,
        };
        assert_eq!(context.error.kind(), expected_kind, "{what}");
    }
    // The Account Admin on Pro and Enterprise may.
    for plan in [Plan::Pro, Plan::Enterprise] {
        let mut policy = fixture();
        policy.set_plan(plan).expect("plan");
        assert_eq!(
            policy.set_role_description(&owner(), INTERN, "Allowed"),
            Ok(())
        );
        assert_eq!(description_of(&policy, INTERN), "Allowed");
    }
}

// ---------------------------------------------------------------------------------------------
// set_grants

#[test]
fn set_grants_replaces_the_whole_set_in_one_revision() {
    let mut policy = fixture();
    let o = owner();
    let start = policy.revision();
    let new = [
        (Permissions::VIEW_CONVERSATIONS, Group),
        (
            Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE,
            Restricted,
        ),
        (Permissions::VIEW_REPORTS, Global),
        (Permissions::MANAGE_FAQS | Permissions::VIEW_PEOPLE, Global),
    ];
    policy.set_grants(&o, INTERN, new).expect("set_grants");
    assert_eq!(
        grants_of(&policy, INTERN),
        [
            (Permissions::VIEW_CONVERSATIONS, Group),
            (Permissions::REPLY, Restricted),
            (Permissions::ADD_PRIVATE_NOTE, Restricted),
            (Permissions::VIEW_REPORTS, Global),
            (Permissions::VIEW_PEOPLE, Global),
            (Permissions::MANAGE_FAQS, Global),
        ],
        "what was there and not listed is gone; what is listed is exactly as given"
    );
    assert_eq!(
        policy.revision(),
        start + 1,
        "one revision for the whole save"
    );
    // The same set again, grouped differently, is a no-op.
    let after = policy.clone();
    policy
        .set_grants(
            &o,
            INTERN,
            [
                (Permissions::MANAGE_FAQS, Global),
                (Permissions::ADD_PRIVATE_NOTE, Restricted),
                (Permissions::VIEW_PEOPLE | Permissions::VIEW_REPORTS, Global),
                (Permissions::REPLY, Restricted),
                (Permissions::VIEW_CONVERSATIONS, Group),
            ],
        )
        .expect("same set");
    assert_unchanged(&policy, &after, "the same set again");
    // The empty set takes everything away, in one revision.
    policy.set_grants(&o, INTERN, []).expect("empty");
    assert_eq!(grants_of(&policy, INTERN), []);
    assert_eq!(policy.revision(), start + 2);
    // Other roles are untouched throughout.
    assert_eq!(
        grants_of(&policy, REGIONAL),
        grants_of(&fixture(), REGIONAL)
    );
}

/// (what, policy, actor, role, entries, the exact error).
type Refusal = (
    &'static str,
    fn() -> Policy,
    Subject<'static>,
    RoleId,
    Vec<(Permissions, Scope)>,
    PolicyError,
);

#[allow(clippy::too_many_lines)]
fn set_grants_refusals() -> Vec<Refusal> {
    let intern = || "Intern".to_owned();
    let o = owner();
    let keep = vec![(AGENT_CONVERSATIONS, Global), (PEOPLE, Global)];
    let with = |extra: (Permissions, Scope)| {
        let mut entries = keep.clone();
        entries.push(extra);
        entries
    };
    vec![
        (
            "the first offending permission is named: an account permission at Group",
            pro,
            o,
            INTERN,
            vec![
                (Permissions::REPLY, Group),
                (Permissions::VIEW_PEOPLE, Group),
                (Permissions::MANAGE_FAQS, Restricted),
            ],
            PolicyError::ScopedAccountPermission {
                permission: "view_people",
                scope: Group,
                role: intern(),
            },
        ),
        (
            "within one entry, the first offending permission in bit order",
            pro,
            o,
            INTERN,
            vec![(
                Permissions::MANAGE_FAQS | Permissions::EDIT_PEOPLE,
                Restricted,
            )],
            PolicyError::ScopedAccountPermission {
                permission: "edit_people",
                scope: Restricted,
                role: intern(),
            },
        ),
        (
            "an account permission at Restricted after valid entries",
            pro,
            o,
            INTERN,
            with((Permissions::MANAGE_CAMPAIGNS, Restricted)),
            PolicyError::ScopedAccountPermission {
                permission: "manage_campaigns",
                scope: Restricted,
                role: intern(),
            },
        ),
        (
            "manage_custom_roles",
            pro,
            o,
            INTERN,
            with((Permissions::MANAGE_CUSTOM_ROLES, Global)),
            PolicyError::ManageCustomRolesOnCustomRole { role: intern() },
        ),
        (
            "manage_custom_roles inside a set",
            pro,
            o,
            DEPUTY,
            vec![(Permissions::ACCOUNT_KIND, Global)],
            PolicyError::ManageCustomRolesOnCustomRole {
                role: "Deputy".into(),
            },
        ),
        (
            "a permission listed twice at different scopes",
            pro,
            o,
            INTERN,
            vec![(Permissions::REPLY, Group), (Permissions::REPLY, Global)],
            PolicyError::DuplicatePermission {
                permission: "reply".into(),
                role: intern(),
            },
        ),
        (
            "a permission listed twice at the same scope",
            pro,
            o,
            INTERN,
            vec![
                (Permissions::VIEW_PEOPLE, Global),
                (Permissions::VIEW_PEOPLE, Global),
            ],
            PolicyError::DuplicatePermission {
                permission: "view_people".into(),
                role: intern(),
            },
        ),
        (
            "overlapping sets: the first repeated permission is named",
            pro,
            o,
            INTERN,
            vec![
                (Permissions::CONVERSATION_KIND, Group),
                (
                    Permissions::RESOLVE_CONVERSATION | Permissions::REPLY,
                    Global,
                ),
            ],
            PolicyError::DuplicatePermission {
                permission: "reply".into(),
                role: intern(),
            },
        ),
        (
            "bits that name no permission",
            pro,
            o,
            INTERN,
            with((Permissions::from_bits_retain(1 << 40), Global)),
            PolicyError::UnknownPermissionBits(1 << 40),
        ),
        (
            "a built-in role",
            pro,
            o,
            SUPPORT_AGENT,
            vec![(Permissions::REPLY, Group)],
            PolicyError::BuiltInRoleImmutable("Support Agent"),
        ),
        (
            "a deleted role",
            pro,
            o,
            DELETED,
            vec![(Permissions::REPLY, Group)],
            PolicyError::UnknownRole(DELETED),
        ),
        (
            "the Administrator",
            pro,
            subject(2, ADMINISTRATOR),
            INTERN,
            vec![(Permissions::REPLY, Group)],
            PolicyError::NotAllowed {
                role: "Administrator".into(),
            },
        ),
        (
            "a holder of a clone of the Account Admin",
            pro,
            subject(4, DEPUTY),
            INTERN,
            vec![(Permissions::REPLY, Group)],
            PolicyError::NotAllowed {
                role: "Deputy".into(),
            },
        ),
        (
            "the last revision",
            fixture_at_last_revision,
            o,
            INTERN,
            vec![(Permissions::REPLY, Group)],
            PolicyError::RevisionExhausted(u64::MAX),
        ),
        (
            "below Pro: a new permission",
            growth,
            o,
            INTERN,
            with((Permissions::DELETE_CONVERSATION, Restricted)),
            PolicyError::WideningWithoutCustomRoles {
                plan: Plan::Growth,
                role: "Intern".into(),
                permission: "delete_conversation",
            },
        ),
        (
            "below Pro: a wider scope",
            free,
            o,
            REGIONAL,
            vec![(Permissions::VIEW_CONVERSATIONS, Global), (PEOPLE, Global)],
            PolicyError::WideningWithoutCustomRoles {
                plan: Plan::Free,
                role: "Regional".into(),
                permission: "view_conversations",
            },
        ),
        (
            "below Pro: narrowing everything but one widening",
            free,
            o,
            INTERN,
            vec![
                (AGENT_CONVERSATIONS, Restricted),
                (Permissions::VIEW_PEOPLE, Global),
                (Permissions::VIEW_REPORTS, Restricted),
            ],
            PolicyError::WideningWithoutCustomRoles {
                plan: Plan::Free,
                role: "Intern".into(),
                permission: "view_reports",
            },
        ),
    ]
}

#[test]
fn set_grants_is_all_or_nothing_and_names_the_first_offending_permission() {
    let cases = set_grants_refusals();
    assert!(cases.len() >= 17, "the table lost cases");
    for (what, make, actor, role, entries, error) in cases {
        let mut policy = make();
        let before = policy.clone();
        assert_eq!(
            policy.set_grants(&actor, role, entries.clone()),
            Err(error.clone()),
            "{what}"
        );
        assert_unchanged(&policy, &before, what);
        let named = match &error {
            PolicyError::ScopedAccountPermission { permission, .. } => Some(permission.to_string()),
            PolicyError::DuplicatePermission { permission, .. } => Some(permission.clone()),
            PolicyError::WideningWithoutCustomRoles { permission, .. } => {
                Some(permission.to_string())
            }
            _ => None,
        };
        if let Some(permission) = named {
            assert!(error.to_string().contains(&permission), "{what}: {error}");
        }
    }
}

#[test]
fn below_pro_set_grants_may_only_narrow() {
    for plan in [Plan::Free, Plan::Growth] {
        let mut policy = fixture();
        let o = owner();
        policy.set_plan(plan).expect("downgrade");
        let start = policy.revision();
        // Narrowing scopes and dropping permissions: allowed, one revision.
        let narrower = [
            (Permissions::VIEW_CONVERSATIONS | Permissions::REPLY, Group),
            (Permissions::ADD_PRIVATE_NOTE, Restricted),
            (
                Permissions::VIEW_PEOPLE | Permissions::EDIT_OWN_PROFILE,
                Global,
            ),
        ];
        assert_eq!(policy.set_grants(&o, INTERN, narrower), Ok(()), "{plan:?}");
        assert_eq!(grants_of(&policy, INTERN).len(), 5, "{plan:?}");
        assert_eq!(policy.revision(), start + 1, "{plan:?}");
        // The same set again changes nothing and is not refused.
        let after = policy.clone();
        assert_eq!(policy.set_grants(&o, INTERN, narrower), Ok(()), "{plan:?}");
        assert_unchanged(&policy, &after, "same set below Pro");
        // Widening back what was narrowed: refused, nothing changes.
        let wider = [
            (Permissions::VIEW_CONVERSATIONS | Permissions::REPLY, Global),
            (Permissions::ADD_PRIVATE_NOTE, Restricted),
            (
                Permissions::VIEW_PEOPLE | Permissions::EDIT_OWN_PROFILE,
                Global,
            ),
        ];
        assert_eq!(
            policy.set_grants(&o, INTERN, wider),
            Err(PolicyError::WideningWithoutCustomRoles {
                plan,
                role: "Intern".into(),
                permission: "view_conversations",
            })
        );
        assert_unchanged(&policy, &after, "widening below Pro");
        // Everything away: allowed.
        assert_eq!(policy.set_grants(&o, INTERN, []), Ok(()));
        assert_eq!(grants_of(&policy, INTERN), []);
        // Upgrading restores the editor.
        policy.set_plan(Plan::Pro).expect("upgrade");
        assert_eq!(policy.set_grants(&o, INTERN, wider), Ok(()));
    }
}

/// The issue asks that `set_grants` be "refused with the first offending permission named";
/// below Pro the offending permission is the first one that widens, but the refusal names only
/// the plan.
#[test]
fn below_pro_the_refusal_names_the_first_widening_permission() {
    let mut policy = fixture();
    policy.set_plan(Plan::Growth).expect("downgrade");
    let error = policy
        .set_grants(
            &owner(),
            INTERN,
            [
                (AGENT_CONVERSATIONS, Restricted),
                (PEOPLE, Global),
                (Permissions::VIEW_REPORTS, Group),
            ],
        )
        .expect_err("widening below Pro");
    assert!(error.to_string().contains("view_reports"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// diff: exactly the expected change after every kind of governance call

fn grant_changed(
    role: RoleId,
    name: &str,
    permission: Permissions,
    before: Option<Scope>,
    after: Option<Scope>,
) -> Change {
    Change::GrantChanged {
        role,
        name: name.into(),
        permission,
        permission_name: permission.permission_name().expect("one permission"),
        kind: permission.kind().expect("one permission"),
        before,
        after,
    }
}

/// The grants of a role as changes from `None` (created) or to `None` (deleted).
fn all_grants(
    role: RoleId,
    name: &str,
    grants: &[(Permissions, Scope)],
    created: bool,
) -> Vec<Change> {
    grants
        .iter()
        .map(|&(permission, scope)| {
            let (before, after) = if created {
                (None, Some(scope))
            } else {
                (Some(scope), None)
            };
            grant_changed(role, name, permission, before, after)
        })
        .collect()
}

/// A Support Agent's grants, in bit order.
fn agent_grants() -> Vec<(Permissions, Scope)> {
    AGENT_CONVERSATIONS
        .union(PEOPLE)
        .iter()
        .map(|p| (p, Global))
        .collect()
}

type Step = fn(&mut Policy) -> Result<(), PolicyError>;

#[allow(clippy::too_many_lines)]
fn diff_cases() -> Vec<(&'static str, Step, Vec<Change>)> {
    let intern = |p, b, a| grant_changed(INTERN, "Intern", p, b, a);
    let mut created = vec![Change::RoleCreated {
        role: RoleId(104),
        name: "Night".into(),
        source: Some(SUPPORT_AGENT),
    }];
    created.extend(all_grants(RoleId(104), "Night", &agent_grants(), true));
    let mut created_from_custom = vec![Change::RoleCreated {
        role: RoleId(104),
        name: "Night".into(),
        source: Some(REGIONAL),
    }];
    created_from_custom.extend(all_grants(
        RoleId(104),
        "Night",
        &grants_of(&fixture(), REGIONAL),
        true,
    ));
    let mut deleted = vec![Change::RoleDeleted {
        role: INTERN,
        name: "Intern".into(),
    }];
    deleted.extend(all_grants(INTERN, "Intern", &agent_grants(), false));
    vec![
        (
            "plan",
            |p| p.set_plan(Plan::Enterprise),
            vec![Change::PlanChanged {
                before: Plan::Pro,
                after: Plan::Enterprise,
            }],
        ),
        (
            "downgrade",
            |p| p.set_plan(Plan::Free),
            vec![Change::PlanChanged {
                before: Plan::Pro,
                after: Plan::Free,
            }],
        ),
        (
            "create from a built-in role",
            |p| p.clone_role(&owner(), SUPPORT_AGENT, "Night").map(drop),
            created,
        ),
        (
            "create from a custom role",
            |p| p.clone_role(&owner(), REGIONAL, "Night").map(drop),
            created_from_custom,
        ),
        (
            "rename",
            |p| p.rename_role(&owner(), INTERN, "Trainee"),
            vec![Change::RoleRenamed {
                role: INTERN,
                before: "Intern".into(),
                after: "Trainee".into(),
            }],
        ),
        (
            "describe",
            |p| p.set_role_description(&owner(), INTERN, "Notes,\nno replies"),
            vec![Change::RoleDescribed {
                role: INTERN,
                name: "Intern".into(),
                before: String::new(),
                after: "Notes,\nno replies".into(),
            }],
        ),
        (
            "grant something new",
            |p| p.grant(&owner(), INTERN, Permissions::VIEW_REPORTS, Group),
            vec![intern(Permissions::VIEW_REPORTS, None, Some(Group))],
        ),
        (
            "narrow",
            |p| p.grant(&owner(), INTERN, Permissions::REPLY, Restricted),
            vec![intern(Permissions::REPLY, Some(Global), Some(Restricted))],
        ),
        (
            "grant several: new, narrowed and unchanged, in bit order",
            |p| {
                p.grant(
                    &owner(),
                    INTERN,
                    Permissions::DELETE_CONVERSATION
                        | Permissions::VIEW_CONVERSATIONS
                        | Permissions::ASSIGN_CONVERSATION,
                    Group,
                )
            },
            vec![
                intern(Permissions::VIEW_CONVERSATIONS, Some(Global), Some(Group)),
                intern(Permissions::ASSIGN_CONVERSATION, Some(Global), Some(Group)),
                intern(Permissions::DELETE_CONVERSATION, None, Some(Group)),
            ],
        ),
        (
            "widen",
            |p| p.grant(&owner(), REGIONAL, Permissions::REPLY, Global),
            vec![grant_changed(
                REGIONAL,
                "Regional",
                Permissions::REPLY,
                Some(Group),
                Some(Global),
            )],
        ),
        (
            "revoke",
            |p| {
                p.revoke(
                    &owner(),
                    INTERN,
                    Permissions::VIEW_CONTACT_DETAILS | Permissions::REPLY,
                )
            },
            vec![
                intern(Permissions::REPLY, Some(Global), None),
                intern(Permissions::VIEW_CONTACT_DETAILS, Some(Global), None),
            ],
        ),
        (
            "revoke what is not held",
            |p| p.revoke(&owner(), INTERN, Permissions::MANAGE_ACCOUNT),
            vec![],
        ),
        (
            "set_grants",
            |p| {
                p.set_grants(
                    &owner(),
                    INTERN,
                    [
                        (Permissions::MANAGE_FAQS, Global),
                        (AGENT_CONVERSATIONS ^ Permissions::REPLY, Global),
                        (Permissions::REPLY, Group),
                        (Permissions::VIEW_PEOPLE, Global),
                    ],
                )
            },
            vec![
                intern(Permissions::REPLY, Some(Global), Some(Group)),
                intern(Permissions::EDIT_PEOPLE, Some(Global), None),
                intern(Permissions::VIEW_CONTACT_DETAILS, Some(Global), None),
                intern(Permissions::EDIT_OWN_PROFILE, Some(Global), None),
                intern(Permissions::MANAGE_FAQS, None, Some(Global)),
            ],
        ),
        ("delete", |p| p.delete_role(&owner(), INTERN), deleted),
        (
            "a refused call",
            |p| {
                p.grant(
                    &subject(2, ADMINISTRATOR),
                    INTERN,
                    Permissions::REPLY,
                    Group,
                )
            },
            vec![],
        ),
    ]
}

#[test]
fn after_every_kind_of_governance_call_the_diff_is_exactly_the_expected_change() {
    for (what, step, expected) in diff_cases() {
        let before = fixture();
        let mut after = before.clone();
        let result = step(&mut after);
        assert_eq!(
            result.is_ok(),
            what != "a refused call",
            "{what}: {result:?}"
        );
        assert_eq!(before.diff(&after), expected, "{what}");
        // Loading either side does not change the answer.
        let reloaded: Policy = serde_json::from_str(&saved(&after)).expect("load");
        assert_eq!(before.diff(&reloaded), expected, "{what}: after a reload");
    }
}

#[test]
fn changes_come_plan_first_then_by_role_id_role_changes_before_grants_in_bit_order() {
    let before = fixture();
    let mut after = before.clone();
    let o = owner();
    // Made in an order unlike the diff's.
    let night = after
        .clone_role(&o, BuiltInRole::RestrictedUser.id(), "Night")
        .expect("clone");
    after
        .grant(&o, REGIONAL, Permissions::MANAGE_FAQS, Global)
        .expect("grant");
    after
        .set_role_description(&o, INTERN, "Trainee desk")
        .expect("describe");
    after
        .revoke(&o, INTERN, Permissions::VIEW_CONVERSATIONS)
        .expect("revoke");
    after.rename_role(&o, INTERN, "Trainee").expect("rename");
    after
        .grant(&o, INTERN, Permissions::ADD_PRIVATE_NOTE, Group)
        .expect("grant");
    after.delete_role(&o, DEPUTY).expect("delete");
    after.set_plan(Plan::Enterprise).expect("plan");

    let changes = before.diff(&after);
    let summary: Vec<String> = changes
        .iter()
        .map(|change| match change {
            Change::PlanChanged { .. } => "plan".to_owned(),
            Change::RoleCreated { role, .. } => format!("{role} created"),
            Change::RoleRenamed { role, .. } => format!("{role} renamed"),
            Change::RoleDescribed { role, .. } => format!("{role} described"),
            Change::RoleDeleted { role, .. } => format!("{role} deleted"),
            Change::GrantChanged {
                role,
                permission_name,
                ..
            } => format!("{role} {permission_name}"),
            _ => format!("{change:?}"),
        })
        .collect();
    let mut expected = vec![
        "plan".to_owned(),
        "100 renamed".into(),
        "100 described".into(),
        "100 view_conversations".into(),
        "100 add_private_note".into(),
        "101 manage_faqs".into(),
        "102 deleted".into(),
    ];
    expected.extend(
        Permissions::all()
            .difference(Permissions::MANAGE_CUSTOM_ROLES)
            .iter()
            .map(|p| format!("102 {}", p.permission_name().expect("name"))),
    );
    expected.push(format!("{night} created"));
    expected.extend(
        [
            "104 view_conversations",
            "104 reply",
            "104 add_private_note",
            "104 resolve_conversation",
            "104 edit_own_profile",
        ]
        .map(String::from),
    );
    assert_eq!(summary, expected);
    // A grant change on a renamed role names it by its new name.
    assert!(matches!(
        &changes[3],
        Change::GrantChanged { name, .. } if name == "Trainee"
    ));
}

#[test]
fn diff_of_a_policy_with_itself_is_empty() {
    let mut policy = fixture();
    let o = owner();
    policy
        .set_role_description(&o, INTERN, "Desk")
        .expect("describe");
    assert_eq!(policy.diff(&policy), []);
    assert_eq!(policy.diff(&policy.clone()), []);
    let loaded: Policy = serde_json::from_str(&saved(&policy)).expect("load");
    assert_eq!(policy.diff(&loaded), []);
    assert_eq!(Policy::new(Plan::Free).diff(&Policy::new(Plan::Free)), []);
    // Refused calls and no-ops leave nothing to report.
    let before = policy.clone();
    let _ = policy.grant(&o, INTERN, Permissions::VIEW_PEOPLE, Group);
    let _ = policy.revoke(&o, INTERN, Permissions::DELETE_CONVERSATION);
    let _ = policy.rename_role(&o, INTERN, " Intern ");
    let _ = policy.set_role_description(&o, INTERN, "Desk\n");
    let _ = policy.set_plan(Plan::Pro);
    assert_eq!(before.diff(&policy), []);
}

#[test]
fn widens_flags_grants_that_are_new_or_wider_and_nothing_else() {
    let role = INTERN;
    let cases = [
        (
            grant_changed(role, "I", Permissions::REPLY, None, Some(Restricted)),
            true,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, None, Some(Global)),
            true,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, Some(Restricted), Some(Group)),
            true,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, Some(Group), Some(Global)),
            true,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, Some(Global), Some(Group)),
            false,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, Some(Group), Some(Restricted)),
            false,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, Some(Restricted), None),
            false,
        ),
        (
            grant_changed(role, "I", Permissions::REPLY, Some(Global), None),
            false,
        ),
        (
            Change::PlanChanged {
                before: Plan::Free,
                after: Plan::Enterprise,
            },
            false,
        ),
        (
            Change::RoleCreated {
                role,
                name: "I".into(),
                source: Some(ACCOUNT_ADMIN),
            },
            false,
        ),
        (
            Change::RoleRenamed {
                role,
                before: "I".into(),
                after: "J".into(),
            },
            false,
        ),
        (
            Change::RoleDescribed {
                role,
                name: "I".into(),
                before: String::new(),
                after: "d".into(),
            },
            false,
        ),
        (
            Change::RoleDeleted {
                role,
                name: "I".into(),
            },
            false,
        ),
    ];
    for (change, widens) in cases {
        assert_eq!(change.widens(), widens, "{change}");
    }
    // The design's example.
    let mut policy = fixture();
    policy
        .revoke(&owner(), INTERN, Permissions::REPLY)
        .expect("revoke");
    let before = policy.clone();
    policy
        .grant(&owner(), INTERN, Permissions::REPLY, Group)
        .expect("grant");
    let changes = before.diff(&policy);
    assert_eq!(changes.len(), 1);
    assert!(changes.iter().all(Change::widens));
}

#[test]
fn each_change_is_one_sentence_naming_roles_by_id_and_name() {
    let reply = |b, a| grant_changed(INTERN, "Intern", Permissions::REPLY, b, a);
    let cases = [
        (
            Change::PlanChanged {
                before: Plan::Pro,
                after: Plan::Growth,
            },
            "the plan changed from pro to growth",
        ),
        (
            Change::RoleCreated {
                role: INTERN,
                name: "Intern".into(),
                source: Some(SUPPORT_AGENT),
            },
            "role 100 \"Intern\" was created as a clone of role 4",
        ),
        (
            Change::RoleRenamed {
                role: INTERN,
                before: "Intern".into(),
                after: "Trainee".into(),
            },
            "role 100 was renamed from \"Intern\" to \"Trainee\"",
        ),
        (
            Change::RoleDescribed {
                role: INTERN,
                name: "Intern".into(),
                before: String::new(),
                after: "Notes,\nno \"replies\"".into(),
            },
            "role 100 \"Intern\" is now described as \"Notes,\\nno \\\"replies\\\"\"",
        ),
        (
            Change::RoleDeleted {
                role: INTERN,
                name: "Intern".into(),
            },
            "role 100 \"Intern\" was deleted",
        ),
        (
            reply(None, Some(Group)),
            "role 100 \"Intern\": reply granted at Group scope",
        ),
        (
            reply(Some(Group), Some(Global)),
            "role 100 \"Intern\": reply widened from Group to Global scope",
        ),
        (
            reply(Some(Global), Some(Restricted)),
            "role 100 \"Intern\": reply narrowed from Global to Restricted scope",
        ),
        (
            reply(Some(Group), None),
            "role 100 \"Intern\": reply revoked (was Group scope)",
        ),
        // `diff` never reports an unchanged grant, but a host may build one.
        (
            reply(Some(Group), Some(Group)),
            "role 100 \"Intern\": reply unchanged at Group scope",
        ),
        (
            grant_changed(
                INTERN,
                "Intern",
                Permissions::VIEW_REPORTS,
                Some(Restricted),
                None,
            ),
            "role 100 \"Intern\": view_reports revoked (was Restricted scope)",
        ),
        // Account permissions have no scope: granted or revoked.
        (
            grant_changed(
                INTERN,
                "Intern",
                Permissions::MANAGE_FAQS,
                None,
                Some(Global),
            ),
            "role 100 \"Intern\": manage_faqs granted",
        ),
        (
            grant_changed(
                INTERN,
                "Intern",
                Permissions::VIEW_PEOPLE,
                Some(Global),
                None,
            ),
            "role 100 \"Intern\": view_people revoked",
        ),
    ];
    for (change, sentence) in cases {
        assert_eq!(change.to_string(), sentence);
        assert!(!sentence.contains('\n'), "one line");
        let role = match change {
            Change::PlanChanged { .. } => None,
            _ => Some(INTERN),
        };
        assert_eq!(change.role(), role, "{sentence}");
    }
    // A hostile name cannot break the sentence apart.
    let change = Change::RoleRenamed {
        role: INTERN,
        before: "a\"b".into(),
        after: "c\u{1b}d".into(),
    };
    let sentence = change.to_string();
    assert!(!sentence.chars().any(char::is_control), "{sentence:?}");
    assert!(sentence.contains("100"), "{sentence}");
}

#[test]
fn changes_serialize_tagged_with_permissions_by_name() {
    let cases = [
        (
            Change::PlanChanged {
                before: Plan::Pro,
                after: Plan::Growth,
            },
            serde_json::json!({"change": "plan_changed", "before": "pro", "after": "growth"}),
        ),
        (
            Change::RoleCreated {
                role: INTERN,
                name: "Intern".into(),
                source: Some(SUPPORT_AGENT),
            },
            serde_json::json!({"change": "role_created", "role": 100, "name": "Intern", "source": 4}),
        ),
        (
            Change::RoleRenamed {
                role: INTERN,
                before: "Intern".into(),
                after: "Trainee".into(),
            },
            serde_json::json!({"change": "role_renamed", "role": 100, "before": "Intern", "after": "Trainee"}),
        ),
        (
            Change::RoleDescribed {
                role: INTERN,
                name: "Intern".into(),
                before: String::new(),
                after: "Desk".into(),
            },
            serde_json::json!({"change": "role_described", "role": 100, "name": "Intern", "before": "", "after": "Desk"}),
        ),
        (
            Change::RoleDeleted {
                role: INTERN,
                name: "Intern".into(),
            },
            serde_json::json!({"change": "role_deleted", "role": 100, "name": "Intern"}),
        ),
        (
            grant_changed(
                INTERN,
                "Intern",
                Permissions::REPLY,
                Some(Group),
                Some(Global),
            ),
            serde_json::json!({"change": "grant_changed", "role": 100, "name": "Intern", "permission": "reply", "kind": "conversation", "before": "group", "after": "global"}),
        ),
        (
            grant_changed(
                INTERN,
                "Intern",
                Permissions::VIEW_PEOPLE,
                None,
                Some(Global),
            ),
            serde_json::json!({"change": "grant_changed", "role": 100, "name": "Intern", "permission": "view_people", "kind": "account", "before": null, "after": "global"}),
        ),
    ];
    for (change, json) in cases {
        assert_eq!(
            serde_json::to_value(&change).expect("serializes"),
            json,
            "{change}"
        );
    }
}

/// A role created and described between two revisions: the audit log needs the description
/// as much as the grants (the diff lists a created role's grants from `None`), but the diff
/// says nothing about it.
#[test]
fn a_created_role_lists_its_description_too() {
    let before = fixture();
    let mut after = before.clone();
    let night = after
        .clone_role(&owner(), BuiltInRole::RestrictedUser.id(), "Night")
        .expect("clone");
    after
        .set_role_description(&owner(), night, "Covers the night queue")
        .expect("describe");
    let listed = before.diff(&after).iter().any(|change| {
        matches!(change, Change::RoleDescribed { role, after, .. }
            if *role == night && after == "Covers the night queue")
            || change.to_string().contains("Covers the night queue")
    });
    assert!(listed, "{:#?}", before.diff(&after));
}

// ---------------------------------------------------------------------------------------------
// Property: diffs over random sequences of governance calls

#[derive(Debug, Clone)]
enum Op {
    Clone {
        source: u32,
        name: usize,
    },
    Grant {
        role: u32,
        bits: u64,
        scope: Scope,
    },
    Revoke {
        role: u32,
        bits: u64,
    },
    SetGrants {
        role: u32,
        entries: Vec<(u64, Scope)>,
    },
    Rename {
        role: u32,
        name: usize,
    },
    Describe {
        role: u32,
        text: usize,
    },
    Delete {
        role: u32,
    },
    Plan(Plan),
}

const NAMES: [&str; 5] = ["Night", "Day", "night", "Weekend", "Support Agent"];
const TEXTS: [&str; 4] = ["", "Desk", " Desk ", "Two\nlines"];

/// A role id: a built-in one, or one of the first custom ids (some never issued).
fn role_id() -> impl Strategy<Value = u32> {
    prop_oneof![1 => 1_u32..=9, 4 => 100_u32..106]
}

/// A few permission bits, account ones included so that some grants are refused.
fn bits() -> impl Strategy<Value = u64> {
    prop::collection::vec(0_u32..20, 1..4)
        .prop_map(|bits| bits.into_iter().fold(0, |all, bit| all | 1 << bit))
}

fn scope() -> impl Strategy<Value = Scope> {
    prop_oneof![Just(Restricted), Just(Group), Just(Global)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (role_id(), 0..NAMES.len()).prop_map(|(source, name)| Op::Clone { source, name }),
        4 => (role_id(), bits(), scope()).prop_map(|(role, bits, scope)| Op::Grant { role, bits, scope }),
        2 => (role_id(), bits()).prop_map(|(role, bits)| Op::Revoke { role, bits }),
        2 => (role_id(), prop::collection::vec((bits(), scope()), 0..4))
            .prop_map(|(role, entries)| Op::SetGrants { role, entries }),
        1 => (role_id(), 0..NAMES.len()).prop_map(|(role, name)| Op::Rename { role, name }),
        1 => (role_id(), 0..TEXTS.len()).prop_map(|(role, text)| Op::Describe { role, text }),
        1 => role_id().prop_map(|role| Op::Delete { role }),
        1 => prop_oneof![Just(Plan::Free), Just(Plan::Growth), Just(Plan::Pro), Just(Plan::Enterprise)]
            .prop_map(Op::Plan),
    ]
}

fn apply(policy: &mut Policy, op: &Op) {
    let o = owner();
    let p = Permissions::from_bits_retain;
    // Refusals are part of the sequence: they must leave no trace in any diff.
    let _ = match *op {
        Op::Clone { source, name } => policy.clone_role(&o, RoleId(source), NAMES[name]).map(drop),
        Op::Grant { role, bits, scope } => policy.grant(&o, RoleId(role), p(bits), scope),
        Op::Revoke { role, bits } => policy.revoke(&o, RoleId(role), p(bits)),
        Op::SetGrants { role, ref entries } => policy.set_grants(
            &o,
            RoleId(role),
            entries.iter().map(|&(bits, scope)| (p(bits), scope)),
        ),
        Op::Rename { role, name } => policy.rename_role(&o, RoleId(role), NAMES[name]),
        Op::Describe { role, text } => policy.set_role_description(&o, RoleId(role), TEXTS[text]),
        Op::Delete { role } => policy.delete_role(&o, RoleId(role)),
        Op::Plan(plan) => policy.set_plan(plan),
    };
}

/// Every custom grant of a policy, keyed by role and permission bit.
fn grant_map(policy: &Policy) -> BTreeMap<(RoleId, u64), Scope> {
    policy
        .roles()
        .filter(|r| r.is_custom())
        .flat_map(|r| r.grants().map(move |(p, s)| ((r.id(), p.bits()), s)))
        .collect()
}

/// Custom roles by id: name and description.
fn role_map(policy: &Policy) -> BTreeMap<RoleId, (String, String)> {
    policy
        .roles()
        .filter(|r| r.is_custom())
        .map(|r| (r.id(), (r.name().to_owned(), r.description().to_owned())))
        .collect()
}

/// Checks `before.diff(after)` against the two policies themselves.
fn check_diff(before: &Policy, after: &Policy, reload: bool) -> Result<(), TestCaseError> {
    let changes = before.diff(after);
    // Deterministic: again, on clones, and (for some pairs) on reloaded copies.
    prop_assert_eq!(&before.diff(after), &changes);
    prop_assert_eq!(&before.clone().diff(&after.clone()), &changes);
    if reload {
        let load = |p: &Policy| -> Policy { serde_json::from_str(&saved(p)).expect("reload") };
        prop_assert_eq!(&load(before).diff(&load(after)), &changes);
    }

    // Applying the listed changes to the earlier policy gives the later one.
    let mut grants = grant_map(before);
    let mut roles = role_map(before);
    let mut plan = before.plan();
    let mut last: Option<(RoleId, u64)> = None;
    for (index, change) in changes.iter().enumerate() {
        let sentence = change.to_string();
        prop_assert!(
            !sentence.is_empty() && !sentence.contains('\n'),
            "{}",
            sentence
        );
        let json = serde_json::to_value(change).expect("serializes");
        prop_assert!(json["change"].is_string());
        let role = match change {
            Change::PlanChanged {
                before: was,
                after: now,
            } => {
                prop_assert_eq!(index, 0, "the plan comes first");
                prop_assert_eq!(*was, plan);
                plan = *now;
                None
            }
            Change::RoleCreated { role, name, .. } => {
                // A clone starts undescribed; a description given since follows as a change.
                prop_assert!(roles.insert(*role, (name.clone(), String::new())).is_none());
                Some((*role, 0))
            }
            Change::RoleRenamed {
                role,
                before: was,
                after: now,
            } => {
                let entry = roles.get_mut(role).expect("renamed role existed");
                prop_assert_eq!(&entry.0, was);
                entry.0.clone_from(now);
                Some((*role, 0))
            }
            Change::RoleDescribed {
                role,
                before: was,
                after: now,
                ..
            } => {
                let entry = roles.get_mut(role).expect("described role existed");
                prop_assert_eq!(&entry.1, was);
                entry.1.clone_from(now);
                Some((*role, 0))
            }
            Change::RoleDeleted { role, .. } => {
                prop_assert!(roles.remove(role).is_some());
                Some((*role, 0))
            }
            Change::GrantChanged {
                role,
                permission,
                before: was,
                after: now,
                permission_name,
                ..
            } => {
                prop_assert_eq!(permission.permission_name(), Some(*permission_name));
                prop_assert_ne!(was, now);
                prop_assert_eq!(change.widens(), now > was);
                let key = (*role, permission.bits());
                prop_assert_eq!(grants.get(&key).copied(), *was, "{}", sentence);
                match now {
                    Some(scope) => grants.insert(key, *scope),
                    None => grants.remove(&key),
                };
                Some(key)
            }
            _ => return Err(TestCaseError::fail(format!("unexpected change {change:?}"))),
        };
        // Order: role ids ascending; within a role, its own changes before its grants, grants
        // in bit order (role-level changes are keyed 0, grants by their bit, which is > 0).
        if let Some(key) = role {
            if let Some(previous) = last {
                let in_order = previous.0 < key.0
                    || (previous.0 == key.0
                        && if key.1 == 0 {
                            previous.1 == 0
                        } else {
                            previous.1 < key.1
                        });
                prop_assert!(in_order, "out of order: {:?} then {:?}", previous, key);
            }
            last = Some(key);
        }
    }
    prop_assert_eq!(plan, after.plan());
    prop_assert_eq!(grants, grant_map(after));
    prop_assert_eq!(roles, role_map(after));

    // The reverse diff lists the same grant changes, swapped.
    let swapped: Vec<_> = after
        .diff(before)
        .into_iter()
        .filter_map(|c| match c {
            Change::GrantChanged {
                role,
                permission,
                before,
                after,
                ..
            } => Some((role, permission, after, before)),
            _ => None,
        })
        .collect();
    let forward: Vec<_> = changes
        .iter()
        .filter_map(|c| match *c {
            Change::GrantChanged {
                role,
                permission,
                before,
                after,
                ..
            } => Some((role, permission, before, after)),
            _ => None,
        })
        .collect();
    prop_assert_eq!(swapped, forward);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn diffs_between_any_two_points_of_a_governance_sequence_replay_the_grants(
        ops in prop::collection::vec(op(), 1..20),
    ) {
        let mut policy = fixture();
        let mut points = vec![policy.clone()];
        for op in &ops {
            apply(&mut policy, op);
            points.push(policy.clone());
        }
        for (i, before) in points.iter().enumerate() {
            prop_assert!(before.diff(before).is_empty());
            for (j, after) in points.iter().enumerate().skip(i + 1) {
                let reload = i == 0 || j == points.len() - 1 || j == i + 1;
                check_diff(before, after, reload)?;
                check_diff(after, before, reload)?;
            }
        }
    }
}
