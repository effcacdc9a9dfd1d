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
use crate::{
    name, BuiltInRole, Permissions, Plan, Policy, PolicyError, Role, RoleId, Scope, Vocabulary,
};

/// The version of the stored form this crate writes.
const FORMAT_VERSION: u64 = 2;
/// The first version, without role descriptions; still read.
const FORMAT_VERSION_1: u64 = 1;
/// The most grants a role can hold: one per bit of [`Permissions`].
const MAX_GRANTS: usize = 64;

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
    /// Version 2 only, where it is required.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    description: Option<Cow<'a, str>>,
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
struct FormatVersion(u64);

impl Serialize for FormatVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for FormatVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match u64::deserialize(deserializer)? {
            version @ (FORMAT_VERSION_1 | FORMAT_VERSION) => Ok(FormatVersion(version)),
            other => Err(de::Error::custom(PolicyError::UnknownVersion(other))),
        }
    }
}

/// A string borrowed from the document when it can be (no escapes in it), owned otherwise.
/// (`Cow<str>` alone always copies: serde borrows only for fields marked `borrow`.)
struct BorrowedStr<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for BorrowedStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = BorrowedStr<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(text)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(text)))
            }
        }

        deserializer.deserialize_str(StrVisitor)
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
                // Keep at most `KEPT` entries and skip the rest, so a hostile document cannot
                // make a huge list: a role keeping more than `MAX_GRANTS` is refused whole
                // (`TooManyGrants`), so nothing is ever dropped from a role that loads.
                const KEPT: usize = MAX_GRANTS + 1;
                // JSON gives no size hint: room for the twenty built-in permissions at once.
                let hint = map.size_hint().unwrap_or(crate::catalogue::BUILTIN.len());
                let mut entries = Vec::with_capacity(hint.min(KEPT));
                while let Some(BorrowedStr(key)) = map.next_key()? {
                    if entries.len() < KEPT {
                        let BorrowedStr(scope) = map.next_value()?;
                        entries.push((key, scope));
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
        let table = self.vocabulary.table();
        let custom_roles = self
            .custom_roles()
            .map(|role| {
                // Known grants in bit order, then the kept ones as they were found.
                let known = role.grants().filter_map(|(permission, scope)| {
                    let name = table.name(permission)?;
                    Some((Cow::Borrowed(name), Cow::Borrowed(scope.as_str())))
                });
                let kept = role
                    .kept_grants()
                    .map(|(name, scope)| (Cow::Borrowed(name), Cow::Borrowed(scope.as_str())));
                MapOnly(StoredRole {
                    id: role.id,
                    name: Cow::Borrowed(role.name()),
                    description: Some(Cow::Borrowed(role.description())),
                    cloned_from: role.cloned_from,
                    grants: StoredGrants(known.chain(kept).collect()),
                })
            })
            .collect();
        StoredPolicy {
            version: FormatVersion(FORMAT_VERSION),
            plan: self.plan,
            revision: self.revision,
            next_role_id: self.next_role_id,
            custom_roles,
        }
        .serialize(serializer)
    }
}

/// Loads with the built-in vocabulary, refusing any permission name it lacks. For a host's
/// extensions use [`Policy::from_json`] or [`Policy::deserialize_with`].
impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Policy::deserialize_with(deserializer, &Vocabulary::builtin(), Unknown::Refuse)
    }
}

/// What loading does with a grant of a permission the vocabulary lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unknown {
    /// Refuse the document, naming the permission and its role.
    Refuse,
    /// Set the grant aside: it grants nothing, is kept, and is written back unchanged on
    /// save, so that an older replica in a rolling deploy never destroys what a newer one
    /// stored.
    Keep,
}

