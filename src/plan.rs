//! The account's subscription plan, which decides whether custom roles exist.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The account's plan. Only [`Plan::Pro`] and [`Plan::Enterprise`] have custom roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Plan {
    /// The free plan: built-in roles only.
    Free,
    /// The Growth plan: built-in roles only.
    Growth,
    /// The Pro plan: custom roles.
    Pro,
    /// The Enterprise plan: custom roles.
    Enterprise,
}

impl Plan {
    /// Whether custom roles can be created, changed and assigned on this plan.
    #[must_use]
    pub const fn has_custom_roles(self) -> bool {
        matches!(self, Plan::Pro | Plan::Enterprise)
    }

    /// The serialized name: `"free"`, `"growth"`, `"pro"` or `"enterprise"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Growth => "growth",
            Plan::Pro => "pro",
            Plan::Enterprise => "enterprise",
        }
    }
}

/// Writes the serialized name, e.g. `growth`.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
