//! The policy: the built-in roles, the account's custom roles and plan, and the public
//! methods that decide and that change the configuration under governance.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::agent_filter::AgentFilter;
use crate::decision::Decision;
use crate::eval::Masks;
use crate::filter::ConversationFilter;
use crate::grants::Grants;
use crate::role_map::RoleMap;
use crate::{eval, name};
use crate::{
    BuiltInRole, Permissions, Plan, PolicyError, ResolvedSubject, Resource, Role, RoleId, Scope,
    Subject, Vocabulary,
};

/// The longest role description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 500;

/// One account's roles and plan: decides checks, and holds the custom roles an Account Admin
/// creates.
///
/// Pure and in memory: the host loads it (it is `Serialize + Deserialize`, or
/// [`Policy::from_json`] with a [`Vocabulary`]), asks it, and stores it again after a
/// successful change, using [`Policy::revision`] for compare-and-swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub(crate) plan: Plan,
    pub(crate) revision: u64,
    pub(crate) next_role_id: RoleId,
    pub(crate) vocabulary: Vocabulary,
    /// The vocabulary's masks, copied here so that a check does not follow a pointer.
    pub(crate) masks: Masks,
    /// Every role, built-in and custom, by id.
    pub(crate) roles: RoleMap,
    /// Custom role ids by the hash of their name's look-alike key ([`name_hash`]), for
    /// uniqueness in constant time without keeping a second copy of every name.
    pub(crate) names: HashMap<u64, RoleId>,
}

impl Policy {
    /// A policy on `plan` with the nine built-in roles and no custom roles, knowing the twenty
    /// built-in permissions: `Policy::with_vocabulary(plan, Vocabulary::builtin())`.
    #[must_use]
    pub fn new(plan: Plan) -> Policy {
        Policy::with_vocabulary(plan, Vocabulary::builtin())
    }

    /// A policy on `plan` with the nine built-in roles and no custom roles, knowing the
    /// permissions of `vocabulary` (the twenty and the host's extensions).
    #[must_use]
    pub fn with_vocabulary(plan: Plan, vocabulary: Vocabulary) -> Policy {
        let masks = masks(&vocabulary);
        Policy {
            plan,
            revision: 0,
            next_role_id: RoleId::FIRST_CUSTOM,
            masks,
            roles: RoleMap::new(vocabulary.builtin_roles(), Vec::new(), masks),
            vocabulary,
            names: HashMap::new(),
        }
    }

