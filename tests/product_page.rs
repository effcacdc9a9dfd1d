//! Each statement of the product help page ("Customize permissions based on user roles", "What
//! are Roles and Permissions", ...) as a test. The page's wording is quoted above each test.

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, PolicyError,
    Reason, Resource, RoleId, Scope, Subject, Team, UserId,
};

const ME: UserId = UserId(7);
const SOMEONE: UserId = UserId(5);
const MY_GROUPS: [GroupId; 2] = [GroupId(4), GroupId(1)];
const OTHER_GROUP: GroupId = GroupId(9);

/// Every permission, by name (the design's vocabulary), so that failures name them.
const ALL: [(&str, Permissions); 20] = [
    ("view_conversations", Permissions::VIEW_CONVERSATIONS),
    ("reply", Permissions::REPLY),
    ("add_private_note", Permissions::ADD_PRIVATE_NOTE),
    ("assign_conversation", Permissions::ASSIGN_CONVERSATION),
    ("resolve_conversation", Permissions::RESOLVE_CONVERSATION),
    ("delete_conversation", Permissions::DELETE_CONVERSATION),
    ("view_dashboard", Permissions::VIEW_DASHBOARD),
    ("view_reports", Permissions::VIEW_REPORTS),
    ("export_reports", Permissions::EXPORT_REPORTS),
    ("manage_settings", Permissions::MANAGE_SETTINGS),
    ("view_people", Permissions::VIEW_PEOPLE),
    ("edit_people", Permissions::EDIT_PEOPLE),
    ("view_contact_details", Permissions::VIEW_CONTACT_DETAILS),
    ("edit_own_profile", Permissions::EDIT_OWN_PROFILE),
    ("manage_faqs", Permissions::MANAGE_FAQS),
    ("manage_campaigns", Permissions::MANAGE_CAMPAIGNS),
    ("manage_users", Permissions::MANAGE_USERS),
    ("manage_groups", Permissions::MANAGE_GROUPS),
    ("manage_custom_roles", Permissions::MANAGE_CUSTOM_ROLES),
    ("manage_account", Permissions::MANAGE_ACCOUNT),
];

/// "engage in customer conversations": everything one does in a conversation short of deleting
/// it (the design's table gives Support Agents these five, at Global).
const ENGAGE: Permissions = Permissions::VIEW_CONVERSATIONS
    .union(Permissions::REPLY)
    .union(Permissions::ADD_PRIVATE_NOTE)
    .union(Permissions::ASSIGN_CONVERSATION)
    .union(Permissions::RESOLVE_CONVERSATION);
/// "access the People section": the contacts, including their details.
const PEOPLE_SECTION: Permissions = Permissions::VIEW_PEOPLE
    .union(Permissions::EDIT_PEOPLE)
    .union(Permissions::VIEW_CONTACT_DETAILS);
/// "edit their own profile information".
const OWN_PROFILE: Permissions = Permissions::EDIT_OWN_PROFILE;
/// "create/edit campaigns and FAQs".
const CAMPAIGNS_AND_FAQS: Permissions =
    Permissions::MANAGE_CAMPAIGNS.union(Permissions::MANAGE_FAQS);
/// "create custom roles".
const CUSTOM_ROLES: Permissions = Permissions::MANAGE_CUSTOM_ROLES;

const MY_CONVERSATION: Conversation<'static> = Conversation {
    group: Some(GroupId(1)),
    assignee: None,
    participants: &[],
};
const OTHER_CONVERSATION: Conversation<'static> = Conversation {
    group: Some(OTHER_GROUP),
    assignee: Some(SOMEONE),
    participants: &[UserId(6)],
};
const ASSIGNED_TO_ME: Conversation<'static> = Conversation {
    group: Some(OTHER_GROUP),
    assignee: Some(ME),
    participants: &[],
};
const I_FOLLOW: Conversation<'static> = Conversation {
    group: Some(OTHER_GROUP),
    assignee: Some(SOMEONE),
    participants: &[UserId(6), ME],
};
const UNROUTED: Conversation<'static> = Conversation {
    group: None,
    assignee: None,
    participants: &[],
};

