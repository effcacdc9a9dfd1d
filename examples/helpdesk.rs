//! A tour of the built-in roles: each decision printed with its sentence.
//!
//! Run with `cargo run --example helpdesk`.
//!
//! One agent, user 7 in groups 1 and 2, holds each of the nine built-in roles in turn and asks
//! the same questions: may I reply to each of five conversations, view the reports of my team,
//! of another team and of the whole account, and manage FAQs? Every answer is printed as the
//! decision's sentence, which names the role, the permission, the scope at which the role
//! grants it and the fact about the resource that decided. A last section shows several
//! permissions asked at once and requests no role can grant. The tour ends on a conversation
//! page: an agent's buttons from `allowed`, a view-only agent who may read and note but not
//! reply, and the assignee picker from `who_may`.
//!
//! Custom roles (cloning, narrowing, governance) have their own tour: `cargo run --example
//! clone_role`.

use helpdesk_policy::{
    Account, BuiltInRole, Conversation, GroupId, PermissionKind, Permissions, Plan, Policy,
    Resource, RoleId, Subject, Team, UserId,
};

const ME: UserId = UserId(7);
const MY_GROUPS: [GroupId; 2] = [GroupId(1), GroupId(2)];
const OTHER_GROUP: GroupId = GroupId(9);
const COLLEAGUE: UserId = UserId(3);

/// The conversations every role is asked about, each labelled with its facts.
const CONVERSATIONS: [(&str, Conversation<'static>); 5] = [
    (
        "conversation in group 2 (mine), unassigned",
        Conversation {
            group: Some(GroupId(2)),
            assignee: None,
            participants: &[],
        },
    ),
    (
        "conversation in group 9 (not mine), unassigned",
        Conversation {
            group: Some(OTHER_GROUP),
            assignee: None,
            participants: &[],
        },
    ),
    (
        "conversation in group 9, assigned to me",
        Conversation {
            group: Some(OTHER_GROUP),
            assignee: Some(ME),
            participants: &[],
        },
    ),
    (
        "conversation in group 9, assigned to user 3, I follow it",
        Conversation {
            group: Some(OTHER_GROUP),
            assignee: Some(COLLEAGUE),
            participants: &[ME],
        },
    ),
    (
        "conversation with no group, unassigned",
        Conversation {
            group: None,
            assignee: None,
            participants: &[],
        },
    ),
];

/// The team resources every role is asked about (for `view_reports`).
const TEAMS: [(&str, &dyn Resource); 3] = [
    ("team 1 (mine)", &Team(GroupId(1))),
    ("team 9 (not mine)", &Team(OTHER_GROUP)),
    ("the whole account", &Account),
];

fn main() {
    let policy = Policy::new(Plan::Pro);
    println!("Me: user {ME}, in groups 1 and 2. Each line: permission, resource: decision.");

    for role in BuiltInRole::ALL {
        let subject = Subject::new(ME, policy.builtin(role), &MY_GROUPS);
        println!();
        println!("== {} (role id {})", role.name(), policy.builtin(role));
        println!("   grants: {}", grants(&policy, policy.builtin(role)));
        for (label, conversation) in &CONVERSATIONS {
            let decision = policy.check(&subject, Permissions::REPLY, conversation);
            println!("   reply, {label}: {decision}");
        }
        for (label, team) in TEAMS {
            let decision = policy.check(&subject, Permissions::VIEW_REPORTS, team);
            println!("   view_reports, {label}: {decision}");
        }
        // Account permissions have no scope: the resource does not matter.
        let decision = policy.check(&subject, Permissions::MANAGE_FAQS, &Account);
        println!("   manage_faqs: {decision}");
    }

    println!();
    println!("== Several permissions at once, and requests no role can grant");
    let restricted = Subject::new(ME, policy.builtin(BuiltInRole::RestrictedUser), &MY_GROUPS);
    let [(mine_label, mine), _, (assigned_label, assigned), ..] = CONVERSATIONS;
    let note_and_resolve = Permissions::ADD_PRIVATE_NOTE | Permissions::RESOLVE_CONVERSATION;
    let deleted_role = Subject {
        role: RoleId(104), // e.g. a custom role that was deleted: its holders are denied
        ..restricted
    };
    let asks: [(String, Subject<'_>, Permissions, &dyn Resource); 5] = [
        (
            format!("Restricted User, add_private_note + resolve_conversation, {assigned_label}"),
            restricted,
            note_and_resolve,
            &assigned,
        ),
        (
            format!("Restricted User, add_private_note + resolve_conversation, {mine_label}"),
            restricted,
            note_and_resolve,
            &mine,
        ),
        (
            format!("Restricted User, reply + assign_conversation, {assigned_label}"),
            restricted,
            Permissions::REPLY | Permissions::ASSIGN_CONVERSATION,
            &assigned,
        ),
        (
            "Restricted User, no permission at all".to_owned(),
            restricted,
            Permissions::empty(),
            &Account,
        ),
        (
            format!("role id 104, not held by the policy, reply, {assigned_label}"),
            deleted_role,
            Permissions::REPLY,
            &assigned,
        ),
    ];
    for (label, subject, permissions, resource) in asks {
        let decision = policy.check(&subject, permissions, resource);
        println!("   {label}: {decision}");
    }

    conversation_page(&policy);
}

/// One conversation page: the buttons of two agents, and who may be picked as assignee.
fn conversation_page(policy: &Policy) {
    let (label, conversation) = CONVERSATIONS[1];
    println!();
    println!("== The page of the {label}");
    let sales = policy.builtin(BuiltInRole::SalesUser);
    // A Sales User in my groups who may also read group 9 (view-only), and one who works in it.
    let reader = Subject::new(ME, sales, &MY_GROUPS).with_view_only(&[OTHER_GROUP]);
    let member = Subject::new(COLLEAGUE, sales, &[OTHER_GROUP]);
    for (who, subject) in [
        ("user 7, view-only in group 9", reader),
        ("user 3, member of group 9", member),
    ] {
        let buttons = policy.allowed(&subject, &conversation) & Permissions::CONVERSATION_KIND;
        println!("   {who}: buttons {buttons}");
    }
    println!(
        "   user 7 replies: {}",
        policy.check(&reader, Permissions::REPLY, &conversation)
    );
    // The assignee picker: who may reply (and so be assigned) here, as roles and as a query.
    let picker = policy.who_may(Permissions::REPLY, &conversation);
    println!("   who may reply: {picker}");
    for (who, subject) in [("user 7", reader), ("user 3", member)] {
        let offered = if picker.matches(&subject) {
            "offered"
        } else {
            "not offered"
        };
        println!("   assignee picker, {who}: {offered}");
    }
}

/// The role's grants as one line: `reply (Global), ..., view_people, ...`; account permissions
/// have no scope.
fn grants(policy: &Policy, role: RoleId) -> String {
    let Some(role) = policy.role(role) else {
        return "unknown role".to_owned();
    };
    let grants: Vec<String> = role
        .grants()
        .map(|(permission, scope)| match permission.kind() {
            Some(PermissionKind::Account) => permission.to_string(),
            _ => format!("{permission} ({scope})"),
        })
        .collect();
    if grants.is_empty() {
        "nothing".to_owned()
    } else {
        grants.join(", ")
    }
}
