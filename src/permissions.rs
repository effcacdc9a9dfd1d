//! The permission vocabulary: one bit per permission, in three kinds.

use core::fmt;

use bitflags::bitflags;

use std::borrow::Cow;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

use crate::catalogue::{self, PermissionInfo};
use crate::name::shorten;
use crate::vocabulary::Table;
use crate::PolicyError;

bitflags! {
    /// A set of permissions, one bit each.
    ///
    /// Several bits in one [`check`](crate::Policy::check) mean *all of them*, each at the
    /// scope its role grants it. The snake_case names (`view_conversations`, ...) are the
    /// serialized vocabulary: see [`Permissions::from_permission_name`] and
    /// [`Permissions::permission_name`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Permissions: u64 {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PermissionKind {
    /// Checked against a conversation's facts; granted at a scope.
    Conversation,
    /// Checked against a team (group): its dashboard, reports or settings; granted at a scope.
    Team,
    /// Account-wide: granted or not, no scope, the resource is ignored.
    Account,
}

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

    /// All account permissions of the built-in vocabulary, named one by one: nothing becomes
    /// account-wide by not being declared otherwise.
    pub const ACCOUNT_KIND: Permissions = Permissions::VIEW_PEOPLE
        .union(Permissions::EDIT_PEOPLE)
        .union(Permissions::VIEW_CONTACT_DETAILS)
        .union(Permissions::EDIT_OWN_PROFILE)
        .union(Permissions::MANAGE_FAQS)
        .union(Permissions::MANAGE_CAMPAIGNS)
        .union(Permissions::MANAGE_USERS)
        .union(Permissions::MANAGE_GROUPS)
        .union(Permissions::MANAGE_CUSTOM_ROLES)
        .union(Permissions::MANAGE_ACCOUNT);

    /// The permissions a view-only group reaches at Group scope: reading a conversation and
    /// adding a private note. Every other permission needs full membership of the group.
    pub const VIEW_ONLY_REACH: Permissions =
        Permissions::VIEW_CONVERSATIONS.union(Permissions::ADD_PRIVATE_NOTE);

    /// The permissions that are granted at a scope: conversation and team permissions.
    pub const SCOPED: Permissions = Permissions::CONVERSATION_KIND.union(Permissions::TEAM_KIND);

    /// Looks a permission up by its serialized snake_case name, e.g. `"reply"`.
    ///
    /// Names are exact (case-sensitive): the stored form is written by this crate.
    #[must_use]
    pub fn from_permission_name(name: &str) -> Option<Permissions> {
        catalogue::BUILTIN
            .iter()
            .find(|info| info.name == name)
            .map(|info| info.permission)
    }

    /// The snake_case name of a single permission, e.g. `"reply"`; `None` for an empty set,
    /// several bits, or an unknown bit.
    #[must_use]
    pub fn permission_name(self) -> Option<&'static str> {
        self.info().map(|info| info.name)
    }

    /// The kind of a single permission; `None` for an empty set, several bits, or an unknown
    /// bit.
    #[must_use]
    pub fn kind(self) -> Option<PermissionKind> {
        self.info().map(|info| info.kind)
    }

    /// Every permission with its snake_case name, in bit order.
    pub fn permission_names() -> impl Iterator<Item = (&'static str, Permissions)> {
        catalogue::BUILTIN
            .iter()
            .map(|info| (info.name, info.permission))
    }

    /// Bits set here that name no permission (only possible through `from_bits_retain`).
    /// The engine denies any check that carries them.
    #[must_use]
    pub const fn unknown_bits(self) -> u64 {
        self.bits() & !Self::all().bits()
    }

    /// Each single permission of the set, lowest bit first, extension bits included (bitflags'
    /// own `iter` lumps bits without a constant together).
    pub fn each(self) -> impl Iterator<Item = Permissions> {
        let mut rest = self.bits();
        core::iter::from_fn(move || {
            let lowest = rest & rest.wrapping_neg();
            rest &= !lowest;
            (lowest != 0).then_some(Permissions::from_bits_retain(lowest))
        })
    }

    /// The catalogue of the twenty built-in permissions in bit order: names, labels,
    /// descriptions, kinds, the scopes each takes and what each requires. A vocabulary with
    /// extensions has its own: [`Vocabulary::catalogue`](crate::Vocabulary::catalogue).
    #[must_use]
    pub fn catalogue() -> &'static [PermissionInfo] {
        &catalogue::BUILTIN
    }

    /// The catalogue entry of a single built-in permission; `None` for several bits, none, or
    /// an extension bit (ask the [`Vocabulary`](crate::Vocabulary)).
    #[must_use]
    pub fn info(self) -> Option<&'static PermissionInfo> {
        if self.bits().count_ones() != 1 {
            return None;
        }
        catalogue::BUILTIN.get(self.bits().trailing_zeros() as usize)
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
/// Extension bits have no name here: a [`Vocabulary`](crate::Vocabulary) writes them by name
/// ([`Vocabulary::display`](crate::Vocabulary::display)).
impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Table::BUILTIN.display(*self).fmt(f)
    }
}

