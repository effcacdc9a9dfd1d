//! Helpers shared by the integration tests (and by `benches/check.rs`, through `#[path]`).
//!
//! [`Rng`] is splitmix64: a tiny pseudo-random generator that is fully determined by its seed.
//! The tests draw their random cases from it rather than from a random source so that every
//! run checks exactly the same cases, a failure reproduces on the next run, and the bench
//! measures the same fixtures every time.

// Each test crate compiles this module on its own and uses only some of it.
#![allow(dead_code)]

/// splitmix64: tiny, deterministic, good enough to spread test cases. The state is public so a
/// caller seeds it with `Rng(seed)`.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 pseudo-random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` (`n > 0`): `next() % n`.
    pub fn below(&mut self, n: usize) -> usize {
        // The remainder is below `n`, so it fits in a `usize`.
        usize::try_from(self.next() % n as u64).unwrap()
    }

    /// True with probability `num / den` (`den > 0`): `next() % den < num`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }

    /// One of `items` (not empty), chosen with `below(items.len())`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A reason without the role's internals, for failure messages.
pub fn brief(reason: &helpdesk_policy::Reason<'_>) -> String {
    use helpdesk_policy::Reason;
    match *reason {
        Reason::Granted {
            role,
            permission,
            scope,
            fact,
        } => format!(
            "Granted({}, {permission}, {scope:?}, {fact:?})",
            role.name()
        ),
        Reason::OutOfScope {
            role,
            permission,
            scope,
            fact,
        } => format!(
            "OutOfScope({}, {permission}, {scope:?}, {fact:?})",
            role.name()
        ),
        Reason::NotGranted { role, permission } => {
            format!("NotGranted({}, {permission})", role.name())
        }
        other => format!("{other:?}"),
    }
}
