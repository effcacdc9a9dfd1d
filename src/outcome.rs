//! A check's reason packed into 16 bytes, without the role it names.
//!
//! `check` settles its common cases in line and calls out of line for the rest. Returned from
//! that call, the 40-byte `Decision` went to the same place as the decisions settled in line,
//! memory the call is handed, so the compiler kept the in-line decisions' stores in a host's
//! loop although only `is_allowed()` read them (counted with callgrind: 32 instructions for a
//! Global check, 27 with this). The call now returns this small value instead, and the full
//! reason is built in line from values the compiler can see: a caller that reads only the
//! verdict lets it drop the rest. The role is always the subject's, so the caller finds it again
//! from the slot it already holds.

use crate::decision::{Fact, Reason};
use crate::{GroupId, Permissions, Role, RoleId, Scope};

/// A [`Reason`] that `check` can give, without its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// The fact's group, or the unknown bits; zero otherwise.
    value: u64,
    kind: Kind,
    /// The scope of a granted or out-of-scope permission; Global otherwise.
    scope: Scope,
    fact: FactKind,
    /// The named permission's bit index (every permission a check names is a single bit); 64
    /// for none.
    bit: u8,
}

/// Which reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Granted,
    NotGranted,
    OutOfScope,
    UnknownRole,
    UnknownPermission,
    NothingAsked,
}

/// Which fact, its group (if any) kept in [`Outcome::value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FactKind {
    Everywhere,
    AccountWide,
    Assignee,
    Participant,
    InUsersGroups,
    InUsersViewOnlyGroups,
    ViewOnlyGroup,
    OutsideUsersGroups,
    NoGroup,
    NotTakenUp,
}

impl Outcome {
    /// Packs `reason`. The assignment reasons, which a check never gives, pack as an unknown
    /// role: denied.
    pub(crate) fn of(reason: Reason<'_>) -> Outcome {
        match reason {
            Reason::Granted {
                permission,
                scope,
                fact,
                ..
            } => Outcome::named(Kind::Granted, permission, scope, fact),
            Reason::OutOfScope {
                permission,
                scope,
                fact,
                ..
            } => Outcome::named(Kind::OutOfScope, permission, scope, fact),
            Reason::NotGranted { permission, .. } => Outcome::named(
                Kind::NotGranted,
                permission,
                Scope::Global,
                Fact::Everywhere,
            ),
            Reason::UnknownPermission { bits } => Outcome {
                value: bits,
                ..Outcome::bare(Kind::UnknownPermission)
            },
            Reason::NothingAsked => Outcome::bare(Kind::NothingAsked),
            _ => Outcome::bare(Kind::UnknownRole),
        }
    }

    /// The reason back, naming `role` (the subject's, `None` when the policy holds none) or,
    /// for an unknown role, `subject_role`. Without a role, a reason that names one is the
    /// unknown role: the out-of-line check asks for the role first, so it never gives one.
    #[inline(always)]
    pub(crate) fn reason(self, role: Option<&Role>, subject_role: RoleId) -> Reason<'_> {
        let permission =
            Permissions::from_bits_retain(1_u64.checked_shl(self.bit.into()).unwrap_or(0));
        let fact = self.fact.with(self.value);
        let scope = self.scope;
        match (self.kind, role) {
            (Kind::NothingAsked, _) => Reason::NothingAsked,
            (Kind::UnknownPermission, _) => Reason::UnknownPermission { bits: self.value },
            (Kind::Granted, Some(role)) => Reason::Granted {
                role,
                permission,
                scope,
                fact,
            },
            (Kind::OutOfScope, Some(role)) => Reason::OutOfScope {
                role,
                permission,
                scope,
                fact,
            },
            (Kind::NotGranted, Some(role)) => Reason::NotGranted { role, permission },
            (Kind::UnknownRole | Kind::Granted | Kind::OutOfScope | Kind::NotGranted, _) => {
                Reason::UnknownRole { role: subject_role }
            }
        }
    }

    /// A reason that names nothing but its kind.
    fn bare(kind: Kind) -> Outcome {
        Outcome {
            value: 0,
            kind,
            scope: Scope::Global,
            fact: FactKind::Everywhere,
            bit: 64,
        }
    }

    /// A reason that names a permission, its scope and a fact.
    fn named(kind: Kind, permission: Permissions, scope: Scope, fact: Fact) -> Outcome {
        let (fact, value) = FactKind::of(fact);
        // At most 64, which fits.
        #[allow(clippy::cast_possible_truncation)]
        let bit = permission.bits().trailing_zeros() as u8;
        Outcome {
            value,
            kind,
            scope,
            fact,
            bit,
        }
    }
}

