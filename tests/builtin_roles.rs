//! Every cell of the design's built-in role table (20 permissions x 9 roles), in every
//! situation the design names.
//!
//! The oracle is written here, independently of the engine: `TABLE` is a literal transcription
//! of the table in DESIGN.md (and README.md), and `narrowest_reaching` is the design's scope
//! rule. The engine's own role data (`Role::scope_of`, `Role::grants`, ...) is checked *against*
//! the transcription, never used to compute an expected answer.

mod common;

use common::brief;
use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, Fact, GroupId, Permissions, Plan, Policy,
    Reason, Resource, RoleId, Scope, Subject, Team, UserId,
};

/// The table's columns, in the table's order, as DESIGN.md names them.
const ROLE_NAMES: [&str; 9] = [
    "Account Admin",
    "Administrator",
    "Support Manager",
    "Support Agent",
    "Marketing Manager",
    "Marketing User",
    "Sales Manager",
    "Sales User",
    "Restricted User",
];

/// The `BuiltInRole` variant of each column (CamelCase of the name, per the design).
const ROLES: [BuiltInRole; 9] = [
    BuiltInRole::AccountAdmin,
    BuiltInRole::Administrator,
    BuiltInRole::SupportManager,
    BuiltInRole::SupportAgent,
    BuiltInRole::MarketingManager,
    BuiltInRole::MarketingUser,
    BuiltInRole::SalesManager,
    BuiltInRole::SalesUser,
    BuiltInRole::RestrictedUser,
];

/// DESIGN.md "Built-in roles", copied cell by cell. G = Global, Gr = Group, R = Restricted,
/// ✓ = granted (account kind), "" = not granted.
#[rustfmt::skip]
const TABLE: &[(&str, [&str; 9])] = &[
    // permission             AA    Adm   SMgr  SAg   MMgr  MUsr  SlMg  SlUs  RUsr
    ("view_conversations",   ["G",  "G",  "G",  "G",  "",   "",   "G",  "Gr", "R"]),
    ("reply",                ["G",  "G",  "G",  "G",  "",   "",   "G",  "Gr", "R"]),
    ("add_private_note",     ["G",  "G",  "G",  "G",  "",   "",   "G",  "Gr", "R"]),
    ("assign_conversation",  ["G",  "G",  "G",  "G",  "",   "",   "G",  "",   ""]),
    ("resolve_conversation", ["G",  "G",  "G",  "G",  "",   "",   "G",  "Gr", "R"]),
    ("delete_conversation",  ["G",  "G",  "",   "",   "",   "",   "",   "",   ""]),
    ("view_dashboard",       ["G",  "G",  "",   "",   "G",  "",   "G",  "",   ""]),
    ("view_reports",         ["G",  "G",  "",   "",   "G",  "",   "G",  "",   ""]),
    ("export_reports",       ["G",  "G",  "",   "",   "",   "",   "",   "",   ""]),
    ("manage_settings",      ["G",  "G",  "",   "",   "",   "",   "",   "",   ""]),
    ("view_people",          ["✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓",  ""]),
    ("edit_people",          ["✓",  "✓",  "✓",  "✓",  "✓",  "",   "✓",  "✓",  ""]),
    ("view_contact_details", ["✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓",  ""]),
    ("edit_own_profile",     ["✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓",  "✓"]),
    ("manage_faqs",          ["✓",  "✓",  "✓",  "",   "✓",  "",   "",   "",   ""]),
    ("manage_campaigns",     ["✓",  "✓",  "✓",  "",   "✓",  "✓",  "",   "",   ""]),
    ("manage_users",         ["✓",  "✓",  "",   "",   "",   "",   "",   "",   ""]),
    ("manage_groups",        ["✓",  "✓",  "",   "",   "",   "",   "",   "",   ""]),
    ("manage_custom_roles",  ["✓",  "",   "",   "",   "",   "",   "",   "",   ""]),
    ("manage_account",       ["✓",  "✓",  "",   "",   "",   "",   "",   "",   ""]),
];

