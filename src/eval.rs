//! The decision logic, all in one place: pure functions of a role, the facts and a plan.
//!
//! Nothing here allocates, and nothing depends on how many roles the policy holds: the caller
//! looks the role (and, for `check`, `allowed` and `allows`, the complement of its grants, a
//! [`Lacks`]) up in O(1), or has it from a [`ResolvedSubject`](crate::ResolvedSubject), and
//! hands it in.

use crate::agent_filter::AgentFilter;
use crate::decision::{Decision, Fact, Reason};
use crate::filter::ConversationFilter;
use crate::grants::{Grants, Lacks};
use crate::group_scan::contains_group;
use crate::{GroupId, Permissions, Plan, Resource, Role, RoleId, Scope, Subject};

/// What the policy's vocabulary says about permission bits, copied into the policy so that a
/// check reads two words instead of following a pointer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Masks {
    /// Every permission of the vocabulary.
    pub(crate) known: Permissions,
    /// The conversation and team permissions: granted at a scope.
    pub(crate) scoped: Permissions,
}

/// What a role's grants require of the resource, before any fact is read.
enum Need {
    /// Denied: the role lacks this permission.
    NotGranted(Permissions),
    /// Allowed whatever the resource: only account permissions, or everything at Global.
    Anywhere { permission: Permissions, fact: Fact },
    /// `permission` is granted at `scope` only (the narrowest of those asked for): the
    /// resource must be within that scope's reach. At Group scope, `view_only_blocker` is the
    /// first permission that needs the group and that a view-only group does not reach
    /// (outside [`Permissions::VIEW_ONLY_REACH`]); `None` when view-only groups reach the set.
    Within {
        permission: Permissions,
        scope: Scope,
        view_only_blocker: Option<Permissions>,
    },
}

/// Refuses a request that no role could grant: nothing asked, or bits that name nothing.
#[inline]
fn refuse_request(masks: Masks, permissions: Permissions) -> Option<Reason<'static>> {
    if permissions.is_empty() {
        return Some(Reason::NothingAsked);
    }
    let bits = permissions.bits() & !masks.known.bits();
    (bits != 0).then_some(Reason::UnknownPermission { bits })
}

/// What `role` requires of the resource for `permissions` (known, non-empty) to be allowed.
#[inline]
fn need(role: &Role, masks: Masks, permissions: Permissions) -> Need {
    let grants = role.grants;
    // Account permissions only count at Global: grant and load never store them narrower, and
    // should that ever slip, they fail closed here rather than pass at a narrower scope.
    let usable = grants
        .at_least(Scope::Restricted)
        .intersection(masks.scoped)
        .union(grants.at_least(Scope::Global));
    if let Some(missing) = permissions.difference(usable).first() {
        return Need::NotGranted(missing);
    }
    let scoped = permissions.intersection(masks.scoped);
    if let Some(permission) = scoped.difference(grants.at_least(Scope::Group)).first() {
        return Need::Within {
            permission,
            scope: Scope::Restricted,
            view_only_blocker: None,
        };
    }
    let needs_group = scoped.difference(grants.at_least(Scope::Global));
    if let Some(permission) = needs_group.first() {
        return Need::Within {
            permission,
            scope: Scope::Group,
            view_only_blocker: needs_group.difference(Permissions::VIEW_ONLY_REACH).first(),
        };
    }
    let (permission, fact) = named_at_global(masks, permissions);
    Need::Anywhere { permission, fact }
}

/// What a decision settled at Global names: the first scoped permission, which Global scope
/// carries to every resource, or for account permissions alone the first of them.
#[inline]
fn named_at_global(masks: Masks, permissions: Permissions) -> (Permissions, Fact) {
    match permissions.intersection(masks.scoped).first() {
        Some(scoped) => (scoped, Fact::Everywhere),
        None => (
            permissions.first().unwrap_or(permissions),
            Fact::AccountWide,
        ),
    }
}

