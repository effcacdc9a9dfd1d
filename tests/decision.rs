//! `Decision`, `Reason` and `Fact` as `check` produces them: the exact sentence and the reason
//! data for every variant, requests no role could grant, several permissions at once, group
//! lists of any shape and length, host row types, and resources about one user.

mod common;

use common::brief;
use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, Decision, Fact, GroupId, Permissions, Plan,
    Policy, Reason, Resource, RoleId, Scope, Subject, Team, UserId,
};

const ME: UserId = UserId(42);
const SOMEONE: UserId = UserId(5);
const MY_GROUPS: [GroupId; 2] = [GroupId(3), GroupId(2)];
const MY_GROUP: GroupId = GroupId(2);
const OTHER_GROUP: GroupId = GroupId(7);

/// The custom roles the cases use, all created by the Account Admin.
struct Roles {
    /// Support Agent with reply narrowed to Group.
    group_agent: RoleId,
    /// Support Agent with view_reports added at Group.
    team_lead: RoleId,
    /// Support Agent with view_reports added at Restricted (their own agent report).
    own_reports: RoleId,
    /// Support Agent (reply at Global) with add_private_note narrowed to Restricted.
    mixed: RoleId,
    /// A role that was deleted: its id is unknown to the policy.
    deleted: RoleId,
}

fn setup() -> (Policy, Roles) {
    let mut policy = Policy::new(Plan::Pro);
    let owner = Subject {
        user: UserId(1),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    };
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let mut custom = |name: &str, permission: Permissions, scope: Scope| {
        let id = policy
            .clone_role(&owner, agent, name)
            .unwrap_or_else(|e| panic!("clone {name}: {e}"));
        policy
            .grant(&owner, id, permission, scope)
            .unwrap_or_else(|e| panic!("grant {name}: {e}"));
        id
    };
    let roles = Roles {
        group_agent: custom("Group Agent", Permissions::REPLY, Scope::Group),
        team_lead: custom("Team Lead", Permissions::VIEW_REPORTS, Scope::Group),
        own_reports: custom("Own Reports", Permissions::VIEW_REPORTS, Scope::Restricted),
        mixed: custom("Mixed", Permissions::ADD_PRIVATE_NOTE, Scope::Restricted),
        deleted: custom("Gone", Permissions::REPLY, Scope::Global),
    };
    policy
        .delete_role(&owner, roles.deleted)
        .expect("the Account Admin deletes");
    (policy, roles)
}

