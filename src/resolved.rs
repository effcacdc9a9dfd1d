//! A subject whose role is looked up once, for many checks.

use crate::decision::Decision;
use crate::eval::{self, Masks};
use crate::grants::Lacks;
use crate::{Permissions, Resource, Role, Subject};

/// A [`Subject`] with its role looked up in a [`Policy`](crate::Policy) once, from
/// [`Policy::resolve`](crate::Policy::resolve), to ask many questions without looking the
/// role up again: the buttons of a conversation page, the rows of an inbox, every request of
/// one signed-in agent.
///
/// Its answers are exactly those of [`Policy::check`](crate::Policy::check),
/// [`Policy::allows`](crate::Policy::allows) and [`Policy::allowed`](crate::Policy::allowed)
/// for the same subject, reasons included. It borrows the policy, so the policy cannot change
/// while it exists and it cannot go stale.
///
/// A hand-written check keeps each user's permissions ready; this is the crate's way to do the
/// same. The role lookup it saves is constant-time, so a single check gains nothing from it.
///
/// ```
/// use helpdesk_policy::{BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, Subject, UserId};
///
/// let policy = Policy::new(Plan::Pro);
/// // Sales Users reply in their own groups.
/// let me = policy.resolve(Subject::new(UserId(7), BuiltInRole::SalesUser.id(), &[GroupId(2)]));
/// let inbox = [
///     Conversation { group: Some(GroupId(2)), assignee: None, participants: &[] },
///     Conversation { group: Some(GroupId(5)), assignee: None, participants: &[] },
/// ];
/// let mine = inbox.iter().filter(|c| me.check(Permissions::REPLY, *c).is_allowed()).count();
/// assert_eq!(mine, 1);
/// let same = policy.check(me.subject(), Permissions::REPLY, &inbox[1]);
/// assert_eq!(me.check(Permissions::REPLY, &inbox[1]), same);
/// ```
///
/// The policy cannot change under it: this does not compile.
///
/// ```compile_fail,E0502
/// use helpdesk_policy::{BuiltInRole, Permissions, Plan, Policy, Subject, UserId};
///
/// let mut policy = Policy::new(Plan::Pro);
/// let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
/// let me = policy.resolve(Subject::new(UserId(7), BuiltInRole::SupportAgent.id(), &[]));
/// policy.revoke(&owner, BuiltInRole::SupportAgent.id(), Permissions::REPLY);
/// me.check(Permissions::REPLY, &helpdesk_policy::Account);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ResolvedSubject<'p, 's> {
    subject: Subject<'s>,
    /// The role of `subject.role`; `None` when the policy holds no such role.
    role: Option<&'p Role>,
    /// What the role does not grant (everything without a role), beside the subject so a
    /// check reads it without following a pointer.
    lacks: Lacks,
    masks: Masks,
}

impl<'p, 's> ResolvedSubject<'p, 's> {
    /// `subject` with `role` (and what it `lacks`) as the policy holds them.
    #[inline(always)]
    pub(crate) const fn new(
        subject: Subject<'s>,
        role: Option<&'p Role>,
        lacks: Lacks,
        masks: Masks,
    ) -> Self {
        ResolvedSubject {
            subject,
            role,
            lacks,
            masks,
        }
    }

    /// The subject.
    pub const fn subject(&self) -> &Subject<'s> {
        &self.subject
    }

    /// The subject's role; `None` when the policy holds no role with the subject's role id
    /// (every check is then denied as an unknown role).
    pub const fn role(&self) -> Option<&'p Role> {
        self.role
    }

    /// May the subject do every one of `permissions` on `resource`? The same decision as
    /// [`Policy::check`](crate::Policy::check), without the role lookup.
    ///
    /// Allocates nothing.
    #[inline(always)]
    pub fn check<R: Resource + ?Sized>(
        &self,
        permissions: Permissions,
        resource: &R,
    ) -> Decision<'p> {
        eval::check(
            self.lacks.grants(),
            || self.role,
            self.masks,
            &self.subject,
            permissions,
            resource,
        )
    }

    /// May the subject do every one of `permissions` on `resource`? The verdict alone: the
    /// same answer as [`Policy::allows`](crate::Policy::allows) and as
    /// [`check`](ResolvedSubject::check)`(..).is_allowed()`, without the role lookup or the
    /// reason.
    ///
    /// Allocates nothing.
    #[inline(always)]
    pub fn allows<R: Resource + ?Sized>(&self, permissions: Permissions, resource: &R) -> bool {
        eval::allows(self.lacks, &self.subject, permissions, resource)
    }

    /// Every permission the subject may do on `resource`: the same set as
    /// [`Policy::allowed`](crate::Policy::allowed), without the role lookup.
    ///
    /// Allocates nothing.
    #[inline(always)]
    pub fn allowed<R: Resource + ?Sized>(&self, resource: &R) -> Permissions {
        eval::allowed(self.lacks.grants(), self.masks, &self.subject, resource)
    }
}
