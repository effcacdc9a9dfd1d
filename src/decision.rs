//! Decisions as values: allowed or denied, and the reason why.

use core::fmt;

use serde::Serialize;

use crate::{GroupId, PermissionKind, Permissions, Plan, Role, RoleId, Scope, UserId};

/// The answer to "may this user do this?": allowed or denied, with the [`Reason`].
///
/// A decision is a value, never an error or a panic. It borrows the roles it names from the
/// [`Policy`](crate::Policy), so making one costs nothing; `Display` gives one plain sentence:
///
/// ```text
/// denied: role "Support Agent" grants reply at Group scope, and the conversation's group 7 is not one of the user's groups
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Decision<'p> {
    reason: Reason<'p>,
}

impl<'p> Decision<'p> {
    pub(crate) const fn new(reason: Reason<'p>) -> Self {
        Decision { reason }
    }

    /// Whether the action is allowed.
    #[must_use]
    pub const fn is_allowed(&self) -> bool {
        matches!(
            self.reason,
            Reason::Granted { .. } | Reason::AssignmentAllowed { .. }
        )
    }

    /// Whether the action is denied (the default for anything not explicitly granted).
    #[must_use]
    pub const fn is_denied(&self) -> bool {
        !self.is_allowed()
    }

    /// Why, as data a host can match on.
    #[must_use]
    pub const fn reason(&self) -> &Reason<'p> {
        &self.reason
    }

    /// The decision as an owned record: the sentence and the reason as data, borrowing
    /// nothing from the policy, so it can be logged or sent after the policy is gone.
    ///
    /// ```
    /// use helpdesk_policy::{BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, Subject, UserId};
    ///
    /// let policy = Policy::new(Plan::Pro);
    /// let s = Subject::new(UserId(7), policy.builtin(BuiltInRole::SalesUser), &[GroupId(1)]);
    /// let c = Conversation { group: Some(GroupId(2)), ..Conversation::default() };
    /// let record = policy.check(&s, Permissions::REPLY, &c).record();
    /// assert!(!record.allowed);
    /// assert_eq!(record.reason, "out_of_scope");
    /// assert_eq!(record.permission, Some("reply"));
    /// assert!(record.sentence.starts_with("denied: role \"Sales User\" grants reply at Group scope"));
    /// ```
    #[must_use]
    pub fn record(&self) -> DecisionRecord {
        let mut record = DecisionRecord {
            allowed: self.is_allowed(),
            sentence: self.to_string(),
            reason: self.reason.code(),
            role: None,
            role_name: None,
            permission: None,
            scope: None,
            fact: None,
            group: None,
        };
        let (role, permission, scope, fact) = match self.reason {
            Reason::Granted {
                role,
                permission,
                scope,
                fact,
            }
            | Reason::OutOfScope {
                role,
                permission,
                scope,
                fact,
            } => (Some(role), Some(permission), Some(scope), Some(fact)),
            Reason::NotGranted { role, permission } => (Some(role), Some(permission), None, None),
            Reason::UnknownRole { role } => {
                record.role = Some(role);
                (None, None, None, None)
            }
            Reason::AssignmentAllowed { new_role, .. }
            | Reason::CustomRolesUnavailable { role: new_role, .. } => {
                (Some(new_role), None, None, None)
            }
            Reason::NewRoleExceedsActor {
                new_role: role,
                permission,
                scope,
                ..
            }
            | Reason::TargetExceedsActor {
                target_role: role,
                permission,
                scope,
                ..
            } => (Some(role), Some(permission), Some(scope), None),
            Reason::NothingAsked | Reason::UnknownPermission { .. } | Reason::OwnRole { .. } => {
                (None, None, None, None)
            }
        };
        if let Some(role) = role {
            record.role = Some(role.id());
            record.role_name = Some(role.name().to_owned());
            record.permission = permission.and_then(|p| role.table.name(p));
        }
        record.scope = scope;
        if let Some(fact) = fact {
            record.fact = Some(fact.code());
            record.group = fact.group();
        }
        record
    }

    /// `Ok(())` when allowed, `Err` with the owned [`Denied`] when denied, so that a handler
    /// can answer a refusal with `?` (`policy.check(..).into_result()?;`).
    ///
    /// ```
    /// use helpdesk_policy::{Account, BuiltInRole, Denied, Permissions, Plan, Policy, Subject, UserId};
    ///
    /// fn export(policy: &Policy, user: &Subject<'_>) -> Result<&'static str, Denied> {
    ///     policy.check(user, Permissions::EXPORT_REPORTS, &Account).into_result()?;
    ///     Ok("report.csv")
    /// }
    /// let policy = Policy::new(Plan::Pro);
    /// let agent = Subject::new(UserId(7), policy.builtin(BuiltInRole::SupportAgent), &[]);
    /// let denied = export(&policy, &agent).unwrap_err();
    /// assert_eq!(denied.to_string(), "denied: role \"Support Agent\" does not grant export_reports");
    /// ```
    ///
    /// # Errors
    ///
    /// The decision is a denial.
    pub fn into_result(self) -> Result<(), Denied> {
        if self.is_allowed() {
            Ok(())
        } else {
            Err(Denied(Box::new(self.record())))
        }
    }
}

