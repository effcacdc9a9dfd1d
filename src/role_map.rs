//! The custom roles of a policy, found by id in constant time without hashing.

use std::collections::HashMap;

use crate::{Role, RoleId};

/// Custom roles in id order, with an index from id to position.
///
/// Ids are handed out in sequence and never reused, so the index is normally a plain table
/// with one slot per id handed out (4 bytes each): a lookup is two bounds-checked loads,
/// whatever the number of roles. A loaded document can name ids far apart (a few roles with
/// ids in the billions); when the table would hold more than [`SLOTS_PER_ROLE`] slots per role
/// (plus [`SLACK`]), the index becomes a hash map instead, so memory stays bounded by the
/// number of roles.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoleMap {
    roles: Vec<Role>,
    index: Index,
}

/// Past this many table slots per role (beyond [`SLACK`]) the index is a hash map.
const SLOTS_PER_ROLE: usize = 16;
/// Slots any policy may use whatever its number of roles: 16 KiB.
const SLACK: usize = 4096;
/// An empty slot.
const NONE: u32 = u32::MAX;

/// Kept out of line: the hash probe's code would otherwise crowd every inlined check, and only
/// documents with far-apart ids need it.
#[inline(never)]
fn sparse_position(map: &HashMap<RoleId, u32>, id: RoleId) -> Option<u32> {
    map.get(&id).copied()
}

#[derive(Debug, Clone)]
enum Index {
    /// `slots[id - FIRST_CUSTOM]` is the role's position in `roles`, or [`NONE`].
    Table(Vec<u32>),
    /// Position by id, for sparse ids.
    Sparse(HashMap<RoleId, u32>),
}

impl Default for Index {
    fn default() -> Self {
        Index::Table(Vec::new())
    }
}

impl RoleMap {
    /// The role with id `id`.
    #[inline]
    pub(crate) fn get(&self, id: RoleId) -> Option<&Role> {
        let position = match &self.index {
            Index::Table(slots) => {
                let slot = id.0.wrapping_sub(RoleId::FIRST_CUSTOM.0) as usize;
                *slots.get(slot)?
            }
            Index::Sparse(map) => sparse_position(map, id)?,
        };
        self.roles.get(position as usize)
    }

    /// The role with id `id`, to change it.
    pub(crate) fn get_mut(&mut self, id: RoleId) -> Option<&mut Role> {
        let position = self.position(id)?;
        self.roles.get_mut(position)
    }

    fn position(&self, id: RoleId) -> Option<usize> {
        self.get(id)?;
        match &self.index {
            Index::Table(slots) => slots
                .get(id.0.wrapping_sub(RoleId::FIRST_CUSTOM.0) as usize)
                .map(|&p| p as usize),
            Index::Sparse(map) => map.get(&id).map(|&p| p as usize),
        }
    }

    /// The roles in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter()
    }

    /// The map of `roles`, which are in strictly increasing id order, all custom, and fewer
    /// than `u32::MAX` (the caller has checked); it keeps their vector as it is.
    pub(crate) fn from_sorted(roles: Vec<Role>) -> RoleMap {
        let mut map = RoleMap {
            roles,
            index: Index::default(),
        };
        map.reindex();
        map
    }

    /// Adds `role`, whose id must be above every id held; returns `false` (and adds nothing)
    /// otherwise, or when the positions would overflow the index.
    pub(crate) fn push(&mut self, role: Role) -> bool {
        if self.roles.last().is_some_and(|last| last.id >= role.id)
            || role.id < RoleId::FIRST_CUSTOM
        {
            return false;
        }
        let Ok(position) = u32::try_from(self.roles.len()) else {
            return false;
        };
        let id = role.id;
        self.roles.push(role);
        let slot = (id.0 - RoleId::FIRST_CUSTOM.0) as usize;
        match &mut self.index {
            Index::Table(slots) if slot < self.roles.len() * SLOTS_PER_ROLE + SLACK => {
                slots.resize(slot, NONE);
                slots.push(position);
            }
            Index::Table(_) => self.reindex(),
            Index::Sparse(map) => {
                map.insert(id, position);
            }
        }
        true
    }

    /// Removes the role with id `id`, returning it.
    pub(crate) fn remove(&mut self, id: RoleId) -> Option<Role> {
        let position = self.position(id)?;
        let role = self.roles.remove(position);
        self.reindex();
        Some(role)
    }

    /// Rebuilds the index after positions moved, choosing a table when the ids are dense
    /// enough.
    fn reindex(&mut self) {
        let span = self
            .roles
            .last()
            .map_or(0, |last| (last.id.0 - RoleId::FIRST_CUSTOM.0) as usize + 1);
        // Positions fit in u32: `push` refuses more roles than that.
        #[allow(clippy::cast_possible_truncation)]
        let positions = self
            .roles
            .iter()
            .enumerate()
            .map(|(position, role)| (role.id, position as u32));
        self.index = if span <= self.roles.len() * SLOTS_PER_ROLE + SLACK {
            let mut slots = vec![NONE; span];
            for (id, position) in positions {
                slots[(id.0 - RoleId::FIRST_CUSTOM.0) as usize] = position;
            }
            Index::Table(slots)
        } else {
            Index::Sparse(positions.collect())
        };
    }

    /// Whether the index is a plain table (for tests of the memory bound).
    #[cfg(test)]
    fn is_table(&self) -> bool {
        matches!(self.index, Index::Table(_))
    }
}

/// Two maps are equal when they hold the same roles: how the index is kept does not matter.
impl PartialEq for RoleMap {
    fn eq(&self, other: &Self) -> bool {
        self.roles == other.roles
    }
}

impl Eq for RoleMap {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BuiltInRole;

    fn role(id: u32) -> Role {
        let mut role = BuiltInRole::SupportAgent.role().clone();
        role.id = RoleId(id);
        role.builtin = None;
        role
    }

    #[test]
    fn finds_every_role_and_nothing_else() {
        let mut map = RoleMap::default();
        for id in (100..300).step_by(3) {
            assert!(map.push(role(id)));
        }
        assert!(!map.push(role(150)), "ids only grow");
        assert!(map.remove(RoleId(103)).is_some());
        for id in 0..400 {
            let expected = (100..300).contains(&id) && (id - 100) % 3 == 0 && id != 103;
            assert_eq!(map.get(RoleId(id)).is_some(), expected, "{id}");
            if let Some(found) = map.get(RoleId(id)) {
                assert_eq!(found.id, RoleId(id));
            }
        }
        assert!(map.is_table());
    }

    #[test]
    fn sparse_ids_use_a_map_not_a_huge_table() {
        let mut map = RoleMap::default();
        assert!(map.push(role(100)));
        assert!(map.push(role(u32::MAX - 1)));
        assert!(!map.is_table());
        assert_eq!(
            map.get(RoleId(u32::MAX - 1)).map(|r| r.id),
            Some(RoleId(u32::MAX - 1))
        );
        assert!(map.get(RoleId(101)).is_none());
        assert!(map.remove(RoleId(u32::MAX - 1)).is_some());
        assert!(map.is_table());
    }
}
