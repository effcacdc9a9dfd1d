//! Membership scans: whether a group is in a user's group list, and whether a user is among
//! a conversation's participants. Shared by the decision logic (`eval`), the facts, the
//! conversation filter and the agent filter, so none of them imports another for it.

use crate::{GroupId, UserId};

/// Whether `wanted` is among `groups`, which may be long, unsorted and repeat itself.
///
/// Short lists (most users are in a few groups) are scanned in line; long ones go to
/// [`contains_group_long`], kept out of line so that its vector code does not weigh on every
/// check.
#[inline]
pub(crate) fn contains_group(groups: &[GroupId], wanted: GroupId) -> bool {
    const SHORT: usize = 16;
    if groups.len() <= SHORT {
        contains_group_short(groups, wanted)
    } else {
        contains_group_long(groups, wanted)
    }
}

/// Scans a short group list as [`contains_chunked`] does.
#[inline(always)]
fn contains_group_short(groups: &[GroupId], wanted: GroupId) -> bool {
    contains_chunked(groups, |group| group.0 == wanted.0)
}

/// Whether `wanted` is among `users` (a conversation's participants: usually a few), scanned
/// as [`contains_chunked`] does: `[UserId]::contains` gets a plain loop, six instructions an
/// id where this takes four (measured with callgrind on three participants).
#[inline(always)]
pub(crate) fn contains_user(users: &[UserId], wanted: UserId) -> bool {
    contains_chunked(users, |user| user.0 == wanted.0)
}

/// Whether an item of `items` `is` the one wanted, eight at a time without a branch per item,
/// then the rest one by one (which the compiler unrolls): what the standard library does for
/// `[u64]::contains`, which the id types do not get (measured: half the time of `iter().any`
/// on a miss among eight groups).
#[inline(always)]
fn contains_chunked<T>(items: &[T], is: impl Fn(&T) -> bool) -> bool {
    let mut chunks = items.chunks_exact(8);
    for chunk in &mut chunks {
        // Bitwise on purpose: no branch per element.
        #[allow(clippy::needless_bitwise_bool)]
        let found = chunk.iter().fold(false, |found, item| found | is(item));
        if found {
            return true;
        }
    }
    chunks.remainder().iter().any(is)
}

/// Scans a long group list 32 ids at a time, comparing only the low 32 bits of each id and
/// without a branch per id, so the compiler packs four ids into one vector even on baseline
/// x86-64 (SSE2 has no 64-bit compare); a chunk whose low bits match somewhere is then compared
/// exactly, so ids that agree only in their low half cost a second look, never a wrong answer.
/// What is left (under 32) goes one by one. A user in a thousand groups costs under a hundred
/// nanoseconds (see the README's Performance section).
#[inline(never)]
fn contains_group_long(groups: &[GroupId], wanted: GroupId) -> bool {
    const WIDE: usize = 32;
    // Truncation is the point: the low half only filters, the exact comparison decides.
    #[allow(clippy::cast_possible_truncation)]
    let low = wanted.0 as u32;
    let mut wide = groups.chunks_exact(WIDE);
    for chunk in &mut wide {
        // Bitwise on purpose: no branch per element, so the loop vectorises.
        #[allow(clippy::needless_bitwise_bool, clippy::cast_possible_truncation)]
        let maybe = chunk
            .iter()
            .fold(false, |maybe, group| maybe | (group.0 as u32 == low));
        if maybe && chunk.iter().any(|group| group.0 == wanted.0) {
            return true;
        }
    }
    wide.remainder().iter().any(|group| group.0 == wanted.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_group_finds_every_position_and_misses_absent() {
        for len in [0_u64, 1, 15, 16, 17, 33, 1000] {
            let groups: Vec<GroupId> = (0..len).map(|g| GroupId(g * 3)).collect();
            for g in 0..len {
                assert!(contains_group(&groups, GroupId(g * 3)), "len {len} g {g}");
                assert!(
                    !contains_group(&groups, GroupId(g * 3 + 1)),
                    "len {len} g {g}"
                );
            }
        }
    }

    #[test]
    fn both_scans_answer_exactly_on_either_side_of_the_threshold() {
        for len in 0_u64..=40 {
            let groups: Vec<GroupId> = (0..len).map(|g| GroupId(g * 5 + 1)).collect();
            for wanted in 0..len * 5 + 2 {
                let expected = groups.contains(&GroupId(wanted));
                let wanted = GroupId(wanted);
                assert_eq!(contains_group_short(&groups, wanted), expected, "{len}");
                assert_eq!(contains_group_long(&groups, wanted), expected, "{len}");
            }
        }
    }

    #[test]
    fn contains_group_compares_whole_ids_not_their_low_half() {
        // Every id shares its low 32 bits with the one asked for; only one matches whole.
        for len in [1_u64, 8, 16, 17, 32, 33, 100] {
            let groups: Vec<GroupId> = (1..=len).map(|high| GroupId(high << 32 | 5)).collect();
            assert!(!contains_group(&groups, GroupId(5)), "len {len}");
            assert!(
                !contains_group(&groups, GroupId((len + 1) << 32 | 5)),
                "len {len}"
            );
            for high in 1..=len {
                assert!(
                    contains_group(&groups, GroupId(high << 32 | 5)),
                    "len {len}"
                );
            }
        }
    }

    #[test]
    fn contains_user_finds_every_position_of_every_length() {
        for len in 0_u64..=20 {
            let users: Vec<UserId> = (0..len).map(|u| UserId(u * 2 + 1)).collect();
            for wanted in 0..len * 2 + 2 {
                let expected = users.contains(&UserId(wanted));
                assert_eq!(
                    contains_user(&users, UserId(wanted)),
                    expected,
                    "{len} {wanted}"
                );
            }
        }
        // Two matches in one chunk of eight must not cancel out.
        let twice = [
            UserId(1),
            UserId(7),
            UserId(7),
            UserId(2),
            UserId(3),
            UserId(4),
            UserId(5),
            UserId(6),
        ];
        assert!(contains_user(&twice, UserId(7)));
        assert!(!contains_user(&twice, UserId(8)));
    }

    #[test]
    fn contains_group_finds_an_id_listed_twice_in_one_chunk() {
        // Two matches in the eight (or thirty-two) ids scanned together must not cancel out.
        for len in [8_usize, 16, 32, 64] {
            let mut groups: Vec<GroupId> = (0..len as u64).map(|g| GroupId(g + 10)).collect();
            groups[1] = GroupId(7);
            groups[2] = GroupId(7);
            assert!(contains_group(&groups, GroupId(7)), "len {len}");
        }
    }
}