/// Every kind of resource a check can be about.
fn resources() -> Vec<(&'static str, &'static dyn Resource)> {
    vec![
        ("a conversation in the user's group", &MY_CONVERSATION),
        ("a conversation of another group", &OTHER_CONVERSATION),
        ("a conversation assigned to the user", &ASSIGNED_TO_ME),
        ("a conversation the user follows", &I_FOLLOW),
        ("a conversation with no group", &UNROUTED),
        ("the user's team", &Team(GroupId(4))),
        ("another team", &Team(OTHER_GROUP)),
        ("the account", &Account),
        ("the user's own report", &AboutUser(ME)),
        ("someone else's report", &AboutUser(SOMEONE)),
    ]
}

fn subject(role: RoleId) -> Subject<'static> {
    Subject {
        user: ME,
        role,
        groups: &MY_GROUPS,
        view_only: &[],
    }
}

fn owner(policy: &Policy) -> Subject<'static> {
    Subject {
        user: UserId(1),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    }
}

fn allowed(policy: &Policy, role: RoleId, permissions: Permissions, on: &dyn Resource) -> bool {
    policy.check(&subject(role), permissions, on).is_allowed()
}

fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// "Support Agents have access to the least features in your account. They can engage in
/// customer conversations, access the People section, and edit their own profile information."
/// ... and nothing more: every other permission is denied, on every resource.
#[test]
fn support_agents_engage_in_conversations_use_people_edit_their_profile_and_nothing_more() {
    let policy = Policy::new(Plan::Pro);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let theirs = ENGAGE | PEOPLE_SECTION | OWN_PROFILE;
    let mut failures = Vec::new();
    for (name, permission) in ALL {
        for (label, resource) in resources() {
            let want = theirs.contains(permission);
            let d = policy.check(&subject(agent), permission, resource);
            if d.is_allowed() != want {
                failures.push(format!(
                    "Support Agent / {name} / {label}: expected allowed={want}, got `{d}`"
                ));
            }
            if !want
                && !matches!(*d.reason(), Reason::NotGranted { permission: p, .. } if p == permission)
            {
                failures.push(format!(
                    "Support Agent / {name} / {label}: expected NotGranted, got `{d}`"
                ));
            }
        }
    }
    // Everything they may do, asked at once, on any conversation of any group.
    for (label, resource) in resources().into_iter().take(5) {
        if !allowed(&policy, agent, theirs, resource) {
            failures.push(format!("Support Agent / all their permissions / {label}"));
        }
    }
    report(&failures);
}

/// "Support Managers access will be able to create/edit campaigns and FAQs, apart from the
/// access given to Support Agents": compared permission by permission, on every resource.
#[test]
fn support_managers_are_support_agents_plus_campaigns_and_faqs() {
    let policy = Policy::new(Plan::Pro);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let manager = policy.builtin(BuiltInRole::SupportManager);
    let (agent_role, manager_role) = (policy.role(agent), policy.role(manager));
    let mut failures = Vec::new();
    for (name, permission) in ALL {
        let extra = CAMPAIGNS_AND_FAQS.contains(permission);
        let scopes = (
            agent_role.and_then(|r| r.scope_of(permission)),
            manager_role.and_then(|r| r.scope_of(permission)),
        );
        let scopes_ok = if extra {
            scopes == (None, Some(Scope::Global))
        } else {
            scopes.0 == scopes.1
        };
        if !scopes_ok {
            failures.push(format!("{name}: agent / manager scopes {scopes:?}"));
        }
        for (label, resource) in resources() {
            let a = allowed(&policy, agent, permission, resource);
            let m = allowed(&policy, manager, permission, resource);
            let want = if extra { (false, true) } else { (a, a) };
            if (a, m) != want {
                failures.push(format!(
                    "{name} / {label}: agent allowed={a}, manager allowed={m}, expected {want:?}"
                ));
            }
        }
    }
    report(&failures);
}