/// Decides whether `subject`, whose role grants `grants` (none when the policy holds no such
/// role), may do all of `permissions` on `resource`. `role` finds the role (from
/// `subject.role`; `None` when the policy holds none): a lookup to run rather than its result,
/// so that only the paths whose reason names the role pay for it.
///
/// The common cases are settled in line, with exactly the reason [`check_fully`] would give:
/// what the role grants at Global (one mask), and one scoped permission granted at Group or
/// Restricted. They read the grants handed in (the role table's copy, or the resolved
/// subject's) and reach the role only for the reason. In line, a caller that reads only
/// [`Decision::is_allowed`] lets the compiler drop the reason altogether (measured: a reason
/// in line costs what a `bool` does, one call away it costs a third more). Everything else
/// (several permissions, refusals, unknown roles) is one call away in [`check_fully`], so the
/// common cases carry none of its code.
#[inline(always)]
pub(crate) fn check<'p, R: Resource + ?Sized>(
    grants: Grants,
    role: impl Fn() -> Option<&'p Role> + Copy,
    masks: Masks,
    subject: &Subject<'_>,
    permissions: Permissions,
    resource: &R,
) -> Decision<'p> {
    // The empty request is refused one call away; asking it first lets both common cases
    // below rely on a non-empty set.
    if let (Some(role), false) = (role(), permissions.is_empty()) {
        // A role grants only known bits, so what it grants at Global is known.
        if grants.at_least(Scope::Global).contains(permissions) {
            let (permission, fact) = named_at_global(masks, permissions);
            let scope = Scope::Global;
            return Decision::new(Reason::Granted {
                role,
                permission,
                scope,
                fact,
            });
        }
        if let Some(reason) = settle_single(grants, role, masks, subject, permissions, resource) {
            return Decision::new(reason);
        }
    }
    check_fully(role, masks, subject, permissions, resource)
}

/// Decides anything, allowed or denied, with the reason; [`check`] calls it for what it does
/// not settle in line.
#[inline(never)]
fn check_fully<'p, R: Resource + ?Sized>(
    role: impl Fn() -> Option<&'p Role>,
    masks: Masks,
    subject: &Subject<'_>,
    permissions: Permissions,
    resource: &R,
) -> Decision<'p> {
    if let Some(reason) = refuse_request(masks, permissions) {
        return Decision::new(reason);
    }
    let Some(role) = role() else {
        return Decision::new(Reason::UnknownRole { role: subject.role });
    };
    let reason = match need(role, masks, permissions) {
        Need::NotGranted(permission) => Reason::NotGranted { role, permission },
        Need::Anywhere { permission, fact } => Reason::Granted {
            role,
            permission,
            scope: Scope::Global,
            fact,
        },
        Need::Within {
            permission,
            scope,
            view_only_blocker,
        } => within(
            role,
            subject,
            resource,
            permission,
            scope,
            view_only_blocker,
        ),
    };
    Decision::new(reason)
}

/// The common narrow case, with exactly the reason the general path would give: one scoped
/// permission granted at Group or Restricted, not at Global (the caller settled Global, and
/// asks only for a non-empty `permission`). It needs no [`need`], and reads each fact once.
/// `None` for anything else.
#[inline(always)]
fn settle_single<'p, R: Resource + ?Sized>(
    grants: Grants,
    role: &'p Role,
    masks: Masks,
    subject: &Subject<'_>,
    permission: Permissions,
    resource: &R,
) -> Option<Reason<'p>> {
    // One bit, given a non-empty set.
    let bits = permission.bits();
    if bits & bits.wrapping_sub(1) != 0
        || !masks.scoped.contains(permission)
        || !grants.at_least(Scope::Restricted).contains(permission)
    {
        return None;
    }
    let scope = if grants.at_least(Scope::Group).contains(permission) {
        Scope::Group
    } else {
        Scope::Restricted
    };
    // A view-only group reaches a single permission exactly when it is within reach.
    let view_only_blocker =
        (!Permissions::VIEW_ONLY_REACH.contains(permission)).then_some(permission);
    Some(within(
        role,
        subject,
        resource,
        permission,
        scope,
        view_only_blocker,
    ))
}

/// The reason for `permission` granted at `scope` (Restricted or Group) only: granted or out
/// of scope by the fact [`reach`] finds; a view-only group falling short names
/// `view_only_blocker`, what it does not reach.
#[inline(always)]
fn within<'p, R: Resource + ?Sized>(
    role: &'p Role,
    subject: &Subject<'_>,
    resource: &R,
    permission: Permissions,
    scope: Scope,
    view_only_blocker: Option<Permissions>,
) -> Reason<'p> {
    match reach(subject, resource, scope, view_only_blocker.is_none()) {
        Ok(fact) => Reason::Granted {
            role,
            permission,
            scope,
            fact,
        },
        Err(fact) => Reason::OutOfScope {
            role,
            permission: match fact {
                Fact::ViewOnlyGroup(_) => view_only_blocker.unwrap_or(permission),
                _ => permission,
            },
            scope,
            fact,
        },
    }
}

