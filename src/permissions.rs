//! The permission vocabulary: one bit per permission, in three kinds.

use core::fmt;

use bitflags::bitflags;

bitflags! {
    /// A set of permissions, one bit each.
    ///
    /// Several bits in one [`check`](crate::Policy::check) mean *all of them*, each at the
    /// scope its role grants it. The snake_case names (`view_conversations`, ...) are the
    /// serialized vocabulary: see [`Permissions::from_permission_name`] and
    /// [`Permissions::permission_name`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Permissions: u32 {
        /// Conversation permission `view_conversations`: read a conversation.
        const VIEW_CONVERSATIONS = 1 << 0;
        /// Conversation permission `reply`: send a reply to the customer.
        const REPLY = 1 << 1;
        /// Conversation permission `add_private_note`: add a note only agents see.
        const ADD_PRIVATE_NOTE = 1 << 2;
        /// Conversation permission `assign_conversation`: change who owns a conversation.
        const ASSIGN_CONVERSATION = 1 << 3;
        /// Conversation permission `resolve_conversation`: resolve or reopen a conversation.
        const RESOLVE_CONVERSATION = 1 << 4;
        /// Conversation permission `delete_conversation`: delete a conversation.
        const DELETE_CONVERSATION = 1 << 5;
        /// Team permission `view_dashboard`: see a team's dashboard.
        const VIEW_DASHBOARD = 1 << 6;
        /// Team permission `view_reports`: read a team's reports.
        const VIEW_REPORTS = 1 << 7;
        /// Team permission `export_reports`: export a team's reports.
        const EXPORT_REPORTS = 1 << 8;
        /// Team permission `manage_settings`: change a team's settings.
        const MANAGE_SETTINGS = 1 << 9;
        /// Account permission `view_people`: open the People (contacts) section.
        const VIEW_PEOPLE = 1 << 10;
        /// Account permission `edit_people`: edit contacts.
        const EDIT_PEOPLE = 1 << 11;
        /// Account permission `view_contact_details`: see a customer's email and phone (PII).
        const VIEW_CONTACT_DETAILS = 1 << 12;
        /// Account permission `edit_own_profile`: edit one's own agent profile.
        const EDIT_OWN_PROFILE = 1 << 13;
        /// Account permission `manage_faqs`: create and edit FAQ articles.
        const MANAGE_FAQS = 1 << 14;
        /// Account permission `manage_campaigns`: create and launch campaigns.
        const MANAGE_CAMPAIGNS = 1 << 15;
        /// Account permission `manage_users`: invite users and assign their roles.
        const MANAGE_USERS = 1 << 16;
        /// Account permission `manage_groups`: create groups and set their members.
        const MANAGE_GROUPS = 1 << 17;
        /// Account permission `manage_custom_roles`: create, edit, rename and delete custom
        /// roles. Held by the Account Admin alone; never grantable to a custom role.
        const MANAGE_CUSTOM_ROLES = 1 << 18;
        /// Account permission `manage_account`: billing, plan and account-wide configuration.
        const MANAGE_ACCOUNT = 1 << 19;
    }
}

/// What a permission is checked against, which decides whether a scope applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PermissionKind {
    /// Checked against a conversation's facts; granted at a scope.
    Conversation,
    /// Checked against a team (group): its dashboard, reports or settings; granted at a scope.
    Team,
    /// Account-wide: granted or not, no scope, the resource is ignored.
    Account,
}

