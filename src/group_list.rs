//! Owned group lists for hosts whose ids come from SQL rows, without allocating per request.

use core::ops::Deref;

use smallvec::SmallVec;

use crate::GroupId;

/// A user's groups, owned, that allocates nothing for up to eight groups (most agents are in a
/// few), and lends itself to [`Subject`](crate::Subject) as a slice.
///
/// Built from SQL integers with the same mapping as the SQL filters: a negative id is no group,
/// so it is left out.
///
/// ```
/// use helpdesk_policy::{GroupList, RoleId, Subject, UserId};
///
/// let rows: [i64; 3] = [2, -1, 9]; // from `SELECT group_id FROM memberships WHERE ...`
/// let groups = GroupList::from_sql_ids(rows);
/// let subject = Subject::new(UserId(7), RoleId(4), &groups);
/// assert_eq!(subject.groups.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GroupList(SmallVec<[GroupId; 8]>);

impl GroupList {
    /// An empty list.
    #[must_use]
    pub fn new() -> GroupList {
        GroupList(SmallVec::new())
    }

    /// The groups of SQL integer ids, leaving out negative ones (no group).
    pub fn from_sql_ids(ids: impl IntoIterator<Item = i64>) -> GroupList {
        ids.into_iter()
            .filter_map(|id| u64::try_from(id).ok().map(GroupId))
            .collect()
    }

    /// Adds a group.
    pub fn push(&mut self, group: GroupId) {
        self.0.push(group);
    }

    /// Adds the group of a SQL integer id, unless it is negative (no group).
    pub fn push_sql_id(&mut self, id: i64) {
        if let Ok(id) = u64::try_from(id) {
            self.0.push(GroupId(id));
        }
    }

    /// The groups as a slice, for [`Subject`](crate::Subject).
    #[must_use]
    pub fn as_slice(&self) -> &[GroupId] {
        &self.0
    }

    /// Whether the list lives on the heap (more than eight groups).
    #[must_use]
    pub fn spilled(&self) -> bool {
        self.0.spilled()
    }
}

impl Deref for GroupList {
    type Target = [GroupId];

    fn deref(&self) -> &[GroupId] {
        &self.0
    }
}

impl FromIterator<GroupId> for GroupList {
    fn from_iter<I: IntoIterator<Item = GroupId>>(iter: I) -> Self {
        GroupList(iter.into_iter().collect())
    }
}

impl Extend<GroupId> for GroupList {
    fn extend<I: IntoIterator<Item = GroupId>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_ids_are_no_group_and_eight_stay_inline() {
        let list = GroupList::from_sql_ids([1, -5, i64::MAX, 0]);
        assert_eq!(
            list.as_slice(),
            [GroupId(1), GroupId(i64::MAX as u64), GroupId(0)]
        );
        let eight = GroupList::from_sql_ids(0..8);
        assert!(!eight.spilled());
        let nine = GroupList::from_sql_ids(0..9);
        assert!(nine.spilled());
        let mut pushed = GroupList::new();
        pushed.push_sql_id(-1);
        pushed.push_sql_id(3);
        pushed.push(GroupId(4));
        assert_eq!(&*pushed, [GroupId(3), GroupId(4)]);
    }
}
