//! The permission catalogue: what a role editor shows for each permission, and what each
//! permission requires.

use std::borrow::Cow;

use serde::Serialize;

use crate::{PermissionKind, Permissions, Scope};

/// One permission as a role editor shows it: its stored name, a label, one sentence, its kind,
/// the scopes it may be granted at, and what it requires.
///
/// `Serialize`, so a host can hand [`Permissions::catalogue`] (or
/// [`Vocabulary::catalogue`](crate::Vocabulary::catalogue)) to its front end as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionInfo {
    /// The permission's bit.
    #[serde(skip)]
    pub permission: Permissions,
    /// The stored snake_case name, e.g. `"reply"`.
    pub name: &'static str,
    /// A short label for the editor, e.g. `"Reply"`.
    pub label: &'static str,
    /// One sentence saying what the permission lets a user do.
    pub description: &'static str,
    /// What the permission is checked against.
    pub kind: PermissionKind,
    /// The scopes it may be granted at, narrowest first: all three for conversation and team
    /// permissions, Global alone for account permissions.
    pub scopes: &'static [Scope],
    /// The permissions it requires, each granted at the same scope or wider; empty for none.
    #[serde(skip)]
    pub requires: Permissions,
    /// Their names, in bit order: what `requires` serializes as (extensions included).
    #[serde(rename = "requires")]
    pub requires_names: Cow<'static, [&'static str]>,
}

/// The scopes of a conversation or team permission.
pub(crate) const SCOPED: &[Scope] = &[Scope::Restricted, Scope::Group, Scope::Global];
/// The one scope of an account permission.
pub(crate) const UNSCOPED: &[Scope] = &[Scope::Global];

const fn info(
    permission: Permissions,
    name: &'static str,
    label: &'static str,
    description: &'static str,
    kind: PermissionKind,
    requires: (Permissions, &'static [&'static str]),
) -> PermissionInfo {
    PermissionInfo {
        permission,
        name,
        label,
        description,
        kind,
        scopes: match kind {
            PermissionKind::Conversation | PermissionKind::Team => SCOPED,
            PermissionKind::Account => UNSCOPED,
        },
        requires: requires.0,
        requires_names: Cow::Borrowed(requires.1),
    }
}

const NONE: (Permissions, &[&str]) = (Permissions::empty(), &[]);
const VIEWING: (Permissions, &[&str]) = (Permissions::VIEW_CONVERSATIONS, &["view_conversations"]);
const REPORTS: (Permissions, &[&str]) = (Permissions::VIEW_REPORTS, &["view_reports"]);
const PEOPLE: (Permissions, &[&str]) = (Permissions::VIEW_PEOPLE, &["view_people"]);
const CONVERSATION: PermissionKind = PermissionKind::Conversation;
const TEAM: PermissionKind = PermissionKind::Team;
const ACCOUNT: PermissionKind = PermissionKind::Account;

/// The twenty built-in permissions in bit order.
pub(crate) static BUILTIN: [PermissionInfo; 20] = [
    info(
        Permissions::VIEW_CONVERSATIONS,
        "view_conversations",
        "View conversations",
        "Open and read conversations and their history.",
        CONVERSATION,
        NONE,
    ),
    info(
        Permissions::REPLY,
        "reply",
        "Reply",
        "Send replies to the customer in a conversation.",
        CONVERSATION,
        VIEWING,
    ),
    info(
        Permissions::ADD_PRIVATE_NOTE,
        "add_private_note",
        "Add private notes",
        "Add notes to a conversation that only agents can see.",
        CONVERSATION,
        VIEWING,
    ),
    info(
        Permissions::ASSIGN_CONVERSATION,
        "assign_conversation",
        "Assign conversations",
        "Change which agent or group a conversation is assigned to.",
        CONVERSATION,
        VIEWING,
    ),
    info(
        Permissions::RESOLVE_CONVERSATION,
        "resolve_conversation",
        "Resolve conversations",
        "Mark a conversation resolved, or reopen it.",
        CONVERSATION,
        VIEWING,
    ),
    info(
        Permissions::DELETE_CONVERSATION,
        "delete_conversation",
        "Delete conversations",
        "Delete a conversation for good.",
        CONVERSATION,
        VIEWING,
    ),
    info(
        Permissions::VIEW_DASHBOARD,
        "view_dashboard",
        "View the dashboard",
        "See a team's live dashboard of conversations and agents.",
        TEAM,
        NONE,
    ),
    info(
        Permissions::VIEW_REPORTS,
        "view_reports",
        "View reports",
        "Read a team's reports on conversations and agent performance.",
        TEAM,
        NONE,
    ),
    info(
        Permissions::EXPORT_REPORTS,
        "export_reports",
        "Export reports",
        "Download a team's reports as files.",
        TEAM,
        REPORTS,
    ),
    info(
        Permissions::MANAGE_SETTINGS,
        "manage_settings",
        "Manage settings",
        "Change a team's settings, such as business hours and routing.",
        TEAM,
        NONE,
    ),
    info(
        Permissions::VIEW_PEOPLE,
        "view_people",
        "View people",
        "Open the People section and browse contacts.",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::EDIT_PEOPLE,
        "edit_people",
        "Edit people",
        "Change contacts' details in the People section.",
        ACCOUNT,
        PEOPLE,
    ),
    info(
        Permissions::VIEW_CONTACT_DETAILS,
        "view_contact_details",
        "View contact details",
        "See a customer's email address and phone number.",
        ACCOUNT,
        PEOPLE,
    ),
    info(
        Permissions::EDIT_OWN_PROFILE,
        "edit_own_profile",
        "Edit own profile",
        "Change one's own name, picture and notification settings.",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::MANAGE_FAQS,
        "manage_faqs",
        "Manage FAQs",
        "Create, edit and publish FAQ articles.",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::MANAGE_CAMPAIGNS,
        "manage_campaigns",
        "Manage campaigns",
        "Create, edit and launch campaigns.",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::MANAGE_USERS,
        "manage_users",
        "Manage users",
        "Invite agents, deactivate them and change their roles.",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::MANAGE_GROUPS,
        "manage_groups",
        "Manage groups",
        "Create groups and choose their members.",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::MANAGE_CUSTOM_ROLES,
        "manage_custom_roles",
        "Manage custom roles",
        "Create, change, rename and delete custom roles (the Account Admin alone).",
        ACCOUNT,
        NONE,
    ),
    info(
        Permissions::MANAGE_ACCOUNT,
        "manage_account",
        "Manage the account",
        "Change billing, the plan and account-wide configuration.",
        ACCOUNT,
        NONE,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_in_bit_order_with_matching_kinds() {
        for (index, entry) in BUILTIN.iter().enumerate() {
            assert_eq!(entry.permission.bits(), 1 << index, "{}", entry.name);
            let kind_mask = match entry.kind {
                PermissionKind::Conversation => Permissions::CONVERSATION_KIND,
                PermissionKind::Team => Permissions::TEAM_KIND,
                PermissionKind::Account => Permissions::ACCOUNT_KIND,
            };
            assert!(kind_mask.contains(entry.permission), "{}", entry.name);
            assert!(entry.description.ends_with('.'), "{}", entry.name);
            let names: Vec<&str> = entry
                .requires
                .each()
                .filter_map(Permissions::permission_name)
                .collect();
            assert_eq!(names, entry.requires_names.as_ref(), "{}", entry.name);
        }
    }
}