/// Every permission with its serialized name, in bit order.
const NAMES: [(&str, Permissions); 20] = [
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

impl Permissions {
    /// All conversation permissions.
    pub const CONVERSATION_KIND: Permissions = Permissions::VIEW_CONVERSATIONS
        .union(Permissions::REPLY)
        .union(Permissions::ADD_PRIVATE_NOTE)
        .union(Permissions::ASSIGN_CONVERSATION)
        .union(Permissions::RESOLVE_CONVERSATION)
        .union(Permissions::DELETE_CONVERSATION);

    /// All team permissions.
    pub const TEAM_KIND: Permissions = Permissions::VIEW_DASHBOARD
        .union(Permissions::VIEW_REPORTS)
        .union(Permissions::EXPORT_REPORTS)
        .union(Permissions::MANAGE_SETTINGS);

    /// All account permissions.
    pub const ACCOUNT_KIND: Permissions = Permissions::CONVERSATION_KIND
        .union(Permissions::TEAM_KIND)
        .complement();

    /// The permissions that are granted at a scope: conversation and team permissions.
    pub const SCOPED: Permissions = Permissions::CONVERSATION_KIND.union(Permissions::TEAM_KIND);

    /// Looks a permission up by its serialized snake_case name, e.g. `"reply"`.
    ///
    /// Names are exact (case-sensitive): the stored form is written by this crate.
    #[must_use]
    pub fn from_permission_name(name: &str) -> Option<Permissions> {
        NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, permission)| permission)
    }

    /// The snake_case name of a single permission, e.g. `"reply"`; `None` for an empty set,
    /// several bits, or an unknown bit.
    #[must_use]
    pub fn permission_name(self) -> Option<&'static str> {
        NAMES
            .iter()
            .find(|&&(_, permission)| permission == self)
            .map(|&(name, _)| name)
    }

    /// The kind of a single permission; `None` for an empty set, several bits, or an unknown
    /// bit.
    #[must_use]
    pub fn kind(self) -> Option<PermissionKind> {
        self.permission_name()?;
        Some(if Self::CONVERSATION_KIND.contains(self) {
            PermissionKind::Conversation
        } else if Self::TEAM_KIND.contains(self) {
            PermissionKind::Team
        } else {
            PermissionKind::Account
        })
    }

    /// Every permission with its snake_case name, in bit order.
    pub fn permission_names() -> impl Iterator<Item = (&'static str, Permissions)> {
        NAMES.iter().copied()
    }

    /// Bits set here that name no permission (only possible through `from_bits_retain`).
    /// The engine denies any check that carries them.
    #[must_use]
    pub const fn unknown_bits(self) -> u32 {
        self.bits() & !Self::all().bits()
    }

    /// The lowest single permission of the set, if any.
    #[must_use]
    pub(crate) const fn first(self) -> Option<Permissions> {
        let bits = self.bits();
        if bits == 0 {
            None
        } else {
            Some(Permissions::from_bits_retain(bits & bits.wrapping_neg()))
        }
    }
}

/// Writes the snake_case names joined by `, ` (`reply, add_private_note`), `nothing` for the
/// empty set, and unknown bits in hex.
impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing");
        }
        let mut first = true;
        for (name, permission) in NAMES {
            if self.contains(permission) {
                if !first {
                    f.write_str(", ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let unknown = self.unknown_bits();
        if unknown != 0 {
            if !first {
                f.write_str(", ")?;
            }
            write!(f, "unknown bits {unknown:#x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_every_bit_once_in_order() {
        let mut seen = Permissions::empty();
        for (index, (name, permission)) in NAMES.iter().enumerate() {
            assert_eq!(permission.bits(), 1 << index, "{name} is out of bit order");
            assert!(!seen.intersects(*permission), "{name} repeats a bit");
            seen |= *permission;
        }
        assert_eq!(seen, Permissions::all());
    }

    #[test]
    fn kinds_partition_all() {
        assert_eq!(
            Permissions::CONVERSATION_KIND | Permissions::TEAM_KIND | Permissions::ACCOUNT_KIND,
            Permissions::all()
        );
        assert!(!Permissions::CONVERSATION_KIND.intersects(Permissions::TEAM_KIND));
        assert!(!Permissions::SCOPED.intersects(Permissions::ACCOUNT_KIND));
        assert_eq!(Permissions::ACCOUNT_KIND.bits().count_ones(), 10);
    }

    #[test]
    fn first_picks_lowest_bit() {
        let set = Permissions::REPLY | Permissions::MANAGE_FAQS;
        assert_eq!(set.first(), Some(Permissions::REPLY));
        assert_eq!(Permissions::empty().first(), None);
    }

    #[test]
    fn display_joins_names() {
        let set = Permissions::MANAGE_FAQS | Permissions::REPLY;
        assert_eq!(set.to_string(), "reply, manage_faqs");
        assert_eq!(Permissions::empty().to_string(), "nothing");
        assert_eq!(
            Permissions::from_bits_retain(1 << 31).to_string(),
            "unknown bits 0x80000000"
        );
    }
}
