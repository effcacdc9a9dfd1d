//! A role's permission set: which permissions it grants, and at which scope.

use crate::eval::Masks;
use crate::{Permissions, Scope};

/// Permissions by the widest scope they reach, stored as three nested masks so that a check is
/// a few bitwise operations whatever the role.
///
/// Invariant: `global ⊆ group ⊆ any`, and account permissions only ever sit in all three
/// (they are granted at Global or not at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Grants {
    /// Granted at any scope.
    any: Permissions,
    /// Granted at Group or Global.
    group: Permissions,
    /// Granted at Global.
    global: Permissions,
}

impl Grants {
    pub(crate) const EMPTY: Grants = Grants {
        any: Permissions::empty(),
        group: Permissions::empty(),
        global: Permissions::empty(),
    };

    /// Sets `permissions` to exactly `scope`, narrowing or widening what was there.
    #[must_use]
    pub(crate) const fn with(self, permissions: Permissions, scope: Scope) -> Grants {
        let cleared = self.without(permissions);
        Grants {
            any: cleared.any.union(permissions),
            group: match scope {
                Scope::Restricted => cleared.group,
                Scope::Group | Scope::Global => cleared.group.union(permissions),
            },
            global: match scope {
                Scope::Restricted | Scope::Group => cleared.global,
                Scope::Global => cleared.global.union(permissions),
            },
        }
    }

    /// Removes `permissions` at every scope.
    #[must_use]
    pub(crate) const fn without(self, permissions: Permissions) -> Grants {
        Grants {
            any: self.any.difference(permissions),
            group: self.group.difference(permissions),
            global: self.global.difference(permissions),
        }
    }

    /// The permissions granted at `scope` or wider.
    #[must_use]
    pub(crate) const fn at_least(self, scope: Scope) -> Permissions {
        match scope {
            Scope::Restricted => self.any,
            Scope::Group => self.group,
            Scope::Global => self.global,
        }
    }

    /// The scope at which every permission of `permissions` is granted: the narrowest of
    /// theirs, or `None` when one of them is not granted (or the set is empty).
    #[must_use]
    pub(crate) fn scope_of(self, permissions: Permissions) -> Option<Scope> {
        if permissions.is_empty() || !self.any.contains(permissions) {
            None
        } else if self.global.contains(permissions) {
            Some(Scope::Global)
        } else if self.group.contains(permissions) {
            Some(Scope::Group)
        } else {
            Some(Scope::Restricted)
        }
    }

    /// The first permission (in bit order) that `self` grants wider than `limit` does, with
    /// the two scopes; `None` when every grant of `self` is within `limit`.
    pub(crate) fn first_exceeding(
        self,
        limit: Grants,
    ) -> Option<(Permissions, Scope, Option<Scope>)> {
        let exceeding = self.any.difference(limit.any)
            | self.group.difference(limit.group)
            | self.global.difference(limit.global);
        let permission = exceeding.first()?;
        let scope = self.scope_of(permission)?;
        Some((permission, scope, limit.scope_of(permission)))
    }

    /// Each granted permission with its scope, in bit order.
    pub(crate) fn iter(self) -> impl Iterator<Item = (Permissions, Scope)> {
        self.any.each().filter_map(move |permission| {
            self.scope_of(permission).map(|scope| (permission, scope))
        })
    }
}

/// What a role does **not** grant at each scope: the complement of its [`Grants`], the form
/// the role table and a resolved subject keep for the hot path.
///
/// A request is within a scope when it shares no bit with that scope's mask: one AND against
/// memory, where a positive mask needs a NOT first (baseline x86-64 has no AND-NOT). All bits
/// set means nothing granted, so the only way in is [`Lacks::of`] (or [`Lacks::NOTHING`]),
/// which also fails closed on grants that break their invariants: a bit outside the
/// vocabulary, or an account permission below Global, counts as not granted at all. After it,
/// account permissions are granted at all three scopes or at none, which lets
/// [`allows`](crate::eval::allows) skip the vocabulary's scoped mask.
///
/// Invariant: `global ⊇ group ⊇ any` (complements of nested grants), every bit outside the
/// vocabulary's known permissions is set in all three, and an account permission is set in
/// all three or in none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lacks {
    /// Not granted at any scope.
    any: Permissions,
    /// Not granted at Group or Global.
    group: Permissions,
    /// Not granted at Global.
    global: Permissions,
}

impl Lacks {
    /// Grants nothing: every bit lacked at every scope (an empty slot, an unknown role).
    pub(crate) const NOTHING: Lacks = Lacks {
        any: Permissions::from_bits_retain(u64::MAX),
        group: Permissions::from_bits_retain(u64::MAX),
        global: Permissions::from_bits_retain(u64::MAX),
    };