/// The page's example: "you might want your customer support team to be able to create new
/// FAQ articles but not launch marketing campaigns."
#[test]
fn a_support_team_role_with_faqs_but_no_campaigns() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let manager = policy.builtin(BuiltInRole::SupportManager);
    let support = policy
        .clone_role(&owner, manager, "Support Team")
        .expect("the Account Admin clones on Pro");
    policy
        .revoke(&owner, support, Permissions::MANAGE_CAMPAIGNS)
        .expect("revoke");
    let cases = [
        ("manage_faqs", Permissions::MANAGE_FAQS, true),
        ("manage_campaigns", Permissions::MANAGE_CAMPAIGNS, false),
        ("reply", Permissions::REPLY, true),
    ];
    for (name, permission, want) in cases {
        let d = policy.check(&subject(support), permission, &Account);
        assert_eq!(d.is_allowed(), want, "Support Team / {name}: `{d}`");
    }
}

/// "Admin can do everything the account admin can do, but Admin cannot create custom roles."
#[test]
fn administrators_do_everything_the_account_admin_does_but_custom_roles() {
    let policy = Policy::new(Plan::Pro);
    let owner_role = policy.builtin(BuiltInRole::AccountAdmin);
    let admin = policy.builtin(BuiltInRole::Administrator);
    let mut failures = Vec::new();
    for (name, permission) in ALL {
        let custom_roles = CUSTOM_ROLES.contains(permission);
        let scopes = (
            policy.role(owner_role).and_then(|r| r.scope_of(permission)),
            policy.role(admin).and_then(|r| r.scope_of(permission)),
        );
        let scopes_ok = if custom_roles {
            scopes.1.is_none()
        } else {
            scopes.0 == scopes.1
        };
        if !scopes_ok {
            failures.push(format!("{name}: account admin / admin scopes {scopes:?}"));
        }
        for (label, resource) in resources() {
            let o = allowed(&policy, owner_role, permission, resource);
            let a = allowed(&policy, admin, permission, resource);
            let want = if custom_roles { (true, false) } else { (o, o) };
            if (o, a) != want {
                failures.push(format!(
                    "{name} / {label}: account admin allowed={o}, admin allowed={a}, \
                     expected {want:?}"
                ));
            }
        }
    }
    report(&failures);
}

/// "... but Admin cannot create custom roles", nor change, rename or delete them: each attempt
/// is refused with `PolicyError::NotAllowed` and leaves the policy exactly as it was.
#[test]
fn administrators_cannot_create_or_change_custom_roles() {
    let mut policy = Policy::new(Plan::Enterprise);
    let owner = owner(&policy);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let existing = policy
        .clone_role(&owner, agent, "Existing")
        .expect("the Account Admin clones");
    let admin = Subject {
        user: UserId(2),
        role: policy.builtin(BuiltInRole::Administrator),
        groups: &[],
        view_only: &[],
    };
    let before = policy.clone();
    let refused = PolicyError::NotAllowed {
        role: "Administrator".to_owned(),
    };
    let attempts: [(&str, Result<(), PolicyError>); 5] = [
        (
            "clone_role",
            policy.clone_role(&admin, agent, "Admin Made").map(|_| ()),
        ),
        (
            "grant",
            policy.grant(
                &admin,
                existing,
                Permissions::DELETE_CONVERSATION,
                Scope::Global,
            ),
        ),
        (
            "revoke",
            policy.revoke(&admin, existing, Permissions::REPLY),
        ),
        (
            "rename_role",
            policy.rename_role(&admin, existing, "Renamed"),
        ),
        ("delete_role", policy.delete_role(&admin, existing)),
    ];
    for (what, result) in attempts {
        assert_eq!(result, Err(refused.clone()), "Administrator / {what}");
    }
    assert_eq!(policy, before, "refusals change nothing");
    assert!(policy.role_by_name("Admin Made").is_none());
    // The refusal reads as a clear sentence naming the role.
    assert!(
        refused.to_string().contains("Administrator"),
        "message: {refused}"
    );
}