impl FactKind {
    /// The kind of `fact`, and its group's id (zero without one).
    fn of(fact: Fact) -> (FactKind, u64) {
        match fact {
            Fact::Everywhere => (FactKind::Everywhere, 0),
            Fact::AccountWide => (FactKind::AccountWide, 0),
            Fact::Assignee => (FactKind::Assignee, 0),
            Fact::Participant => (FactKind::Participant, 0),
            Fact::InUsersGroups(group) => (FactKind::InUsersGroups, group.0),
            Fact::InUsersViewOnlyGroups(group) => (FactKind::InUsersViewOnlyGroups, group.0),
            Fact::ViewOnlyGroup(group) => (FactKind::ViewOnlyGroup, group.0),
            Fact::OutsideUsersGroups(group) => (FactKind::OutsideUsersGroups, group.0),
            Fact::NoGroup => (FactKind::NoGroup, 0),
            Fact::NotTakenUp => (FactKind::NotTakenUp, 0),
        }
    }

    /// The fact of this kind, about `group` when it names one.
    #[inline(always)]
    fn with(self, group: u64) -> Fact {
        let group = GroupId(group);
        match self {
            FactKind::Everywhere => Fact::Everywhere,
            FactKind::AccountWide => Fact::AccountWide,
            FactKind::Assignee => Fact::Assignee,
            FactKind::Participant => Fact::Participant,
            FactKind::InUsersGroups => Fact::InUsersGroups(group),
            FactKind::InUsersViewOnlyGroups => Fact::InUsersViewOnlyGroups(group),
            FactKind::ViewOnlyGroup => Fact::ViewOnlyGroup(group),
            FactKind::OutsideUsersGroups => Fact::OutsideUsersGroups(group),
            FactKind::NoGroup => Fact::NoGroup,
            FactKind::NotTakenUp => Fact::NotTakenUp,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BuiltInRole, Plan, UserId};

    /// Every fact, with a group id that is neither zero nor small.
    fn facts() -> [Fact; 10] {
        let group = GroupId(u64::MAX - 6);
        [
            Fact::Everywhere,
            Fact::AccountWide,
            Fact::Assignee,
            Fact::Participant,
            Fact::InUsersGroups(group),
            Fact::InUsersViewOnlyGroups(group),
            Fact::ViewOnlyGroup(group),
            Fact::OutsideUsersGroups(group),
            Fact::NoGroup,
            Fact::NotTakenUp,
        ]
    }

    #[test]
    fn is_at_most_sixteen_bytes() {
        assert!(core::mem::size_of::<Outcome>() <= 16);
    }

    #[test]
    fn every_reason_a_check_gives_comes_back_whole() {
        let role = BuiltInRole::SalesUser.role();
        let subject_role = RoleId(4242);
        let mut reasons = vec![
            Reason::NothingAsked,
            Reason::UnknownRole { role: subject_role },
            Reason::UnknownPermission { bits: 1 << 63 | 5 },
        ];
        for bit in 0..64 {
            let permission = Permissions::from_bits_retain(1 << bit);
            reasons.push(Reason::NotGranted { role, permission });
            for scope in Scope::ALL {
                for fact in facts() {
                    reasons.push(Reason::Granted {
                        role,
                        permission,
                        scope,
                        fact,
                    });
                    reasons.push(Reason::OutOfScope {
                        role,
                        permission,
                        scope,
                        fact,
                    });
                }
            }
        }
        for reason in reasons {
            assert_eq!(Outcome::of(reason).reason(Some(role), subject_role), reason);
        }
    }

    #[test]
    fn without_a_role_or_for_an_assignment_reason_it_is_the_unknown_role() {
        let role = BuiltInRole::SalesUser.role();
        let unknown = Reason::UnknownRole { role: RoleId(7) };
        let granted = Reason::Granted {
            role,
            permission: Permissions::REPLY,
            scope: Scope::Group,
            fact: Fact::Assignee,
        };
        assert_eq!(Outcome::of(granted).reason(None, RoleId(7)), unknown);
        for assignment in [
            Reason::OwnRole { user: UserId(3) },
            Reason::CustomRolesUnavailable {
                role,
                plan: Plan::Free,
            },
        ] {
            assert_eq!(
                Outcome::of(assignment).reason(Some(role), RoleId(7)),
                unknown
            );
        }
    }
}