/// A [`Decision`] as owned data, from [`Decision::record`]: what a host logs or sends.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DecisionRecord {
    /// Whether the action is allowed.
    pub allowed: bool,
    /// The decision's one sentence, as `Display` writes it.
    pub sentence: String,
    /// What kind of reason: `granted`, `not_granted`, `out_of_scope`, `unknown_role`,
    /// `unknown_permission`, `nothing_asked`, `own_role`, `custom_roles_unavailable`,
    /// `new_role_exceeds_actor`, `target_exceeds_actor` or `assignment_allowed`.
    pub reason: &'static str,
    /// The role the reason names (the user's, or for assignments the role concerned).
    pub role: Option<RoleId>,
    /// That role's name.
    pub role_name: Option<String>,
    /// The permission the reason names.
    pub permission: Option<&'static str>,
    /// The scope the reason names.
    pub scope: Option<Scope>,
    /// The fact that decided a scoped permission: `everywhere`, `account_wide`, `assignee`,
    /// `participant`, `in_users_groups`, `in_users_view_only_groups`, `view_only_group`,
    /// `outside_users_groups`, `no_group` or `not_taken_up`.
    pub fact: Option<&'static str>,
    /// The group that fact is about.
    pub group: Option<GroupId>,
}

/// A denial as an error, from [`Decision::into_result`]: `Display` is the decision's sentence,
/// `Serialize` the [`DecisionRecord`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[serde(transparent)]
#[error("{}", .0.sentence)]
pub struct Denied(pub Box<DecisionRecord>);

impl Fact {
    /// The fact's snake_case code, as [`DecisionRecord::fact`] gives it.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Fact::Everywhere => "everywhere",
            Fact::AccountWide => "account_wide",
            Fact::Assignee => "assignee",
            Fact::Participant => "participant",
            Fact::InUsersGroups(_) => "in_users_groups",
            Fact::InUsersViewOnlyGroups(_) => "in_users_view_only_groups",
            Fact::ViewOnlyGroup(_) => "view_only_group",
            Fact::OutsideUsersGroups(_) => "outside_users_groups",
            Fact::NoGroup => "no_group",
            Fact::NotTakenUp => "not_taken_up",
        }
    }

    /// The group the fact is about, if any.
    #[must_use]
    pub const fn group(self) -> Option<GroupId> {
        match self {
            Fact::InUsersGroups(group)
            | Fact::InUsersViewOnlyGroups(group)
            | Fact::ViewOnlyGroup(group)
            | Fact::OutsideUsersGroups(group) => Some(group),
            _ => None,
        }
    }
}

impl Reason<'_> {
    /// The reason's snake_case code, as [`DecisionRecord::reason`] gives it.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Reason::Granted { .. } => "granted",
            Reason::NothingAsked => "nothing_asked",
            Reason::UnknownPermission { .. } => "unknown_permission",
            Reason::UnknownRole { .. } => "unknown_role",
            Reason::NotGranted { .. } => "not_granted",
            Reason::OutOfScope { .. } => "out_of_scope",
            Reason::AssignmentAllowed { .. } => "assignment_allowed",
            Reason::OwnRole { .. } => "own_role",
            Reason::CustomRolesUnavailable { .. } => "custom_roles_unavailable",
            Reason::NewRoleExceedsActor { .. } => "new_role_exceeds_actor",
            Reason::TargetExceedsActor { .. } => "target_exceeds_actor",
        }
    }
}

/// How the resource stands to the user: the fact that decided a scoped permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fact {
    /// Global scope reaches everything: no fact about the resource was needed.
    Everywhere,
    /// Only account permissions were asked for: they ignore the resource.
    AccountWide,
    /// The resource is assigned to the user (or is about them).
    Assignee,
    /// The user is among the resource's participants.
    Participant,
    /// The resource's group is one of the user's groups.
    InUsersGroups(GroupId),
    /// The resource's group is one of the user's view-only groups, which reach viewing and
    /// private notes ([`Permissions::VIEW_ONLY_REACH`]).
    InUsersViewOnlyGroups(GroupId),
    /// The resource's group is one of the user's view-only groups, which do not reach the
    /// permission (only viewing and private notes), and the user is neither its assignee nor
    /// a participant.
    ViewOnlyGroup(GroupId),
    /// The resource's group is not one of the user's groups, and the user is neither its
    /// assignee nor a participant.
    OutsideUsersGroups(GroupId),
    /// The resource has no group, and the user is neither its assignee nor a participant.
    NoGroup,
    /// The user is neither the resource's assignee nor a participant (whatever its group).
    NotTakenUp,
}