/// The expected reason, with roles by name (turned into the policy's `&Role` to compare).
#[derive(Debug, Clone, Copy)]
enum Want {
    Granted(&'static str, Permissions, Scope, Fact),
    OutOfScope(&'static str, Permissions, Scope, Fact),
    NotGranted(&'static str, Permissions),
    NothingAsked,
    UnknownPermission(u32),
    UnknownRole(RoleId),
}

impl Want {
    fn allowed(self) -> bool {
        matches!(self, Want::Granted(..))
    }

    fn reason(self, policy: &Policy) -> Reason<'_> {
        let role = |name: &str| {
            policy
                .role_by_name(name)
                .unwrap_or_else(|| panic!("no role {name:?}"))
        };
        match self {
            Want::Granted(name, permission, scope, fact) => Reason::Granted {
                role: role(name),
                permission,
                scope,
                fact,
            },
            Want::OutOfScope(name, permission, scope, fact) => Reason::OutOfScope {
                role: role(name),
                permission,
                scope,
                fact,
            },
            Want::NotGranted(name, permission) => Reason::NotGranted {
                role: role(name),
                permission,
            },
            Want::NothingAsked => Reason::NothingAsked,
            Want::UnknownPermission(bits) => Reason::UnknownPermission { bits: bits.into() },
            Want::UnknownRole(id) => Reason::UnknownRole { role: id },
        }
    }
}

/// Checks one decision against the expected reason and sentence; returns a failure message
/// naming the case, if any.
fn verify(
    policy: &Policy,
    case: &str,
    d: Decision<'_>,
    want: Want,
    sentence: &str,
) -> Option<String> {
    let mut problems = Vec::new();
    if d.is_allowed() != want.allowed() || d.is_denied() == want.allowed() {
        problems.push(format!(
            "allowed={} expected {}",
            d.is_allowed(),
            want.allowed()
        ));
    }
    if *d.reason() != want.reason(policy) {
        problems.push(format!("reason {} expected {want:?}", brief(d.reason())));
    }
    let text = d.to_string();
    if text != sentence {
        problems.push(format!(
            "sentence\n      got: {text}\n expected: {sentence}"
        ));
    }
    (!problems.is_empty()).then(|| format!("{case}: {}", problems.join("; ")))
}

fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const fn conversation(
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

const IN_MY_GROUP: Conversation<'static> = conversation(Some(MY_GROUP), None, &[]);
const IN_OTHER_GROUP: Conversation<'static> = conversation(Some(OTHER_GROUP), Some(SOMEONE), &[]);
const ASSIGNED_TO_ME: Conversation<'static> = conversation(Some(OTHER_GROUP), Some(ME), &[]);
const I_FOLLOW: Conversation<'static> =
    conversation(Some(OTHER_GROUP), Some(SOMEONE), &[SOMEONE, ME]);
const NO_GROUP: Conversation<'static> = conversation(None, None, &[]);
const NO_GROUP_OTHERS: Conversation<'static> = conversation(None, Some(SOMEONE), &[UserId(6)]);

/// A host's report row: about one agent (its assignee), with reviewers taking part in it.
struct ReportRow {
    team_id: Option<i64>,
    agent_id: Option<i64>,
    reviewer_ids: &'static [i64],
}

/// Agent 6's report in team 9, reviewed by agents 6 and 42 (the user).
static REVIEWED: ReportRow = ReportRow {
    team_id: Some(9),
    agent_id: Some(6),
    reviewer_ids: &[6, 42],
};

impl Resource for ReportRow {
    fn group(&self) -> Option<GroupId> {
        self.team_id
            .and_then(|g| u64::try_from(g).ok())
            .map(GroupId)
    }

    fn assignee(&self) -> Option<UserId> {
        self.agent_id
            .and_then(|u| u64::try_from(u).ok())
            .map(UserId)
    }

    fn has_participant(&self, user: UserId) -> bool {
        self.reviewer_ids
            .iter()
            .any(|&u| u64::try_from(u).is_ok_and(|u| u == user.0))
    }
}

struct Case {
    name: &'static str,
    role: RoleId,
    permissions: Permissions,
    on: &'static dyn Resource,
    want: Want,
    sentence: &'static str,
}

/// Every `Reason` variant `check` produces and every `Fact`, phrased for conversation and team
/// permissions: the exact sentence and the data.
#[test]
fn every_reason_and_fact_has_its_sentence() {
    let (policy, r) = setup();
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let sales = policy.builtin(BuiltInRole::SalesUser);
    let restricted = policy.builtin(BuiltInRole::RestrictedUser);
    let owner = policy.builtin(BuiltInRole::AccountAdmin);
    use Fact::*;
    use Want::*;
    let (reply, reports) = (Permissions::REPLY, Permissions::VIEW_REPORTS);
    #[rustfmt::skip]
    let cases = [
        // Granted, each fact.
        Case { name: "Global, conversation", role: agent, permissions: reply, on: &IN_OTHER_GROUP,
            want: Granted("Support Agent", reply, Scope::Global, Everywhere),
            sentence: "allowed: role \"Support Agent\" grants reply at Global scope, which reaches every conversation" },
        Case { name: "Global, team", role: owner, permissions: reports, on: &Account,
            want: Granted("Account Admin", reports, Scope::Global, Everywhere),
            sentence: "allowed: role \"Account Admin\" grants view_reports at Global scope, which reaches every team and the whole account" },
        Case { name: "account permission", role: agent, permissions: Permissions::VIEW_PEOPLE, on: &IN_OTHER_GROUP,
            want: Granted("Support Agent", Permissions::VIEW_PEOPLE, Scope::Global, AccountWide),
            sentence: "allowed: role \"Support Agent\" grants view_people, an account permission" },
        Case { name: "Restricted, assignee", role: restricted, permissions: reply, on: &ASSIGNED_TO_ME,
            want: Granted("Restricted User", reply, Scope::Restricted, Assignee),
            sentence: "allowed: role \"Restricted User\" grants reply at Restricted scope, and the conversation is assigned to the user" },
        Case { name: "Restricted, about the user (team kind)", role: r.own_reports, permissions: reports, on: &AboutUser(ME),
            want: Granted("Own Reports", reports, Scope::Restricted, Assignee),
            sentence: "allowed: role \"Own Reports\" grants view_reports at Restricted scope, and the resource is about the user" },
        Case { name: "Restricted, participant", role: restricted, permissions: reply, on: &I_FOLLOW,
            want: Granted("Restricted User", reply, Scope::Restricted, Participant),
            sentence: "allowed: role \"Restricted User\" grants reply at Restricted scope, and the user is one of its participants" },
        Case { name: "Restricted, participant (team kind, host row)", role: r.own_reports, permissions: reports, on: &REVIEWED,
            want: Granted("Own Reports", reports, Scope::Restricted, Participant),
            sentence: "allowed: role \"Own Reports\" grants view_reports at Restricted scope, and the user is one of its participants" },
        Case { name: "Group, in the user's groups", role: sales, permissions: reply, on: &IN_MY_GROUP,
            want: Granted("Sales User", reply, Scope::Group, InUsersGroups(MY_GROUP)),
            sentence: "allowed: role \"Sales User\" grants reply at Group scope, and the conversation's group 2 is one of the user's groups" },
        Case { name: "Group, the user's team", role: r.team_lead, permissions: reports, on: &Team(MY_GROUP),
            want: Granted("Team Lead", reports, Scope::Group, InUsersGroups(MY_GROUP)),
            sentence: "allowed: role \"Team Lead\" grants view_reports at Group scope, and team 2 is one of the user's teams" },
        Case { name: "Group, assigned to the user in another group", role: r.group_agent, permissions: reply, on: &ASSIGNED_TO_ME,
            want: Granted("Group Agent", reply, Scope::Group, Assignee),
            sentence: "allowed: role \"Group Agent\" grants reply at Group scope, and the conversation is assigned to the user" },
        Case { name: "Group, participant in another group", role: r.group_agent, permissions: reply, on: &I_FOLLOW,
            want: Granted("Group Agent", reply, Scope::Group, Participant),
            sentence: "allowed: role \"Group Agent\" grants reply at Group scope, and the user is one of its participants" },
        // OutOfScope, each fact.
        Case { name: "Group, another group (the issue's example)", role: r.group_agent, permissions: reply, on: &IN_OTHER_GROUP,
            want: OutOfScope("Group Agent", reply, Scope::Group, OutsideUsersGroups(OTHER_GROUP)),
            sentence: "denied: role \"Group Agent\" grants reply at Group scope, and the conversation's group 7 is not one of the user's groups" },
        Case { name: "Group, another team", role: r.team_lead, permissions: reports, on: &Team(OTHER_GROUP),
            want: OutOfScope("Team Lead", reports, Scope::Group, OutsideUsersGroups(OTHER_GROUP)),
            sentence: "denied: role \"Team Lead\" grants view_reports at Group scope, and team 7 is not one of the user's teams" },
        Case { name: "Group, no group", role: sales, permissions: reply, on: &NO_GROUP,
            want: OutOfScope("Sales User", reply, Scope::Group, NoGroup),
            sentence: "denied: role \"Sales User\" grants reply at Group scope, and the conversation has no group, and the user is neither its assignee nor a participant" },
        Case { name: "Group, no group, others taking it up", role: sales, permissions: reply, on: &NO_GROUP_OTHERS,
            want: OutOfScope("Sales User", reply, Scope::Group, NoGroup),
            sentence: "denied: role \"Sales User\" grants reply at Group scope, and the conversation has no group, and the user is neither its assignee nor a participant" },
        Case { name: "Group, the account (team kind)", role: r.team_lead, permissions: reports, on: &Account,
            want: OutOfScope("Team Lead", reports, Scope::Group, NoGroup),
            sentence: "denied: role \"Team Lead\" grants view_reports at Group scope, and the resource is account-wide (no team) and not about the user, so only Global scope reaches it" },
        Case { name: "Restricted, in the user's group", role: restricted, permissions: reply, on: &IN_MY_GROUP,
            want: OutOfScope("Restricted User", reply, Scope::Restricted, NotTakenUp),
            sentence: "denied: role \"Restricted User\" grants reply at Restricted scope, and the user is neither the conversation's assignee nor a participant" },
        Case { name: "Restricted, the user's team (team kind)", role: r.own_reports, permissions: reports, on: &Team(MY_GROUP),
            want: OutOfScope("Own Reports", reports, Scope::Restricted, NotTakenUp),
            sentence: "denied: role \"Own Reports\" grants view_reports at Restricted scope, and the resource is not about the user" },
        // Requests no role grants.
        Case { name: "not granted", role: agent, permissions: Permissions::MANAGE_FAQS, on: &Account,
            want: NotGranted("Support Agent", Permissions::MANAGE_FAQS),
            sentence: "denied: role \"Support Agent\" does not grant manage_faqs" },
        Case { name: "not granted, scoped", role: agent, permissions: Permissions::DELETE_CONVERSATION, on: &IN_MY_GROUP,
            want: NotGranted("Support Agent", Permissions::DELETE_CONVERSATION),
            sentence: "denied: role \"Support Agent\" does not grant delete_conversation" },
        Case { name: "nothing asked", role: owner, permissions: Permissions::empty(), on: &IN_MY_GROUP,
            want: NothingAsked,
            sentence: "denied: no permission was asked for" },
        Case { name: "unknown bits", role: owner, permissions: Permissions::from_bits_retain(1 << 31), on: &IN_MY_GROUP,
            want: UnknownPermission(1 << 31),
            sentence: "denied: permission bits 0x80000000 name no permission" },
        Case { name: "deleted role", role: r.deleted, permissions: reply, on: &IN_MY_GROUP,
            want: UnknownRole(r.deleted),
            sentence: "denied: role id 104 is unknown to the policy (never created, or deleted)" },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let s = Subject {
            user: ME,
            role: case.role,
            groups: &MY_GROUPS,
            view_only: &[],
        };
        let d = policy.check(&s, case.permissions, case.on);
        failures.extend(verify(&policy, case.name, d, case.want, case.sentence));
    }
    report(&failures);
    // Every sentence is one line naming its verdict first.
    for case in &cases {
        assert!(!case.sentence.contains('\n'), "{}", case.name);
    }
}

/// Requests no role can grant are denied whatever the role: the empty set, bits naming no
/// permission (alone or mixed in), and role ids the policy does not hold.
#[test]
fn empty_sets_unknown_bits_and_unknown_roles_are_denied() {
    let (policy, r) = setup();
    let owner = policy.builtin(BuiltInRole::AccountAdmin);
    let unknown = Permissions::from_bits_retain(1 << 31);
    let high = Permissions::from_bits_retain(1 << 20);
    struct Refusal {
        name: &'static str,
        role: RoleId,
        permissions: Permissions,
        want: Want,
    }
    #[rustfmt::skip]
    let cases = [
        Refusal { name: "empty, Account Admin", role: owner, permissions: Permissions::empty(), want: Want::NothingAsked },
        Refusal { name: "empty, unknown role", role: RoleId(50), permissions: Permissions::empty(), want: Want::NothingAsked },
        Refusal { name: "bit 31 alone", role: owner, permissions: unknown, want: Want::UnknownPermission(1 << 31) },
        Refusal { name: "bit 20, next after the last permission", role: owner, permissions: high, want: Want::UnknownPermission(1 << 20) },
        Refusal { name: "bit 31 with reply", role: owner, permissions: unknown | Permissions::REPLY, want: Want::UnknownPermission(1 << 31) },
        Refusal { name: "bit 31 with everything", role: owner, permissions: unknown | Permissions::all(), want: Want::UnknownPermission(1 << 31) },
        Refusal { name: "deleted custom role", role: r.deleted, permissions: Permissions::REPLY, want: Want::UnknownRole(r.deleted) },
        Refusal { name: "never created custom id", role: RoleId(500), permissions: Permissions::EDIT_OWN_PROFILE, want: Want::UnknownRole(RoleId(500)) },
        Refusal { name: "id 0", role: RoleId(0), permissions: Permissions::REPLY, want: Want::UnknownRole(RoleId(0)) },
        Refusal { name: "free id in the built-in range", role: RoleId(10), permissions: Permissions::REPLY, want: Want::UnknownRole(RoleId(10)) },
        Refusal { name: "largest id", role: RoleId(u32::MAX), permissions: Permissions::VIEW_PEOPLE, want: Want::UnknownRole(RoleId(u32::MAX)) },
    ];
    let resources: [(&str, &dyn Resource); 5] = [
        ("a conversation in the user's group", &IN_MY_GROUP),
        ("a conversation assigned to the user", &ASSIGNED_TO_ME),
        ("the user's team", &Team(MY_GROUP)),
        ("the account", &Account),
        ("about the user", &AboutUser(ME)),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        for (label, on) in resources {
            let s = Subject {
                user: ME,
                role: case.role,
                groups: &MY_GROUPS,
                view_only: &[],
            };
            let d = policy.check(&s, case.permissions, on);
            if d.is_allowed() || *d.reason() != case.want.reason(&policy) {
                failures.push(format!(
                    "{} / {label}: expected {:?}, got `{d}`",
                    case.name, case.want
                ));
            }
            // The inbox filter agrees: nothing.
            if policy.filter(&s, case.permissions).matches(on) {
                failures.push(format!("{} / {label}: filter lets it through", case.name));
            }
        }
    }
    report(&failures);
}

/// Several permissions at once means all of them, each at its own scope. The sentence names
/// the permission that decided: the narrowest-scoped one when allowed, the failing one (first
/// in bit order) when denied.
#[test]
fn several_permissions_are_all_required_each_at_its_own_scope() {
    let (policy, r) = setup();
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let sales = policy.builtin(BuiltInRole::SalesUser);
    let owner = policy.builtin(BuiltInRole::AccountAdmin);
    let (reply, note) = (Permissions::REPLY, Permissions::ADD_PRIVATE_NOTE);
    let people = Permissions::VIEW_PEOPLE | Permissions::EDIT_OWN_PROFILE;
    use Fact::*;
    use Want::*;
    #[rustfmt::skip]
    let cases = [
        Case { name: "Mixed: reply (Global) + note (Restricted), group conversation not taken up", role: r.mixed, permissions: reply | note, on: &IN_MY_GROUP,
            want: OutOfScope("Mixed", note, Scope::Restricted, NotTakenUp),
            sentence: "denied: role \"Mixed\" grants add_private_note at Restricted scope, and the user is neither the conversation's assignee nor a participant" },
        Case { name: "Mixed: reply alone there", role: r.mixed, permissions: reply, on: &IN_MY_GROUP,
            want: Granted("Mixed", reply, Scope::Global, Everywhere),
            sentence: "allowed: role \"Mixed\" grants reply at Global scope, which reaches every conversation" },
        Case { name: "Mixed: both, assigned to the user", role: r.mixed, permissions: reply | note, on: &ASSIGNED_TO_ME,
            want: Granted("Mixed", note, Scope::Restricted, Assignee),
            sentence: "allowed: role \"Mixed\" grants add_private_note at Restricted scope, and the conversation is assigned to the user" },
        Case { name: "Mixed: both plus account permissions, the user follows it", role: r.mixed, permissions: reply | note | people, on: &I_FOLLOW,
            want: Granted("Mixed", note, Scope::Restricted, Participant),
            sentence: "allowed: role \"Mixed\" grants add_private_note at Restricted scope, and the user is one of its participants" },
        Case { name: "Sales User: reply (Group) + people, another group", role: sales, permissions: reply | people, on: &IN_OTHER_GROUP,
            want: OutOfScope("Sales User", reply, Scope::Group, OutsideUsersGroups(OTHER_GROUP)),
            sentence: "denied: role \"Sales User\" grants reply at Group scope, and the conversation's group 7 is not one of the user's groups" },
        Case { name: "Sales User: reply (Group) + people, own group", role: sales, permissions: reply | people, on: &IN_MY_GROUP,
            want: Granted("Sales User", reply, Scope::Group, InUsersGroups(MY_GROUP)),
            sentence: "allowed: role \"Sales User\" grants reply at Group scope, and the conversation's group 2 is one of the user's groups" },
        Case { name: "Sales User: people + manage_faqs (not granted)", role: sales, permissions: people | Permissions::MANAGE_FAQS, on: &IN_MY_GROUP,
            want: NotGranted("Sales User", Permissions::MANAGE_FAQS),
            sentence: "denied: role \"Sales User\" does not grant manage_faqs" },
        Case { name: "Support Agent: two missing, the first in bit order is named", role: agent, permissions: reply | Permissions::MANAGE_FAQS | Permissions::DELETE_CONVERSATION, on: &Account,
            want: NotGranted("Support Agent", Permissions::DELETE_CONVERSATION),
            sentence: "denied: role \"Support Agent\" does not grant delete_conversation" },
        Case { name: "Support Agent: account permissions only", role: agent, permissions: people, on: &IN_OTHER_GROUP,
            want: Granted("Support Agent", Permissions::VIEW_PEOPLE, Scope::Global, AccountWide),
            sentence: "allowed: role \"Support Agent\" grants view_people, an account permission" },
        Case { name: "Team Lead: reply (Global) + view_reports (Group) on the user's team", role: r.team_lead, permissions: reply | Permissions::VIEW_REPORTS, on: &Team(MY_GROUP),
            want: Granted("Team Lead", Permissions::VIEW_REPORTS, Scope::Group, InUsersGroups(MY_GROUP)),
            sentence: "allowed: role \"Team Lead\" grants view_reports at Group scope, and team 2 is one of the user's teams" },
        Case { name: "Team Lead: reply (Global) + view_reports (Group) on the account", role: r.team_lead, permissions: reply | Permissions::VIEW_REPORTS, on: &Account,
            want: OutOfScope("Team Lead", Permissions::VIEW_REPORTS, Scope::Group, NoGroup),
            sentence: "denied: role \"Team Lead\" grants view_reports at Group scope, and the resource is account-wide (no team) and not about the user, so only Global scope reaches it" },
        Case { name: "Account Admin: everything on the account", role: owner, permissions: Permissions::all(), on: &Account,
            want: Granted("Account Admin", Permissions::VIEW_CONVERSATIONS, Scope::Global, Everywhere),
            sentence: "allowed: role \"Account Admin\" grants view_conversations at Global scope, which reaches every conversation" },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let s = Subject {
            user: ME,
            role: case.role,
            groups: &MY_GROUPS,
            view_only: &[],
        };
        let d = policy.check(&s, case.permissions, case.on);
        failures.extend(verify(&policy, case.name, d, case.want, case.sentence));
        // All-of: allowed exactly when each permission alone is allowed.
        let each = case
            .permissions
            .iter()
            .all(|p| policy.check(&s, p, case.on).is_allowed());
        if d.is_allowed() != each {
            failures.push(format!(
                "{}: together allowed={}, each alone allowed={each}",
                case.name,
                d.is_allowed()
            ));
        }
    }
    report(&failures);
}

/// Group lists arrive in any order, with duplicates, of any length: a user in 10,000 groups gets
/// the right answer whether the conversation's group is first, in the middle, last or absent.
#[test]
fn group_lists_in_any_order_with_duplicates_and_of_any_length() {
    let policy = Policy::new(Plan::Pro);
    let sales = policy.builtin(BuiltInRole::SalesUser);
    // Even ids, descending: 19998, 19996, ..., 0.
    let big: Vec<GroupId> = (0..10_000_u64).rev().map(|g| GroupId(g * 2)).collect();
    // One more, so the length is not a multiple of any chunk size.
    let mut odd_length = big.clone();
    odd_length.push(GroupId(77_777));
    // Every group twice, interleaved.
    let doubled: Vec<GroupId> = big.iter().flat_map(|&g| [g, g]).collect();
    struct Groups {
        name: &'static str,
        groups: Vec<GroupId>,
        conversation_group: u64,
        assignee: Option<UserId>,
        allowed: bool,
    }
    let small = |groups: &[u64]| groups.iter().map(|&g| GroupId(g)).collect::<Vec<_>>();
    #[rustfmt::skip]
    let cases = [
        Groups { name: "unsorted, hit", groups: small(&[9, 3, 5, 1]), conversation_group: 5, assignee: None, allowed: true },
        Groups { name: "unsorted, first", groups: small(&[9, 3, 5, 1]), conversation_group: 9, assignee: None, allowed: true },
        Groups { name: "unsorted, last", groups: small(&[9, 3, 5, 1]), conversation_group: 1, assignee: None, allowed: true },
        Groups { name: "unsorted, miss", groups: small(&[9, 3, 5, 1]), conversation_group: 4, assignee: None, allowed: false },
        Groups { name: "duplicates, hit", groups: small(&[2, 2, 2, 5, 5, 2]), conversation_group: 5, assignee: None, allowed: true },
        Groups { name: "duplicates, miss", groups: small(&[2, 2, 2, 5, 5, 2]), conversation_group: 7, assignee: None, allowed: false },
        Groups { name: "no groups, miss", groups: Vec::new(), conversation_group: 2, assignee: None, allowed: false },
        Groups { name: "no groups, assigned to the user", groups: Vec::new(), conversation_group: 2, assignee: Some(ME), allowed: true },
        Groups { name: "group 0", groups: small(&[0]), conversation_group: 0, assignee: None, allowed: true },
        Groups { name: "largest group id", groups: small(&[1, u64::MAX]), conversation_group: u64::MAX, assignee: None, allowed: true },
        Groups { name: "10,000 groups, hit at the start", groups: big.clone(), conversation_group: 19_998, assignee: None, allowed: true },
        Groups { name: "10,000 groups, hit in the middle", groups: big.clone(), conversation_group: 10_000, assignee: None, allowed: true },
        Groups { name: "10,000 groups, hit at the end", groups: big.clone(), conversation_group: 0, assignee: None, allowed: true },
        Groups { name: "10,000 groups, miss", groups: big.clone(), conversation_group: 10_001, assignee: None, allowed: false },
        Groups { name: "10,000 groups, miss beyond the range", groups: big.clone(), conversation_group: 20_000, assignee: None, allowed: false },
        Groups { name: "10,000 groups, miss but assigned to the user", groups: big.clone(), conversation_group: 3, assignee: Some(ME), allowed: true },
        Groups { name: "10,001 groups, hit at the very end", groups: odd_length.clone(), conversation_group: 77_777, assignee: None, allowed: true },
        Groups { name: "10,001 groups, hit just before the end", groups: odd_length.clone(), conversation_group: 0, assignee: None, allowed: true },
        Groups { name: "10,001 groups, miss", groups: odd_length, conversation_group: 77_779, assignee: None, allowed: false },
        Groups { name: "20,000 with duplicates, hit at the end", groups: doubled.clone(), conversation_group: 0, assignee: None, allowed: true },
        Groups { name: "20,000 with duplicates, miss", groups: doubled, conversation_group: 1, assignee: None, allowed: false },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let s = Subject {
            user: ME,
            role: sales,
            groups: &case.groups,
            view_only: &[],
        };
        let group = GroupId(case.conversation_group);
        let c = Conversation {
            group: Some(group),
            assignee: case.assignee,
            participants: &[],
        };
        let d = policy.check(&s, Permissions::REPLY, &c);
        let want_fact = match (case.allowed, case.assignee) {
            (true, Some(_)) => Fact::Assignee,
            (true, None) => Fact::InUsersGroups(group),
            (false, _) => Fact::OutsideUsersGroups(group),
        };
        let fact = match *d.reason() {
            Reason::Granted { fact, .. } | Reason::OutOfScope { fact, .. } => Some(fact),
            _ => None,
        };
        if d.is_allowed() != case.allowed || fact != Some(want_fact) {
            failures.push(format!(
                "{} (group {}): expected allowed={} by {want_fact:?}, got `{d}`",
                case.name, case.conversation_group, case.allowed
            ));
        }
        // The inbox filter gives the same answer.
        if policy.filter(&s, Permissions::REPLY).matches(&c) != case.allowed {
            failures.push(format!("{}: filter disagrees", case.name));
        }
    }
    report(&failures);
}

/// A host's own row type (here with `i64` columns, as a database hands them out) is checked
/// directly, by reference or as a trait object, and decides exactly as the equivalent
/// `Conversation` does.
#[test]
fn host_row_types_are_checked_directly() {
    #[derive(Debug)]
    struct TicketRow {
        id: i64,
        group_id: Option<i64>,
        owner_id: Option<i64>,
        cc: Vec<i64>,
    }
    impl Resource for TicketRow {
        fn group(&self) -> Option<GroupId> {
            self.group_id
                .and_then(|g| u64::try_from(g).ok())
                .map(GroupId)
        }
        fn assignee(&self) -> Option<UserId> {
            self.owner_id
                .and_then(|u| u64::try_from(u).ok())
                .map(UserId)
        }
        fn has_participant(&self, user: UserId) -> bool {
            self.cc.iter().any(|&u| u64::try_from(u) == Ok(user.0))
        }
    }
    /// A row that only knows its owner: the default `has_participant` (nobody) applies.
    struct AgentStatsRow {
        agent_id: i64,
    }
    impl Resource for AgentStatsRow {
        fn group(&self) -> Option<GroupId> {
            None
        }
        fn assignee(&self) -> Option<UserId> {
            u64::try_from(self.agent_id).ok().map(UserId)
        }
    }

    let (policy, r) = setup();
    let roles = [
        ("Sales User", policy.builtin(BuiltInRole::SalesUser)),
        (
            "Restricted User",
            policy.builtin(BuiltInRole::RestrictedUser),
        ),
        ("Support Agent", policy.builtin(BuiltInRole::SupportAgent)),
        ("Group Agent", r.group_agent),
    ];
    struct Row {
        row: TicketRow,
        /// Expected for Sales User, Restricted User, Support Agent, Group Agent (reply).
        allowed: [bool; 4],
    }
    let row = |id, group_id, owner_id, cc: &[i64]| TicketRow {
        id,
        group_id,
        owner_id,
        cc: cc.to_vec(),
    };
    #[rustfmt::skip]
    let rows = [
        Row { row: row(1, Some(2), None, &[]), allowed: [true, false, true, true] },
        Row { row: row(2, Some(7), Some(5), &[6]), allowed: [false, false, true, false] },
        Row { row: row(3, Some(7), Some(42), &[]), allowed: [true, true, true, true] },
        Row { row: row(4, Some(7), Some(5), &[5, 42]), allowed: [true, true, true, true] },
        Row { row: row(5, None, None, &[]), allowed: [false, false, true, false] },
        // Negative ids name nobody and no group.
        Row { row: row(6, Some(-2), Some(-42), &[-42]), allowed: [false, false, true, false] },
    ];
    let mut failures = Vec::new();
    for Row { row, allowed } in &rows {
        let participants: Vec<UserId> = row
            .cc
            .iter()
            .filter_map(|&u| u64::try_from(u).ok())
            .map(UserId)
            .collect();
        let same = Conversation {
            group: row.group(),
            assignee: row.assignee(),
            participants: &participants,
        };
        for ((name, role), want) in roles.iter().zip(allowed) {
            let s = Subject {
                user: ME,
                role: *role,
                groups: &MY_GROUPS,
                view_only: &[],
            };
            let case = format!("ticket {} / {name}", row.id);
            let direct = policy.check(&s, Permissions::REPLY, row);
            let by_ref = policy.check(&s, Permissions::REPLY, &row);
            let dynamic = policy.check(&s, Permissions::REPLY, row as &dyn Resource);
            let conv = policy.check(&s, Permissions::REPLY, &same);
            if direct.is_allowed() != *want {
                failures.push(format!("{case}: expected allowed={want}, got `{direct}`"));
            }
            for (how, d) in [
                ("by reference", by_ref),
                ("as dyn", dynamic),
                ("as Conversation", conv),
            ] {
                if d != direct || d.to_string() != direct.to_string() {
                    failures.push(format!("{case}: {how} `{d}` differs from `{direct}`"));
                }
            }
        }
    }
    // The agent's own stats row, at Restricted: theirs only; the default participant list is
    // empty, so someone else's row stays out.
    let own = Subject {
        user: ME,
        role: r.own_reports,
        groups: &MY_GROUPS,
        view_only: &[],
    };
    let mine = policy.check(
        &own,
        Permissions::VIEW_REPORTS,
        &AgentStatsRow { agent_id: 42 },
    );
    let theirs = policy.check(
        &own,
        Permissions::VIEW_REPORTS,
        &AgentStatsRow { agent_id: 5 },
    );
    if mine.is_denied() {
        failures.push(format!("own stats row: `{mine}`"));
    }
    if theirs.is_allowed() {
        failures.push(format!("someone else's stats row: `{theirs}`"));
    }
    report(&failures);
}

/// `AboutUser(user)` is reached at Restricted for that user only (and so at Group and Global),
/// never by a team permission at Restricted on a team, nor on the account.
#[test]
fn about_user_is_reached_at_restricted_for_that_user_only() {
    let (policy, r) = setup();
    let admin = policy.builtin(BuiltInRole::Administrator);
    let reports = Permissions::VIEW_REPORTS;
    use Fact::*;
    use Want::*;
    #[rustfmt::skip]
    let cases = [
        Case { name: "Restricted, about the user", role: r.own_reports, permissions: reports, on: &AboutUser(ME),
            want: Granted("Own Reports", reports, Scope::Restricted, Assignee),
            sentence: "allowed: role \"Own Reports\" grants view_reports at Restricted scope, and the resource is about the user" },
        Case { name: "Restricted, about another user", role: r.own_reports, permissions: reports, on: &AboutUser(SOMEONE),
            want: OutOfScope("Own Reports", reports, Scope::Restricted, NotTakenUp),
            sentence: "denied: role \"Own Reports\" grants view_reports at Restricted scope, and the resource is not about the user" },
        Case { name: "Restricted, the user's own team", role: r.own_reports, permissions: reports, on: &Team(MY_GROUP),
            want: OutOfScope("Own Reports", reports, Scope::Restricted, NotTakenUp),
            sentence: "denied: role \"Own Reports\" grants view_reports at Restricted scope, and the resource is not about the user" },
        Case { name: "Restricted, the account", role: r.own_reports, permissions: reports, on: &Account,
            want: OutOfScope("Own Reports", reports, Scope::Restricted, NotTakenUp),
            sentence: "denied: role \"Own Reports\" grants view_reports at Restricted scope, and the resource is not about the user" },
        Case { name: "Group, about the user", role: r.team_lead, permissions: reports, on: &AboutUser(ME),
            want: Granted("Team Lead", reports, Scope::Group, Assignee),
            sentence: "allowed: role \"Team Lead\" grants view_reports at Group scope, and the resource is about the user" },
        Case { name: "Group, about another user", role: r.team_lead, permissions: reports, on: &AboutUser(SOMEONE),
            want: OutOfScope("Team Lead", reports, Scope::Group, NoGroup),
            sentence: "denied: role \"Team Lead\" grants view_reports at Group scope, and the resource is account-wide (no team) and not about the user, so only Global scope reaches it" },
        Case { name: "Global, about another user", role: admin, permissions: reports, on: &AboutUser(SOMEONE),
            want: Granted("Administrator", reports, Scope::Global, Everywhere),
            sentence: "allowed: role \"Administrator\" grants view_reports at Global scope, which reaches every team and the whole account" },
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let s = Subject {
            user: ME,
            role: case.role,
            groups: &MY_GROUPS,
            view_only: &[],
        };
        let d = policy.check(&s, case.permissions, case.on);
        failures.extend(verify(&policy, case.name, d, case.want, case.sentence));
    }
    // Seen from the other user, the same resources swap.
    let other = Subject {
        user: SOMEONE,
        role: r.own_reports,
        groups: &MY_GROUPS,
        view_only: &[],
    };
    if policy
        .check(&other, reports, &AboutUser(SOMEONE))
        .is_denied()
    {
        failures.push("the other user's own report is denied to them".to_owned());
    }
    if policy.check(&other, reports, &AboutUser(ME)).is_allowed() {
        failures.push("user 42's report is allowed to user 5".to_owned());
    }
    report(&failures);
}

/// A decision is a small copyable value: the reason outlives nothing but the policy, and the
/// helpers agree with each other.
#[test]
fn decisions_are_plain_values() {
    let (policy, r) = setup();
    let s = Subject {
        user: ME,
        role: r.group_agent,
        groups: &MY_GROUPS,
        view_only: &[],
    };
    let d = policy.check(&s, Permissions::REPLY, &IN_OTHER_GROUP);
    let copy = d;
    assert_eq!(copy, d);
    assert_eq!(copy.reason(), d.reason());
    assert!(d.is_denied() && !d.is_allowed());
    let again = policy.check(&s, Permissions::REPLY, &IN_OTHER_GROUP);
    assert_eq!(again, d, "the same facts give the same decision");
    let other = policy.check(&s, Permissions::REPLY, &IN_MY_GROUP);
    assert_ne!(other, d);
    match *d.reason() {
        Reason::OutOfScope { role, .. } => assert_eq!(role.id(), r.group_agent),
        ref other => panic!("expected OutOfScope, got {other:?}"),
    }
}
