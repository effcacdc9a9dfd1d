//! The facts the host supplies: who asks, and what they ask about.

use std::borrow::Cow;

use crate::{GroupId, RoleId, UserId};

/// The user asking: their id, their role, the groups (teams) they belong to, and the groups
/// they may read but not work in.
///
/// The lists borrow the host's slices: any order, duplicates allowed, any length, and they may
/// overlap (a group in both is a full membership). Build one with [`Subject::new`] so that
/// call sites do not name every field:
///
/// ```
/// use helpdesk_policy::{GroupId, RoleId, Subject, UserId};
///
/// let s = Subject::new(UserId(7), RoleId(4), &[GroupId(2)]).with_view_only(&[GroupId(9)]);
/// assert_eq!(s.view_only, [GroupId(9)]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subject<'a> {
    /// The user.
    pub user: UserId,
    /// The user's role.
    pub role: RoleId,
    /// The groups the user belongs to.
    pub groups: &'a [GroupId],
    /// The groups the user may read but not work in: at Group scope they reach only
    /// [`Permissions::VIEW_ONLY_REACH`](crate::Permissions::VIEW_ONLY_REACH) (viewing and
    /// private notes), and never team permissions.
    pub view_only: &'a [GroupId],
}

impl<'a> Subject<'a> {
    /// A subject with no view-only groups.
    #[must_use]
    pub const fn new(user: UserId, role: RoleId, groups: &'a [GroupId]) -> Subject<'a> {
        Subject {
            user,
            role,
            groups,
            view_only: &[],
        }
    }

    /// The same subject with `view_only` as its view-only groups.
    #[must_use]
    pub const fn with_view_only(self, view_only: &'a [GroupId]) -> Subject<'a> {
        Subject { view_only, ..self }
    }
}

/// The facts of a resource that scopes are checked against.
///
/// One rule serves every resource: the user is its assignee or a participant → Restricted
/// reaches it; its group is one of the user's → Group reaches it; otherwise only Global does.
/// Implement it for the host's own row type to check rows without copying them.
///
/// ```
/// use helpdesk_policy::{GroupId, Resource, UserId};
///
/// struct TicketRow { group_id: Option<u64>, owner_id: Option<u64>, cc: Vec<u64> }
///
/// impl Resource for TicketRow {
///     fn group(&self) -> Option<GroupId> { self.group_id.map(GroupId) }
///     fn assignee(&self) -> Option<UserId> { self.owner_id.map(UserId) }
///     fn has_participant(&self, user: UserId) -> bool { self.cc.contains(&user.0) }
/// }
/// # let row = TicketRow { group_id: Some(1), owner_id: None, cc: vec![7] };
/// # assert!(row.has_participant(UserId(7)));
/// ```
pub trait Resource {
    /// The group (team) the resource belongs to, if any.
    fn group(&self) -> Option<GroupId>;

    /// The user the resource is assigned to (or is about), if any.
    fn assignee(&self) -> Option<UserId>;

    /// Whether `user` takes part in the resource without being its assignee: a
    /// collaborator, follower or secondary owner. None by default.
    #[inline]
    fn has_participant(&self, user: UserId) -> bool {
        let _ = user;
        false
    }

    /// Every participant, for [`Policy::who_may`](crate::Policy::who_may), which must name
    /// them rather than ask about one user. None by default: a type that overrides
    /// [`has_participant`](Resource::has_participant) should override this too, or `who_may`
    /// leaves its participants out (narrower than `check`, never wider).
    fn participants(&self) -> Cow<'_, [UserId]> {
        Cow::Borrowed(&[])
    }
}

/// A conversation's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Conversation<'a> {
    /// The group the conversation is routed to, if any.
    pub group: Option<GroupId>,
    /// The agent the conversation is assigned to, if any.
    pub assignee: Option<UserId>,
    /// Collaborators, followers and secondary owners: users taking it up besides the assignee.
    pub participants: &'a [UserId],
}

impl Resource for Conversation<'_> {
    #[inline]
    fn group(&self) -> Option<GroupId> {
        self.group
    }

    #[inline]
    fn assignee(&self) -> Option<UserId> {
        self.assignee
    }

    #[inline]
    fn has_participant(&self, user: UserId) -> bool {
        crate::group_scan::contains_user(self.participants, user)
    }

    fn participants(&self) -> Cow<'_, [UserId]> {
        Cow::Borrowed(self.participants)
    }
}

/// A team (group) as a whole: its dashboard, reports or settings. Nobody is its assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Team(pub GroupId);

impl Resource for Team {
    #[inline]
    fn group(&self) -> Option<GroupId> {
        Some(self.0)
    }

    #[inline]
    fn assignee(&self) -> Option<UserId> {
        None
    }
}

/// The account as a whole: no group, nobody assigned, so only Global scope reaches it. Account
/// permissions are checked against it (they ignore the resource anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Account;

impl Resource for Account {
    #[inline]
    fn group(&self) -> Option<GroupId> {
        None
    }

    #[inline]
    fn assignee(&self) -> Option<UserId> {
        None
    }
}

/// A resource about one user, such as their own agent report: the user is its assignee, so
/// Restricted scope reaches it for that user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AboutUser(pub UserId);

impl Resource for AboutUser {
    #[inline]
    fn group(&self) -> Option<GroupId> {
        None
    }

    #[inline]
    fn assignee(&self) -> Option<UserId> {
        Some(self.0)
    }
}

impl<R: Resource + ?Sized> Resource for &R {
    #[inline]
    fn group(&self) -> Option<GroupId> {
        (**self).group()
    }

    #[inline]
    fn assignee(&self) -> Option<UserId> {
        (**self).assignee()
    }

    #[inline]
    fn has_participant(&self, user: UserId) -> bool {
        (**self).has_participant(user)
    }

    fn participants(&self) -> Cow<'_, [UserId]> {
        (**self).participants()
    }
}
