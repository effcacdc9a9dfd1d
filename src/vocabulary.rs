//! The permission vocabulary: the twenty built-in permissions plus the host's own extensions,
//! with their names, kinds and requirements, and the built-in roles as that vocabulary makes
//! them.

use core::fmt;
use std::sync::Arc;

use crate::catalogue::{self, PermissionInfo};
use crate::grants::Grants;
use crate::role::{builtin_grants, BUILTIN_ROLES};
use crate::{BuiltInRole, PermissionKind, Permissions, PolicyError, Role, Scope};

/// The most extensions a vocabulary holds: bits 20 to 63 of [`Permissions`].
pub const MAX_EXTENSIONS: usize = 44;

/// The longest extension name, in characters.
const MAX_EXTENSION_NAME: usize = 64;

/// A permission the host declares beside the twenty built-in ones, for
/// [`Vocabulary::new`]. It behaves exactly like a built-in permission of its kind.
///
/// Names, labels and descriptions are `&'static str`: a vocabulary is the host's code,
/// declared once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionPermission {
    name: &'static str,
    kind: PermissionKind,
    label: &'static str,
    description: &'static str,
    requires: Permissions,
    defaults: Vec<(BuiltInRole, Scope)>,
}

impl ExtensionPermission {
    /// A permission named `name` (snake_case ASCII: a lowercase letter, then lowercase letters,
    /// digits and underscores, at most 64) of `kind`. Its label defaults to its name.
    #[must_use]
    pub fn new(name: &'static str, kind: PermissionKind) -> Self {
        ExtensionPermission {
            name,
            kind,
            label: name,
            description: "",
            requires: Permissions::empty(),
            defaults: Vec::new(),
        }
    }

    /// The label a role editor shows, e.g. `"Merge conversations"`.
    #[must_use]
    pub fn label(mut self, label: &'static str) -> Self {
        self.label = label;
        self
    }

    /// One sentence saying what it lets a user do.
    #[must_use]
    pub fn description(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// Permissions it requires (built-in ones, or extensions declared before it), each granted
    /// at the same scope or wider.
    #[must_use]
    pub fn requires(mut self, requires: Permissions) -> Self {
        self.requires |= requires;
        self
    }

    /// Grants it to a built-in role at `scope` (account permissions take Global only). The
    /// Account Admin and the Administrator hold every extension at Global anyway; the other
    /// seven hold only what this gives them.
    #[must_use]
    pub fn default_grant(mut self, role: BuiltInRole, scope: Scope) -> Self {
        self.defaults.push((role, scope));
        self
    }
}

/// The permission table a role or policy decides with: the built-in one, or a vocabulary's.
///
/// Every role carries one, so that naming a permission, finding its kind or its requirements
/// needs nothing else; the built-in table costs no allocation.
#[derive(Clone, Default)]
pub(crate) struct Table(Option<Arc<Extended>>);

/// A vocabulary's permissions beyond the twenty.
#[derive(Debug)]
struct Extended {
    infos: Vec<PermissionInfo>,
    known: Permissions,
    scoped: Permissions,
    account: Permissions,
}

impl Table {
    /// The twenty built-in permissions.
    pub(crate) const BUILTIN: Table = Table(None);

    /// Every permission's catalogue entry, in bit order.
    pub(crate) fn infos(&self) -> &[PermissionInfo] {
        match &self.0 {
            None => &catalogue::BUILTIN,
            Some(extended) => &extended.infos,
        }
    }

    /// Every permission of the vocabulary.
    #[inline]
    pub(crate) fn known(&self) -> Permissions {
        match &self.0 {
            None => Permissions::all(),
            Some(extended) => extended.known,
        }
    }

    /// The conversation and team permissions: those granted at a scope.
    #[inline]
    pub(crate) fn scoped(&self) -> Permissions {
        match &self.0 {
            None => Permissions::SCOPED,
            Some(extended) => extended.scoped,
        }
    }