    /// The permissions this policy knows, with their names and catalogue.
    #[must_use]
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }

    /// The account's plan.
    #[must_use]
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// Changes the plan. Nothing is lost on a downgrade: custom roles stay and keep deciding
    /// for their holders, but below Pro they cannot be created, widened, renamed, described
    /// or assigned (they can still be narrowed, revoked and deleted) until an upgrade restores
    /// everything as it was.
    ///
    /// # Errors
    ///
    /// [`PolicyError::RevisionExhausted`] when the revision is already `u64::MAX`.
    pub fn set_plan(&mut self, plan: Plan) -> Result<(), PolicyError> {
        if self.plan != plan {
            self.next_revision()?;
            self.plan = plan;
            self.bump();
        }
        Ok(())
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
        self.roles.get(id)
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
            return self.role(builtin.id());
        }
        // The hash found a role; its own key confirms it (a hash may collide).
        let &id = self.names.get(&name_hash(&key))?;
        self.roles
            .get(id)
            .filter(|role| name::fold(role.name()) == key)
    }

    /// Every role: the built-in ones, then the custom ones, in id order.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter()
    }

    /// The custom roles in id order.
    pub(crate) fn custom_roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.custom().iter()
    }

    /// May `subject` do every one of `permissions` on `resource`? Each permission is checked at
    /// the scope the subject's role grants it; account permissions ignore the resource.
    ///
    /// Allocates nothing; costs the same however many roles the policy holds.
    #[inline(always)]
    pub fn check<R: Resource + ?Sized>(
        &self,
        subject: &Subject<'_>,
        permissions: Permissions,
        resource: &R,
    ) -> Decision<'_> {
        let slot = self.roles.slot(subject.role);
        eval::check(
            slot.lacks.grants(),
            || self.roles.at(slot),
            self.masks,
            subject,
            permissions,
            resource,
        )
    }

    /// May `subject` do every one of `permissions` on `resource`? The verdict of
    /// [`Policy::check`] alone: `allows(s, p, r) == check(s, p, r).is_allowed()` for every
    /// input, without building the reason (for a guard in a handler, a button hidden rather
    /// than explained). Call `check` when the answer must be explained or logged.
    ///
    /// Allocates nothing; costs the same however many roles the policy holds.
    ///
    /// ```
    /// use helpdesk_policy::{BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, Subject, UserId};
    ///
    /// let policy = Policy::new(Plan::Pro);
    /// let s = Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &[GroupId(2)]);
    /// let c = Conversation { group: Some(GroupId(9)), assignee: None, participants: &[] };
    /// assert!(!policy.allows(&s, Permissions::REPLY, &c));
    /// assert_eq!(policy.allows(&s, Permissions::REPLY, &c), policy.check(&s, Permissions::REPLY, &c).is_allowed());
    /// ```
    #[inline(always)]
    pub fn allows<R: Resource + ?Sized>(
        &self,
        subject: &Subject<'_>,
        permissions: Permissions,
        resource: &R,
    ) -> bool {
        // An unknown role's empty slot grants nothing, so nothing is allowed.
        eval::allows(
            self.roles.slot(subject.role).lacks,
            subject,
            permissions,
            resource,
        )
    }

    /// `subject` with its role looked up once, to ask many questions without looking it up
    /// again: its answers are exactly those of [`Policy::check`], [`Policy::allows`] and
    /// [`Policy::allowed`].
    ///
    /// Allocates nothing.
    #[inline(always)]
    pub fn resolve<'s>(&self, subject: Subject<'s>) -> ResolvedSubject<'_, 's> {
        let slot = self.roles.slot(subject.role);
        ResolvedSubject::new(subject, self.roles.at(slot), slot.lacks, self.masks)
    }

    /// Every permission `subject` may do on `resource`, in one call: for each permission `b`,
    /// `allowed(s, r).contains(b) == check(s, b, r).is_allowed()`. The conversation page
    /// renders its buttons from it.
    ///
    /// Allocates nothing; costs about one check.
    #[inline(always)]
    pub fn allowed<R: Resource + ?Sized>(
        &self,
        subject: &Subject<'_>,
        resource: &R,
    ) -> Permissions {
        // An unknown role's empty slot grants nothing, so nothing is allowed.
        eval::allowed(
            self.roles.slot(subject.role).lacks.grants(),
            self.masks,
            subject,
            resource,
        )
    }

    /// The agents who may do every one of `permissions` on `resource`, as a value: for every
    /// subject `s`, `who_may(p, r).matches(&s) == check(&s, p, r).is_allowed()`. Render it
    /// for the host's agents table with [`AgentFilter::to_sql`].
    ///
    /// Its cost grows with the number of roles, not of agents; it allocates.
    pub fn who_may<R: Resource + ?Sized>(
        &self,
        permissions: Permissions,
        resource: &R,
    ) -> AgentFilter {
        eval::who_may(self.roles(), self.masks, permissions, resource)
    }

    /// The conversations on which `subject` may do every one of `permissions`, as a filter
    /// that agrees with [`Policy::check`] on every conversation.
    #[must_use]
    pub fn filter<'a>(
        &self,
        subject: &Subject<'a>,
        permissions: Permissions,
    ) -> ConversationFilter<'a> {
        eval::filter(self.role(subject.role), self.masks, subject, permissions)
    }

    /// May `actor` give `target` the role `new_role`? The actor needs `manage_users`, may not
    /// change their own role, and every grant of both the new role and the target's current
    /// role must be within the actor's own (same scope or narrower). Below Pro, custom roles
    /// cannot be assigned. A target whose role was deleted holds nothing; a target whose role
    /// id this policy never issued is denied (unknown role): a stale or foreign id never opens
    /// an assignment. View-only groups play no part: they are facts, not grants.
    pub fn check_assignment(
        &self,
        actor: &Subject<'_>,
        target: &Subject<'_>,
        new_role: RoleId,
    ) -> Decision<'_> {
        let target_role = self.role(target.role);
        let deleted = target_role.is_none()
            && !target.role.is_builtin_range()
            && target.role < self.next_role_id;
        eval::check_assignment(
            self.plan,
            (actor, self.role(actor.role)),
            (target, target_role, deleted),
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
        self.authorize(actor, Gate::Plan)?;
        let source_role = self.role(source).ok_or(PolicyError::UnknownRole(source))?;
        let grants = source_role.grants;
        let kept = source_role.kept.clone();
        let name = self.available_name(name, None)?;
        let id = self.next_role_id;
        let next =
            id.0.checked_add(1)
                .ok_or(PolicyError::RoleIdsExhausted(id))?;
        self.next_revision()?;
        let role = Role {
            id,
            name: Cow::Owned(name.clone()),
            builtin: None,
            cloned_from: Some(source),
            grants: grants.without(Permissions::MANAGE_CUSTOM_ROLES),
            description: Cow::Borrowed(""),
            table: self.vocabulary.table().clone(),
            kept,
        };
        if !self.roles.push(role) {
            return Err(PolicyError::RoleIdsExhausted(id));
        }
        self.names.insert(name_hash(&name::fold(&name)), id);
        self.next_role_id = RoleId(next);
        self.bump();
        Ok(id)
    }

    /// Sets each of `permissions` on custom role `role` to exactly `scope`, narrowing or
    /// widening what was there. Account permissions take [`Scope::Global`] only. All or
    /// nothing: if one permission is refused, none is granted. Below Pro only a grant that
    /// narrows (or changes nothing) is allowed.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the plan has no custom roles and the grant
    /// widens, the role is unknown or built-in, an account permission is asked at a narrower
    /// scope, `manage_custom_roles` is asked for, or the set carries bits the vocabulary does
    /// not know.
    pub fn grant(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        permissions: Permissions,
        scope: Scope,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, Gate::None)?;
        let target = self.custom_role(role)?;
        self.grantable(target, permissions, scope)?;
        let grants = target.grants.with(permissions, scope);
        self.replace_grants(role, grants)
    }

    /// Removes `permissions` from custom role `role`. Revoking what the role does not hold is
    /// a successful no-op. Allowed on every plan: it only takes access away.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the role is unknown or built-in, or the set
    /// carries bits the vocabulary does not know.
    pub fn revoke(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        permissions: Permissions,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, Gate::None)?;
        self.known_bits(permissions)?;
        let grants = self.custom_role(role)?.grants.without(permissions);
        self.replace_grants(role, grants)
    }

    /// Replaces custom role `role`'s whole grant set with `grants` (each permission, or set of
    /// permissions, with its scope), in one all-or-nothing change counting one revision: the
    /// role editor's Save. Below Pro only a set that narrows (or keeps) every grant is allowed.
    /// Kept grants of permissions the vocabulary lacks stay as they are.
    ///
    /// # Errors
    ///
    /// As [`Policy::grant`], naming the first offending permission; a permission listed twice
    /// is refused ([`PolicyError::DuplicatePermission`]).
    pub fn set_grants(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        grants: impl IntoIterator<Item = (Permissions, Scope)>,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, Gate::None)?;
        let target = self.custom_role(role)?;
        let mut new = Grants::EMPTY;
        for (permissions, scope) in grants {
            self.grantable(target, permissions, scope)?;
            if let Some(repeated) = new
                .at_least(Scope::Restricted)
                .intersection(permissions)
                .first()
            {
                return Err(PolicyError::DuplicatePermission {
                    permission: self.permission_name(repeated).to_owned(),
                    role: target.name().to_owned(),
                });
            }
            new = new.with(permissions, scope);
        }
        self.replace_grants(role, new)
    }

    /// Sets custom role `role`'s description: trimmed, at most 500 characters, no control
    /// characters but line feeds. Governed like [`Policy::rename_role`]; setting the same text
    /// again changes nothing and counts no revision.
    ///
    /// # Errors
    ///
    /// The actor lacks `manage_custom_roles`, the plan has no custom roles, the role is unknown
    /// or built-in, or the text is invalid ([`PolicyError::InvalidDescription`]).
    pub fn set_role_description(
        &mut self,
        actor: &Subject<'_>,
        role: RoleId,
        description: &str,
    ) -> Result<(), PolicyError> {
        self.authorize(actor, Gate::Plan)?;
        self.custom_role(role)?;
        let description = validate_description(description)?;
        if self.custom_role(role)?.description == description {
            return Ok(());
        }
        self.next_revision()?;
        if let Some(target) = self.roles.get_custom_mut(role) {
            target.description = Cow::Owned(description.to_owned());
        }
        self.bump();
        Ok(())
    }

    /// Renames custom role `role`. Changing only the case of its own name is allowed.
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
        self.authorize(actor, Gate::Plan)?;
        let old_key = name_hash(&name::fold(self.custom_role(role)?.name()));
        let name = self.available_name(name, Some(role))?;
        if self.custom_role(role)?.name == name {
            return Ok(());
        }
        self.next_revision()?;
        let new_key = name_hash(&name::fold(&name));
        if let Some(target) = self.roles.get_custom_mut(role) {
            target.name = Cow::Owned(name);
        }
        self.names.remove(&old_key);
        self.names.insert(new_key, role);
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
        self.authorize(actor, Gate::None)?;
        let key = name_hash(&name::fold(self.custom_role(role)?.name()));
        self.next_revision()?;
        self.roles.remove(role);
        self.names.remove(&key);
        self.bump();
        Ok(())
    }

    /// The name of a single permission of the vocabulary, for messages.
    fn permission_name(&self, permission: Permissions) -> &'static str {
        self.vocabulary.name(permission).unwrap_or("unknown")
    }

    /// Refuses permission bits the vocabulary does not know, rather than storing them.
    fn known_bits(&self, permissions: Permissions) -> Result<(), PolicyError> {
        match permissions.bits() & !self.masks.known.bits() {
            0 => Ok(()),
            bits => Err(PolicyError::UnknownPermissionBits(bits)),
        }
    }

    /// Refuses what no custom role may be granted: unknown bits, `manage_custom_roles`, an
    /// account permission at a narrower scope than Global.
    fn grantable(
        &self,
        target: &Role,
        permissions: Permissions,
        scope: Scope,
    ) -> Result<(), PolicyError> {
        self.known_bits(permissions)?;
        if permissions.contains(Permissions::MANAGE_CUSTOM_ROLES) {
            let role = target.name().to_owned();
            return Err(PolicyError::ManageCustomRolesOnCustomRole { role });
        }
        if scope != Scope::Global {
            let account = self.vocabulary.table().account();
            if let Some(account) = permissions.intersection(account).first() {
                return Err(PolicyError::ScopedAccountPermission {
                    permission: self.permission_name(account),
                    scope,
                    role: target.name().to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Stores new grants for a custom role, counting a revision only if they changed. Below
    /// Pro, grants that widen anything are refused: an account that downgraded can still take
    /// access away, but not hand more out.
    fn replace_grants(&mut self, role: RoleId, grants: Grants) -> Result<(), PolicyError> {
        let target = self.custom_role(role)?;
        let current = target.grants;
        if current == grants {
            return Ok(());
        }
        if !self.plan.has_custom_roles() {
            if let Some((permission, _, _)) = grants.first_exceeding(current) {
                return Err(PolicyError::WideningWithoutCustomRoles {
                    plan: self.plan,
                    role: target.name().to_owned(),
                    permission: self.permission_name(permission),
                });
            }
        }
        self.next_revision()?;
        self.roles.set_grants(role, grants);
        self.bump();
        Ok(())
    }

    /// Refuses an actor who may not manage custom roles, and (behind [`Gate::Plan`]) a plan
    /// without them.
    fn authorize(&self, actor: &Subject<'_>, gate: Gate) -> Result<(), PolicyError> {
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
        if gate == Gate::Plan && !self.plan.has_custom_roles() {
            return Err(PolicyError::PlanWithoutCustomRoles(self.plan));
        }
        Ok(())
    }

    /// The custom role `id`; refuses built-in and unknown ids.
    fn custom_role(&self, id: RoleId) -> Result<&Role, PolicyError> {
        if let Some(builtin) = BuiltInRole::from_id(id) {
            return Err(PolicyError::BuiltInRoleImmutable(builtin.name()));
        }
        self.roles.get(id).ok_or(PolicyError::UnknownRole(id))
    }

    /// Validates `name` and checks no other role (than `renaming`) has it.
    fn available_name(&self, name: &str, renaming: Option<RoleId>) -> Result<String, PolicyError> {
        let (name, key) = name::validate_keyed(name)?;
        // A name whose key merely shares a hash with another's is refused too: a 64-bit
        // collision is far too rare to matter, and refusing never widens anything.
        match self.names.get(&name_hash(&key)) {
            Some(&holder) if Some(holder) != renaming => Err(PolicyError::NameTaken(name)),
            _ => Ok(name),
        }
    }

    /// Refuses a change when the revision cannot count it: at `u64::MAX` a saturated counter
    /// would let compare-and-swap miss a conflict. Called before anything changes.
    fn next_revision(&self) -> Result<u64, PolicyError> {
        self.revision
            .checked_add(1)
            .ok_or(PolicyError::RevisionExhausted(self.revision))
    }

    /// Counts a change; [`Policy::next_revision`] has made sure there is room.
    fn bump(&mut self) {
        self.revision = self.revision.saturating_add(1);
    }
}

/// Which refusals [`Policy::authorize`] makes besides the actor's role.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// Only the actor: the change can only take access away, or the caller checks the plan
    /// itself once it knows whether the change widens.
    None,
    /// The actor and the plan: creating, renaming and describing need custom roles.
    Plan,
}

/// The hash under which a name's look-alike key is kept in [`Policy::names`]: SipHash with
/// fixed keys, so it is the same in every process (the map itself is keyed randomly).
pub(crate) fn name_hash(key: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// The vocabulary's masks as a check reads them.
pub(crate) fn masks(vocabulary: &Vocabulary) -> Masks {
    Masks {
        known: vocabulary.table().known(),
        scoped: vocabulary.table().scoped(),
    }
}

/// Trims a role description and checks it: at most 500 characters, no control characters but
/// line feeds.
pub(crate) fn validate_description(description: &str) -> Result<&str, PolicyError> {
    let trimmed = description.trim();
    let invalid = |problem| PolicyError::InvalidDescription {
        description: name::shorten(description),
        problem,
    };
    if trimmed.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(invalid("it is longer than 500 characters"));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            "it contains a control character other than a line feed",
        ));
    }
    Ok(trimmed)
}
