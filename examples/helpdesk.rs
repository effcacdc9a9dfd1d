//! A tour of the built-in roles: each decision printed with its sentence.
//!
//! Run with `cargo run --example helpdesk`.

use helpdesk_policy::{
    Account, BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, Subject, Team, UserId,
};

fn main() {
    let policy = Policy::new(Plan::Pro);
    let me = UserId(7);
    let my_groups = [GroupId(1), GroupId(2)];
    let conversations = [
        (
            "in my group",
            Conversation {
                group: Some(GroupId(2)),
                assignee: None,
                participants: &[],
            },
        ),
        (
            "in another group",
            Conversation {
                group: Some(GroupId(9)),
                assignee: None,
                participants: &[],
            },
        ),
        (
            "assigned to me",
            Conversation {
                group: Some(GroupId(9)),
                assignee: Some(me),
                participants: &[],
            },
        ),
        (
            "I follow it",
            Conversation {
                group: Some(GroupId(9)),
                assignee: Some(UserId(3)),
                participants: &[me],
            },
        ),
        (
            "no group, unassigned",
            Conversation {
                group: None,
                assignee: None,
                participants: &[],
            },
        ),
    ];
    for role in BuiltInRole::ALL {
        let subject = Subject {
            user: me,
            role: policy.builtin(role),
            groups: &my_groups,
        };
        println!("== {}", role.name());
        for (label, conversation) in &conversations {
            let decision = policy.check(&subject, Permissions::REPLY, conversation);
            println!("  reply, {label}: {decision}");
        }
        println!(
            "  view_reports, my team: {}",
            policy.check(&subject, Permissions::VIEW_REPORTS, &Team(GroupId(1)))
        );
        println!(
            "  view_reports, the account: {}",
            policy.check(&subject, Permissions::VIEW_REPORTS, &Account)
        );
        println!(
            "  manage_faqs: {}",
            policy.check(&subject, Permissions::MANAGE_FAQS, &Account)
        );
    }
}
