//! Requirements between permissions: a permission granted at a scope needs the permissions it
//! requires granted at that scope or wider (replying to what one cannot see makes no sense).

use core::fmt;

use serde::Serialize;

use crate::grants::Grants;
use crate::vocabulary::Table;
use crate::{Permissions, Scope};

/// A requirement a role's grants leave unmet, from
/// [`Role::unmet_requirements`](crate::Role::unmet_requirements).
///
/// `Display` gives one phrase, e.g. `reply at Global scope requires view_conversations at
/// Global scope, which is granted only at Group scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct UnmetRequirement {
    /// The permission whose requirement is unmet.
    #[serde(skip)]
    pub permission: Permissions,
    /// Its name, e.g. `"reply"`.
    #[serde(rename = "permission")]
    pub permission_name: &'static str,
    /// The scope at which the role grants it.
    pub scope: Scope,
    /// The permission it requires.
    #[serde(skip)]
    pub requires: Permissions,
    /// Its name, e.g. `"view_conversations"`.
    #[serde(rename = "requires")]
    pub requires_name: &'static str,
    /// The scope at which the role grants the required permission, narrower than `scope`;
    /// `None` when it does not grant it.
    pub granted: Option<Scope>,
}

/// Every unmet requirement of `grants`, in bit order of the requiring permission, then of the
/// required one.
pub(crate) fn unmet(table: &Table, grants: Grants) -> Vec<UnmetRequirement> {
    let mut unmet = Vec::new();
    for (permission, scope) in grants.iter() {
        let Some(info) = table.info(permission) else {
            continue;
        };
        for requires in info.requires.each() {
            let granted = grants.scope_of(requires);
            if granted < Some(scope) {
                unmet.push(UnmetRequirement {
                    permission,
                    permission_name: info.name,
                    scope,
                    requires,
                    requires_name: table.name(requires).unwrap_or("unknown"),
                    granted,
                });
            }
        }
    }
    unmet
}

impl fmt::Display for UnmetRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {} scope requires {} at {} scope",
            self.permission_name, self.scope, self.requires_name, self.scope
        )?;
        if self.scope != Scope::Global {
            f.write_str(" or wider")?;
        }
        match self.granted {
            Some(granted) => write!(f, ", which is granted only at {granted} scope"),
            None => f.write_str(", which is not granted"),
        }
    }
}
