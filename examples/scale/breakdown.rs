//! Engine-free experiments that explain the figures `scale` prints (run with `--breakdown`):
//! where the loaded policy's bytes go, and where loading spends its time. Nothing here calls
//! the crate's loading code; each experiment repeats one step of it on the same document, the
//! way the crate does it today and the way it could, so the difference is measured rather than
//! guessed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use helpdesk_policy::{Policy, Role, RoleId};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::{footprint, time, ROLES};

pub fn run(loaded: &Policy, held: usize, json: &str, load_ms: f64) {
    println!();
    println!("breakdown (engine-free experiments):");
    memory(loaded, held);
    parsing(json, load_ms);
    names(loaded);
}

/// Where the bytes go: capacity left unused, the roles themselves, their names, the map of
/// name hashes and the id table.
fn memory(loaded: &Policy, held: usize) {
    // A clone allocates exactly what it holds (a `Vec` clones to its length), so the
    // difference is capacity that loading left unused.
    let (copy, copied) = footprint(|| loaded.clone());
    drop(copy);
    let role = size_of::<Role>();
    let names: usize = loaded
        .roles()
        .filter(|r| r.is_custom())
        .map(|r| r.name().len() + r.description().len())
        .sum();
    // The crate keeps a 64-bit hash of each name's look-alike key and the role's id.
    let (map, hashes) = footprint(|| {
        let mut map: HashMap<u64, RoleId> = HashMap::with_capacity(ROLES);
        for id in 0..ROLES as u64 {
            map.insert(id.wrapping_mul(0x9E37_79B9_7F4A_7C15), RoleId(0));
        }
        map
    });
    drop(map);
    let table = ROLES * size_of::<u32>();
    println!(
        "  {held} bytes held; an exact clone of the policy holds {}: {} bytes are capacity loading left unused",
        copied.held,
        held.saturating_sub(copied.held)
    );
    println!(
        "  of which: roles {} bytes ({ROLES} x {role}), names and descriptions {names}, a HashMap<u64, RoleId> of {ROLES} {}, the id table {table}; the rest {}",
        ROLES * role,
        hashes.held,
        held.saturating_sub(ROLES * role + names + hashes.held + table)
    );
}

/// Where loading's time goes in parsing: the grants' names and scopes deserialized as
/// `Cow<str>` through `Cow`'s own `Deserialize` (which always allocates a `String`: it does
/// not borrow, even from a `&str` input, unless the field says `#[serde(borrow)]`) against
/// borrowed from the input.
fn parsing(json: &str, load_ms: f64) {
    let mut medians = [0.0; 2];
    for borrow in [false, true] {
        BORROW.store(borrow, Ordering::Relaxed);
        let (fastest, median) = time(|| Mirror::parse(json));
        let (_, counted) = footprint(|| Mirror::parse(json));
        medians[usize::from(borrow)] = median;
        println!(
            "  parse into a mirror of the stored form, grants {}: {fastest:.2} ms fastest, {median:.2} ms median, {} allocations per role, peak {:.2} MiB",
            if borrow {
                "borrowed from the input"
            } else {
                "through Cow's Deserialize (as the crate does)"
            },
            counted.allocations / ROLES,
            counted.peak as f64 / (1024.0 * 1024.0)
        );
    }
    println!(
        "  so of the {load_ms:.2} ms a load takes (median), parsing is about {:.2} ms, of which borrowing the grants' strings would save about {:.2} ms; the rest (names, roles, index) about {:.2} ms",
        medians[0],
        medians[0] - medians[1],
        load_ms - medians[0]
    );
}

/// What a name's look-alike key costs, through the public API: `role_by_name` normalises the
/// name, computes its look-alike key and its hash (as loading does for every role), then
/// confirms the hit (one key more) and compares with the nine built-in names (nine keys more).
fn names(loaded: &Policy) {
    let names: Vec<&str> = loaded
        .roles()
        .filter(|r| r.is_custom())
        .map(Role::name)
        .collect();
    let (fastest, median) = time(|| {
        names
            .iter()
            .filter(|name| loaded.role_by_name(name).is_some())
            .count()
    });
    let (_, counted) = footprint(|| {
        names
            .iter()
            .filter(|name| loaded.role_by_name(name).is_some())
            .count()
    });
    println!(
        "  {ROLES} role_by_name lookups (eleven look-alike keys each: the name's, the hit's and the nine built-in names'): {fastest:.2} ms fastest, {median:.2} ms median, {} allocations per lookup",
        counted.allocations / ROLES
    );
}

/// Whether the mirror borrows the grants' strings (`true`) or goes through `Cow`'s own
/// `Deserialize` as the crate does (`false`).
static BORROW: AtomicBool = AtomicBool::new(false);

/// The stored form, with the crate's field types: names and descriptions borrowed, grants
/// collected as pairs of `Cow<str>` by a visitor. Parsed to be timed, never read.
#[allow(dead_code)]
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

#[allow(dead_code)]
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
