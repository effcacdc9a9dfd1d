//! The stored form: readable, diffable JSON (or any serde format), validated on load.
//!
//! Built-in roles are code, not data: only the plan, the counters and the custom roles are
//! stored. Writing is deterministic (roles in id order, grants in bit order), so saving a
//! loaded policy gives the same bytes.

use core::fmt;
use std::borrow::Cow;
use std::collections::HashMap;

use core::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::grants::Grants;
use crate::role_map::RoleMap;
use crate::{name, BuiltInRole, Permissions, Plan, Policy, PolicyError, Role, RoleId, Scope};

/// The version of the stored form this crate writes and reads.
const FORMAT_VERSION: u64 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredPolicy<'a> {
    /// First, so that a newer format is refused before its other fields are read.
    version: FormatVersion,
    plan: Plan,
    revision: u64,
    next_role_id: RoleId,
    #[serde(borrow)]
    custom_roles: Vec<MapOnly<StoredRole<'a>>>,
}

/// Reads `T` from a map (a JSON object) only. Derived structs would also read the positional
/// array form, which this crate never writes, so it is refused rather than accepted.
struct MapOnly<T>(T);

impl<T: Serialize> Serialize for MapOnly<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(MapVisitor(PhantomData))
            .map(MapOnly)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredRole<'a> {
    id: RoleId,
    #[serde(borrow)]
    name: Cow<'a, str>,
    /// Required, `null` included, so that every loaded document saves back the same.
    #[serde(deserialize_with = "Option::deserialize")]
    cloned_from: Option<RoleId>,
    #[serde(borrow)]
    grants: StoredGrants<'a>,
}

/// Grants as written: permission name to scope name, in the order found (duplicates kept, so
/// that loading can refuse them).
struct StoredGrants<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

/// The format version, refused as soon as it is read if this crate does not know it.
struct FormatVersion;

impl Serialize for FormatVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(FORMAT_VERSION)
    }
}

impl<'de> Deserialize<'de> for FormatVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u64::deserialize(deserializer)? {
            FORMAT_VERSION => Ok(FormatVersion),
            other => Err(de::Error::custom(PolicyError::UnknownVersion(other))),
        }
    }
}

impl Serialize for StoredGrants<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (permission, scope) in &self.0 {
            map.serialize_entry(permission, scope)?;
        }
        map.end()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StoredGrants<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GrantsVisitor;

        impl<'de> Visitor<'de> for GrantsVisitor {
            type Value = StoredGrants<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping permission names to scopes")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // Keep at most `KEPT` entries and skip the rest: with more entries than there
                // are permissions, the kept ones already hold an unknown or repeated name, which
                // validation then reports by role and permission.
                const KEPT: usize = Permissions::all().bits().count_ones() as usize + 1;
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(KEPT));
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if entries.len() < KEPT {
                        entries.push((key, map.next_value::<Cow<'de, str>>()?));
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(StoredGrants(entries))
            }
        }

        deserializer.deserialize_map(GrantsVisitor)
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let custom_roles = self
            .custom_roles()
            .map(|role| {
                MapOnly(StoredRole {
                    id: role.id,
                    name: Cow::Borrowed(role.name()),
                    cloned_from: role.cloned_from,
                    grants: StoredGrants(
                        role.grants()
                            .filter_map(|(permission, scope)| {
                                let name = permission.permission_name()?;
                                Some((Cow::Borrowed(name), Cow::Borrowed(scope.as_str())))
                            })
                            .collect(),
                    ),
                })
            })
            .collect();
        StoredPolicy {
            version: FormatVersion,
            plan: self.plan,
            revision: self.revision,
            next_role_id: self.next_role_id,
            custom_roles,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let MapOnly(stored) =
            MapOnly::<StoredPolicy<'de>>::deserialize(deserializer).map_err(cap_message)?;
        load(stored).map_err(de::Error::custom)
    }
}

