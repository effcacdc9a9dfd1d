//! Why a change to the configuration was refused.

use crate::{Plan, RoleId, Scope};

/// A refused change to a [`Policy`](crate::Policy), or a stored policy that failed to load.
///
/// A refused change leaves the policy exactly as it was. Each message names the offending item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The actor's role does not hold `manage_custom_roles`.
    #[error("role `{role}` may not create, change, rename or delete custom roles: only the account admin (manage_custom_roles) may")]
    NotAllowed {
        /// The actor's role name.
        role: String,
    },
    /// No role has this id (never created, or deleted).
    #[error("unknown role id `{0}`")]
    UnknownRole(RoleId),
    /// The plan has no custom roles.
    #[error("the `{0}` plan has no custom roles: they need the pro or enterprise plan")]
    PlanWithoutCustomRoles(Plan),
    /// Below Pro a custom role can only be narrowed, and this change would widen a grant.
    #[error("the `{plan}` plan has no custom roles: below pro they can only be narrowed, and `{permission}` would be granted wider in role `{role}`")]
    WideningWithoutCustomRoles {
        /// The account's plan.
        plan: Plan,
        /// The role's name.
        role: String,
        /// The first permission (in bit order) the change would grant wider.
        permission: &'static str,
    },
    /// Built-in roles are code and never change.
    #[error("built-in role `{0}` cannot be changed: clone it instead")]
    BuiltInRoleImmutable(&'static str),
    /// A role name is empty, too long, has control or invisible characters, or (stored) is not in
    /// its normalised form.
    #[error("invalid role name `{}`: {problem}", crate::name::Escaped(.name))]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Another role already has this name, or one that looks like it (see `Policy::role_by_name`).
    #[error("name `{0}` is already taken")]
    NameTaken(String),
    /// A built-in role has this name, or one that looks like it.
    #[error("name `{0}` belongs to a built-in role")]
    BuiltInName(String),
    /// An account permission was granted at a scope other than Global.
    #[error(
        "account permission `{permission}` has no scope: it cannot be granted at `{}` in role `{role}`, only at `global`",
        .scope.as_str()
    )]
    ScopedAccountPermission {
        /// The permission's name.
        permission: &'static str,
        /// The scope asked for.
        scope: Scope,
        /// The role's name.
        role: String,
    },
    /// `manage_custom_roles` belongs to the Account Admin alone.
    #[error("permission `manage_custom_roles` cannot be granted to custom role `{role}`: it belongs to the account admin alone")]
    ManageCustomRolesOnCustomRole {
        /// The role's name.
        role: String,
    },
    /// A permission set carried bits that name no permission of the policy's vocabulary.
    #[error("unknown permission bits `{0:#x}`")]
    UnknownPermissionBits(u64),
    /// A permission name that the vocabulary lacks (parsing names).
    #[error("unknown permission `{}`", .0.escape_debug())]
    UnknownPermissionName(String),
    /// A role description is too long or has control characters.
    #[error("invalid role description `{}`: {problem}", .description.escape_debug())]
    InvalidDescription {
        /// The description as given (shortened).
        description: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The revision is at its largest value: counting another change would repeat it, and
    /// compare-and-swap would miss a conflict.
    #[error("revision `{0}` is the largest there is: no further change can be counted")]
    RevisionExhausted(u64),
    /// A vocabulary's extension is invalid.
    #[error("invalid extension permission `{}`: {problem}", .name.escape_debug())]
    InvalidExtension {
        /// The extension's name (shortened).
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A stored document is not of the stored form (syntax, shape or types).
    #[error("invalid policy document: {0}")]
    InvalidDocument(String),
    /// A stored role's description is missing (version 2), present (version 1) or invalid.
    #[error("role `{role}`: {problem}")]
    BadStoredDescription {
        /// The role's name.
        role: String,
        /// What is wrong.
        problem: String,
    },
    /// A stored role lists more grants than any vocabulary has permissions.
    #[error("role `{role}` lists more than 64 grants")]
    TooManyGrants {
        /// The role's name.
        role: String,
    },
    /// Every role id has been handed out.
    #[error("no role ids are left: next_role_id `{0}` is the largest there is")]
    RoleIdsExhausted(RoleId),
    /// The stored form has a version this crate does not read.
    #[error("unknown format version `{0}`: this crate reads versions 1 and 2")]
    UnknownVersion(u64),
    /// The stored form names a permission that does not exist.
    #[error("unknown permission `{}` in role `{role}`", .permission.escape_debug())]
    UnknownPermission {
        /// The unknown name.
        permission: String,
        /// The role's name.
        role: String,
    },
    /// The stored form names a scope that does not exist.
    #[error("unknown scope `{}` for permission `{permission}` in role `{role}`", .scope.escape_debug())]
    UnknownScope {
        /// The unknown scope.
        scope: String,
        /// The permission's name.
        permission: String,
        /// The role's name.
        role: String,
    },
    /// The stored form lists a permission twice in one role.
    #[error("permission `{permission}` is listed twice in role `{role}`")]
    DuplicatePermission {
        /// The permission's name.
        permission: String,
        /// The role's name.
        role: String,
    },
    /// The stored form lists a role id twice.
    #[error("role id `{0}` is listed twice")]
    DuplicateRoleId(RoleId),
    /// The stored form has a role id outside the custom range handed out so far.
    #[error(
        "role `{role}` has id `{id}`, outside the custom range {first} up to next_role_id {next}"
    )]
    RoleIdOutOfRange {
        /// The role's name.
        role: String,
        /// Its id.
        id: RoleId,
        /// The first custom id.
        first: RoleId,
        /// The stored next id.
        next: RoleId,
    },
    /// The stored form says a role was cloned from one that cannot have preceded it.
    #[error("role `{role}` says it was cloned from role id `{source_id}`, which is not an older role id")]
    BadClonedFrom {
        /// The role's name.
        role: String,
        /// The id it names as its source.
        source_id: RoleId,
    },
    /// The stored next role id lies inside the built-in range.
    #[error("next_role_id `{0}` lies in the built-in range")]
    BadNextRoleId(RoleId),
}

/// What kind of refusal a [`PolicyError`] is, so that a host maps errors to responses (HTTP
/// statuses, say) without matching on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The actor may not make this change (HTTP 403).
    Forbidden,
    /// The role named does not exist (HTTP 404).
    NotFound,
    /// The policy cannot count the change: role ids or revisions exhausted (HTTP 409).
    Conflict,
    /// The input is invalid: a bad or taken name, a bad description, permission, scope or
    /// document (HTTP 422, or 400 for a document).
    InvalidInput,
    /// The account's plan does not have custom roles (HTTP 402).
    Plan,
}

impl PolicyError {
    /// What kind of refusal this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            PolicyError::NotAllowed { .. }
            | PolicyError::BuiltInRoleImmutable(_)
            | PolicyError::ManageCustomRolesOnCustomRole { .. } => ErrorKind::Forbidden,
            PolicyError::UnknownRole(_) => ErrorKind::NotFound,
            PolicyError::RoleIdsExhausted(_) | PolicyError::RevisionExhausted(_) => {
                ErrorKind::Conflict
            }
            PolicyError::PlanWithoutCustomRoles(_)
            | PolicyError::WideningWithoutCustomRoles { .. } => ErrorKind::Plan,
            _ => ErrorKind::InvalidInput,
        }
    }
}