/// "Account Admin/Owner has access to everything": every permission, alone and all at once, on
/// every resource; and they alone may create custom roles.
#[test]
fn the_account_admin_has_everything() {
    let mut policy = Policy::new(Plan::Pro);
    let owner_role = policy.builtin(BuiltInRole::AccountAdmin);
    let mut failures = Vec::new();
    for (label, resource) in resources() {
        for (name, permission) in ALL {
            if !allowed(&policy, owner_role, permission, resource) {
                failures.push(format!("Account Admin / {name} / {label}"));
            }
        }
        if !allowed(&policy, owner_role, Permissions::all(), resource) {
            failures.push(format!(
                "Account Admin / every permission at once / {label}"
            ));
        }
    }
    report(&failures);
    let owner = owner(&policy);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    assert!(policy.clone_role(&owner, agent, "Mine").is_ok());
}

/// "Only account admins can update or create new custom roles themselves, custom roles users
/// themselves cannot do this." Nor can any other built-in role. A clone of the Account Admin
/// gets everything else, but not this.
#[test]
fn only_account_admins_create_or_update_custom_roles() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let admin_clone = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::Administrator), "Deputy")
        .expect("clone Administrator");
    let owner_clone = policy
        .clone_role(
            &owner,
            policy.builtin(BuiltInRole::AccountAdmin),
            "Co-owner",
        )
        .expect("clone Account Admin");
    assert_eq!(
        policy.role(owner_clone).map(|r| r.permissions()),
        Some(Permissions::all() - Permissions::MANAGE_CUSTOM_ROLES),
        "a clone of the Account Admin has everything else"
    );
    let target = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Target")
        .expect("clone Support Agent");

    let mut actors: Vec<(String, RoleId)> = vec![
        ("Deputy".to_owned(), admin_clone),
        ("Co-owner".to_owned(), owner_clone),
    ];
    for role in BuiltInRole::ALL {
        if role != BuiltInRole::AccountAdmin {
            actors.push((role.name().to_owned(), policy.builtin(role)));
        }
    }
    for (name, role) in actors {
        let actor = Subject {
            user: UserId(3),
            role,
            groups: &[],
            view_only: &[],
        };
        let refused = Err(PolicyError::NotAllowed { role: name.clone() });
        let before = policy.clone();
        assert_eq!(
            policy.clone_role(&actor, target, "New").map(|_| ()),
            refused,
            "{name} / clone_role"
        );
        assert_eq!(
            policy.grant(&actor, target, Permissions::MANAGE_FAQS, Scope::Global),
            refused,
            "{name} / grant"
        );
        assert_eq!(
            policy.rename_role(&actor, target, "Other"),
            refused,
            "{name} / rename_role"
        );
        assert_eq!(policy, before, "{name}: refusals change nothing");
        let d = policy.check(&subject(role), Permissions::MANAGE_CUSTOM_ROLES, &Account);
        assert!(d.is_denied(), "{name} / manage_custom_roles: `{d}`");
    }
}

/// "This is available from the Pro and Enterprise plans."
#[test]
fn custom_roles_need_the_pro_or_enterprise_plan() {
    let cases = [
        (Plan::Free, false),
        (Plan::Growth, false),
        (Plan::Pro, true),
        (Plan::Enterprise, true),
    ];
    for (plan, available) in cases {
        let mut policy = Policy::new(plan);
        let owner = owner(&policy);
        let agent = policy.builtin(BuiltInRole::SupportAgent);
        let result = policy.clone_role(&owner, agent, "Intern");
        if available {
            assert!(result.is_ok(), "{plan:?}: {result:?}");
        } else {
            assert_eq!(
                result,
                Err(PolicyError::PlanWithoutCustomRoles(plan)),
                "{plan:?}"
            );
        }
    }
}