/// DESIGN.md "Vocabulary": the kinds, by name.
const CONVERSATION_KIND: [&str; 6] = [
    "view_conversations",
    "reply",
    "add_private_note",
    "assign_conversation",
    "resolve_conversation",
    "delete_conversation",
];
const TEAM_KIND: [&str; 4] = [
    "view_dashboard",
    "view_reports",
    "export_reports",
    "manage_settings",
];

/// The constant for a design permission name, spelled out (SCREAMING_SNAKE_CASE of the name).
fn constant(name: &str) -> Permissions {
    match name {
        "view_conversations" => Permissions::VIEW_CONVERSATIONS,
        "reply" => Permissions::REPLY,
        "add_private_note" => Permissions::ADD_PRIVATE_NOTE,
        "assign_conversation" => Permissions::ASSIGN_CONVERSATION,
        "resolve_conversation" => Permissions::RESOLVE_CONVERSATION,
        "delete_conversation" => Permissions::DELETE_CONVERSATION,
        "view_dashboard" => Permissions::VIEW_DASHBOARD,
        "view_reports" => Permissions::VIEW_REPORTS,
        "export_reports" => Permissions::EXPORT_REPORTS,
        "manage_settings" => Permissions::MANAGE_SETTINGS,
        "view_people" => Permissions::VIEW_PEOPLE,
        "edit_people" => Permissions::EDIT_PEOPLE,
        "view_contact_details" => Permissions::VIEW_CONTACT_DETAILS,
        "edit_own_profile" => Permissions::EDIT_OWN_PROFILE,
        "manage_faqs" => Permissions::MANAGE_FAQS,
        "manage_campaigns" => Permissions::MANAGE_CAMPAIGNS,
        "manage_users" => Permissions::MANAGE_USERS,
        "manage_groups" => Permissions::MANAGE_GROUPS,
        "manage_custom_roles" => Permissions::MANAGE_CUSTOM_ROLES,
        "manage_account" => Permissions::MANAGE_ACCOUNT,
        other => panic!("TABLE names an unknown permission {other:?}"),
    }
}

/// One cell of the table, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// Blank: not granted.
    NotGranted,
    /// ✓: an account permission, granted (no scope).
    Granted,
    /// G, Gr or R: a scoped permission granted at that scope.
    At(Scope),
}

fn cell(text: &str) -> Cell {
    match text {
        "" => Cell::NotGranted,
        "✓" => Cell::Granted,
        "G" => Cell::At(Scope::Global),
        "Gr" => Cell::At(Scope::Group),
        "R" => Cell::At(Scope::Restricted),
        other => panic!("unknown cell {other:?}"),
    }
}

/// The facts of a situation as the test states them (user and group numbers), independent of
/// how the crate's resource types report them.
#[derive(Debug, Clone, Copy)]
struct Facts {
    group: Option<u64>,
    assignee: Option<u64>,
    participants: &'static [u64],
}

/// The user asking, and their groups (deliberately unsorted).
const ME: u64 = 7;
const MY_GROUPS: [GroupId; 2] = [GroupId(4), GroupId(1)];
const MINE: u64 = 1;
const OTHER: u64 = 9;

/// DESIGN.md "Scopes", written out: the narrowest scope that reaches a resource for the user.
/// Taken up (assignee or participant) → Restricted; in one of the user's groups → Group;
/// otherwise (another group, or no group and nobody taking it up) → Global only.
fn narrowest_reaching(facts: &Facts) -> Scope {
    let taken_up = facts.assignee == Some(ME) || facts.participants.contains(&ME);
    let in_my_groups = facts
        .group
        .is_some_and(|g| MY_GROUPS.iter().any(|mine| mine.0 == g));
    if taken_up {
        Scope::Restricted
    } else if in_my_groups {
        Scope::Group
    } else {
        Scope::Global
    }
}

/// The fact the design's rule reads to let `scope` (Restricted or Group) reach the resource,
/// or to keep it out.
fn expected_fact(facts: &Facts, scope: Scope, allowed: bool) -> Fact {
    if allowed {
        if facts.assignee == Some(ME) {
            Fact::Assignee
        } else if let (true, Some(group)) = (scope >= Scope::Group, facts.group) {
            if MY_GROUPS.contains(&GroupId(group)) {
                Fact::InUsersGroups(GroupId(group))
            } else {
                Fact::Participant
            }
        } else {
            Fact::Participant
        }
    } else {
        match (scope, facts.group) {
            (Scope::Restricted, _) => Fact::NotTakenUp,
            (_, Some(group)) => Fact::OutsideUsersGroups(GroupId(group)),
            (_, None) => Fact::NoGroup,
        }
    }
}