    /// The account permissions.
    pub(crate) fn account(&self) -> Permissions {
        match &self.0 {
            None => Permissions::ACCOUNT_KIND,
            Some(extended) => extended.account,
        }
    }

    /// The entry of a single permission; `None` for several bits, none, or an unknown one.
    pub(crate) fn info(&self, permission: Permissions) -> Option<&PermissionInfo> {
        if permission.bits().count_ones() != 1 {
            return None;
        }
        self.infos()
            .get(permission.bits().trailing_zeros() as usize)
    }

    /// The snake_case name of a single permission.
    pub(crate) fn name(&self, permission: Permissions) -> Option<&'static str> {
        self.info(permission).map(|info| info.name)
    }

    /// The kind of a single permission.
    pub(crate) fn kind(&self, permission: Permissions) -> Option<PermissionKind> {
        self.info(permission).map(|info| info.kind)
    }

    /// The permission named `name`.
    pub(crate) fn by_name(&self, name: &str) -> Option<Permissions> {
        self.infos()
            .iter()
            .find(|info| info.name == name)
            .map(|info| info.permission)
    }

    /// Writes the names of `permissions` joined by `, ` (`nothing` when empty; bits outside
    /// the vocabulary in hex).
    pub(crate) fn display(&self, permissions: Permissions) -> impl fmt::Display + '_ {
        DisplayNames {
            table: self,
            permissions,
        }
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.infos == b.infos,
            _ => false,
        }
    }
}

impl Eq for Table {}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extensions = self.infos().get(catalogue::BUILTIN.len()..).unwrap_or(&[]);
        f.debug_list()
            .entries(extensions.iter().map(|info| info.name))
            .finish()
    }
}

struct DisplayNames<'t> {
    table: &'t Table,
    permissions: Permissions,
}

impl fmt::Display for DisplayNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.permissions.is_empty() {
            return f.write_str("nothing");
        }
        let mut first = true;
        for info in self.table.infos() {
            if self.permissions.contains(info.permission) {
                if !first {
                    f.write_str(", ")?;
                }
                f.write_str(info.name)?;
                first = false;
            }
        }
        let unknown = self.permissions.bits() & !self.table.known().bits();
        if unknown != 0 {
            if !first {
                f.write_str(", ")?;
            }
            write!(f, "unknown bits {unknown:#x}")?;
        }
        Ok(())
    }
}

/// The permissions a host's policies know: the twenty built-in ones, then the host's
/// extensions (bits 20 to 63, in declaration order), and the built-in roles as they stand in it.
///
/// Cheap to clone (one reference count), and shared by every policy of the host. Built with
/// [`Vocabulary::new`]; [`Vocabulary::builtin`] is the twenty alone.
///
/// ```
/// use helpdesk_policy::{BuiltInRole, ExtensionPermission, PermissionKind, Permissions, Scope, Vocabulary};
///
/// let vocabulary = Vocabulary::new([
///     ExtensionPermission::new("merge_conversations", PermissionKind::Conversation)
///         .label("Merge conversations")
///         .description("Fold a duplicate conversation into another one.")
///         .requires(Permissions::VIEW_CONVERSATIONS)
///         .default_grant(BuiltInRole::SupportManager, Scope::Global),
/// ])?;
/// let merge = vocabulary.permission("merge_conversations").expect("declared");
/// assert_eq!(merge.bits(), 1 << 20);
/// assert_eq!(vocabulary.catalogue().len(), 21);
/// # Ok::<(), helpdesk_policy::PolicyError>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    table: Table,
    /// The built-in roles under this vocabulary; `None` for the built-in one, whose roles are
    /// static.
    roles: Option<Arc<[Role; 9]>>,
}

impl Vocabulary {
    /// The twenty built-in permissions and nothing else.
    #[must_use]
    pub fn builtin() -> Vocabulary {
        Vocabulary::default()
    }

