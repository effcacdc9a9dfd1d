//! The reverse question: which agents may act on one resource, as a value a host can query by.

use core::fmt;

use crate::group_scan::contains_group;
use crate::{GroupId, Resource, RoleId, Subject, UserId};

/// The agents who may do some permissions on one resource, from
/// [`Policy::who_may`](crate::Policy::who_may): the assignee picker, @mention suggestions,
/// notification fan-out, "who can see this conversation?".
///
/// `filter.matches(&s)` equals `policy.check(&s, permissions, resource).is_allowed()` for every
/// subject `s`, view-only groups included. It names roles, not agents: the roles that reach
/// the resource everywhere (Global), those that reach it through membership of its group (and
/// through a view-only membership when the permissions are within
/// [`Permissions::VIEW_ONLY_REACH`](crate::Permissions::VIEW_ONLY_REACH)), and those that
/// reach it for its assignee and participants. Render it for the host's agents table with
/// [`AgentFilter::to_sql`].
///
/// Participants come from [`Resource::participants`]; a host row type that does not list
/// them gets a filter that leaves its participants out (narrower than `check`, never wider).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AgentFilter {
    /// Roles whose every holder may (sorted).
    pub(crate) everywhere: Vec<RoleId>,
    /// Roles whose holders may when they are full members of the resource's group (sorted).
    pub(crate) members: Vec<RoleId>,
    /// Roles whose holders may when the resource's group is one of their view-only groups
    /// (sorted; always within `members`).
    pub(crate) view_only_members: Vec<RoleId>,
    /// Roles whose holders may when they are the assignee or a participant (sorted).
    pub(crate) taking_up: Vec<RoleId>,
    /// The resource's group.
    pub(crate) group: Option<GroupId>,
    /// The resource's assignee and participants (sorted, each once).
    pub(crate) takers: Vec<UserId>,
}

impl AgentFilter {
    /// A filter that lets nobody through yet, knowing the resource's facts.
    pub(crate) fn for_resource<R: Resource + ?Sized>(resource: &R) -> AgentFilter {
        let mut takers: Vec<UserId> = resource.participants().into_owned();
        takers.extend(resource.assignee());
        AgentFilter {
            everywhere: Vec::new(),
            members: Vec::new(),
            view_only_members: Vec::new(),
            taking_up: Vec::new(),
            group: resource.group(),
            takers,
        }
    }

    /// Sorts every list so that lookups can bisect and equal filters compare equal.
    pub(crate) fn finish(mut self) -> AgentFilter {
        for roles in [
            &mut self.everywhere,
            &mut self.members,
            &mut self.view_only_members,
            &mut self.taking_up,
        ] {
            roles.sort_unstable();
            roles.dedup();
        }
        // Keep only what can let somebody through, so that equal sets compare equal.
        if self.group.is_none() {
            self.members.clear();
            self.view_only_members.clear();
        }
        if self.taking_up.is_empty() {
            self.takers.clear();
        }
        if self.takers.is_empty() {
            self.taking_up.clear();
        }
        self.takers.sort_unstable();
        self.takers.dedup();
        self
    }

    /// Whether `subject` may: equal to `check(subject, permissions, resource).is_allowed()`.
    #[must_use]
    pub fn matches(&self, subject: &Subject<'_>) -> bool {
        let holds = |roles: &[RoleId]| roles.binary_search(&subject.role).is_ok();
        if holds(&self.everywhere) {
            return true;
        }
        if let Some(group) = self.group {
            if holds(&self.members) && contains_group(subject.groups, group) {
                return true;
            }
            if holds(&self.view_only_members) && contains_group(subject.view_only, group) {
                return true;
            }
        }
        holds(&self.taking_up) && self.takers.binary_search(&subject.user).is_ok()
    }

    /// Whether nobody may, whatever their role, groups or id.
    #[must_use]
    pub fn is_nobody(&self) -> bool {
        self.everywhere.is_empty() && self.members.is_empty() && self.taking_up.is_empty()
    }

    /// The roles whose every holder may, in id order.
    #[must_use]
    pub fn roles_everywhere(&self) -> &[RoleId] {
        &self.everywhere
    }

    /// The roles whose holders may as full members of the resource's group, in id order.
    #[must_use]
    pub fn roles_by_membership(&self) -> &[RoleId] {
        &self.members
    }

    /// The roles whose holders may as view-only members of the resource's group, in id order.
    #[must_use]
    pub fn roles_by_view_only_membership(&self) -> &[RoleId] {
        &self.view_only_members
    }

    /// The roles whose holders may as the resource's assignee or a participant, in id order.
    #[must_use]
    pub fn roles_taking_up(&self) -> &[RoleId] {
        &self.taking_up
    }

    /// The resource's group, if it has one.
    #[must_use]
    pub fn group(&self) -> Option<GroupId> {
        self.group
    }

    /// The resource's assignee and participants, in id order (empty when no role reaches
    /// through them). Roles reaching only through a group the resource lacks, or only through
    /// takers it has none of, are left out of every list.
    #[must_use]
    pub fn takers(&self) -> &[UserId] {
        &self.takers
    }
}

/// Writes `roles 1, 2` for a list of role ids.
fn write_roles(f: &mut fmt::Formatter<'_>, roles: &[RoleId]) -> fmt::Result {
    let plural = if roles.len() == 1 { "" } else { "s" };
    write!(f, "role{plural} ")?;
    for (index, role) in roles.iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{role}")?;
    }
    Ok(())
}

/// One phrase, e.g. `agents with roles 1, 2, or with role 8 in group 2, or with role 9 who
/// are user 5 or 7`; `nobody` when no role reaches.
impl fmt::Display for AgentFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_nobody() {
            return f.write_str("nobody");
        }
        f.write_str("agents")?;
        let mut first = true;
        let mut next = |f: &mut fmt::Formatter<'_>| -> fmt::Result {
            f.write_str(if first { " with " } else { ", or with " })?;
            first = false;
            Ok(())
        };
        if !self.everywhere.is_empty() {
            next(f)?;
            write_roles(f, &self.everywhere)?;
        }
        if let Some(group) = self.group {
            if !self.members.is_empty() {
                next(f)?;
                write_roles(f, &self.members)?;
                write!(f, " in group {group}")?;
            }
            if !self.view_only_members.is_empty() {
                next(f)?;
                write_roles(f, &self.view_only_members)?;
                write!(f, " with view-only group {group}")?;
            }
        }
        // `finish` leaves the roles taking up and the takers both empty or both not.
        if !self.takers.is_empty() {
            next(f)?;
            write_roles(f, &self.taking_up)?;
            f.write_str(" who are user ")?;
            for (index, user) in self.takers.iter().enumerate() {
                if index > 0 {
                    f.write_str(" or ")?;
                }
                write!(f, "{user}")?;
            }
        }
        Ok(())
    }
}