/// Whether `scope` (Restricted or Group) reaches `resource` for `subject`: `Ok` with the fact
/// that let it, or `Err` with the fact that kept it out. Cheapest facts first; at Group scope
/// a view-only group counts when `view_only_reaches` (the full membership is asked first, so
/// it wins on overlap).
#[inline(always)]
fn reach<R: Resource + ?Sized>(
    subject: &Subject<'_>,
    resource: &R,
    scope: Scope,
    view_only_reaches: bool,
) -> Result<Fact, Fact> {
    if resource.assignee() == Some(subject.user) {
        return Ok(Fact::Assignee);
    }
    let group = resource.group();
    let mut in_view_only = false;
    if scope >= Scope::Group {
        if let Some(group) = group {
            if contains_group(subject.groups, group) {
                return Ok(Fact::InUsersGroups(group));
            }
            // Most subjects have no view-only groups: skip the scan's set-up for them.
            in_view_only =
                !subject.view_only.is_empty() && contains_group(subject.view_only, group);
            if in_view_only && view_only_reaches {
                return Ok(Fact::InUsersViewOnlyGroups(group));
            }
        }
    }
    if resource.has_participant(subject.user) {
        return Ok(Fact::Participant);
    }
    Err(match (scope, group) {
        (Scope::Restricted, _) => Fact::NotTakenUp,
        (_, Some(group)) if in_view_only => Fact::ViewOnlyGroup(group),
        (_, Some(group)) => Fact::OutsideUsersGroups(group),
        (_, None) => Fact::NoGroup,
    })
}

/// Every permission `subject` (whose role grants `grants`) may do on `resource`, equal bit by
/// bit to [`check`] of each: the Global mask, widened by whichever facts the resource offers.
///
/// In line like [`check`]'s common cases, for the same reason: one call away it cost half a
/// check more (measured).
#[inline(always)]
pub(crate) fn allowed<R: Resource + ?Sized>(
    grants: Grants,
    masks: Masks,
    subject: &Subject<'_>,
    resource: &R,
) -> Permissions {
    let global = grants.at_least(Scope::Global);
    let any = grants
        .at_least(Scope::Restricted)
        .intersection(masks.scoped);
    if global.contains(any) {
        return global;
    }
    if resource.assignee() == Some(subject.user) {
        return global.union(any);
    }
    let mut allowed = global;
    if let Some(group) = resource.group() {
        let at_group = grants.at_least(Scope::Group).intersection(masks.scoped);
        if !global.contains(at_group) {
            if contains_group(subject.groups, group) {
                allowed |= at_group;
            } else if !subject.view_only.is_empty() && contains_group(subject.view_only, group) {
                allowed |= at_group.intersection(Permissions::VIEW_ONLY_REACH);
            }
        }
    }
    if !allowed.contains(any) && resource.has_participant(subject.user) {
        allowed |= any;
    }
    allowed
}

/// Whether `subject`, whose role does not grant `lacks` (everything for a role the policy does
/// not hold), may do all of `permissions` on `resource`: exactly [`check`]'s verdict, with no
/// reason.
///
/// The rule of [`need`] and [`reach`], as a `bool`: what is not granted at Global must be
/// granted at a scope and reached by the facts, at the narrowest scope asked. It never reaches
/// the role, which only a reason names: an unknown role's `lacks`, an empty request and
/// unknown bits all fail the first two tests. Each test is one AND of the request with a mask
/// of `lacks`; and [`Lacks`] makes the vocabulary's scoped mask redundant here (an account
/// permission is granted at all three scopes or at none, so one that Global leaves over is
/// not granted at all), which is why this function takes no masks. In line like [`check`]'s
/// common cases.
#[inline(always)]
pub(crate) fn allows<R: Resource + ?Sized>(
    lacks: Lacks,
    subject: &Subject<'_>,
    permissions: Permissions,
    resource: &R,
) -> bool {
    // What Global leaves to the facts: scoped permissions granted narrower, or not at all.
    let narrow = permissions.intersection(lacks.below(Scope::Global));
    if narrow.is_empty() {
        return !permissions.is_empty();
    }
    if narrow.intersects(lacks.below(Scope::Restricted)) {
        return false;
    }
    if resource.assignee() == Some(subject.user) {
        return true;
    }
    // Group scope when all of `narrow` is granted there; Restricted otherwise.
    if !narrow.intersects(lacks.below(Scope::Group)) {
        if let Some(group) = resource.group() {
            if contains_group(subject.groups, group) {
                return true;
            }
            // Most subjects have no view-only groups: one test in line, the rest a call away.
            if !subject.view_only.is_empty() && view_only_reaches(subject, group, narrow) {
                return true;
            }
        }
    }
    resource.has_participant(subject.user)
}

