//! Diffs between two policies, for the role editor's summary and the account's audit log.

use core::cmp::Ordering;
use core::fmt;

use serde::Serialize;

use crate::{PermissionKind, Permissions, Plan, Policy, Role, RoleId, Scope};

/// One thing that changed between two policies, from [`Policy::diff`].
///
/// `Display` gives one sentence naming roles by id and name; `Serialize` gives the data, tagged
/// by `"change"` (`"plan_changed"`, `"role_created"`, ...), permissions by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The account's plan changed.
    PlanChanged {
        /// The plan before.
        before: Plan,
        /// The plan after.
        after: Plan,
    },
    /// A custom role was created (its description, if any, follows as
    /// [`Change::RoleDescribed`] from the empty one, and its grants as [`Change::GrantChanged`]
    /// from `None`).
    RoleCreated {
        /// The new role's id.
        role: RoleId,
        /// Its name.
        name: String,
        /// The role it was cloned from.
        source: Option<RoleId>,
    },
    /// A custom role was renamed.
    RoleRenamed {
        /// The role's id.
        role: RoleId,
        /// The name before.
        before: String,
        /// The name after.
        after: String,
    },
    /// A custom role's description changed.
    RoleDescribed {
        /// The role's id.
        role: RoleId,
        /// The role's name (after).
        name: String,
        /// The description before.
        before: String,
        /// The description after.
        after: String,
    },
    /// A custom role was deleted (its grants follow as [`Change::GrantChanged`] to `None`).
    RoleDeleted {
        /// The role's id.
        role: RoleId,
        /// Its name.
        name: String,
    },
    /// A permission's grant in a custom role changed: granted, revoked, widened or narrowed.
    GrantChanged {
        /// The role's id.
        role: RoleId,
        /// The role's name (after, or before for a deleted role).
        name: String,
        /// The permission.
        #[serde(skip)]
        permission: Permissions,
        /// The permission's name.
        #[serde(rename = "permission")]
        permission_name: &'static str,
        /// The permission's kind (an account permission is granted at Global or not at all).
        kind: PermissionKind,
        /// The scope before; `None` for not granted.
        before: Option<Scope>,
        /// The scope after; `None` for not granted.
        after: Option<Scope>,
    },
}

impl Change {
    /// Whether this change hands out more: a grant that is new or wider than before. A host
    /// flags these in its audit log.
    #[must_use]
    pub fn widens(&self) -> bool {
        matches!(self, Change::GrantChanged { before, after, .. } if after > before)
    }

    /// The role the change is about, if any.
    #[must_use]
    pub fn role(&self) -> Option<RoleId> {
        match self {
            Change::PlanChanged { .. } => None,
            Change::RoleCreated { role, .. }
            | Change::RoleRenamed { role, .. }
            | Change::RoleDescribed { role, .. }
            | Change::RoleDeleted { role, .. }
            | Change::GrantChanged { role, .. } => Some(*role),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::PlanChanged { before, after } => {
                write!(f, "the plan changed from {before} to {after}")
            }
            Change::RoleCreated { role, name, source } => {
                write!(f, "role {role} \"{}\" was created", name.escape_debug())?;
                match source {
                    Some(source) => write!(f, " as a clone of role {source}"),
                    None => Ok(()),
                }
            }
            Change::RoleRenamed {
                role,
                before,
                after,
            } => write!(
                f,
                "role {role} was renamed from \"{}\" to \"{}\"",
                before.escape_debug(),
                after.escape_debug()
            ),
            Change::RoleDescribed {
                role, name, after, ..
            } => write!(
                f,
                "role {role} \"{}\" is now described as \"{}\"",
                name.escape_debug(),
                after.escape_debug()
            ),
            Change::RoleDeleted { role, name } => {
                write!(f, "role {role} \"{}\" was deleted", name.escape_debug())
            }
            Change::GrantChanged {
                role,
                name,
                permission_name,
                kind,
                before,
                after,
                ..
            } => {
                write!(
                    f,
                    "role {role} \"{}\": {permission_name} ",
                    name.escape_debug()
                )?;
                if *kind == PermissionKind::Account {
                    return f.write_str(if after.is_some() {
                        "granted"
                    } else {
                        "revoked"
                    });
                }
                match (before, after) {
                    (None, Some(after)) => write!(f, "granted at {after} scope"),
                    (Some(before), None) => write!(f, "revoked (was {before} scope)"),
                    (Some(before), Some(after)) => match after.cmp(before) {
                        Ordering::Greater => write!(f, "widened from {before} to {after} scope"),
                        Ordering::Less => write!(f, "narrowed from {before} to {after} scope"),
                        Ordering::Equal => write!(f, "unchanged at {after} scope"),
                    },
                    (None, None) => f.write_str("unchanged"),
                }
            }
        }
    }
}