struct Situation<'r> {
    name: &'static str,
    facts: Facts,
    /// The narrowest scope reaching it, stated by hand from the design's wording (cross-checks
    /// `narrowest_reaching`).
    stated: Scope,
    resource: &'r dyn Resource,
}

const fn conv(facts: Facts) -> Conversation<'static> {
    // Participants are set separately (from the `*_IDS` slices matching `Facts::participants`);
    // this helper only builds the group and assignee.
    Conversation {
        group: match facts.group {
            Some(g) => Some(GroupId(g)),
            None => None,
        },
        assignee: match facts.assignee {
            Some(u) => Some(UserId(u)),
            None => None,
        },
        participants: &[],
    }
}

const NOBODY: &[u64] = &[];
const OTHERS: &[u64] = &[5, 6];
const WITH_ME: &[u64] = &[6, ME];
const OTHERS_IDS: &[UserId] = &[UserId(5), UserId(6)];
const WITH_ME_IDS: &[UserId] = &[UserId(6), UserId(ME)];

const IN_MY_GROUP: Facts = Facts {
    group: Some(MINE),
    assignee: None,
    participants: NOBODY,
};
const IN_MY_GROUP_OTHERS_TAKING_IT: Facts = Facts {
    group: Some(4),
    assignee: Some(5),
    participants: OTHERS,
};
const IN_OTHER_GROUP: Facts = Facts {
    group: Some(OTHER),
    assignee: None,
    participants: NOBODY,
};
const IN_OTHER_GROUP_OTHERS_TAKING_IT: Facts = Facts {
    group: Some(OTHER),
    assignee: Some(5),
    participants: OTHERS,
};
const ASSIGNED_TO_ME: Facts = Facts {
    group: Some(OTHER),
    assignee: Some(ME),
    participants: NOBODY,
};
const I_PARTICIPATE: Facts = Facts {
    group: Some(OTHER),
    assignee: Some(5),
    participants: WITH_ME,
};
const NO_GROUP_NO_ASSIGNEE: Facts = Facts {
    group: None,
    assignee: None,
    participants: NOBODY,
};
const NO_GROUP_I_PARTICIPATE: Facts = Facts {
    group: None,
    assignee: None,
    participants: WITH_ME,
};
const MY_TEAM: Facts = Facts {
    group: Some(MINE),
    assignee: None,
    participants: NOBODY,
};
const OTHER_TEAM: Facts = Facts {
    group: Some(OTHER),
    assignee: None,
    participants: NOBODY,
};
const THE_ACCOUNT: Facts = Facts {
    group: None,
    assignee: None,
    participants: NOBODY,
};
const ABOUT_ME: Facts = Facts {
    group: None,
    assignee: Some(ME),
    participants: NOBODY,
};
const ABOUT_SOMEONE_ELSE: Facts = Facts {
    group: None,
    assignee: Some(5),
    participants: NOBODY,
};

static C_IN_MY_GROUP: Conversation<'static> = conv(IN_MY_GROUP);
static C_IN_MY_GROUP_OTHERS: Conversation<'static> = Conversation {
    participants: OTHERS_IDS,
    ..conv(IN_MY_GROUP_OTHERS_TAKING_IT)
};
static C_IN_OTHER_GROUP: Conversation<'static> = conv(IN_OTHER_GROUP);
static C_IN_OTHER_GROUP_OTHERS: Conversation<'static> = Conversation {
    participants: OTHERS_IDS,
    ..conv(IN_OTHER_GROUP_OTHERS_TAKING_IT)
};
static C_ASSIGNED_TO_ME: Conversation<'static> = conv(ASSIGNED_TO_ME);
static C_I_PARTICIPATE: Conversation<'static> = Conversation {
    participants: WITH_ME_IDS,
    ..conv(I_PARTICIPATE)
};
static C_NO_GROUP: Conversation<'static> = conv(NO_GROUP_NO_ASSIGNEE);
static C_NO_GROUP_I_PARTICIPATE: Conversation<'static> = Conversation {
    participants: WITH_ME_IDS,
    ..conv(NO_GROUP_I_PARTICIPATE)
};
static T_MINE: Team = Team(GroupId(MINE));
static T_OTHER: Team = Team(GroupId(OTHER));
static ACCOUNT: Account = Account;
static ABOUT_ME_R: AboutUser = AboutUser(UserId(ME));
static ABOUT_ELSE_R: AboutUser = AboutUser(UserId(5));