/// "You can give a distinct role name and clone an existing role. The available roles are:
/// Account Admin, Administrator, Support Agent, Support Manager, Marketing User, Marketing
/// Manager, Restricted User, Sales User, Sales Manager, Custom Role."
#[test]
fn the_listed_roles_exist_and_can_be_cloned_under_a_distinct_name() {
    let page = [
        "Account Admin",
        "Administrator",
        "Support Agent",
        "Support Manager",
        "Marketing User",
        "Marketing Manager",
        "Restricted User",
        "Sales User",
        "Sales Manager",
    ];
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let mut previous_custom = None;
    for (index, name) in page.into_iter().enumerate() {
        let source = policy
            .role_by_name(name)
            .map(|r| r.id())
            .unwrap_or_else(|| panic!("{name} is a role of every policy"));
        let clone_name = format!("Custom {index}");
        let clone = policy
            .clone_role(&owner, source, &clone_name)
            .unwrap_or_else(|e| panic!("clone {name}: {e}"));
        let expected = policy.role(source).map(|r| r.permissions() - CUSTOM_ROLES);
        assert_eq!(
            policy.role(clone).map(|r| r.permissions()),
            expected,
            "{clone_name} copies {name}"
        );
        // "Custom Role": a custom role can itself be cloned.
        if let Some(previous) = previous_custom {
            assert!(policy
                .clone_role(&owner, previous, &format!("Custom of custom {index}"))
                .is_ok());
        }
        previous_custom = Some(clone);
        // "a distinct role name": a built-in name, or one already taken, is refused.
        assert!(
            policy.clone_role(&owner, source, name).is_err(),
            "{name} reused"
        );
        assert!(
            policy
                .clone_role(&owner, source, &clone_name.to_uppercase())
                .is_err(),
            "{clone_name} reused"
        );
    }
}

/// "Global: It means your agent can add private notes on all conversations. Group: Can add
/// private notes only on conversations that are assigned to those groups the agent is a part
/// of. Restricted: Can only add private notes to the conversations they are taking up."
///
/// Per the design, Group also reaches what Restricted does (a conversation assigned to the
/// agent stays reachable when it moves to another group).
#[test]
fn private_notes_at_global_group_and_restricted() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let mut roles = Vec::new();
    for scope in Scope::ALL {
        let role = policy
            .clone_role(&owner, agent, &format!("Notes {scope}"))
            .expect("clone");
        policy
            .grant(&owner, role, Permissions::ADD_PRIVATE_NOTE, scope)
            .expect("grant");
        roles.push((scope, role));
    }
    struct Case {
        conversation: &'static str,
        facts: Conversation<'static>,
        /// Expected at Global, Group, Restricted.
        global: bool,
        group: bool,
        restricted: bool,
    }
    let cases = [
        Case {
            conversation: "in one of the agent's groups, not assigned",
            facts: MY_CONVERSATION,
            global: true,
            group: true,
            restricted: false,
        },
        Case {
            conversation: "in the agent's other group, assigned to someone else",
            facts: Conversation {
                group: Some(GroupId(4)),
                assignee: Some(SOMEONE),
                participants: &[],
            },
            global: true,
            group: true,
            restricted: false,
        },
        Case {
            conversation: "of another group, someone else's",
            facts: OTHER_CONVERSATION,
            global: true,
            group: false,
            restricted: false,
        },
        Case {
            conversation: "with no group",
            facts: UNROUTED,
            global: true,
            group: false,
            restricted: false,
        },
        Case {
            conversation: "the agent is taking up: assigned to them, in another group",
            facts: ASSIGNED_TO_ME,
            global: true,
            group: true,
            restricted: true,
        },
        Case {
            conversation: "the agent is taking up: following it, in another group",
            facts: I_FOLLOW,
            global: true,
            group: true,
            restricted: true,
        },
        Case {
            conversation: "the agent is taking up, in their own group",
            facts: Conversation {
                group: Some(GroupId(1)),
                assignee: Some(ME),
                participants: &[],
            },
            global: true,
            group: true,
            restricted: true,
        },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        for &(scope, role) in &roles {
            let want = match scope {
                Scope::Global => case.global,
                Scope::Group => case.group,
                Scope::Restricted => case.restricted,
            };
            let d = policy.check(&subject(role), Permissions::ADD_PRIVATE_NOTE, &case.facts);
            if d.is_allowed() != want {
                failures.push(format!(
                    "add_private_note at {scope} / {}: expected allowed={want}, got `{d}`",
                    case.conversation
                ));
            }
            // Replying stays at the Support Agent's Global scope: only the note was narrowed.
            if !allowed(&policy, role, Permissions::REPLY, &case.facts) {
                failures.push(format!(
                    "reply with notes at {scope} / {}: expected allowed",
                    case.conversation
                ));
            }
        }
    }
    report(&failures);
}