impl Policy {
    /// What changed from `self` to `after` (two revisions of one account's policy): the plan
    /// first, then custom roles by id, each role's own change before its grants, grants in bit
    /// order. A created role lists each of its grants as changed from `None`, a deleted one each
    /// grant it held as changed to `None`. `diff(a, a)` is empty. Built-in roles never change;
    /// grants set aside by
    /// [`from_json_keeping_unknown`](Policy::from_json_keeping_unknown) are not compared.
    ///
    /// ```
    /// use helpdesk_policy::{BuiltInRole, Change, Permissions, Plan, Policy, Scope, Subject, UserId};
    ///
    /// let mut policy = Policy::new(Plan::Pro);
    /// let owner = Subject::new(UserId(1), policy.builtin(BuiltInRole::AccountAdmin), &[]);
    /// let intern = policy.clone_role(&owner, policy.builtin(BuiltInRole::RestrictedUser), "Intern")?;
    /// let before = policy.clone();
    /// policy.grant(&owner, intern, Permissions::REPLY, Scope::Group)?;
    /// let changes: Vec<Change> = before.diff(&policy);
    /// assert_eq!(changes.len(), 1);
    /// assert_eq!(changes[0].to_string(), "role 100 \"Intern\": reply widened from Restricted to Group scope");
    /// assert!(changes.iter().all(Change::widens));
    /// # Ok::<(), helpdesk_policy::PolicyError>(())
    /// ```
    #[must_use]
    pub fn diff(&self, after: &Policy) -> Vec<Change> {
        let mut changes = Vec::new();
        if self.plan != after.plan {
            changes.push(Change::PlanChanged {
                before: self.plan,
                after: after.plan,
            });
        }
        let mut old = self.custom_roles().peekable();
        let mut new = after.custom_roles().peekable();
        loop {
            let (before, after) = match (old.peek(), new.peek()) {
                (None, None) => break,
                (Some(a), Some(b)) => match a.id.cmp(&b.id) {
                    Ordering::Equal => (old.next(), new.next()),
                    Ordering::Less => (old.next(), None),
                    Ordering::Greater => (None, new.next()),
                },
                (Some(_), None) => (old.next(), None),
                (None, Some(_)) => (None, new.next()),
            };
            role_changes(before, after, &mut changes);
        }
        changes
    }
}

/// The changes of one role id: created, renamed, re-described, deleted, then its grants.
fn role_changes(before: Option<&Role>, after: Option<&Role>, changes: &mut Vec<Change>) {
    let Some(role) = after.or(before) else {
        return;
    };
    let id = role.id;
    match (before, after) {
        (None, Some(after)) => {
            changes.push(Change::RoleCreated {
                role: id,
                name: after.name().to_owned(),
                source: after.cloned_from,
            });
            // A clone starts undescribed: a description is a change from the empty one.
            if !after.description().is_empty() {
                changes.push(Change::RoleDescribed {
                    role: id,
                    name: after.name().to_owned(),
                    before: String::new(),
                    after: after.description().to_owned(),
                });
            }
        }
        (Some(before), None) => changes.push(Change::RoleDeleted {
            role: id,
            name: before.name().to_owned(),
        }),
        (Some(before), Some(after)) => {
            if before.name != after.name {
                changes.push(Change::RoleRenamed {
                    role: id,
                    before: before.name().to_owned(),
                    after: after.name().to_owned(),
                });
            }
            if before.description != after.description {
                changes.push(Change::RoleDescribed {
                    role: id,
                    name: after.name().to_owned(),
                    before: before.description().to_owned(),
                    after: after.description().to_owned(),
                });
            }
        }
        (None, None) => {}
    }
    let scopes = |role: Option<&Role>, permission| role.and_then(|role| role.scope_of(permission));
    let held = before
        .map_or(Permissions::empty(), Role::permissions)
        .union(after.map_or(Permissions::empty(), Role::permissions));
    for permission in held.each() {
        let (was, now) = (scopes(before, permission), scopes(after, permission));
        if was != now {
            changes.push(Change::GrantChanged {
                role: id,
                name: role.name().to_owned(),
                permission,
                permission_name: role.table.name(permission).unwrap_or("unknown"),
                kind: role
                    .table
                    .kind(permission)
                    .unwrap_or(PermissionKind::Account),
                before: was,
                after: now,
            });
        }
    }
}
