//! Roles: the nine built-in roles of the product, and custom roles cloned from them.

use std::borrow::Cow;

use crate::grants::Grants;
use crate::requirements::UnmetRequirement;
use crate::vocabulary::Table;
use crate::{Permissions, RoleId, Scope};

/// Grants set aside at loading: permission name and scope, as found.
pub(crate) type KeptGrants = Box<[(Box<str>, Scope)]>;

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
    /// Empty by default and on a clone; the built-in description for built-in roles.
    pub(crate) description: Cow<'static, str>,
    /// The permission table the role was made with: names, kinds and requirements.
    pub(crate) table: Table,
    /// Grants of permissions the loading vocabulary lacked, set aside to be written back
    /// unchanged: they grant nothing. Boxed so that a role without any pays one pointer.
    pub(crate) kept: Option<KeptGrants>,
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

    /// The role's description: what a custom role's editor wrote (empty by default), or the
    /// built-in role's one line.
    #[must_use]
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Each requirement between permissions that the role's grants leave unmet: a permission
    /// granted at some scope whose required permission is not granted at that scope or wider.
    /// In the role's bit order; empty for every built-in role.
    ///
    /// ```
    /// use helpdesk_policy::{BuiltInRole, Permissions, Plan, Policy, Scope, Subject, UserId};
    ///
    /// let mut policy = Policy::new(Plan::Pro);
    /// let owner = Subject::new(UserId(1), policy.builtin(BuiltInRole::AccountAdmin), &[]);
    /// let role = policy.clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Careless")?;
    /// policy.grant(&owner, role, Permissions::VIEW_CONVERSATIONS, Scope::Group)?;
    /// let unmet = policy.role(role).unwrap().unmet_requirements();
    /// assert_eq!(unmet.len(), 4); // reply, notes, assign and resolve at Global
    /// assert_eq!(
    ///     unmet[0].to_string(),
    ///     "reply at Global scope requires view_conversations at Global scope, which is granted only at Group scope"
    /// );
    /// # Ok::<(), helpdesk_policy::PolicyError>(())
    /// ```
    #[must_use]
    pub fn unmet_requirements(&self) -> Vec<UnmetRequirement> {
        crate::requirements::unmet(&self.table, self.grants)
    }

    /// The names of the role's kept grants: grants of permissions that the vocabulary it was
    /// loaded with does not know, set aside by
    /// [`Policy::from_json_keeping_unknown`](crate::Policy::from_json_keeping_unknown). They
    /// grant nothing.
    pub fn kept_grants(&self) -> impl Iterator<Item = (&str, Scope)> + '_ {
        self.kept
            .iter()
            .flat_map(|kept| kept.iter().map(|(name, scope)| (&**name, *scope)))
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

    /// The role itself, as every policy of the built-in vocabulary holds it (under a
    /// [`Vocabulary`](crate::Vocabulary) with extensions, ask the policy: `policy.role(id)`).
    #[must_use]
    pub fn role(self) -> &'static Role {
        &BUILTIN_ROLES[self as usize]
    }

    /// The role's one-line description, as a role picker shows it.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            BuiltInRole::AccountAdmin => "The account owner: has access to everything, and alone manages custom roles.",
            BuiltInRole::Administrator => "Can do everything the Account Admin can, except create and change custom roles.",
            BuiltInRole::SupportManager => "A Support Agent who can also create and edit campaigns and FAQs.",
            BuiltInRole::SupportAgent => "Engages in every customer conversation, uses the People section and edits their own profile.",
            BuiltInRole::MarketingManager => "Runs campaigns and FAQs, sees the dashboard and reports, and manages people.",
            BuiltInRole::MarketingUser => "Creates campaigns and sees people, without access to conversations.",
            BuiltInRole::SalesManager => "Works every conversation, sees the dashboard and reports, and manages people.",
            BuiltInRole::SalesUser => "Works the conversations of their own groups and manages people.",
            BuiltInRole::RestrictedUser => "Sees and works only the conversations they are taking up.",
        }
    }
}

/// A built-in role's grants in the built-in vocabulary.
pub(crate) fn builtin_grants(role: BuiltInRole) -> Grants {
    BUILTIN_ROLES[role as usize].grants
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
        description: Cow::Borrowed(role.description()),
        table: Table::BUILTIN,
        kept: None,
    }
}

/// The built-in role table (see the README). Account permissions are stored at Global.
pub(crate) static BUILTIN_ROLES: [Role; 9] = [
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