/// Parses snake_case names joined by commas, spaces around them ignored; an empty string (or
/// only spaces) is the empty set.
pub(crate) fn parse_names(
    names: &str,
    lookup: impl Fn(&str) -> Option<Permissions>,
) -> Result<Permissions, PolicyError> {
    let mut set = Permissions::empty();
    if names.trim().is_empty() {
        return Ok(set);
    }
    for name in names.split(',') {
        let name = name.trim();
        set |= lookup(name).ok_or_else(|| PolicyError::UnknownPermissionName(shorten(name)))?;
    }
    Ok(set)
}

/// Parses one built-in permission name, or several joined by commas (`"reply,
/// add_private_note"`); the empty string is the empty set. Extensions: use
/// [`Vocabulary::parse`](crate::Vocabulary::parse).
impl FromStr for Permissions {
    type Err = PolicyError;

    fn from_str(names: &str) -> Result<Self, Self::Err> {
        parse_names(names, Permissions::from_permission_name)
    }
}

/// The empty set.
impl Default for Permissions {
    fn default() -> Self {
        Permissions::empty()
    }
}

/// A list of snake_case names in bit order, e.g. `["reply", "add_private_note"]`. A set with
/// bits that name no built-in permission fails to serialize rather than lose them: write
/// extension sets with [`Vocabulary::names`](crate::Vocabulary::names).
impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let unknown = self.unknown_bits();
        if unknown != 0 {
            return Err(ser::Error::custom(format_args!(
                "permission bits {unknown:#x} name no built-in permission"
            )));
        }
        serializer.collect_seq(self.each().filter_map(Permissions::permission_name))
    }
}

/// Reads a list of built-in snake_case names; an unknown name is an error naming it.
impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Names;

        impl<'de> Visitor<'de> for Names {
            type Value = Permissions;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of permission names")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Permissions, A::Error> {
                let mut set = Permissions::empty();
                while let Some(name) = seq.next_element::<Cow<'de, str>>()? {
                    set |= Permissions::from_permission_name(&name).ok_or_else(|| {
                        de::Error::custom(PolicyError::UnknownPermissionName(shorten(&name)))
                    })?;
                }
                Ok(set)
            }
        }

        deserializer.deserialize_seq(Names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_every_bit_once_in_order() {
        let mut seen = Permissions::empty();
        for (index, (name, permission)) in Permissions::permission_names().enumerate() {
            assert_eq!(permission.bits(), 1 << index, "{name} is out of bit order");
            assert!(!seen.intersects(permission), "{name} repeats a bit");
            seen |= permission;
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
    fn each_yields_single_bits_including_extension_bits() {
        let set = Permissions::REPLY | Permissions::from_bits_retain(1 << 20 | 1 << 63);
        let bits: Vec<u64> = set.each().map(|p| p.bits()).collect();
        assert_eq!(bits, [1 << 1, 1 << 20, 1 << 63]);
    }

    #[test]
    fn parse_and_serde_by_name() {
        assert_eq!(
            "reply, add_private_note".parse(),
            Ok(Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE)
        );
        assert_eq!("".parse(), Ok(Permissions::empty()));
        assert_eq!(
            "reply,reply_all".parse::<Permissions>(),
            Err(PolicyError::UnknownPermissionName("reply_all".into()))
        );
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
            Permissions::from_bits_retain(1 << 63).to_string(),
            "unknown bits 0x8000000000000000"
        );
    }
}
