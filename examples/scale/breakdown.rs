//! Engine-free experiments that explain the figures `scale` prints (run with `--breakdown`):
//! where the loaded policy's bytes go, and where loading spends its time. Nothing here calls
//! the crate's loading code; each experiment repeats one step of it on the same document, the
//! way the crate does it today and the way it could, so the difference is measured rather than
//! guessed.

use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};

use helpdesk_policy::{BuiltInRole, Policy, Role, RoleId};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{footprint, time, ROLES};

pub fn run(loaded: &Policy, held: usize, json: &str) {
    println!();
    println!("breakdown (engine-free experiments):");
    memory(loaded, held);
    parsing(json);
    names(json);
}

/// Where the bytes go: capacity left over by loading, and the map of folded names.
fn memory(loaded: &Policy, held: usize) {
    // A clone allocates exactly what it holds (a `Vec` clones to its length), so the
    // difference is capacity that loading left unused.
    let (copy, copied) = footprint(|| loaded.clone());
    let role = size_of::<Role>();
    let grown = ROLES.next_power_of_two();
    println!(
        "  the loaded policy holds {held} bytes, an exact clone of it {} bytes: {} bytes are capacity loading left unused",
        copied.held,
        held - copied.held
    );
    println!(
        "    (a Role is {role} bytes; roles pushed one by one into a Vec grow it to {grown} slots: {} bytes unused, plus the id table's growth)",
        (grown - ROLES) * role
    );
    drop(copy);

    // The crate keeps every custom role's folded name as a `String` key, for uniqueness.
    let names: Vec<&str> = loaded
        .roles()
        .filter(|r| r.is_custom())
        .map(Role::name)
        .collect();
    let (map, by_name) = footprint(|| {
        let mut map: HashMap<String, RoleId> = HashMap::with_capacity(names.len());
        for (name, id) in names.iter().zip(100..) {
            map.insert(fold(name), RoleId(id));
        }
        map
    });
    drop(map);
    let (map, by_hash) = footprint(|| {
        let mut map: HashMap<u64, RoleId> = HashMap::with_capacity(names.len());
        for (name, id) in names.iter().zip(100..) {
            map.insert(hash(&fold(name)), RoleId(id));
        }
        map
    });
    drop(map);
    println!(
        "  the map of folded names alone (HashMap<String, RoleId>, as the crate keeps it): {} bytes; keyed by a 64-bit hash of the folded name instead (HashMap<u64, RoleId>, a hit confirmed against the role's own name): {} bytes",
        by_name.held, by_hash.held
    );
}

/// Where loading's time goes in parsing: the grants' names and scopes deserialized as
/// `Cow<str>` through `Cow`'s own `Deserialize` (which always allocates a `String`: it does
/// not borrow, even from a `&str` input, unless the field says `#[serde(borrow)]`) against
/// borrowed from the input.
fn parsing(json: &str) {
    for borrow in [false, true] {
        BORROW.store(borrow, Ordering::Relaxed);
        let (fastest, median) = time(|| Mirror::parse(json));
        let (_, counted) = footprint(|| Mirror::parse(json));
        println!(
            "  parse into a mirror of the stored form, grants {}: {fastest:.2} ms fastest, {median:.2} ms median, {} allocations per role",
            if borrow {
                "borrowed from the input"
            } else {
                "through Cow's Deserialize (as the crate does)"
            },
            counted.allocations / ROLES
        );
    }
}

