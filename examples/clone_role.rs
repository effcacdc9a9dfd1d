//! Custom roles: the Account Admin clones built-in roles and narrows them, an Administrator is
//! refused, and the policy survives a save and load with every decision unchanged.
//!
//! Run with `cargo run --example clone_role`.

use helpdesk_policy::{
    Account, BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, Scope, Subject, UserId,
};

/// The conversation permissions a Support Agent holds, all at Global.
const AGENT_CONVERSATIONS: Permissions = Permissions::VIEW_CONVERSATIONS
    .union(Permissions::REPLY)
    .union(Permissions::ADD_PRIVATE_NOTE)
    .union(Permissions::ASSIGN_CONVERSATION)
    .union(Permissions::RESOLVE_CONVERSATION);

const EUROPE: GroupId = GroupId(1);
const AMERICAS: GroupId = GroupId(2);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut policy = Policy::new(Plan::Pro);
    let owner = Subject {
        user: UserId(1),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    };

    // An intern views conversations and adds private notes, but may not reply.
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let intern = policy.clone_role(&owner, agent, "Intern")?;
    policy.revoke(&owner, intern, Permissions::REPLY)?;

    // A FAQ writer: a Support Manager who writes FAQs but launches no campaigns.
    let manager = policy.builtin(BuiltInRole::SupportManager);
    let faq_writer = policy.clone_role(&owner, manager, "FAQ Writer")?;
    policy.revoke(&owner, faq_writer, Permissions::MANAGE_CAMPAIGNS)?;

    // A regional agent: a Support Agent whose conversation permissions reach only their own
    // groups (and what they take up), not the other regions'.
    let regional = policy.clone_role(&owner, agent, "Regional Agent")?;
    policy.grant(&owner, regional, AGENT_CONVERSATIONS, Scope::Group)?;

    // An Administrator may do almost everything, but not manage custom roles.
    let admin = Subject {
        user: UserId(2),
        role: policy.builtin(BuiltInRole::Administrator),
        groups: &[],
        view_only: &[],
    };
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

    let loaded: Policy = serde_json::from_str(&json)?;
    let after = decisions(&loaded);
    // Checked without panicking: a mismatch ends the example with an error.
    if after != before {
        return Err("the loaded policy decides differently from the saved one".into());
    }
    println!(
        "Loaded it back: all {} decisions are unchanged.",
        after.len()
    );
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
        let user = Subject {
            user: UserId(7),
            role: role.id(),
            groups: &[EUROPE],
            view_only: &[],
        };
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