impl Policy {
    /// Loads a stored policy (version 1 or 2) with `vocabulary`, refusing any permission
    /// name it lacks.
    ///
    /// # Errors
    ///
    /// The document is not JSON of the stored form ([`PolicyError::InvalidDocument`]), or it
    /// holds something a policy could not have written; the error names the offending item.
    pub fn from_json(json: &str, vocabulary: &Vocabulary) -> Result<Policy, PolicyError> {
        Policy::load_json(json, vocabulary, Unknown::Refuse)
    }

    /// Loads a stored policy like [`Policy::from_json`], but sets aside the grants of
    /// permissions `vocabulary` lacks instead of refusing them: they grant nothing, are kept
    /// (see [`Role::kept_grants`]), and are written back unchanged on save. For an older
    /// replica in a rolling deploy, reading what a newer one with more extensions stored.
    ///
    /// # Errors
    ///
    /// As [`Policy::from_json`], except for unknown permission names.
    pub fn from_json_keeping_unknown(
        json: &str,
        vocabulary: &Vocabulary,
    ) -> Result<Policy, PolicyError> {
        Policy::load_json(json, vocabulary, Unknown::Keep)
    }

    fn load_json(
        json: &str,
        vocabulary: &Vocabulary,
        unknown: Unknown,
    ) -> Result<Policy, PolicyError> {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let MapOnly(stored) = MapOnly::<StoredPolicy<'_>>::deserialize(&mut deserializer)
            .map_err(|error| PolicyError::InvalidDocument(capped(&error)))?;
        deserializer
            .end()
            .map_err(|error| PolicyError::InvalidDocument(capped(&error)))?;
        load(stored, vocabulary, unknown)
    }

    /// Loads a stored policy from any serde format with `vocabulary`, refusing or keeping
    /// unknown permission names as `unknown` says.
    ///
    /// # Errors
    ///
    /// The deserializer's error, carrying the message of the [`PolicyError`] that names the
    /// offending item.
    pub fn deserialize_with<'de, D: Deserializer<'de>>(
        deserializer: D,
        vocabulary: &Vocabulary,
        unknown: Unknown,
    ) -> Result<Policy, D::Error> {
        let MapOnly(stored) =
            MapOnly::<StoredPolicy<'de>>::deserialize(deserializer).map_err(cap_message)?;
        load(stored, vocabulary, unknown).map_err(de::Error::custom)
    }
}

/// The longest error message loading gives, in characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// A deserializer's message, cut when it repeats a huge piece of the input.
fn capped(error: &dyn fmt::Display) -> String {
    let message = error.to_string();
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}… (message cut)", &message[..end]),
        None => message,
    }
}

/// Cuts a deserializer's message that repeats a huge piece of the input (an unknown field or
/// variant of ten megabytes), so that a hostile document cannot flood the host's logs.
fn cap_message<E: de::Error>(error: E) -> E {
    let message = error.to_string();
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some(_) => E::custom(capped(&message)),
        None => error,
    }
}

/// Builds a policy from its stored form, refusing anything a policy could not have written.
fn load(
    stored: StoredPolicy<'_>,
    vocabulary: &Vocabulary,
    unknown: Unknown,
) -> Result<Policy, PolicyError> {
    let next = stored.next_role_id;
    if next < RoleId::FIRST_CUSTOM {
        return Err(PolicyError::BadNextRoleId(next));
    }
    let version = stored.version.0;
    let mut roles = Vec::with_capacity(stored.custom_roles.len());
    let mut names = HashMap::with_capacity(stored.custom_roles.len());
    for MapOnly(role) in stored.custom_roles {
        let (role, key) = load_role(&role, next, version, vocabulary, unknown)?;
        if names
            .insert(crate::policy::name_hash(&key), role.id)
            .is_some()
        {
            return Err(PolicyError::NameTaken(role.name().to_owned()));
        }
        roles.push(role);
    }
    // A policy writes roles in id order; a document that does not still loads. (Sorting a
    // sorted list costs a scratch buffer as big as half of it: asked only when needed.)
    if !roles.is_sorted_by_key(|role| role.id) {
        roles.sort_by_key(|role| role.id);
    }
    if let Some(pair) = roles.windows(2).find(|pair| pair[0].id == pair[1].id) {
        return Err(PolicyError::DuplicateRoleId(pair[0].id));
    }
    let masks = crate::policy::masks(vocabulary);
    let roles = RoleMap::new(vocabulary.builtin_roles(), roles, masks);
    Ok(Policy {
        plan: stored.plan,
        revision: stored.revision,
        next_role_id: next,
        masks,
        vocabulary: vocabulary.clone(),
        roles,
        names,
    })
}

