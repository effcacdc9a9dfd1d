//! The custom roles of a policy, keyed by id, found in constant time.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::{Role, RoleId};

/// Custom roles by id. A hash map so a lookup costs the same with 10 or 10,000 roles.
pub(crate) type RoleMap = HashMap<RoleId, Role, BuildHasherDefault<RoleIdHasher>>;

/// Hashes a role id with one folded multiply instead of SipHash, which would cost more than
/// the rest of a check. Ids are small sequential integers handed out by the policy itself, so
/// a fixed keyless mix is enough; the folding spreads them over both ends of the hash, which
/// the map uses for its bucket and its tag.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RoleIdHasher(u64);

impl RoleIdHasher {
    const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

    fn mix(&mut self, value: u64) {
        let product = u128::from(self.0 ^ value) * u128::from(Self::MULTIPLIER);
        // Truncation is the point: fold the high half of the product onto the low half.
        #[allow(clippy::cast_possible_truncation)]
        let folded = (product as u64) ^ ((product >> 64) as u64);
        self.0 = folded;
    }
}

impl Hasher for RoleIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.mix(u64::from(byte));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.mix(u64::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn sequential_ids_spread_over_low_and_high_bits() {
        let build = BuildHasherDefault::<RoleIdHasher>::default();
        let hashes: Vec<u64> = (100..1124_u32)
            .map(|id| build.hash_one(RoleId(id)))
            .collect();
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 1023).collect();
        let high: std::collections::HashSet<u64> = hashes.iter().map(|h| h >> 57).collect();
        assert!(low.len() > 600, "low bits collide: {}", low.len());
        assert_eq!(high.len(), 128, "every tag value should appear");
    }
}
