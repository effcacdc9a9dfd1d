//! Identifiers the host hands in: users, groups (teams) and roles.

use core::fmt;

use serde::{Deserialize, Serialize};

/// A user (agent) of the account, as the host numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub u64);

/// A group (team) of agents, as the host numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupId(pub u64);

/// A role of a [`Policy`](crate::Policy): one of the nine built-in roles, or a custom role.
///
/// Built-in roles have the same fixed ids in every policy (see
/// [`BuiltInRole::id`](crate::BuiltInRole::id)); custom roles are numbered from
/// [`RoleId::FIRST_CUSTOM`] upwards and an id is never handed out twice, not even after the
/// role was deleted or the policy saved and loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoleId(pub u32);

impl RoleId {
    /// The first id given to a custom role. Ids below it are reserved for built-in roles, so
    /// that a later version can add one without clashing with stored custom roles.
    pub const FIRST_CUSTOM: RoleId = RoleId(100);

    /// Whether this id lies in the range of built-in roles (whether or not one has it).
    #[must_use]
    pub const fn is_builtin_range(self) -> bool {
        self.0 < Self::FIRST_CUSTOM.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for RoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