/// Whether one of `subject`'s view-only groups is `group` and reaches `narrow` (at Group
/// scope): for [`allows`], out of line so that subjects without view-only groups do not carry
/// its code.
#[cold]
#[inline(never)]
fn view_only_reaches(subject: &Subject<'_>, group: GroupId, narrow: Permissions) -> bool {
    Permissions::VIEW_ONLY_REACH.contains(narrow) && contains_group(subject.view_only, group)
}

/// The set of conversations `subject` may do all of `permissions` on, as a value a host can
/// turn into a query. Agrees with [`check`] on every conversation.
pub(crate) fn filter<'a>(
    role: Option<&Role>,
    masks: Masks,
    subject: &Subject<'a>,
    permissions: Permissions,
) -> ConversationFilter<'a> {
    let (Some(role), None) = (role, refuse_request(masks, permissions)) else {
        return ConversationFilter::Nothing;
    };
    match need(role, masks, permissions) {
        Need::NotGranted(_) => ConversationFilter::Nothing,
        Need::Anywhere { .. } => ConversationFilter::Everything,
        Need::Within {
            scope: Scope::Restricted,
            ..
        } => ConversationFilter::TakenUpBy {
            user: subject.user,
            groups: &[],
            view_only: &[],
        },
        Need::Within {
            view_only_blocker, ..
        } => ConversationFilter::TakenUpBy {
            user: subject.user,
            groups: subject.groups,
            view_only: if view_only_blocker.is_none() {
                subject.view_only
            } else {
                &[]
            },
        },
    }
}

/// The agents who may do all of `permissions` on `resource`, from every role of the policy.
/// Agrees with [`check`] for every subject.
pub(crate) fn who_may<'p, R: Resource + ?Sized>(
    roles: impl Iterator<Item = &'p Role>,
    masks: Masks,
    permissions: Permissions,
    resource: &R,
) -> AgentFilter {
    let mut filter = AgentFilter::for_resource(resource);
    if refuse_request(masks, permissions).is_some() {
        return filter.finish();
    }
    for role in roles {
        match need(role, masks, permissions) {
            Need::NotGranted(_) => {}
            Need::Anywhere { .. } => filter.everywhere.push(role.id),
            Need::Within {
                scope: Scope::Restricted,
                ..
            } => filter.taking_up.push(role.id),
            Need::Within {
                view_only_blocker, ..
            } => {
                filter.taking_up.push(role.id);
                filter.members.push(role.id);
                if view_only_blocker.is_none() {
                    filter.view_only_members.push(role.id);
                }
            }
        }
    }
    filter.finish()
}