/// A stored role's description: absent in version 1 (loads empty), required in version 2.
fn load_description(
    stored: &StoredRole<'_>,
    version: u64,
    role_name: &str,
) -> Result<String, PolicyError> {
    Ok(match (version, &stored.description) {
        (FORMAT_VERSION_1, None) => String::new(),
        (FORMAT_VERSION_1, Some(_)) => {
            return Err(PolicyError::BadStoredDescription {
                role: role_name.to_owned(),
                problem: "version 1 has no descriptions".into(),
            })
        }
        (_, None) => {
            return Err(PolicyError::BadStoredDescription {
                role: role_name.to_owned(),
                problem: "its description is missing".into(),
            })
        }
        (_, Some(text)) => {
            let valid = crate::policy::validate_description(text).map_err(|error| {
                PolicyError::BadStoredDescription {
                    role: role_name.to_owned(),
                    problem: error.to_string(),
                }
            })?;
            if valid != text {
                return Err(PolicyError::BadStoredDescription {
                    role: role_name.to_owned(),
                    problem: "its description has leading or trailing white space".into(),
                });
            }
            valid.to_owned()
        }
    })
}

fn load_role(
    stored: &StoredRole<'_>,
    next: RoleId,
    version: u64,
    vocabulary: &Vocabulary,
    unknown: Unknown,
) -> Result<(Role, String), PolicyError> {
    let (valid, key) = name::validate_keyed(&stored.name)?;
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
    let description = load_description(stored, version, &valid)?;
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
    let table = vocabulary.table();
    let mut grants = Grants::EMPTY;
    let mut kept: Vec<(Box<str>, Scope)> = Vec::new();
    for (permission_name, scope_name) in &stored.grants.0 {
        let Some(scope) = Scope::from_name(scope_name) else {
            return Err(PolicyError::UnknownScope {
                scope: name::shorten(scope_name),
                permission: name::shorten(permission_name),
                role: role_name(),
            });
        };
        let Some(permission) = table.by_name(permission_name) else {
            // Only a name some vocabulary could declare is kept: anything else no replica wrote.
            let declarable = crate::vocabulary::is_snake_case(permission_name);
            if unknown == Unknown::Keep
                && declarable
                && !kept.iter().any(|(k, _)| **k == **permission_name)
            {
                kept.push((permission_name.as_ref().into(), scope));
                continue;
            }
            if unknown == Unknown::Keep && declarable {
                return Err(PolicyError::DuplicatePermission {
                    permission: name::shorten(permission_name),
                    role: role_name(),
                });
            }
            return Err(PolicyError::UnknownPermission {
                permission: name::shorten(permission_name),
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
        if scope != Scope::Global && table.account().contains(permission) {
            return Err(PolicyError::ScopedAccountPermission {
                permission: table.name(permission).unwrap_or("unknown"),
                scope,
                role: role_name(),
            });
        }
        grants = grants.with(permission, scope);
    }
    // Only reached with distinct kept names: known ones repeat before there are 65.
    if stored.grants.0.len() > MAX_GRANTS {
        return Err(PolicyError::TooManyGrants { role: role_name() });
    }
    let role = Role {
        id,
        name: Cow::Owned(valid),
        builtin: None,
        cloned_from: stored.cloned_from,
        grants,
        description: Cow::Owned(description),
        table: table.clone(),
        kept: (!kept.is_empty()).then(|| kept.into_boxed_slice()),
    };
    Ok((role, key))
}
