//! Inbox filters: the set of conversations a user may act on, as a value a host can query by.

use core::fmt;

use crate::group_scan::contains_group;
use crate::{GroupId, Resource, UserId};

/// The conversations a subject may do some permissions on, from
/// [`Policy::filter`](crate::Policy::filter).
///
/// `filter.matches(c)` equals `policy.check(subject, permissions, c).is_allowed()` for every
/// conversation `c`, so a host can list an inbox with a query built from the parts below and
/// get exactly what `check` would allow one by one.
///
/// A filter for account permissions alone is `Everything` when they are granted: they do not
/// depend on the conversation. Ask for the conversation permission the listing is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConversationFilter<'a> {
    /// Every conversation (Global scope, or only account permissions asked for).
    Everything,
    /// No conversation (a permission not granted, an unknown role, nothing asked for).
    Nothing,
    /// The conversations whose group is one of `groups` or of `view_only`, or that are
    /// assigned to `user`, or that list `user` among their participants. At Restricted scope
    /// both lists are empty; `view_only` is the subject's view-only groups when the
    /// permissions asked are within
    /// [`Permissions::VIEW_ONLY_REACH`](crate::Permissions::VIEW_ONLY_REACH), else empty.
    TakenUpBy {
        /// The user whose assigned and participated conversations are reachable.
        user: UserId,
        /// The groups whose conversations are reachable (any order, maybe repeated, maybe
        /// empty).
        groups: &'a [GroupId],
        /// The view-only groups whose conversations are reachable too (any order, maybe
        /// repeated, maybe empty).
        view_only: &'a [GroupId],
    },
}

impl<'a> ConversationFilter<'a> {
    /// Whether the filter lets `resource` through.
    #[must_use]
    pub fn matches<R: Resource + ?Sized>(&self, resource: &R) -> bool {
        match *self {
            ConversationFilter::Everything => true,
            ConversationFilter::Nothing => false,
            ConversationFilter::TakenUpBy {
                user,
                groups,
                view_only,
            } => {
                resource.assignee() == Some(user)
                    || resource.group().is_some_and(|group| {
                        contains_group(groups, group) || contains_group(view_only, group)
                    })
                    || resource.has_participant(user)
            }
        }
    }

    /// The user whose assigned and participated conversations pass, if the filter is limited.
    #[must_use]
    pub fn user(&self) -> Option<UserId> {
        match *self {
            ConversationFilter::TakenUpBy { user, .. } => Some(user),
            ConversationFilter::Everything | ConversationFilter::Nothing => None,
        }
    }

    /// The groups whose conversations all pass; empty unless the filter is limited at Group
    /// scope.
    #[must_use]
    pub fn groups(&self) -> &'a [GroupId] {
        match *self {
            ConversationFilter::TakenUpBy { groups, .. } => groups,
            ConversationFilter::Everything | ConversationFilter::Nothing => &[],
        }
    }

    /// The view-only groups whose conversations all pass too; empty unless the filter is
    /// limited at Group scope to permissions a view-only group reaches.
    #[must_use]
    pub fn view_only_groups(&self) -> &'a [GroupId] {
        match *self {
            ConversationFilter::TakenUpBy { view_only, .. } => view_only,
            ConversationFilter::Everything | ConversationFilter::Nothing => &[],
        }
    }
}

/// One phrase: `every conversation`, `no conversation`, or e.g. `conversations in groups 1, 2,
/// or assigned to user 7, or with user 7 among the participants`.
impl fmt::Display for ConversationFilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (user, groups, view_only) = match *self {
            ConversationFilter::Everything => return f.write_str("every conversation"),
            ConversationFilter::Nothing => return f.write_str("no conversation"),
            ConversationFilter::TakenUpBy {
                user,
                groups,
                view_only,
            } => (user, groups, view_only),
        };
        f.write_str("conversations ")?;
        for (list, what) in [(groups, "group"), (view_only, "view-only group")] {
            if let Some((first, rest)) = list.split_first() {
                let plural = if rest.is_empty() { "" } else { "s" };
                write!(f, "in {what}{plural} {first}")?;
                for group in rest {
                    write!(f, ", {group}")?;
                }
                f.write_str(", or ")?;
            }
        }
        write!(
            f,
            "assigned to user {user}, or with user {user} among the participants"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_parts() {
        let user = UserId(7);
        assert_eq!(
            ConversationFilter::Everything.to_string(),
            "every conversation"
        );
        assert_eq!(ConversationFilter::Nothing.to_string(), "no conversation");
        let restricted = ConversationFilter::TakenUpBy {
            user,
            groups: &[],
            view_only: &[],
        };
        assert_eq!(
            restricted.to_string(),
            "conversations assigned to user 7, or with user 7 among the participants"
        );
        let groups = [GroupId(1), GroupId(2)];
        let group = ConversationFilter::TakenUpBy {
            user,
            groups: &groups,
            view_only: &[],
        };
        assert_eq!(
            group.to_string(),
            "conversations in groups 1, 2, or assigned to user 7, or with user 7 among the participants"
        );
        let view_only = ConversationFilter::TakenUpBy {
            user,
            groups: &groups[..1],
            view_only: &groups[1..],
        };
        assert_eq!(
            view_only.to_string(),
            "conversations in group 1, or in view-only group 2, or assigned to user 7, or with user 7 among the participants"
        );
    }
}
