//! Roles: the nine built-in roles of the product, and custom roles cloned from them.

use std::borrow::Cow;

use crate::grants::Grants;
use crate::{Permissions, RoleId, Scope};

/// A role: a name and a permission set, each permission granted at a scope.
///
/// Read it through [`Policy::role`](crate::Policy::role); change custom roles through the
/// policy's governed methods ([`Policy::grant`](crate::Policy::grant), ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub(crate) id: RoleId,
    pub(crate) name: Cow<'static, str>,
    pub(crate) builtin: Option<BuiltInRole>,
    pub(crate) cloned_from: Option<RoleId>,
    pub(crate) grants: Grants,
}

impl Role {
    /// The role's id.
    #[must_use]
    pub fn id(&self) -> RoleId {
        self.id
    }

    /// The role's display name, e.g. `"Support Agent"`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which built-in role this is, or `None` for a custom role.
    #[must_use]
    pub fn builtin(&self) -> Option<BuiltInRole> {
        self.builtin
    }

    /// Whether this is a custom role (created by cloning).
    #[must_use]
    pub fn is_custom(&self) -> bool {
        self.builtin.is_none()
    }

    /// The role this custom role was cloned from, for information only: the source may have
    /// been renamed, changed or deleted since. `None` for built-in roles.
    #[must_use]
    pub fn cloned_from(&self) -> Option<RoleId> {
        self.cloned_from
    }

    /// Every permission the role grants, at any scope.
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        self.grants.at_least(Scope::Restricted)
    }

    /// The permissions granted at `scope` or wider.
    #[must_use]
    pub fn permissions_at_least(&self, scope: Scope) -> Permissions {
        self.grants.at_least(scope)
    }

    /// The scope at which the role grants `permissions`: for a single permission its scope,
    /// for several the narrowest of theirs; `None` if any of them is not granted or the set is
    /// empty. Account permissions are granted at [`Scope::Global`].
    #[must_use]
    pub fn scope_of(&self, permissions: Permissions) -> Option<Scope> {
        self.grants.scope_of(permissions)
    }

    /// Each granted permission with its scope, in bit order.
    pub fn grants(&self) -> impl Iterator<Item = (Permissions, Scope)> + '_ {
        self.grants.iter()
    }
}

/// The nine built-in roles. Their ids are fixed and the same in every policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BuiltInRole {
    /// "Account Admin": the owner, everything.
    AccountAdmin,
    /// "Administrator": everything but managing custom roles.
    Administrator,
    /// "Support Manager": a Support Agent who also manages campaigns and FAQs.
    SupportManager,
    /// "Support Agent": conversations, the People section, their own profile.
    SupportAgent,
    /// "Marketing Manager": dashboard, reports, people, FAQs and campaigns.
    MarketingManager,
    /// "Marketing User": people and campaigns.
    MarketingUser,
    /// "Sales Manager": all conversations, dashboard and reports, people.
    SalesManager,
    /// "Sales User": the conversations of their groups, people.
    SalesUser,
    /// "Restricted User": only the conversations they are taking up.
    RestrictedUser,
}

impl BuiltInRole {
    /// All nine, in id order.
    pub const ALL: [BuiltInRole; 9] = [
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

    /// The role's fixed id: 1 to 9 in the order of [`BuiltInRole::ALL`].
    #[must_use]
    pub const fn id(self) -> RoleId {
        RoleId(self as u32 + 1)
    }

    /// The built-in role with this id, if any.
    #[must_use]
    pub fn from_id(id: RoleId) -> Option<BuiltInRole> {
        let index = usize::try_from(id.0.checked_sub(1)?).ok()?;
        BuiltInRole::ALL.get(index).copied()
    }

    /// The role's display name, e.g. `"Support Agent"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self.role().name {
            Cow::Borrowed(name) => name,
            // Built-in names are string literals; this arm is never taken.
            Cow::Owned(_) => "",
        }
    }

    /// The role itself, as every policy holds it.
    #[must_use]
    pub fn role(self) -> &'static Role {
        &BUILTIN_ROLES[self as usize]
    }
}

/// The built-in role with id `id`, straight from the table: one bounds check, no detour
/// through [`BuiltInRole`], because every check starts here.
#[inline]
pub(crate) fn builtin_role(id: RoleId) -> Option<&'static Role> {
    let index = usize::try_from(id.0).ok()?.checked_sub(1)?;
    BUILTIN_ROLES.get(index)
}