/// The design's situations (the first five conversations and the three team resources are the
/// ones issue 2 lists), plus a few neighbours that must not change the answer.
fn situations() -> Vec<Situation<'static>> {
    vec![
        Situation {
            name: "conversation in one of the user's groups",
            facts: IN_MY_GROUP,
            stated: Scope::Group,
            resource: &C_IN_MY_GROUP,
        },
        Situation {
            name: "conversation in another group",
            facts: IN_OTHER_GROUP,
            stated: Scope::Global,
            resource: &C_IN_OTHER_GROUP,
        },
        Situation {
            name: "conversation assigned to the user, in another group",
            facts: ASSIGNED_TO_ME,
            stated: Scope::Restricted,
            resource: &C_ASSIGNED_TO_ME,
        },
        Situation {
            name: "conversation the user participates in, in another group",
            facts: I_PARTICIPATE,
            stated: Scope::Restricted,
            resource: &C_I_PARTICIPATE,
        },
        Situation {
            name: "conversation with no group and no assignee",
            facts: NO_GROUP_NO_ASSIGNEE,
            stated: Scope::Global,
            resource: &C_NO_GROUP,
        },
        Situation {
            name: "team the user belongs to",
            facts: MY_TEAM,
            stated: Scope::Group,
            resource: &T_MINE,
        },
        Situation {
            name: "another team",
            facts: OTHER_TEAM,
            stated: Scope::Global,
            resource: &T_OTHER,
        },
        Situation {
            name: "the account",
            facts: THE_ACCOUNT,
            stated: Scope::Global,
            resource: &ACCOUNT,
        },
        // Neighbours.
        Situation {
            name: "conversation in the user's other group, others assigned and participating",
            facts: IN_MY_GROUP_OTHERS_TAKING_IT,
            stated: Scope::Group,
            resource: &C_IN_MY_GROUP_OTHERS,
        },
        Situation {
            name: "conversation in another group, others assigned and participating",
            facts: IN_OTHER_GROUP_OTHERS_TAKING_IT,
            stated: Scope::Global,
            resource: &C_IN_OTHER_GROUP_OTHERS,
        },
        Situation {
            name: "conversation with no group, the user participating",
            facts: NO_GROUP_I_PARTICIPATE,
            stated: Scope::Restricted,
            resource: &C_NO_GROUP_I_PARTICIPATE,
        },
        Situation {
            name: "resource about the user",
            facts: ABOUT_ME,
            stated: Scope::Restricted,
            resource: &ABOUT_ME_R,
        },
        Situation {
            name: "resource about another user",
            facts: ABOUT_SOMEONE_ELSE,
            stated: Scope::Global,
            resource: &ABOUT_ELSE_R,
        },
    ]
}

fn subject(policy: &Policy, role: BuiltInRole) -> Subject<'static> {
    Subject {
        user: UserId(ME),
        role: policy.builtin(role),
        groups: &MY_GROUPS,
        view_only: &[],
    }
}

/// The expected answer for one cell in one situation, from the table and the scope rule only.
fn expected(cell: Cell, facts: &Facts) -> bool {
    match cell {
        Cell::NotGranted => false,
        Cell::Granted => true,
        Cell::At(scope) => scope >= narrowest_reaching(facts),
    }
}