/// The longest error message loading gives, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// Cuts a deserializer's message that repeats a huge piece of the input (an unknown field or
/// variant of ten megabytes), so that a hostile document cannot flood the host's logs.
fn cap_message<E: de::Error>(error: E) -> E {
    let message = error.to_string();
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => E::custom(format_args!("{}… (message cut)", &message[..end])),
        None => error,
    }
}

/// Builds a policy from its stored form, refusing anything a policy could not have written.
fn load(stored: StoredPolicy<'_>) -> Result<Policy, PolicyError> {
    let next = stored.next_role_id;
    if next < RoleId::FIRST_CUSTOM {
        return Err(PolicyError::BadNextRoleId(next));
    }
    let mut custom = RoleMap::default();
    custom.reserve(stored.custom_roles.len());
    let mut names = HashMap::with_capacity(stored.custom_roles.len());
    for MapOnly(role) in stored.custom_roles {
        let role = load_role(&role, next)?;
        if names.insert(name::fold(role.name()), role.id).is_some() {
            return Err(PolicyError::NameTaken(role.name().to_owned()));
        }
        if let Some(earlier) = custom.insert(role.id, role) {
            return Err(PolicyError::DuplicateRoleId(earlier.id));
        }
    }
    Ok(Policy {
        plan: stored.plan,
        revision: stored.revision,
        next_role_id: next,
        custom,
        names,
    })
}

fn load_role(stored: &StoredRole<'_>, next: RoleId) -> Result<Role, PolicyError> {
    let valid = name::validate(&stored.name)?;
    if valid != stored.name {
        // A policy only ever stores the normalised form: another is not one it wrote.
        let problem = if stored.name.trim() == stored.name {
            "it is not in normalised form (NFKC, single spaces)"
        } else {
            "it has leading or trailing white space"
        };
        return Err(PolicyError::InvalidName {
            name: name::shorten(&stored.name),
            problem,
        });
    }
    let role_name = || valid.clone();
    let id = stored.id;
    if id < RoleId::FIRST_CUSTOM || id >= next {
        return Err(PolicyError::RoleIdOutOfRange {
            role: role_name(),
            id,
            first: RoleId::FIRST_CUSTOM,
            next,
        });
    }
    if let Some(source) = stored.cloned_from {
        let older_custom = source >= RoleId::FIRST_CUSTOM && source < id;
        if BuiltInRole::from_id(source).is_none() && !older_custom {
            return Err(PolicyError::BadClonedFrom {
                role: role_name(),
                source_id: source,
            });
        }
    }
    let mut grants = Grants::EMPTY;
    for (permission_name, scope_name) in &stored.grants.0 {
        let Some(permission) = Permissions::from_permission_name(permission_name) else {
            return Err(PolicyError::UnknownPermission {
                permission: name::shorten(permission_name),
                role: role_name(),
            });
        };
        let Some(scope) = Scope::from_name(scope_name) else {
            return Err(PolicyError::UnknownScope {
                scope: name::shorten(scope_name),
                permission: permission_name.to_string(),
                role: role_name(),
            });
        };
        if grants.scope_of(permission).is_some() {
            return Err(PolicyError::DuplicatePermission {
                permission: permission_name.to_string(),
                role: role_name(),
            });
        }
        if permission == Permissions::MANAGE_CUSTOM_ROLES {
            return Err(PolicyError::ManageCustomRolesOnCustomRole { role: role_name() });
        }
        if scope != Scope::Global && Permissions::ACCOUNT_KIND.contains(permission) {
            return Err(PolicyError::ScopedAccountPermission {
                permission: permission.permission_name().unwrap_or("unknown"),
                scope,
                role: role_name(),
            });
        }
        grants = grants.with(permission, scope);
    }
    Ok(Role {
        id,
        name: Cow::Owned(valid),
        builtin: None,
        cloned_from: stored.cloned_from,
        grants,
    })
}