    /// What `grants` does not grant, under `masks`: exactly what `check` reads of them (the
    /// scoped permissions at any scope, everything known at Global), so that `check` decides
    /// the same from either, and anything else is lacked.
    #[must_use]
    pub(crate) const fn of(grants: Grants, masks: Masks) -> Lacks {
        let known = masks.known.bits();
        let scoped = masks.scoped.bits() & known;
        let global = grants.global.bits() & known;
        let group = (grants.group.bits() & scoped) | global;
        let any = (grants.any.bits() & scoped) | group;
        Lacks {
            any: Permissions::from_bits_retain(!any),
            group: Permissions::from_bits_retain(!group),
            global: Permissions::from_bits_retain(!global),
        }
    }

    /// The grants these are the complement of (the compiler folds the double complement
    /// into the tests that read them).
    #[must_use]
    #[inline(always)]
    pub(crate) const fn grants(self) -> Grants {
        Grants {
            any: Permissions::from_bits_retain(!self.any.bits()),
            group: Permissions::from_bits_retain(!self.group.bits()),
            global: Permissions::from_bits_retain(!self.global.bits()),
        }
    }

    /// The permissions not granted at `scope` or wider (unknown bits included).
    #[must_use]
    #[inline(always)]
    pub(crate) const fn below(self, scope: Scope) -> Permissions {
        match scope {
            Scope::Restricted => self.any,
            Scope::Group => self.group,
            Scope::Global => self.global,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BuiltInRole;

    #[test]
    fn with_sets_exact_scope_and_keeps_nesting() {
        let p = Permissions::REPLY;
        for first in Scope::ALL {
            for second in Scope::ALL {
                let grants = Grants::EMPTY.with(p, first).with(p, second);
                assert_eq!(grants.scope_of(p), Some(second));
                assert!(grants.group.contains(grants.global));
                assert!(grants.any.contains(grants.group));
            }
        }
        assert_eq!(
            Grants::EMPTY.with(p, Scope::Global).without(p),
            Grants::EMPTY
        );
    }

    #[test]
    fn scope_of_a_set_is_the_narrowest() {
        let grants = Grants::EMPTY
            .with(Permissions::REPLY, Scope::Global)
            .with(Permissions::ADD_PRIVATE_NOTE, Scope::Restricted);
        let both = Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE;
        assert_eq!(grants.scope_of(both), Some(Scope::Restricted));
        assert_eq!(grants.scope_of(both | Permissions::MANAGE_FAQS), None);
        assert_eq!(grants.scope_of(Permissions::empty()), None);
    }

    fn builtin_masks() -> Masks {
        crate::policy::masks(&crate::Vocabulary::builtin())
    }

    #[test]
    fn lacks_is_the_complement_of_well_formed_grants() {
        let masks = builtin_masks();
        assert_eq!(Lacks::of(Grants::EMPTY, masks), Lacks::NOTHING);
        assert_eq!(Lacks::NOTHING.grants(), Grants::EMPTY);
        for role in BuiltInRole::ALL {
            let grants = role.role().grants;
            let lacks = Lacks::of(grants, masks);
            assert_eq!(lacks.grants(), grants, "{role:?}");
            for scope in Scope::ALL {
                assert_eq!(
                    lacks.below(scope).bits(),
                    !grants.at_least(scope).bits(),
                    "{role:?} {scope:?}"
                );
            }
        }
    }

    #[test]
    fn lacks_fails_closed_on_grants_that_break_their_invariants() {
        let masks = builtin_masks();
        let faqs = Permissions::MANAGE_FAQS;
        let unknown = Permissions::from_bits_retain(1 << 40);
        for scope in [Scope::Restricted, Scope::Group] {
            // An account permission below Global: `check` never counts it, so nothing does.
            let grants = Grants::EMPTY
                .with(Permissions::REPLY, Scope::Group)
                .with(faqs, scope);
            let lacks = Lacks::of(grants, masks);
            for at in Scope::ALL {
                assert!(lacks.below(at).contains(faqs), "{scope:?} {at:?}");
            }
            assert_eq!(
                lacks.grants(),
                Grants::EMPTY.with(Permissions::REPLY, Scope::Group)
            );
        }
        // A bit outside the vocabulary, even at Global, is lacked at every scope.
        for scope in Scope::ALL {
            let lacks = Lacks::of(Grants::EMPTY.with(unknown, scope), masks);
            assert_eq!(lacks, Lacks::NOTHING, "{scope:?}");
        }
    }

    #[test]
    fn first_exceeding_compares_scopes() {
        let actor = Grants::EMPTY.with(Permissions::REPLY, Scope::Group);
        let narrower = Grants::EMPTY.with(Permissions::REPLY, Scope::Restricted);
        let wider = Grants::EMPTY.with(Permissions::REPLY, Scope::Global);
        assert_eq!(narrower.first_exceeding(actor), None);
        assert_eq!(actor.first_exceeding(actor), None);
        assert_eq!(
            wider.first_exceeding(actor),
            Some((Permissions::REPLY, Scope::Global, Some(Scope::Group)))
        );
        let other = Grants::EMPTY.with(Permissions::MANAGE_FAQS, Scope::Global);
        assert_eq!(
            other.first_exceeding(actor),
            Some((Permissions::MANAGE_FAQS, Scope::Global, None))
        );
    }
}
