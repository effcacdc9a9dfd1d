//! How far a scoped permission reaches.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The reach of a conversation or team permission: `Restricted < Group < Global`.
///
/// For one user, what Restricted reaches is always within what Group reaches, which is always
/// within what Global reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Only what the user is taking up: conversations assigned to them or listing them among
    /// the participants; for team permissions, resources about the user themself.
    Restricted,
    /// Conversations of the user's groups (teams) plus everything Restricted reaches; for team
    /// permissions, the teams the user belongs to.
    Group,
    /// Every conversation and every team, and the account as a whole.
    Global,
}

impl Scope {
    /// All scopes, narrowest first.
    pub const ALL: [Scope; 3] = [Scope::Restricted, Scope::Group, Scope::Global];

    /// The serialized name: `"restricted"`, `"group"` or `"global"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Restricted => "restricted",
            Scope::Group => "group",
            Scope::Global => "global",
        }
    }

    /// Looks a scope up by its serialized name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// Writes `Restricted`, `Group` or `Global`, as a sentence names it.
impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Restricted => "Restricted",
            Scope::Group => "Group",
            Scope::Global => "Global",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_narrow_to_wide() {
        assert!(Scope::Restricted < Scope::Group && Scope::Group < Scope::Global);
        for scope in Scope::ALL {
            assert_eq!(Scope::from_name(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::from_name("Global"), None);
    }
}