const CONVERSATIONS_BUT_DELETE: Permissions =
    Permissions::CONVERSATION_KIND.difference(Permissions::DELETE_CONVERSATION);
const SALES_CONVERSATIONS: Permissions =
    CONVERSATIONS_BUT_DELETE.difference(Permissions::ASSIGN_CONVERSATION);
const PEOPLE: Permissions = Permissions::VIEW_PEOPLE
    .union(Permissions::EDIT_PEOPLE)
    .union(Permissions::VIEW_CONTACT_DETAILS)
    .union(Permissions::EDIT_OWN_PROFILE);
const DASHBOARD_AND_REPORTS: Permissions =
    Permissions::VIEW_DASHBOARD.union(Permissions::VIEW_REPORTS);
const FAQS_AND_CAMPAIGNS: Permissions =
    Permissions::MANAGE_FAQS.union(Permissions::MANAGE_CAMPAIGNS);

const fn builtin(role: BuiltInRole, name: &'static str, grants: Grants) -> Role {
    Role {
        id: role.id(),
        name: Cow::Borrowed(name),
        builtin: Some(role),
        cloned_from: None,
        grants,
    }
}

/// The design's built-in role table. Account permissions are stored at Global.
static BUILTIN_ROLES: [Role; 9] = [
    builtin(
        BuiltInRole::AccountAdmin,
        "Account Admin",
        Grants::EMPTY.with(Permissions::all(), Scope::Global),
    ),
    builtin(
        BuiltInRole::Administrator,
        "Administrator",
        Grants::EMPTY.with(Permissions::MANAGE_CUSTOM_ROLES.complement(), Scope::Global),
    ),
    builtin(
        BuiltInRole::SupportManager,
        "Support Manager",
        Grants::EMPTY.with(
            CONVERSATIONS_BUT_DELETE
                .union(PEOPLE)
                .union(FAQS_AND_CAMPAIGNS),
            Scope::Global,
        ),
    ),
    builtin(
        BuiltInRole::SupportAgent,
        "Support Agent",
        Grants::EMPTY.with(CONVERSATIONS_BUT_DELETE.union(PEOPLE), Scope::Global),
    ),
    builtin(
        BuiltInRole::MarketingManager,
        "Marketing Manager",
        Grants::EMPTY.with(
            DASHBOARD_AND_REPORTS
                .union(PEOPLE)
                .union(FAQS_AND_CAMPAIGNS),
            Scope::Global,
        ),
    ),
    builtin(
        BuiltInRole::MarketingUser,
        "Marketing User",
        Grants::EMPTY.with(
            Permissions::VIEW_PEOPLE
                .union(Permissions::VIEW_CONTACT_DETAILS)
                .union(Permissions::EDIT_OWN_PROFILE)
                .union(Permissions::MANAGE_CAMPAIGNS),
            Scope::Global,
        ),
    ),
    builtin(
        BuiltInRole::SalesManager,
        "Sales Manager",
        Grants::EMPTY.with(
            CONVERSATIONS_BUT_DELETE
                .union(DASHBOARD_AND_REPORTS)
                .union(PEOPLE),
            Scope::Global,
        ),
    ),
    builtin(
        BuiltInRole::SalesUser,
        "Sales User",
        Grants::EMPTY
            .with(SALES_CONVERSATIONS, Scope::Group)
            .with(PEOPLE, Scope::Global),
    ),
    builtin(
        BuiltInRole::RestrictedUser,
        "Restricted User",
        Grants::EMPTY
            .with(SALES_CONVERSATIONS, Scope::Restricted)
            .with(Permissions::EDIT_OWN_PROFILE, Scope::Global),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_stay_below_custom_range() {
        for role in BuiltInRole::ALL {
            assert_eq!(BuiltInRole::from_id(role.id()), Some(role));
            assert!(role.id().is_builtin_range());
            assert_eq!(role.role().builtin(), Some(role));
            assert_eq!(role.role().id(), role.id());
        }
        assert_eq!(BuiltInRole::from_id(RoleId(0)), None);
        assert_eq!(BuiltInRole::from_id(RoleId(10)), None);
    }

    #[test]
    fn only_account_admin_manages_custom_roles() {
        for role in BuiltInRole::ALL {
            let holds = role
                .role()
                .permissions()
                .contains(Permissions::MANAGE_CUSTOM_ROLES);
            assert_eq!(holds, role == BuiltInRole::AccountAdmin, "{role:?}");
        }
    }
}