/// "when you have interns joining your team, you might want them to be able to view customer
/// conversations for training purposes but not reply to them."
#[test]
fn interns_view_conversations_but_do_not_reply() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let intern = policy
        .clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Intern")
        .expect("clone");
    policy
        .revoke(&owner, intern, Permissions::REPLY)
        .expect("revoke");
    for (label, resource) in resources().into_iter().take(5) {
        let view = policy.check(&subject(intern), Permissions::VIEW_CONVERSATIONS, resource);
        let reply = policy.check(&subject(intern), Permissions::REPLY, resource);
        assert!(view.is_allowed(), "Intern / view / {label}: `{view}`");
        assert!(reply.is_denied(), "Intern / reply / {label}: `{reply}`");
        assert_eq!(
            reply.to_string(),
            "denied: role \"Intern\" does not grant reply",
            "{label}"
        );
    }
}

/// "You can restrict access to teams to not access conversations handled by other regions or
/// other departments. Or you might want an agent with an Admin role to be able to manage
/// settings and view the Dashboard and Reports of only their teams."
#[test]
fn large_teams_are_limited_to_their_own_groups() {
    let mut policy = Policy::new(Plan::Pro);
    let owner = owner(&policy);
    let regional = policy
        .clone_role(
            &owner,
            policy.builtin(BuiltInRole::SupportAgent),
            "EMEA Agent",
        )
        .expect("clone agent");
    policy
        .grant(&owner, regional, ENGAGE, Scope::Group)
        .expect("grant at Group");
    let team_admin = policy
        .clone_role(
            &owner,
            policy.builtin(BuiltInRole::Administrator),
            "Team Admin",
        )
        .expect("clone admin");
    let team_things =
        Permissions::MANAGE_SETTINGS | Permissions::VIEW_DASHBOARD | Permissions::VIEW_REPORTS;
    policy
        .grant(&owner, team_admin, team_things, Scope::Group)
        .expect("grant at Group");

    struct Case {
        case: &'static str,
        role: RoleId,
        permissions: Permissions,
        on: &'static dyn Resource,
        allowed: bool,
    }
    let case = |case, role, permissions, on, allowed| Case {
        case,
        role,
        permissions,
        on,
        allowed,
    };
    #[rustfmt::skip]
    let cases = [
        case("EMEA Agent / own region", regional, ENGAGE, &MY_CONVERSATION, true),
        case("EMEA Agent / other region", regional, Permissions::VIEW_CONVERSATIONS, &OTHER_CONVERSATION, false),
        case("EMEA Agent / other region, assigned to them", regional, ENGAGE, &ASSIGNED_TO_ME, true),
        case("EMEA Agent / unrouted", regional, Permissions::REPLY, &UNROUTED, false),
        case("Team Admin / own team", team_admin, team_things, &Team(GroupId(1)), true),
        case("Team Admin / own other team", team_admin, Permissions::VIEW_REPORTS, &Team(GroupId(4)), true),
        case("Team Admin / another team's settings", team_admin, Permissions::MANAGE_SETTINGS, &Team(OTHER_GROUP), false),
        case("Team Admin / another team's dashboard", team_admin, Permissions::VIEW_DASHBOARD, &Team(OTHER_GROUP), false),
        case("Team Admin / account-wide reports", team_admin, Permissions::VIEW_REPORTS, &Account, false),
        case("Team Admin / still exports everywhere", team_admin, Permissions::EXPORT_REPORTS, &Account, true),
    ];
    for c in cases {
        let d = policy.check(&subject(c.role), c.permissions, c.on);
        assert_eq!(d.is_allowed(), c.allowed, "{}: `{d}`", c.case);
    }
}