/// Why a [`Decision`] came out as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason<'p> {
    /// Allowed: `role` grants every permission asked for, each at a scope that reaches the
    /// resource. `permission` and `scope` name the narrowest grant, the one `fact` decided.
    Granted {
        /// The user's role.
        role: &'p Role,
        /// The permission that needed the deciding fact (the narrowest-scoped one asked for).
        permission: Permissions,
        /// The scope at which the role grants it.
        scope: Scope,
        /// What about the resource let the scope reach it.
        fact: Fact,
    },
    /// Allowed: the actor may give the user the new role. (Declared next to `Granted`: the
    /// two allowed reasons are told apart from the rest with one comparison.)
    AssignmentAllowed {
        /// The actor's role.
        actor_role: &'p Role,
        /// The role to be given.
        new_role: &'p Role,
        /// The user's current role; `None` when the policy deleted it, so it grants nothing
        /// (a role id the policy never issued is denied instead, as unknown).
        current_role: Option<&'p Role>,
    },
    /// Denied: no permission was asked for.
    NothingAsked,
    /// Denied: the permission set carries bits that name no permission of the policy's
    /// vocabulary.
    UnknownPermission {
        /// The unknown bits.
        bits: u64,
    },
    /// Denied: the policy holds no role with this id (never created, or deleted).
    UnknownRole {
        /// The id asked about.
        role: RoleId,
    },
    /// Denied: the role does not grant this permission at any scope.
    NotGranted {
        /// The user's (or actor's) role.
        role: &'p Role,
        /// The first permission asked for that the role lacks.
        permission: Permissions,
    },
    /// Denied: the role grants the permission, but its scope does not reach the resource.
    OutOfScope {
        /// The user's role.
        role: &'p Role,
        /// The permission whose scope falls short.
        permission: Permissions,
        /// The scope at which the role grants it.
        scope: Scope,
        /// What about the resource puts it out of reach.
        fact: Fact,
    },
    /// Denied: nobody changes their own role.
    OwnRole {
        /// The actor, who is also the target.
        user: UserId,
    },
    /// Denied: the new role is a custom role and the plan has none.
    CustomRolesUnavailable {
        /// The custom role.
        role: &'p Role,
        /// The account's plan.
        plan: Plan,
    },
    /// Denied: the new role grants something wider than the actor's own role does.
    NewRoleExceedsActor {
        /// The actor's role.
        actor_role: &'p Role,
        /// The role to be given.
        new_role: &'p Role,
        /// The first permission the new role grants wider.
        permission: Permissions,
        /// The scope at which the new role grants it.
        scope: Scope,
        /// The scope at which the actor's role grants it, if at all.
        actor_scope: Option<Scope>,
    },
    /// Denied: the user's current role grants something wider than the actor's own role does.
    TargetExceedsActor {
        /// The actor's role.
        actor_role: &'p Role,
        /// The user's current role.
        target_role: &'p Role,
        /// The first permission the current role grants wider.
        permission: Permissions,
        /// The scope at which the current role grants it.
        scope: Scope,
        /// The scope at which the actor's role grants it, if at all.
        actor_scope: Option<Scope>,
    },
}

/// Writes `grants reply at Group scope`, or `grants manage_faqs` for an account permission,
/// naming the permission from the role's own table (extensions included).
fn write_grant(
    f: &mut fmt::Formatter<'_>,
    role: &Role,
    permission: Permissions,
    scope: Scope,
) -> fmt::Result {
    let name = role.table.display(permission);
    if role.table.kind(permission) == Some(PermissionKind::Account) {
        write!(f, "grants {name}")
    } else {
        write!(f, "grants {name} at {scope} scope")
    }
}