#[test]
fn transcription_is_well_formed() {
    assert_eq!(TABLE.len(), 20, "the design has 20 permissions");
    let mut seen = Permissions::empty();
    for (index, (name, cells)) in TABLE.iter().enumerate() {
        let p = constant(name);
        assert_eq!(p.bits().count_ones(), 1, "{name}: one bit");
        assert!(!seen.intersects(p), "{name} listed twice");
        seen |= p;
        // The vocabulary lookup agrees with the spelled-out constants.
        assert_eq!(Permissions::from_permission_name(name), Some(p), "{name}");
        assert_eq!(p.permission_name(), Some(*name), "{name}");
        // The design lists permissions in bit order.
        assert_eq!(p.bits(), 1 << index, "{name} is out of bit order");
        let scoped = CONVERSATION_KIND.contains(name) || TEAM_KIND.contains(name);
        for (column, text) in cells.iter().enumerate() {
            let ok = match cell(text) {
                Cell::NotGranted => true,
                Cell::Granted => !scoped,
                Cell::At(_) => scoped,
            };
            assert!(
                ok,
                "{name} / {}: {text:?} is the wrong kind of cell",
                ROLE_NAMES[column]
            );
        }
    }
    assert_eq!(seen, Permissions::all());
}

#[test]
fn situations_match_the_scope_rule_and_their_resources() {
    for s in situations() {
        assert_eq!(narrowest_reaching(&s.facts), s.stated, "{}", s.name);
        assert_eq!(s.resource.group().map(|g| g.0), s.facts.group, "{}", s.name);
        assert_eq!(
            s.resource.assignee().map(|u| u.0),
            s.facts.assignee,
            "{}",
            s.name
        );
        for user in [ME, 5, 6, 8] {
            let listed = s.facts.participants.contains(&user);
            assert_eq!(
                s.resource.has_participant(UserId(user)),
                listed,
                "{}: participant {user}",
                s.name
            );
        }
    }
}