/// Where loading's time goes in checking names: each name trimmed, counted, checked for
/// control characters, folded and compared with the nine built-in names, then folded again
/// as the key of the names map; today every built-in name is folded again for every role.
fn names(json: &str) {
    let doc = Mirror::parse(json);
    let names: Vec<&str> = doc.custom_roles.iter().map(|r| &*r.name).collect();
    let today = |name: &&str| {
        let trimmed = name.trim();
        let valid = trimmed.chars().count() <= 64 && !trimmed.chars().any(char::is_control);
        let key = fold(trimmed);
        let builtin = BuiltInRole::ALL.iter().any(|r| fold(r.name()) == key);
        assert!(valid && !builtin);
        (trimmed.to_owned(), fold(trimmed))
    };
    let folded_builtins: Vec<String> = BuiltInRole::ALL.iter().map(|r| fold(r.name())).collect();
    let once = |name: &&str| {
        let trimmed = name.trim();
        let valid = trimmed.chars().count() <= 64 && !trimmed.chars().any(char::is_control);
        let key = if trimmed.is_ascii() {
            trimmed.to_ascii_lowercase()
        } else {
            fold(trimmed)
        };
        assert!(valid && !folded_builtins.contains(&key));
        (trimmed.to_owned(), key)
    };
    let with_map = |check: &dyn Fn(&&str) -> (String, String)| {
        let mut map = HashMap::with_capacity(names.len());
        for name in &names {
            let (owned, key) = check(name);
            map.insert(key, owned.len());
        }
        map
    };
    let (_, counted_today) = footprint(|| with_map(&today));
    let (_, counted_once) = footprint(|| with_map(&once));
    let (today_fastest, today_median) = time(|| with_map(&today));
    let (once_fastest, once_median) = time(|| with_map(&once));
    println!(
        "  name checks and the names map, as the crate does them: {today_fastest:.2} ms fastest, {today_median:.2} ms median, {} allocations per role",
        counted_today.allocations / ROLES
    );
    println!(
        "  the same with the built-in names folded once, an ASCII fast path and the key folded once: {once_fastest:.2} ms fastest, {once_median:.2} ms median, {} allocations per role",
        counted_once.allocations / ROLES
    );
}

/// The crate's case-insensitive key: upper-case, then lower-case.
fn fold(name: &str) -> String {
    name.to_uppercase().to_lowercase()
}

fn hash(key: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Whether the mirror borrows the grants' strings (`true`) or goes through `Cow`'s own
/// `Deserialize` as the crate does (`false`).
static BORROW: AtomicBool = AtomicBool::new(false);

/// The stored form, with the crate's field types: names and descriptions borrowed, grants
/// collected as pairs of `Cow<str>` by a visitor.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mirror<'a> {
    #[serde(rename = "version")]
    _version: u64,
    #[serde(rename = "plan")]
    _plan: &'a str,
    #[serde(rename = "revision")]
    _revision: u64,
    #[serde(rename = "next_role_id")]
    _next_role_id: u32,
    #[serde(borrow)]
    custom_roles: Vec<MirrorRole<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MirrorRole<'a> {
    #[serde(rename = "id")]
    _id: u32,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, rename = "description")]
    _description: Cow<'a, str>,
    #[serde(rename = "cloned_from")]
    _cloned_from: Option<u32>,
    #[serde(borrow, rename = "grants")]
    _grants: Grants<'a>,
}

impl Mirror<'_> {
    fn parse(json: &str) -> Mirror<'_> {
        serde_json::from_str(json).expect("the document parses")
    }
}

struct Grants<'a>(#[allow(dead_code)] Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Grants<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GrantsVisitor;

        impl<'de> Visitor<'de> for GrantsVisitor {
            type Value = Grants<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object mapping permission names to scopes")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Grants<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(65));
                if BORROW.load(Ordering::Relaxed) {
                    while let Some(Borrowed(key)) = map.next_key()? {
                        let Borrowed(value) = map.next_value()?;
                        entries.push((key, value));
                    }
                } else {
                    while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                        entries.push((key, map.next_value::<Cow<'de, str>>()?));
                    }
                }
                Ok(Grants(entries))
            }
        }

        deserializer.deserialize_map(GrantsVisitor)
    }
}

/// A string borrowed from the input when it can be (no escapes), owned otherwise: what
/// `#[serde(borrow)]` does for a `Cow<str>` field.
struct Borrowed<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Borrowed<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Borrowed<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Borrowed<'de>, E> {
                Ok(Borrowed(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Borrowed<'de>, E> {
                Ok(Borrowed(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Borrowed<'de>, E> {
                Ok(Borrowed(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(StrVisitor)
    }
}