/// Decides whether `actor` may give `target` the role `new_role`.
///
/// The caller looks up the three roles; `None` means the policy holds no such role.
///
/// `target_deleted` says whether the policy issued the target's role id and deleted it since
/// (then it holds nothing); an id it never issued is unknown, and denied.
pub(crate) fn check_assignment<'p>(
    plan: Plan,
    actor: (&Subject<'_>, Option<&'p Role>),
    target: (&Subject<'_>, Option<&'p Role>, bool),
    new_role: (RoleId, Option<&'p Role>),
) -> Decision<'p> {
    let (actor, actor_role) = actor;
    let (target, target_role, target_deleted) = target;
    let Some(actor_role) = actor_role else {
        return Decision::new(Reason::UnknownRole { role: actor.role });
    };
    if !actor_role
        .grants
        .at_least(Scope::Global)
        .contains(Permissions::MANAGE_USERS)
    {
        let permission = Permissions::MANAGE_USERS;
        return Decision::new(Reason::NotGranted {
            role: actor_role,
            permission,
        });
    }
    if actor.user == target.user {
        return Decision::new(Reason::OwnRole { user: actor.user });
    }
    let Some(new_role) = new_role.1 else {
        return Decision::new(Reason::UnknownRole { role: new_role.0 });
    };
    // A stale or foreign id never opens an assignment; only a deleted one holds nothing.
    if target_role.is_none() && !target_deleted {
        return Decision::new(Reason::UnknownRole { role: target.role });
    }
    if new_role.is_custom() && !plan.has_custom_roles() {
        return Decision::new(Reason::CustomRolesUnavailable {
            role: new_role,
            plan,
        });
    }
    if let Some((permission, scope, actor_scope)) =
        new_role.grants.first_exceeding(actor_role.grants)
    {
        return Decision::new(Reason::NewRoleExceedsActor {
            actor_role,
            new_role,
            permission,
            scope,
            actor_scope,
        });
    }
    // A holder of a deleted role holds nothing, so any assignable role may replace it.
    if let Some(target_role) = target_role {
        if let Some((permission, scope, actor_scope)) =
            target_role.grants.first_exceeding(actor_role.grants)
        {
            return Decision::new(Reason::TargetExceedsActor {
                actor_role,
                target_role,
                permission,
                scope,
                actor_scope,
            });
        }
    }
    Decision::new(Reason::AssignmentAllowed {
        actor_role,
        new_role,
        current_role: target_role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BuiltInRole, Conversation, Team, UserId};
    use proptest::prelude::*;

    /// Few bits, so that what is asked is often what is granted: `view_conversations` and
    /// `add_private_note` (within view-only reach), `reply`, a team permission, two account
    /// permissions, and two bits unknown to the built-in vocabulary.
    fn bit() -> impl Strategy<Value = u32> {
        prop::sample::select(vec![0_u32, 1, 2, 7, 14, 19, 20, 63])
    }

    fn scope() -> impl Strategy<Value = Scope> {
        prop_oneof![
            Just(Scope::Restricted),
            Just(Scope::Group),
            Just(Scope::Global)
        ]
    }

    /// Groups 1 to 4 picked by the low bits of `mask`.
    fn groups(mask: u8) -> Vec<GroupId> {
        (1..=4)
            .filter(|g| mask & (1 << g) != 0)
            .map(GroupId)
            .collect()
    }

    proptest! {
        /// `allows` on the table's [`Lacks`] gives `check`'s verdict from the same `Lacks` (as
        /// the policy and a resolved subject ask them), even for grants that break their
        /// invariants (an account permission below Global, bits the vocabulary does not know):
        /// [`Lacks::of`] drops what `check` would not count, so `allows` may skip the scoped
        /// mask, and unknown bits fail closed in both.
        #[test]
        fn allows_on_lacks_is_checks_verdict_for_any_grants(
            granted in proptest::collection::vec((bit(), scope()), 0..8),
            asked in proptest::collection::vec(bit(), 0..4),
            (mine, read_only, group) in (any::<u8>(), any::<u8>(), 0_u64..6),
            (assignee, participants, team) in (0_usize..3, any::<u8>(), any::<bool>()),
        ) {
            let masks = crate::policy::masks(&crate::Vocabulary::builtin());
            let raw = granted.iter().fold(Grants::EMPTY, |grants, &(bit, scope)| {
                grants.with(Permissions::from_bits_retain(1 << bit), scope)
            });
            let mut role = BuiltInRole::SupportAgent.role().clone();
            role.grants = raw;
            role.builtin = None;
            let permissions = asked
                .iter()
                .fold(Permissions::empty(), |p, &bit| p | Permissions::from_bits_retain(1 << bit));
            let (mine, read_only) = (groups(mine), groups(read_only));
            let subject = Subject::new(UserId(7), role.id, &mine).with_view_only(&read_only);
            let people = [UserId(7), UserId(3)];
            let taking_part: Vec<UserId> = people
                .iter()
                .copied()
                .enumerate()
                .filter(|(i, _)| participants & (1 << i) != 0)
                .map(|(_, user)| user)
                .collect();
            let conversation = Conversation {
                group: (group > 0).then_some(GroupId(group)),
                assignee: people.get(assignee).copied(),
                participants: &taking_part,
            };
            let lacks = Lacks::of(raw, masks);
            let verdict = |resource: &dyn Resource| {
                let allowed = allows(lacks, &subject, permissions, resource);
                let from_lacks =
                    check(lacks.grants(), || Some(&role), masks, &subject, permissions, resource);
                let from_raw = check(raw, || Some(&role), masks, &subject, permissions, resource);
                prop_assert_eq!(allowed, from_lacks.is_allowed(), "{}", from_lacks);
                // The raw grants' in-line path trusts that a role grants only known bits (grant
                // and load make sure); `Lacks::of` does not, so compare where that holds.
                if masks.known.contains(raw.at_least(Scope::Restricted)) {
                    prop_assert_eq!(allowed, from_raw.is_allowed(), "{}", from_raw);
                }
                // No role at all: nothing is allowed.
                prop_assert!(!allows(Lacks::NOTHING, &subject, permissions, resource));
                Ok(())
            };
            if team {
                verdict(&Team(GroupId(group.max(1))))?;
            } else {
                verdict(&conversation)?;
            }
        }
    }
}
