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

/// An `i64` (a SQL integer) that is no id: negative, or too large for the id type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("invalid id `{0}`: ids are not negative and fit their type")]
pub struct InvalidId(pub i64);

macro_rules! from_sql_integer {
    ($($id:ident($inner:ty)),*) => {$(
        /// Converts a SQL integer; a negative (or too large) value is an error, never a
        /// wrapped id.
        impl TryFrom<i64> for $id {
            type Error = InvalidId;

            fn try_from(value: i64) -> Result<Self, InvalidId> {
                <$inner>::try_from(value).map($id).map_err(|_| InvalidId(value))
            }
        }
    )*};
}

from_sql_integer!(UserId(u64), GroupId(u64), RoleId(u32));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_integers_convert_only_when_they_are_ids() {
        assert_eq!(UserId::try_from(7), Ok(UserId(7)));
        assert_eq!(GroupId::try_from(i64::MAX), Ok(GroupId(i64::MAX as u64)));
        assert_eq!(UserId::try_from(-1), Err(InvalidId(-1)));
        assert_eq!(RoleId::try_from(i64::from(u32::MAX)), Ok(RoleId(u32::MAX)));
        assert_eq!(
            RoleId::try_from(i64::from(u32::MAX) + 1),
            Err(InvalidId(4_294_967_296))
        );
        assert_eq!(
            InvalidId(-1).to_string(),
            "invalid id `-1`: ids are not negative and fit their type"
        );
    }
}