    /// The twenty built-in permissions followed by `extensions`.
    ///
    /// # Errors
    ///
    /// [`PolicyError::InvalidExtension`] naming the first offending extension: more than 44, a
    /// name that is not snake_case ASCII (at most 64 characters), repeated or built-in, a
    /// requirement on a permission not declared before it, a default grant to the Account
    /// Admin or the Administrator (they hold every extension at Global) or at a scope its kind
    /// does not take, or default grants that leave a built-in role with an unmet requirement.
    pub fn new(
        extensions: impl IntoIterator<Item = ExtensionPermission>,
    ) -> Result<Vocabulary, PolicyError> {
        let mut infos: Vec<PermissionInfo> = catalogue::BUILTIN.to_vec();
        let mut known = Permissions::all();
        let mut scoped = Permissions::SCOPED;
        let mut account = Permissions::ACCOUNT_KIND;
        let mut grants: [Grants; 9] = BuiltInRole::ALL.map(builtin_grants);
        for extension in extensions {
            check_extension(&extension, &infos, known)?;
            let permission = Permissions::from_bits_retain(1 << infos.len());
            for &(role, scope) in &extension.defaults {
                let index = role as usize;
                grants[index] = grants[index].with(permission, scope);
            }
            known |= permission;
            match extension.kind {
                PermissionKind::Conversation | PermissionKind::Team => scoped |= permission,
                PermissionKind::Account => account |= permission,
            }
            infos.push(PermissionInfo {
                permission,
                name: extension.name,
                label: extension.label,
                description: extension.description,
                kind: extension.kind,
                scopes: match extension.kind {
                    PermissionKind::Conversation | PermissionKind::Team => catalogue::SCOPED,
                    PermissionKind::Account => catalogue::UNSCOPED,
                },
                requires: extension.requires,
                requires_names: infos
                    .iter()
                    .filter(|info| extension.requires.contains(info.permission))
                    .map(|info| info.name)
                    .collect(),
            });
        }
        if infos.len() == catalogue::BUILTIN.len() {
            return Ok(Vocabulary::builtin());
        }
        let extensions = known.difference(Permissions::all());
        let table = Table(Some(Arc::new(Extended {
            infos,
            known,
            scoped,
            account,
        })));
        grants[BuiltInRole::AccountAdmin as usize] =
            grants[BuiltInRole::AccountAdmin as usize].with(extensions, Scope::Global);
        grants[BuiltInRole::Administrator as usize] =
            grants[BuiltInRole::Administrator as usize].with(extensions, Scope::Global);
        let roles = BuiltInRole::ALL.map(|builtin| {
            let mut role = BUILTIN_ROLES[builtin as usize].clone();
            role.grants = grants[builtin as usize];
            role.table = table.clone();
            role
        });
        for role in &roles {
            if let Some(unmet) = role.unmet_requirements().first() {
                return Err(PolicyError::InvalidExtension {
                    name: table.name(unmet.permission).unwrap_or("unknown").to_owned(),
                    problem: format!(
                        "its default grants leave built-in role `{}` with an unmet requirement: {unmet}",
                        role.name()
                    ),
                });
            }
        }
        Ok(Vocabulary {
            table,
            roles: Some(Arc::new(roles)),
        })
    }

    /// The permission named `name` (built-in or extension).
    #[must_use]
    pub fn permission(&self, name: &str) -> Option<Permissions> {
        self.table.by_name(name)
    }

