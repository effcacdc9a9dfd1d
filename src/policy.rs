//! The policy: the built-in roles, the account's custom roles and plan, and the public
//! methods that decide and that change the configuration under governance.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::decision::Decision;
use crate::filter::ConversationFilter;
use crate::grants::Grants;
use crate::role::builtin_role;
use crate::role_map::RoleMap;
use crate::{eval, name};
use crate::{BuiltInRole, Permissions, Plan, PolicyError, Resource, Role, RoleId, Scope, Subject};

/// One account's roles and plan: decides checks, and holds the custom roles an Account Admin
/// creates.
///
/// Pure and in memory: the host loads it (it is `Serialize + Deserialize`), asks it, and stores
/// it again after a successful change, using [`Policy::revision`] for compare-and-swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub(crate) plan: Plan,
    pub(crate) revision: u64,
    pub(crate) next_role_id: RoleId,
    pub(crate) custom: RoleMap,
    /// Custom role ids by folded name, for uniqueness in constant time.
    pub(crate) names: HashMap<String, RoleId>,
}

impl Policy {
    /// A policy on `plan` with the nine built-in roles and no custom roles.
    #[must_use]
    pub fn new(plan: Plan) -> Policy {
        Policy {
            plan,
            revision: 0,
            next_role_id: RoleId::FIRST_CUSTOM,
            custom: RoleMap::default(),
            names: HashMap::new(),
        }
    }

    /// The account's plan.
    #[must_use]
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// Changes the plan. Nothing is lost on a downgrade: custom roles stay and keep deciding
    /// for their holders, but below Pro they cannot be created, changed, renamed or assigned
    /// (they can still be deleted) until an upgrade restores everything as it was.
    pub fn set_plan(&mut self, plan: Plan) {
        if self.plan != plan {
            self.plan = plan;
            self.bump();
        }
    }

    /// A counter that every successful change increments (refused changes and no-ops leave it
    /// alone). Store the policy only if the stored revision is still the one you loaded.
    #[must_use]
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The id the next custom role will get.
    #[must_use]
    pub fn next_role_id(&self) -> RoleId {
        self.next_role_id
    }

    /// The id of a built-in role: the same fixed id in every policy.
    #[must_use]
    pub fn builtin(&self, role: BuiltInRole) -> RoleId {
        role.id()
    }

    /// The role with this id, built-in or custom.
    #[must_use]
    #[inline]
    pub fn role(&self, id: RoleId) -> Option<&Role> {
        if id.is_builtin_range() {
            builtin_role(id)
        } else {
            self.custom_role_by_id(id)
        }
    }

    /// Kept out of line: the hash probe's code would otherwise crowd every inlined check, and
    /// built-in roles (the common case) need none of it.
    #[inline(never)]
    fn custom_role_by_id(&self, id: RoleId) -> Option<&Role> {
        self.custom.get(&id)
    }

    /// The role with this name, or with a name that looks like it: compared as role names are
    /// (normalised, ignoring case, by confusable skeleton).
    #[must_use]
    pub fn role_by_name(&self, name: &str) -> Option<&Role> {
        let key = name::lookup_key(name)?;
        if let Some(builtin) = BuiltInRole::ALL
            .iter()
            .find(|r| name::fold(r.name()) == key)
        {
            return Some(builtin.role());
        }
        self.names.get(&key).and_then(|id| self.custom.get(id))
    }