/// The heart of it: 20 permissions x 9 roles x every situation, each decision compared to the
/// table and the scope rule, with the reason checked as data.
#[test]
fn every_cell_in_every_situation() {
    let policy = Policy::new(Plan::Pro);
    let situations = situations();
    let mut failures = Vec::new();
    let mut checked = 0_usize;
    for (name, cells) in TABLE {
        let permission = constant(name);
        for (column, text) in cells.iter().enumerate() {
            let role_name = ROLE_NAMES[column];
            let role = ROLES[column];
            let cell = cell(text);
            let subject = subject(&policy, role);
            for s in &situations {
                checked += 1;
                let case = format!("{role_name} / {name} ({text:?}) / {}", s.name);
                let want = expected(cell, &s.facts);
                let d = policy.check(&subject, permission, s.resource);
                if d.is_allowed() != want || d.is_denied() == want {
                    failures.push(format!("{case}: expected allowed={want}, got `{d}`"));
                    continue;
                }
                let want_reason = match cell {
                    Cell::NotGranted => "NotGranted",
                    Cell::Granted | Cell::At(_) if want => "Granted",
                    _ => "OutOfScope",
                };
                let ok = match (*d.reason(), cell) {
                    (
                        Reason::NotGranted {
                            role: r,
                            permission: p,
                        },
                        Cell::NotGranted,
                    ) => r.name() == role_name && p == permission,
                    (
                        Reason::Granted {
                            role: r,
                            permission: p,
                            scope,
                            fact,
                        },
                        Cell::Granted,
                    ) => {
                        r.name() == role_name
                            && p == permission
                            && scope == Scope::Global
                            && fact == Fact::AccountWide
                    }
                    (
                        Reason::Granted {
                            role: r,
                            permission: p,
                            scope,
                            fact,
                        },
                        Cell::At(at),
                    ) => {
                        let want_fact = if at == Scope::Global {
                            Fact::Everywhere
                        } else {
                            expected_fact(&s.facts, at, true)
                        };
                        r.name() == role_name && p == permission && scope == at && fact == want_fact
                    }
                    (
                        Reason::OutOfScope {
                            role: r,
                            permission: p,
                            scope,
                            fact,
                        },
                        Cell::At(at),
                    ) => {
                        r.name() == role_name
                            && p == permission
                            && scope == at
                            && fact == expected_fact(&s.facts, at, false)
                    }
                    _ => false,
                };
                if !ok {
                    failures.push(format!(
                        "{case}: expected a {want_reason} reason naming the role, permission, \
                         scope and fact, got {} (`{d}`)",
                        brief(d.reason())
                    ));
                }
            }
        }
    }
    assert_eq!(checked, 20 * 9 * situations.len());
    assert!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Asking for a whole column at once means all of it: allowed exactly where every cell is.
#[test]
fn each_role_column_asked_at_once_is_the_conjunction_of_its_cells() {
    let policy = Policy::new(Plan::Pro);
    let mut failures = Vec::new();
    for (column, role) in ROLES.into_iter().enumerate() {
        let granted: Vec<(Permissions, Cell)> = TABLE
            .iter()
            .map(|(name, cells)| (constant(name), cell(cells[column])))
            .filter(|(_, c)| *c != Cell::NotGranted)
            .collect();
        let all = granted
            .iter()
            .fold(Permissions::empty(), |acc, (p, _)| acc | *p);
        let subject = subject(&policy, role);
        for s in situations() {
            let want = granted.iter().all(|(_, c)| expected(*c, &s.facts));
            let d = policy.check(&subject, all, s.resource);
            if d.is_allowed() != want {
                failures.push(format!(
                    "{} / all {} granted permissions / {}: expected allowed={want}, got `{d}`",
                    ROLE_NAMES[column],
                    granted.len(),
                    s.name
                ));
            }
            // One permission more than the column holds is always denied.
            if let Some((name, _)) = TABLE
                .iter()
                .find(|(_, cells)| cell(cells[column]) == Cell::NotGranted)
            {
                let d = policy.check(&subject, all | constant(name), s.resource);
                if d.is_allowed() {
                    failures.push(format!(
                        "{} / all granted + {name} / {}: expected denied, got `{d}`",
                        ROLE_NAMES[column], s.name
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The engine's role data agrees with the transcription: scope of every cell, the set of
/// grants, and nothing extra.
#[test]
fn role_data_agrees_with_the_table() {
    let policy = Policy::new(Plan::Pro);
    for (column, builtin) in ROLES.into_iter().enumerate() {
        let role_name = ROLE_NAMES[column];
        let role = policy
            .role(policy.builtin(builtin))
            .unwrap_or_else(|| panic!("{role_name}: policy.role(builtin) is None"));
        let mut want_all = Permissions::empty();
        let mut want_grants = Vec::new();
        for (name, cells) in TABLE {
            let p = constant(name);
            let want = match cell(cells[column]) {
                Cell::NotGranted => None,
                // The crate documents account permissions as granted at Global.
                Cell::Granted => Some(Scope::Global),
                Cell::At(scope) => Some(scope),
            };
            assert_eq!(role.scope_of(p), want, "{role_name} / {name}: scope_of");
            for scope in Scope::ALL {
                assert_eq!(
                    role.permissions_at_least(scope).contains(p),
                    want.is_some_and(|w| w >= scope),
                    "{role_name} / {name}: permissions_at_least({scope:?})"
                );
            }
            if let Some(scope) = want {
                want_all |= p;
                want_grants.push((p, scope));
            }
        }
        assert_eq!(role.permissions(), want_all, "{role_name}: permissions()");
        let grants: Vec<(Permissions, Scope)> = role.grants().collect();
        assert_eq!(grants, want_grants, "{role_name}: grants() in bit order");
    }
}

#[test]
fn role_names_are_the_designs() {
    let policy = Policy::new(Plan::Pro);
    for (column, builtin) in ROLES.into_iter().enumerate() {
        let name = ROLE_NAMES[column];
        let id = policy.builtin(builtin);
        let role = policy.role(id);
        assert_eq!(
            role.map(|r| r.name()),
            Some(name),
            "{builtin:?}: role(id).name()"
        );
        assert_eq!(builtin.name(), name, "{builtin:?}: BuiltInRole::name()");
        assert_eq!(role.and_then(|r| r.builtin()), Some(builtin), "{name}");
        assert_eq!(role.map(|r| r.is_custom()), Some(false), "{name}");
        assert_eq!(role.and_then(|r| r.cloned_from()), None, "{name}");
        assert_eq!(role.map(|r| r.id()), Some(id), "{name}");
        // Names are found back, ignoring case and surrounding spaces.
        for spelling in [
            name.to_owned(),
            name.to_uppercase(),
            format!("  {}  ", name.to_lowercase()),
        ] {
            assert_eq!(
                policy.role_by_name(&spelling).map(|r| r.id()),
                Some(id),
                "role_by_name({spelling:?})"
            );
        }
    }
    let names: Vec<&str> = policy.roles().map(|r| r.name()).collect();
    assert_eq!(
        names, ROLE_NAMES,
        "a new policy holds exactly the nine, in id order"
    );
    assert_eq!(
        BuiltInRole::ALL,
        ROLES,
        "BuiltInRole::ALL is in the table's order"
    );
}

/// Built-in ids are constants: usable in a `const`, identical in every policy whatever its plan
/// or custom roles, and after a save and load.
#[test]
fn builtin_ids_are_fixed_constants_shared_by_every_policy() {
    const AGENT: RoleId = BuiltInRole::SupportAgent.id();
    const OWNER: RoleId = BuiltInRole::AccountAdmin.id();

    let first = Policy::new(Plan::Pro);
    let mut second = Policy::new(Plan::Enterprise);
    let owner = Subject {
        user: UserId(1),
        role: OWNER,
        groups: &[],
        view_only: &[],
    };
    let custom = second
        .clone_role(&owner, AGENT, "Intern")
        .expect("the Account Admin clones on Enterprise");
    let json = serde_json::to_string(&second).expect("serialize");
    let loaded: Policy = serde_json::from_str(&json).expect("load");
    let free = Policy::new(Plan::Free);

    let mut ids = Vec::new();
    for role in ROLES {
        let id = first.builtin(role);
        assert_eq!(second.builtin(role), id, "{role:?}: second policy");
        assert_eq!(loaded.builtin(role), id, "{role:?}: loaded policy");
        assert_eq!(free.builtin(role), id, "{role:?}: free plan");
        assert_eq!(role.id(), id, "{role:?}: BuiltInRole::id");
        assert_eq!(BuiltInRole::from_id(id), Some(role), "{role:?}: from_id");
        assert!(
            id < RoleId::FIRST_CUSTOM,
            "{role:?}: below the custom range"
        );
        assert!(!ids.contains(&id), "{role:?}: id {id} repeated");
        ids.push(id);
    }
    // The README documents them as 1 to 9, in the table's order.
    assert_eq!(ids, (1..=9).map(RoleId).collect::<Vec<_>>());
    assert_eq!(AGENT, first.builtin(BuiltInRole::SupportAgent));
    assert!(custom >= RoleId::FIRST_CUSTOM && !ids.contains(&custom));

    // A subject built from one policy's ids decides the same in the others.
    let s = Subject {
        user: UserId(ME),
        role: first.builtin(BuiltInRole::SalesUser),
        groups: &MY_GROUPS,
        view_only: &[],
    };
    for c in [C_IN_MY_GROUP, C_IN_OTHER_GROUP, C_ASSIGNED_TO_ME] {
        let a = first.check(&s, Permissions::REPLY, &c);
        let b = second.check(&s, Permissions::REPLY, &c);
        let l = loaded.check(&s, Permissions::REPLY, &c);
        assert_eq!(
            (a.to_string(), a.is_allowed()),
            (b.to_string(), b.is_allowed())
        );
        assert_eq!(
            (a.to_string(), a.is_allowed()),
            (l.to_string(), l.is_allowed())
        );
    }
}

/// README.md shows the built-in table too; it must say what the design says.
#[test]
fn readme_table_matches_the_transcription() {
    let readme = include_str!("../README.md");
    let row = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let header = readme
        .lines()
        .find(|l| l.starts_with("| permission | Account Admin"))
        .expect("README has the built-in role table");
    assert_eq!(row(header)[1..], ROLE_NAMES, "README table header");
    for (name, cells) in TABLE {
        let prefix = format!("| {name} |");
        let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with(&prefix)).collect();
        let line = rows
            .iter()
            .find(|l| row(l).len() == 10)
            .unwrap_or_else(|| panic!("README table has no row for {name}"));
        assert_eq!(row(line)[1..], cells[..], "README row {name}");
    }
}
