//! Custom roles: the Account Admin clones built-in roles and narrows them, an Administrator is
//! refused, and the policy survives a save and load with every decision unchanged. On the way:
//! the catalogue entry of a permission, the unmet requirements a careless revoke leaves, an
//! extension permission of the host's own, and the audit log's sentences from `diff`.
//!
//! Run with `cargo run --example clone_role`.

use helpdesk_policy::{
    Account, BuiltInRole, Conversation, ExtensionPermission, GroupId, PermissionKind, Permissions,
    Plan, Policy, Scope, Subject, UserId, Vocabulary,
};

/// The conversation permissions a Support Agent holds, all at Global.
const AGENT_CONVERSATIONS: Permissions = Permissions::VIEW_CONVERSATIONS
    .union(Permissions::REPLY)
    .union(Permissions::ADD_PRIVATE_NOTE)
    .union(Permissions::ASSIGN_CONVERSATION)
    .union(Permissions::RESOLVE_CONVERSATION);

const EUROPE: GroupId = GroupId(1);
const AMERICAS: GroupId = GroupId(2);

/// The host's own permission, beside the twenty.
fn vocabulary() -> Result<Vocabulary, helpdesk_policy::PolicyError> {
    Vocabulary::new([
        ExtensionPermission::new("merge_conversations", PermissionKind::Conversation)
            .label("Merge conversations")
            .description("Fold a duplicate conversation into another one.")
            .requires(Permissions::VIEW_CONVERSATIONS)
            .default_grant(BuiltInRole::SupportManager, Scope::Global),
    ])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let vocabulary = vocabulary()?;
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary.clone());
    let start = policy.clone(); // what the audit log compares against at the end
    let owner = Subject::new(UserId(1), policy.builtin(BuiltInRole::AccountAdmin), &[]);

    // An intern views conversations and adds private notes, but may not reply.
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let intern = policy.clone_role(&owner, agent, "Intern")?;
    policy.revoke(&owner, intern, Permissions::REPLY)?;
    policy.set_role_description(&owner, intern, "Learns the ropes: notes, no replies")?;

    // What the role editor shows for a permission the intern holds.
    let note = Permissions::ADD_PRIVATE_NOTE
        .info()
        .ok_or("a built-in permission has an entry")?;
    println!(
        "Catalogue entry of a permission the Intern holds:\n  {}\n",
        serde_json::to_string(note)?
    );

    // A careless revoke: without viewing, notes, assigning and resolving make no sense.
    let mut careless = policy.clone();
    careless.revoke(&owner, intern, Permissions::VIEW_CONVERSATIONS)?;
    println!("Unmet requirements after revoking view_conversations from the Intern:");
    for unmet in careless
        .role(intern)
        .map(|role| role.unmet_requirements())
        .unwrap_or_default()
    {
        println!("  {unmet}");
    }
    println!("(the editor refuses to save that; the policy keeps viewing)\n");

    // A FAQ writer: a Support Manager who writes FAQs but launches no campaigns.
    let manager = policy.builtin(BuiltInRole::SupportManager);
    let faq_writer = policy.clone_role(&owner, manager, "FAQ Writer")?;
    policy.revoke(&owner, faq_writer, Permissions::MANAGE_CAMPAIGNS)?;

    // A regional agent: a Support Agent whose conversation permissions reach only their own
    // groups (and what they take up), not the other regions'.
    let regional = policy.clone_role(&owner, agent, "Regional Agent")?;
    policy.grant(&owner, regional, AGENT_CONVERSATIONS, Scope::Group)?;
    // ...who may also merge duplicates in their own groups: the host's own permission.
    let merge = vocabulary
        .permission("merge_conversations")
        .ok_or("declared above")?;
    policy.grant(&owner, regional, merge, Scope::Group)?;

    // An Administrator may do almost everything, but not manage custom roles.
    let admin = Subject::new(UserId(2), policy.builtin(BuiltInRole::Administrator), &[]);
    match policy.clone_role(&admin, agent, "Shadow Admin") {
        Err(refusal) => println!("Administrator cloning a role: refused: {refusal}\n"),
        Ok(_) => return Err("an Administrator must not be able to create custom roles".into()),
    }

    println!("Decisions:");
    let before = decisions(&policy);
    for sentence in &before {
        println!("  {sentence}");
    }

    let json = serde_json::to_string_pretty(&policy)?;
    println!("\nThe policy as stored:\n{json}\n");

    let loaded = Policy::from_json(&json, &vocabulary)?;
    let after = decisions(&loaded);
    // Checked without panicking: a mismatch ends the example with an error.
    if after != before {
        return Err("the loaded policy decides differently from the saved one".into());
    }
    println!(
        "Loaded it back: all {} decisions are unchanged.\n",
        after.len()
    );

    // What the audit log keeps: (actor, revision, changes) after each store.
    println!("Audit log, user 1 at revision {}:", loaded.revision());
    for change in start.diff(&loaded) {
        let flag = if change.widens() { "widens" } else { "      " };
        println!("  {flag}  {change}");
    }
    Ok(())
}

/// Each custom role's holder (a user in the Europe group) asking for a few things, as the
/// sentences the decisions print.
fn decisions(policy: &Policy) -> Vec<String> {
    let in_europe = Conversation {
        group: Some(EUROPE),
        assignee: None,
        participants: &[],
    };
    let in_americas = Conversation {
        group: Some(AMERICAS),
        ..in_europe
    };
    let mut sentences = Vec::new();
    for name in ["Intern", "FAQ Writer", "Regional Agent"] {
        let Some(role) = policy.role_by_name(name) else {
            sentences.push(format!("no role named {name:?}"));
            continue;
        };
        let user = Subject::new(UserId(7), role.id(), &[EUROPE]);
        let asks = [
            (
                "view a Europe conversation",
                Permissions::VIEW_CONVERSATIONS,
                &in_europe,
            ),
            (
                "add a note in Americas",
                Permissions::ADD_PRIVATE_NOTE,
                &in_americas,
            ),
            ("reply in Europe", Permissions::REPLY, &in_europe),
            ("reply in Americas", Permissions::REPLY, &in_americas),
        ];
        let merge = policy
            .vocabulary()
            .permission("merge_conversations")
            .unwrap_or_default();
        let asks = asks.into_iter().chain([
            ("merge in Europe", merge, &in_europe),
            ("merge in Americas", merge, &in_americas),
        ]);
        for (what, permission, conversation) in asks {
            let decision = policy.check(&user, permission, conversation);
            sentences.push(format!("{name}, {what}: {decision}"));
        }
        for (what, permission) in [
            ("manage FAQs", Permissions::MANAGE_FAQS),
            ("manage campaigns", Permissions::MANAGE_CAMPAIGNS),
        ] {
            let decision = policy.check(&user, permission, &Account);
            sentences.push(format!("{name}, {what}: {decision}"));
        }
    }
    sentences
}