    /// Every role: the built-in ones, then the custom ones, in id order.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        BuiltInRole::ALL
            .iter()
            .map(|role| role.role())
            .chain(self.custom_roles())
    }

    /// The custom roles in id order.
    pub(crate) fn custom_roles(&self) -> impl Iterator<Item = &Role> {
        let mut roles: Vec<&Role> = self.custom.values().collect();
        roles.sort_unstable_by_key(|role| role.id);
        roles.into_iter()
    }

    /// May `subject` do every one of `permissions` on `resource`? Each permission is checked at
    /// the scope the subject's role grants it; account permissions ignore the resource.
    ///
    /// Allocates nothing; costs the same however many roles the policy holds.
    #[inline]
    pub fn check<R: Resource + ?Sized>(
        &self,
        subject: &Subject<'_>,
        permissions: Permissions,
        resource: &R,
    ) -> Decision<'_> {
        eval::check(self.role(subject.role), subject, permissions, resource)
    }

    /// The conversations on which `subject` may do every one of `permissions`, as a filter
    /// that agrees with [`Policy::check`] on every conversation.
    #[must_use]
    pub fn filter<'a>(
        &self,
        subject: &Subject<'a>,
        permissions: Permissions,
    ) -> ConversationFilter<'a> {
        eval::filter(self.role(subject.role), subject, permissions)
    }

    /// May `actor` give `target` the role `new_role`? The actor needs `manage_users`, may not
    /// change their own role, and every grant of both the new role and the target's current
    /// role must be within the actor's own (same scope or narrower). Below Pro, custom roles
    /// cannot be assigned.
    pub fn check_assignment(
        &self,
        actor: &Subject<'_>,
        target: &Subject<'_>,
        new_role: RoleId,
    ) -> Decision<'_> {
        eval::check_assignment(
            self.plan,
            (actor, self.role(actor.role)),
            (target, self.role(target.role)),
            (new_role, self.role(new_role)),
        )
    }

    /// Creates a custom role named `name` as a deep copy of `source` (built-in or custom).
    /// Cloning the Account Admin gives everything but `manage_custom_roles`.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the plan has no custom roles, `source` is
    /// unknown, or the name is invalid or taken.
    pub fn clone_role(
        &mut self,
        actor: &Subject<'_>,
        source: RoleId,
        name: &str,
    ) -> Result<RoleId, PolicyError> {
        self.authorize(actor, true)?;
        let grants = self
            .role(source)
            .ok_or(PolicyError::UnknownRole(source))?
            .grants;
        let (name, key) = self.available_name(name, None)?;
        let id = self.next_role_id;
        let next =
            id.0.checked_add(1)
                .ok_or(PolicyError::RoleIdsExhausted(id))?;
        let role = Role {
            id,
            name: Cow::Owned(name),
            builtin: None,
            cloned_from: Some(source),
            grants: grants.without(Permissions::MANAGE_CUSTOM_ROLES),
        };
        self.names.insert(key, id);
        self.custom.insert(id, role);
        self.next_role_id = RoleId(next);
        self.bump();
        Ok(id)
    }

    /// Sets each of `permissions` on custom role `role` to exactly `scope`, narrowing or
    /// widening what was there. Account permissions take [`Scope::Global`] only. All or
    /// nothing: if one permission is refused, none is granted.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the plan has no custom roles, the role is unknown
    /// or built-in, an account permission is asked at a narrower scope, `manage_custom_roles`
    /// is asked for, or the set carries unknown bits.
    pub fn grant(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        permissions: Permissions,
        scope: Scope,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, true)?;
        known_bits(permissions)?;
        let target = self.custom_role(role)?;
        if permissions.contains(Permissions::MANAGE_CUSTOM_ROLES) {
            let role = target.name().to_owned();
            return Err(PolicyError::ManageCustomRolesOnCustomRole { role });
        }
        if scope != Scope::Global {
            if let Some(account) = permissions.intersection(Permissions::ACCOUNT_KIND).first() {
                return Err(PolicyError::ScopedAccountPermission {
                    permission: account.permission_name().unwrap_or("unknown"),
                    scope,
                    role: target.name().to_owned(),
                });
            }
        }
        let grants = target.grants.with(permissions, scope);
        self.set_grants(role, grants);
        Ok(())
    }

    /// Removes `permissions` from custom role `role`. Revoking what the role does not hold is
    /// a successful no-op.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the plan has no custom roles, the role is unknown
    /// or built-in, or the set carries unknown bits.
    pub fn revoke(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        permissions: Permissions,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, true)?;
        known_bits(permissions)?;
        let grants = self.custom_role(role)?.grants.without(permissions);
        self.set_grants(role, grants);
        Ok(())
    }

    /// Renames custom role `role`. Changing its own name to one that looks the same (another
    /// case, other spacing) is allowed.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the plan has no custom roles, the role is unknown
    /// or built-in, or the name is invalid or taken.
    pub fn rename_role(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        name: &str,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, true)?;
        let old_key = name::fold(self.custom_role(role)?.name());
        let (name, key) = self.available_name(name, Some(role))?;
        let Some(target) = self.custom.get_mut(&role) else {
            return Err(PolicyError::UnknownRole(role));
        };
        if target.name == name {
            return Ok(());
        }
        target.name = Cow::Owned(name);
        self.names.remove(&old_key);
        self.names.insert(key, role);
        self.bump();
        Ok(())
    }

    /// Deletes custom role `role`. Its holders are denied from then on (reason: unknown role);
    /// its id is never handed out again. Allowed on every plan.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, or the role is unknown or built-in.
    pub fn delete_role(&mut self, actor: &Subject<'_>, role: RoleId) -> Result<(), PolicyError> {
        self.authorize(actor, false)?;
        let key = name::fold(self.custom_role(role)?.name());
        self.custom.remove(&role);
        self.names.remove(&key);
        self.bump();
        Ok(())
    }

    /// Refuses an actor who may not manage custom roles, and (when `needs_plan`) a plan without
    /// them.
    fn authorize(&self, actor: &Subject<'_>, needs_plan: bool) -> Result<(), PolicyError> {
        let role = self
            .role(actor.role)
            .ok_or(PolicyError::UnknownRole(actor.role))?;
        if !role
            .permissions()
            .contains(Permissions::MANAGE_CUSTOM_ROLES)
        {
            return Err(PolicyError::NotAllowed {
                role: role.name().to_owned(),
            });
        }
        if needs_plan && !self.plan.has_custom_roles() {
            return Err(PolicyError::PlanWithoutCustomRoles(self.plan));
        }
        Ok(())
    }

    /// The custom role `id`; refuses built-in and unknown ids.
    fn custom_role(&self, id: RoleId) -> Result<&Role, PolicyError> {
        if let Some(builtin) = BuiltInRole::from_id(id) {
            return Err(PolicyError::BuiltInRoleImmutable(builtin.name()));
        }
        self.custom.get(&id).ok_or(PolicyError::UnknownRole(id))
    }

    /// Validates `name` and checks no other role (than `renaming`) has it or a look-alike.
    /// Returns the name to store and its key.
    fn available_name(
        &self,
        name: &str,
        renaming: Option<RoleId>,
    ) -> Result<(String, String), PolicyError> {
        let name = name::validate(name)?;
        let key = name::fold(&name);
        match self.names.get(&key) {
            Some(&holder) if Some(holder) != renaming => Err(PolicyError::NameTaken(name)),
            _ => Ok((name, key)),
        }
    }

    /// Stores new grants for a custom role, counting a revision only if they changed.
    fn set_grants(&mut self, role: RoleId, grants: Grants) {
        if let Some(target) = self.custom.get_mut(&role) {
            if target.grants != grants {
                target.grants = grants;
                self.bump();
            }
        }
    }

    /// Counts a change. Saturates rather than wraps, so a revision never repeats an old one
    /// (2^64 changes are out of reach anyway).
    fn bump(&mut self) {
        self.revision = self.revision.saturating_add(1);
    }
}

/// Refuses permission bits that name nothing, rather than storing them.
fn known_bits(permissions: Permissions) -> Result<(), PolicyError> {
    match permissions.unknown_bits() {
        0 => Ok(()),
        bits => Err(PolicyError::UnknownPermissionBits(bits)),
    }
}