/// Writes the fact as the end of a sentence, phrased for the permission's kind.
fn write_fact(
    f: &mut fmt::Formatter<'_>,
    role: &Role,
    permission: Permissions,
    fact: Fact,
) -> fmt::Result {
    let team = role.table.kind(permission) == Some(PermissionKind::Team);
    let text = match (fact, team) {
        (Fact::Everywhere, false) => ", which reaches every conversation",
        (Fact::Everywhere, true) => ", which reaches every team and the whole account",
        (Fact::AccountWide, _) => ", an account permission",
        (Fact::Assignee, false) => ", and the conversation is assigned to the user",
        (Fact::Assignee, true) => ", and the resource is about the user",
        (Fact::Participant, _) => ", and the user is one of its participants",
        (Fact::InUsersGroups(group), false) => {
            return write!(
                f,
                ", and the conversation's group {group} is one of the user's groups"
            )
        }
        (Fact::InUsersGroups(group), true) => {
            return write!(f, ", and team {group} is one of the user's teams")
        }
        (Fact::InUsersViewOnlyGroups(group), _) => {
            return write!(
                f,
                ", and the conversation's group {group} is one of the user's view-only groups, which reach viewing and private notes"
            )
        }
        (Fact::ViewOnlyGroup(group), false) => {
            return write!(
                f,
                ", and the conversation's group {group} is one of the user's view-only groups, which reach only viewing and private notes"
            )
        }
        (Fact::ViewOnlyGroup(group), true) => {
            return write!(
                f,
                ", and team {group} is one of the user's view-only groups, which reach no team permission"
            )
        }
        (Fact::OutsideUsersGroups(group), false) => {
            return write!(
                f,
                ", and the conversation's group {group} is not one of the user's groups"
            )
        }
        (Fact::OutsideUsersGroups(group), true) => {
            return write!(f, ", and team {group} is not one of the user's teams")
        }
        (Fact::NoGroup, false) => {
            ", and the conversation has no group, and the user is neither its assignee nor a participant"
        }
        (Fact::NoGroup, true) => ", and the resource is account-wide (no team) and not about the user, so only Global scope reaches it",
        (Fact::NotTakenUp, false) => {
            ", and the user is neither the conversation's assignee nor a participant"
        }
        (Fact::NotTakenUp, true) => ", and the resource is not about the user",
    };
    f.write_str(text)
}

/// Writes `does not grant it` or `grants it only at Group scope`.
fn write_actor_scope(f: &mut fmt::Formatter<'_>, actor_scope: Option<Scope>) -> fmt::Result {
    match actor_scope {
        None => f.write_str("does not grant it"),
        Some(scope) => write!(f, "grants it only at {scope} scope"),
    }
}

/// One plain sentence: `allowed: ...` or `denied: ...`.
impl fmt::Display for Decision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_allowed() {
            "allowed: "
        } else {
            "denied: "
        })?;
        match self.reason {
            Reason::Granted {
                role,
                permission,
                scope,
                fact,
            }
            | Reason::OutOfScope {
                role,
                permission,
                scope,
                fact,
            } => {
                write!(f, "role \"{}\" ", role.name())?;
                write_grant(f, role, permission, scope)?;
                write_fact(f, role, permission, fact)
            }
            Reason::NothingAsked => f.write_str("no permission was asked for"),
            Reason::UnknownPermission { bits } => {
                write!(f, "permission bits {bits:#x} name no permission")
            }
            Reason::UnknownRole { role } => {
                write!(
                    f,
                    "role id {role} is unknown to the policy (never created, or deleted)"
                )
            }
            Reason::NotGranted { role, permission } => {
                let name = role.table.display(permission);
                write!(f, "role \"{}\" does not grant {name}", role.name())
            }
            Reason::AssignmentAllowed {
                actor_role,
                new_role,
                current_role,
            } => {
                write!(
                    f,
                    "role \"{}\" holds manage_users and every grant of role \"{}\"",
                    actor_role.name(),
                    new_role.name()
                )?;
                match current_role {
                    Some(current) => {
                        write!(f, " and of the user's current role \"{}\"", current.name())
                    }
                    None => f.write_str(
                        ", and the user's current role was deleted, so it grants nothing",
                    ),
                }
            }
            Reason::OwnRole { user } => write!(f, "user {user} may not change their own role"),
            Reason::CustomRolesUnavailable { role, plan } => write!(
                f,
                "role \"{}\" is a custom role, and the {plan} plan has no custom roles",
                role.name()
            ),
            Reason::NewRoleExceedsActor {
                actor_role,
                new_role,
                permission,
                scope,
                actor_scope,
            } => {
                write!(f, "role \"{}\" ", new_role.name())?;
                write_grant(f, new_role, permission, scope)?;
                write!(f, ", but the actor's role \"{}\" ", actor_role.name())?;
                write_actor_scope(f, actor_scope)
            }
            Reason::TargetExceedsActor {
                actor_role,
                target_role,
                permission,
                scope,
                actor_scope,
            } => {
                write!(f, "the user's current role \"{}\" ", target_role.name())?;
                write_grant(f, target_role, permission, scope)?;
                write!(f, ", but the actor's role \"{}\" ", actor_role.name())?;
                write_actor_scope(f, actor_scope)
            }
        }
    }
}
