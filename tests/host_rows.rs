//! A backend's own row type, with SQL-style `i64` ids, checked and filtered directly: no copying
//! into the crate's `Conversation`.
//!
//! Ids map from SQL integers as `u64::try_from(id).ok()`: a negative id is no id, so it matches
//! no user or group (the same mapping `ConversationFilter::to_sql` assumes).

use helpdesk_policy::{
    BuiltInRole, Conversation, Decision, Fact, GroupId, Permissions, Plan, Policy, Reason,
    Resource, RoleId, Scope, Subject, UserId,
};
use proptest::prelude::*;

/// A ticket as the host's database layer loads it.
#[derive(Debug, Clone)]
struct TicketRow {
    id: i64,
    group_id: Option<i64>,
    assignee_id: Option<i64>,
    followers: Vec<i64>,
}

/// A SQL id as one of the crate's: `None` for a negative id, which no user or group can have.
fn id(value: i64) -> Option<u64> {
    u64::try_from(value).ok()
}

impl Resource for TicketRow {
    fn group(&self) -> Option<GroupId> {
        self.group_id.and_then(id).map(GroupId)
    }

    fn assignee(&self) -> Option<UserId> {
        self.assignee_id.and_then(id).map(UserId)
    }

    fn has_participant(&self, user: UserId) -> bool {
        // A user id beyond i64::MAX cannot be stored in the row, so it follows nothing.
        i64::try_from(user.0).is_ok_and(|user| self.followers.contains(&user))
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

fn row(id: i64, group_id: Option<i64>, assignee_id: Option<i64>, followers: &[i64]) -> TicketRow {
    TicketRow {
        id,
        group_id,
        assignee_id,
        followers: followers.to_vec(),
    }
}

#[test]
fn a_row_is_checked_and_filtered_in_place() {
    let policy = Policy::new(Plan::Pro);
    let groups = [GroupId(2), GroupId(4)];
    let sales = Subject {
        user: UserId(7),
        role: policy.builtin(BuiltInRole::SalesUser),
        groups: &groups,
        view_only: &[],
    };
    let inbox = vec![
        row(101, Some(2), None, &[]),      // in the user's group
        row(102, Some(9), Some(7), &[]),   // assigned to the user elsewhere
        row(103, Some(9), Some(3), &[7]),  // followed by the user
        row(104, Some(9), Some(3), &[8]),  // someone else's
        row(105, None, None, &[]),         // nowhere
        row(106, Some(4), Some(3), &[5]),  // the user's other group
        row(107, None, Some(7), &[7, 7]),  // assigned and following, no group
        row(108, Some(-2), Some(-7), &[]), // negative ids are no ids
    ];
    let filter = policy.filter(&sales, Permissions::REPLY);
    let reachable: Vec<i64> = inbox
        .iter()
        .filter(|ticket| filter.matches(*ticket))
        .map(|ticket| ticket.id)
        .collect();
    assert_eq!(reachable, [101, 102, 103, 106, 107]);
    for ticket in &inbox {
        let decision = policy.check(&sales, Permissions::REPLY, ticket);
        assert_eq!(decision.is_allowed(), filter.matches(ticket), "{ticket:?}");
    }

    let followed = policy.check(&sales, Permissions::REPLY, &inbox[2]);
    assert!(
        matches!(
            followed.reason(),
            Reason::Granted {
                fact: Fact::Participant,
                ..
            }
        ),
        "{followed}"
    );
    let elsewhere = policy.check(&sales, Permissions::REPLY, &inbox[3]);
    assert!(
        matches!(
            elsewhere.reason(),
            Reason::OutOfScope {
                fact: Fact::OutsideUsersGroups(GroupId(9)),
                ..
            }
        ),
        "{elsewhere}"
    );
}

#[test]
fn negative_ids_match_no_user_or_group() {
    let policy = Policy::new(Plan::Pro);
    let restricted = Subject {
        user: UserId(7),
        role: policy.builtin(BuiltInRole::RestrictedUser),
        groups: &[GroupId(2)],
        view_only: &[],
    };
    let grouped = Subject {
        role: policy.builtin(BuiltInRole::SalesUser),
        ..restricted
    };
    // -7 is not user 7 and -2 is not group 2, whatever two's complement says.
    let negative = row(1, Some(-2), Some(-7), &[-7]);
    assert_eq!(negative.group(), None);
    assert_eq!(negative.assignee(), None);
    for subject in [&restricted, &grouped] {
        let decision = policy.check(subject, Permissions::VIEW_CONVERSATIONS, &negative);
        assert!(decision.is_denied(), "{decision}");
        assert!(!policy
            .filter(subject, Permissions::VIEW_CONVERSATIONS)
            .matches(&negative));
    }
    // Grouped: the negative group is no group.
    let decision = policy.check(&grouped, Permissions::VIEW_CONVERSATIONS, &negative);
    assert!(
        matches!(
            decision.reason(),
            Reason::OutOfScope {
                fact: Fact::NoGroup,
                ..
            }
        ),
        "{decision}"
    );
    // A user id beyond i64::MAX cannot be in the row: it follows nothing.
    let huge = Subject {
        user: UserId(u64::MAX),
        ..restricted
    };
    let all_followers = row(2, None, None, &[-1, i64::MAX, i64::MIN]);
    assert!(policy
        .check(&huge, Permissions::VIEW_CONVERSATIONS, &all_followers)
        .is_denied());
    let edge = Subject {
        user: UserId(u64::try_from(i64::MAX).unwrap()),
        ..restricted
    };
    assert!(policy
        .check(&edge, Permissions::VIEW_CONVERSATIONS, &all_followers)
        .is_allowed());
}

#[test]
fn rows_work_by_reference_box_and_trait_object() {
    let policy = Policy::new(Plan::Pro);
    let subject = Subject {
        user: UserId(7),
        role: policy.builtin(BuiltInRole::RestrictedUser),
        groups: &[],
        view_only: &[],
    };
    let ticket = row(3, Some(3), Some(7), &[]);
    let by_ref: &TicketRow = &ticket;
    let dynamic: &dyn Resource = &ticket;
    let boxed: Box<dyn Resource> = Box::new(ticket.clone());
    assert!(policy
        .check(
            &subject,
            Permissions::VIEW_CONVERSATIONS
                | Permissions::REPLY
                | Permissions::RESOLVE_CONVERSATION,
            &by_ref
        )
        .is_allowed());
    assert!(policy
        .check(&subject, Permissions::REPLY, dynamic)
        .is_allowed());
    assert!(policy
        .check(&subject, Permissions::REPLY, boxed.as_ref())
        .is_allowed());
    let filter = policy.filter(&subject, Permissions::REPLY);
    assert!(filter.matches(dynamic) && filter.matches(boxed.as_ref()) && filter.matches(&by_ref));
}

/// A policy with the built-ins and a few custom roles at mixed scopes; returns every role id.
fn policy_with_custom_roles() -> (Policy, Vec<RoleId>) {
    let mut policy = Policy::new(Plan::Enterprise);
    let owner = owner(&policy);
    let agent = policy.builtin(BuiltInRole::SupportAgent);
    let sales = policy.builtin(BuiltInRole::SalesUser);
    let narrow = policy.clone_role(&owner, agent, "Narrow").unwrap();
    policy
        .grant(&owner, narrow, Permissions::REPLY, Scope::Restricted)
        .unwrap();
    policy
        .grant(&owner, narrow, Permissions::ADD_PRIVATE_NOTE, Scope::Group)
        .unwrap();
    let wide = policy.clone_role(&owner, sales, "Wide").unwrap();
    policy
        .grant(&owner, wide, Permissions::VIEW_CONVERSATIONS, Scope::Global)
        .unwrap();
    policy
        .grant(
            &owner,
            wide,
            Permissions::ASSIGN_CONVERSATION,
            Scope::Restricted,
        )
        .unwrap();
    policy.revoke(&owner, wide, Permissions::REPLY).unwrap();
    let roles = BuiltInRole::ALL
        .iter()
        .map(|role| role.id())
        .chain([narrow, wide, RoleId(999)])
        .collect();
    (policy, roles)
}

fn sql_id() -> impl Strategy<Value = i64> {
    prop_oneof![6 => -2_i64..6, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
}

fn ticket() -> impl Strategy<Value = TicketRow> {
    (
        any::<i64>(),
        proptest::option::of(sql_id()),
        proptest::option::of(sql_id()),
        proptest::collection::vec(sql_id(), 0..4),
    )
        .prop_map(|(id, group_id, assignee_id, followers)| TicketRow {
            id,
            group_id,
            assignee_id,
            followers,
        })
}

fn crate_id() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 0_u64..6, 1 => Just(u64::MAX), 1 => Just(1 << 63)]
}

proptest! {
    /// The host row decides exactly as the crate's own `Conversation` built from it, and the
    /// filter agrees with `check` on it.
    #[test]
    fn host_rows_decide_like_conversations(
        ticket in ticket(),
        user in crate_id(),
        groups in proptest::collection::vec(crate_id().prop_map(GroupId), 0..4),
        role in 0_usize..12,
        conversation_bits in 0_u64..(1 << 6),
        other_bit in proptest::option::of(6_u64..20),
    ) {
        let (policy, roles) = policy_with_custom_roles();
        let other = other_bit.map_or(0, |bit| 1 << bit);
        let permissions = Permissions::from_bits_truncate(conversation_bits | other);
        let subject = Subject { user: UserId(user), role: roles[role % roles.len()], groups: &groups, view_only: &[] };
        let participants: Vec<UserId> =
            ticket.followers.iter().filter_map(|f| id(*f)).map(UserId).collect();
        let copy = Conversation {
            group: ticket.group(),
            assignee: ticket.assignee(),
            participants: &participants,
        };
        let on_row: Decision = policy.check(&subject, permissions, &ticket);
        let on_copy = policy.check(&subject, permissions, &copy);
        prop_assert_eq!(on_row, on_copy);
        prop_assert_eq!(
            policy.filter(&subject, permissions).matches(&ticket),
            on_row.is_allowed()
        );
    }
}
