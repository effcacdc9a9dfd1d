//! Every role of a policy, built-in and custom, found by id in constant time without hashing.

use std::collections::HashMap;

use crate::eval::Masks;
use crate::grants::{Grants, Lacks};
use crate::{Role, RoleId};

/// The nine built-in roles, then the custom roles in id order, with a table from id to
/// position and what the role does not grant.
///
/// Ids are handed out in sequence and never reused, so the table normally has one slot per id
/// handed out (32 bytes each), built-in ids included: a check reads what the role does not
/// grant with one bounds-checked load, the same for a built-in role as for the ten-thousandth
/// custom one, and reaches the role itself only for the reason. A loaded document can name ids far apart (a
/// few roles with ids in the billions); when the table would hold more than [`SLOTS_PER_ROLE`]
/// slots per custom role (plus [`SLACK`]), it covers only the built-in ids and a hash map finds
/// the custom ones, so memory stays bounded by the number of roles (at most 256 bytes of table
/// a role).
#[derive(Debug, Clone)]
pub(crate) struct RoleMap {
    roles: Vec<Role>,
    /// `slots[id]` holds the role's position in `roles` and the complement of its grants, or
    /// is [`Slot::EMPTY`].
    slots: Vec<Slot>,
    /// The slots of custom roles by id when their ids are too sparse for `slots`; empty
    /// otherwise.
    sparse: HashMap<RoleId, Slot>,
    /// The vocabulary's masks, which every slot's [`Lacks`] is built under.
    masks: Masks,
}

/// Where a role sits, and what it does not grant: the copy lets a check skip the role itself.
///
/// Invariant: `lacks == Lacks::of(roles[position].grants, masks)`; once a role is in the map,
/// only [`RoleMap::set_grants`] changes its grants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    /// What the role does not grant; everything for an empty slot.
    pub(crate) lacks: Lacks,
    /// The role's position in `roles`; [`NONE`] for an empty slot.
    position: u32,
}

impl Slot {
    /// No role: grants nothing, and its position finds nothing.
    const EMPTY: Slot = Slot {
        lacks: Lacks::NOTHING,
        position: NONE,
    };

    /// The slot of `role`, held at `position`: the one place a slot copies grants from a role.
    const fn of(role: &Role, position: u32, masks: Masks) -> Slot {
        Slot {
            lacks: Lacks::of(role.grants, masks),
            position,
        }
    }
}

/// Past this many table slots per custom role (beyond [`SLACK`]) the custom ids go to a map.
const SLOTS_PER_ROLE: usize = 8;
/// Slots any policy may use whatever its number of roles: 128 KiB.
const SLACK: usize = 4096;
/// An empty slot.
const NONE: u32 = u32::MAX;
/// How many built-in roles lead `roles`.
const BUILTIN: usize = 9;

impl RoleMap {
    /// The map of `builtin` (ids 1 to 9) and `custom`, which are in strictly increasing id
    /// order, all custom, and fewer than `u32::MAX` (the caller has checked), under the
    /// vocabulary's `masks`.
    pub(crate) fn new(builtin: &[Role; BUILTIN], custom: Vec<Role>, masks: Masks) -> RoleMap {
        let mut roles = Vec::with_capacity(BUILTIN + custom.len());
        roles.extend_from_slice(builtin);
        roles.extend(custom);
        let mut map = RoleMap {
            roles,
            slots: Vec::new(),
            sparse: HashMap::new(),
            masks,
        };
        map.reindex();
        map
    }

    /// The slot of role `id`: [`Slot::EMPTY`] for an id the policy does not hold. A
    /// reference, so that a check reads only the masks it needs.
    #[inline(always)]
    pub(crate) fn slot(&self, id: RoleId) -> &Slot {
        match self.slots.get(id.0 as usize) {
            Some(slot) => slot,
            None => self.sparse_slot(id),
        }
    }

    /// The role a slot points at; `None` for an empty slot.
    #[inline(always)]
    pub(crate) fn at(&self, slot: &Slot) -> Option<&Role> {
        self.roles.get(slot.position as usize)
    }

    /// The role with id `id`.
    #[inline(always)]
    pub(crate) fn get(&self, id: RoleId) -> Option<&Role> {
        self.at(self.slot(id))
    }

    /// Kept out of line: the hash probe's code would otherwise crowd every inlined check, and
    /// only documents with far-apart ids (or an unknown id) get here.
    #[cold]
    #[inline(never)]
    fn sparse_slot(&self, id: RoleId) -> &Slot {
        self.sparse.get(&id).unwrap_or(&Slot::EMPTY)
    }

    /// The custom role with id `id`, to change its name or description (its grants change
    /// through [`RoleMap::set_grants`], which keeps the table's copy in step).
    pub(crate) fn get_custom_mut(&mut self, id: RoleId) -> Option<&mut Role> {
        let position = self.custom_position(id)?;
        self.roles.get_mut(position)
    }