    /// The snake_case name of a single permission of this vocabulary.
    #[must_use]
    pub fn name(&self, permission: Permissions) -> Option<&'static str> {
        self.table.name(permission)
    }

    /// The catalogue entry of a single permission of this vocabulary.
    #[must_use]
    pub fn info(&self, permission: Permissions) -> Option<&PermissionInfo> {
        self.table.info(permission)
    }

    /// Every permission's entry: the twenty in bit order, then the extensions in declaration
    /// order.
    #[must_use]
    pub fn catalogue(&self) -> &[PermissionInfo] {
        self.table.infos()
    }

    /// Every permission of the vocabulary.
    #[must_use]
    pub fn all(&self) -> Permissions {
        self.table.known()
    }

    /// The names of `permissions` in bit order; bits outside the vocabulary are skipped.
    pub fn names(&self, permissions: Permissions) -> impl Iterator<Item = &'static str> + '_ {
        self.table
            .infos()
            .iter()
            .filter(move |info| permissions.contains(info.permission))
            .map(|info| info.name)
    }

    /// Parses names joined by commas (`"reply, add_private_note"`); an empty string is the
    /// empty set.
    ///
    /// # Errors
    ///
    /// [`PolicyError::UnknownPermissionName`] naming the first name this vocabulary lacks.
    pub fn parse(&self, names: &str) -> Result<Permissions, PolicyError> {
        crate::permissions::parse_names(names, |name| self.permission(name))
    }

    /// Writes `permissions` by name, e.g. `reply, merge_conversations`.
    pub fn display(&self, permissions: Permissions) -> impl fmt::Display + '_ {
        self.table.display(permissions)
    }

    pub(crate) fn table(&self) -> &Table {
        &self.table
    }

    /// The nine built-in roles under this vocabulary, in id order.
    pub(crate) fn builtin_roles(&self) -> &[Role; 9] {
        match &self.roles {
            None => &BUILTIN_ROLES,
            Some(roles) => roles,
        }
    }
}

impl fmt::Debug for Vocabulary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vocabulary")
            .field("extensions", &self.table)
            .finish_non_exhaustive()
    }
}

/// Refuses an extension that cannot join a vocabulary holding `infos` (whose bits are `known`).
fn check_extension(
    extension: &ExtensionPermission,
    infos: &[PermissionInfo],
    known: Permissions,
) -> Result<(), PolicyError> {
    let invalid = |problem: String| PolicyError::InvalidExtension {
        name: crate::name::shorten(extension.name),
        problem,
    };
    if infos.len() - catalogue::BUILTIN.len() >= MAX_EXTENSIONS {
        return Err(invalid(format!(
            "a vocabulary holds at most {MAX_EXTENSIONS} extensions"
        )));
    }
    if !is_snake_case(extension.name) {
        return Err(invalid(
            "a name is a lowercase ascii letter, then lowercase letters, digits and underscores, at most 64".into(),
        ));
    }
    if let Some(clash) = infos.iter().find(|info| info.name == extension.name) {
        let whose = if clash.permission.intersects(Permissions::all()) {
            "a built-in permission"
        } else {
            "an extension declared before"
        };
        return Err(invalid(format!("the name belongs to {whose}")));
    }
    let unknown = extension.requires.difference(known);
    if !unknown.is_empty() {
        return Err(invalid(format!(
            "it requires bits {:#x}, which name no permission declared before it",
            unknown.bits()
        )));
    }
    for &(role, scope) in &extension.defaults {
        if matches!(role, BuiltInRole::AccountAdmin | BuiltInRole::Administrator) {
            return Err(invalid(format!(
                "`{}` holds every extension at global: it takes no default grant",
                role.name()
            )));
        }
        if extension.kind == PermissionKind::Account && scope != Scope::Global {
            return Err(invalid(format!(
                "an account permission has no scope: its default grant to `{}` cannot be `{}`",
                role.name(),
                scope.as_str()
            )));
        }
    }
    Ok(())
}

/// A lowercase ASCII letter, then lowercase letters, digits and underscores, at most 64.
pub(crate) fn is_snake_case(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() <= MAX_EXTENSION_NAME
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names() {
        for good in ["a", "merge_conversations", "sla2", &"x".repeat(64)] {
            assert!(is_snake_case(good), "{good}");
        }
        for bad in ["", "Merge", "1st", "_x", "merge-it", "é", &"x".repeat(65)] {
            assert!(!is_snake_case(bad), "{bad}");
        }
    }
}