    /// Sets the grants of custom role `id`, in the role and in its slot; `false` (and nothing
    /// changed) for built-in and unknown ids.
    pub(crate) fn set_grants(&mut self, id: RoleId, grants: Grants) -> bool {
        // One lookup finds the slot and, through it, the role.
        let slot = match self.slots.get_mut(id.0 as usize) {
            Some(slot) => Some(slot),
            None => self.sparse.get_mut(&id),
        };
        let Some(slot) = slot else {
            return false;
        };
        let Some(role) = self
            .roles
            .get_mut(slot.position as usize)
            .filter(|role| role.builtin.is_none())
        else {
            return false;
        };
        role.grants = grants;
        slot.lacks = Lacks::of(grants, self.masks);
        true
    }

    /// The position of custom role `id`; `None` for built-in and unknown ids.
    fn custom_position(&self, id: RoleId) -> Option<usize> {
        // An empty slot's position is past the end.
        let position = self.slot(id).position as usize;
        self.roles
            .get(position)?
            .builtin
            .is_none()
            .then_some(position)
    }

    /// Every role: the built-in ones, then the custom ones, in id order.
    pub(crate) fn iter(&self) -> core::slice::Iter<'_, Role> {
        self.roles.iter()
    }

    /// The custom roles in id order.
    pub(crate) fn custom(&self) -> &[Role] {
        self.roles.get(BUILTIN..).unwrap_or_default()
    }

    /// Adds custom role `role`, whose id must be custom and above every id held; returns
    /// `false` (and adds nothing) otherwise, or when the positions would overflow the index.
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
        let slot = Slot::of(&role, position, self.masks);
        self.roles.push(role);
        let index = id.0 as usize;
        if !self.sparse.is_empty() {
            self.sparse.insert(id, slot);
        } else if index < self.table_limit() {
            self.slots.resize(index, Slot::EMPTY);
            self.slots.push(slot);
        } else {
            self.reindex();
        }
        true
    }

    /// Removes custom role `id`, returning it; built-in roles stay.
    pub(crate) fn remove(&mut self, id: RoleId) -> Option<Role> {
        let position = self.custom_position(id)?;
        let role = self.roles.remove(position);
        self.reindex();
        Some(role)
    }

    /// The most slots the table may hold for the roles held.
    fn table_limit(&self) -> usize {
        self.custom().len() * SLOTS_PER_ROLE + SLACK
    }

    /// Rebuilds the index after positions moved: every id in the table when the ids are
    /// dense enough, otherwise the built-in ids in the table and the custom ones in the map.
    fn reindex(&mut self) {
        let span = self.roles.last().map_or(0, |last| last.id.0 as usize + 1);
        let dense = span <= self.table_limit();
        let table_span = if dense {
            span
        } else {
            RoleId::FIRST_CUSTOM.0 as usize
        };
        self.slots = vec![Slot::EMPTY; table_span];
        self.sparse = HashMap::new();
        for (position, role) in self.roles.iter().enumerate() {
            // Positions fit in u32: `push` refuses more roles than that.
            #[allow(clippy::cast_possible_truncation)]
            let slot = Slot::of(role, position as u32, self.masks);
            match self.slots.get_mut(role.id.0 as usize) {
                Some(entry) => *entry = slot,
                None => {
                    self.sparse.insert(role.id, slot);
                }
            }
        }
    }

    /// Whether every id is in the table (for tests of the memory bound).
    #[cfg(test)]
    fn is_table(&self) -> bool {
        self.sparse.is_empty()
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

    fn map() -> RoleMap {
        RoleMap::new(
            &crate::role::BUILTIN_ROLES,
            Vec::new(),
            crate::policy::masks(&crate::Vocabulary::builtin()),
        )
    }

    fn role(id: u32) -> Role {
        let mut role = BuiltInRole::SupportAgent.role().clone();
        role.id = RoleId(id);
        role.builtin = None;
        role
    }

    #[test]
    fn finds_every_role_and_nothing_else() {
        let mut map = map();
        for id in (100..300).step_by(3) {
            assert!(map.push(role(id)));
        }
        assert!(!map.push(role(150)), "ids only grow");
        assert!(map.remove(RoleId(103)).is_some());
        assert!(map.remove(RoleId(3)).is_none(), "built-in roles stay");
        assert!(map.get_custom_mut(RoleId(3)).is_none());
        assert_eq!(map.custom().len(), 66);
        for id in 0..400 {
            let expected = (1..=9).contains(&id)
                || ((100..300).contains(&id) && (id - 100) % 3 == 0 && id != 103);
            assert_eq!(map.get(RoleId(id)).is_some(), expected, "{id}");
            if let Some(found) = map.get(RoleId(id)) {
                assert_eq!(found.id, RoleId(id));
            }
        }
        assert!(map.is_table());
    }

    #[test]
    fn the_table_holds_at_most_eight_slots_per_custom_role_beyond_the_slack() {
        for roles in [1_u32, 2, 10] {
            let limit = roles as usize * SLOTS_PER_ROLE + SLACK;
            for (last, dense) in [(limit - 1, true), (limit, false)] {
                let mut map = map();
                for id in 100..100 + roles - 1 {
                    assert!(map.push(role(id)));
                }
                // The table spans ids 0 to `last`, as long as the limit allows.
                let last = u32::try_from(last).unwrap();
                assert!(map.push(role(last)));
                assert_eq!(map.is_table(), dense, "{roles} roles, last id {last}");
                assert_eq!(map.get(RoleId(last)).map(|r| r.id), Some(RoleId(last)));
                assert_eq!(map.custom().len(), roles as usize);
                // Removing a role rebuilds the index the same way.
                let mut again = map.clone();
                assert!(again.remove(RoleId(last)).is_some());
                assert!(again.is_table());
                assert!(again.get(RoleId(last)).is_none());
            }
        }
    }

    /// Every held role's slot carries what it does not grant and finds it; every other id's
    /// slot grants nothing and finds nothing.
    fn assert_slots_in_step(map: &RoleMap, ids: core::ops::Range<u32>) {
        for id in ids {
            let slot = map.slot(RoleId(id));
            if let Some(role) = map.roles.iter().find(|role| role.id.0 == id) {
                assert_eq!(slot.lacks, Lacks::of(role.grants, map.masks), "{id}");
                assert_eq!(slot.lacks.grants(), role.grants, "{id}: well-formed grants");
                assert_eq!(map.at(slot).map(|r| r.id), Some(role.id), "{id}");
            } else {
                assert_eq!(slot.lacks, Lacks::NOTHING, "{id}");
                assert_eq!(slot.lacks.grants(), Grants::EMPTY, "{id}");
                assert!(map.at(slot).is_none(), "{id}");
            }
        }
    }

    #[test]
    fn slots_keep_each_roles_grants_through_every_change() {
        let reply = crate::Permissions::REPLY;
        for sparse in [false, true] {
            let mut map = map();
            for id in [100, 101, 105] {
                assert!(map.push(role(id)));
            }
            if sparse {
                assert!(map.push(role(1_000_000)));
                assert!(!map.is_table());
            }
            let widened = map
                .slot(RoleId(101))
                .lacks
                .grants()
                .with(reply, crate::Scope::Global);
            assert!(map.set_grants(RoleId(101), widened));
            assert_eq!(map.slot(RoleId(101)).lacks.grants(), widened);
            assert!(map.set_grants(RoleId(105), Grants::EMPTY));
            assert!(
                !map.set_grants(RoleId(3), Grants::EMPTY),
                "built-in roles stay"
            );
            assert!(!map.set_grants(RoleId(102), widened), "no such role");
            assert_eq!(
                map.slot(RoleId(3)).lacks.grants(),
                BuiltInRole::SupportManager.role().grants
            );
            assert_slots_in_step(&map, 0..200);
            assert!(map.remove(RoleId(100)).is_some());
            assert_slots_in_step(&map, 0..200);
            assert_eq!(
                map.slot(RoleId(101)).lacks.grants(),
                widened,
                "kept through reindexing"
            );
            if sparse {
                assert_eq!(map.slot(RoleId(1_000_000)).lacks.grants(), role(1).grants);
                assert!(map.set_grants(RoleId(1_000_000), widened));
                assert_eq!(map.slot(RoleId(1_000_000)).lacks.grants(), widened);
                assert_slots_in_step(&map, 999_990..1_000_010);
            }
        }
    }

    #[test]
    fn maps_are_equal_exactly_when_they_hold_the_same_roles() {
        let mut one = map();
        let mut other = map();
        assert_eq!(one, other);
        assert!(one.push(role(100)));
        assert_ne!(one, other);
        assert!(other.push(role(101)));
        assert_ne!(one, other, "same count, other ids");
        let mut same = map();
        assert!(same.push(role(100)));
        assert_eq!(one, same);
    }

    #[test]
    fn sparse_ids_use_a_map_not_a_huge_table() {
        let mut map = map();
        assert!(map.push(role(100)));
        assert!(map.push(role(u32::MAX - 1)));
        assert!(!map.is_table());
        assert_eq!(
            map.get(RoleId(u32::MAX - 1)).map(|r| r.id),
            Some(RoleId(u32::MAX - 1))
        );
        assert!(map.get(RoleId(101)).is_none());
        assert_eq!(map.get(RoleId(9)).map(|r| r.id), Some(RoleId(9)));
        assert!(map.get(RoleId(10)).is_none());
        assert!(map.remove(RoleId(u32::MAX - 1)).is_some());
        assert!(map.is_table());
    }
}
