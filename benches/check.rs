//! How fast `check` and filters are, each next to a hand-written native baseline so the ratio
//! reads off one run.
//!
//! The native baseline is what a host would write by hand without this crate: per user, a
//! permission bitmask and a scope byte per permission, and a plain scan of the user's groups
//! (`slice::contains`). It answers `bool` only; the crate answers a `Decision` that can explain
//! itself (here only `is_allowed()` is read, as a host's hot path would).
//!
//! Run: `cargo bench --bench check`. Groups:
//! - `scope/<case>/<n> groups`: `check` at each scope for a user in 1, 8 and 1,000 groups;
//! - `roles/...`: `check` in a policy with 10 and with 10,000 custom roles;
//! - `filter/...`: building a filter, and matching it against 1,000,000 conversations, next to
//!   `check` on the same 1,000,000.
//!
//! The fixtures come from the tests' deterministic PRNG (splitmix64, `tests/common`), so every
//! run measures the same data.

// The tests' shared helpers; the bench uses their PRNG.
#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use common::Rng;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use helpdesk_policy::{
    BuiltInRole, Conversation, GroupId, Permissions, Plan, Policy, RoleId, Scope, Subject, UserId,
};

/// The baseline a host would write by hand.
mod native {
    /// Scope of one permission, one byte.
    #[derive(Clone, Copy, PartialEq, Eq)]
    #[repr(u8)]
    pub enum Scope {
        Restricted,
        Group,
        Global,
    }

    /// A permission, as the bit index a host would store.
    #[derive(Clone, Copy)]
    #[repr(u8)]
    pub enum Perm {
        ViewConversations = 0,
    }

    /// What a host keeps per user: a permission bitmask, a scope byte per permission, and the
    /// user's groups.
    pub struct User {
        pub id: u64,
        pub perms: u32,
        pub scopes: [Scope; 20],
        pub groups: Vec<u64>,
    }

    impl User {
        /// A user holding `view_conversations` at `scope`.
        pub fn viewing_at(id: u64, scope: Scope, groups: Vec<u64>) -> User {
            let mut scopes = [Scope::Global; 20];
            scopes[Perm::ViewConversations as usize] = scope;
            User {
                id,
                perms: 1 << Perm::ViewConversations as u32,
                scopes,
                groups,
            }
        }
    }

    /// A conversation's row, as the host holds it.
    #[derive(Clone, Copy)]
    pub struct Conv<'a> {
        pub group: Option<u64>,
        pub assignee: Option<u64>,
        pub participants: &'a [u64],
    }

    /// May `user` do `perm` on `conv`? Bitmask, scope byte, plain scans.
    #[inline]
    pub fn allowed(user: &User, perm: Perm, conv: &Conv<'_>) -> bool {
        if user.perms & (1 << perm as u32) == 0 {
            return false;
        }
        match user.scopes[perm as usize] {
            Scope::Global => true,
            Scope::Group => {
                conv.assignee == Some(user.id)
                    || conv.group.is_some_and(|g| user.groups.contains(&g))
                    || conv.participants.contains(&user.id)
            }
            Scope::Restricted => {
                conv.assignee == Some(user.id) || conv.participants.contains(&user.id)
            }
        }
    }

    /// The host's own inbox filter.
    #[derive(Clone, Copy)]
    pub enum Filter<'a> {
        All,
        None,
        Mine { user: u64, groups: &'a [u64] },
    }

    #[inline]
    pub fn filter(user: &User, perm: Perm) -> Filter<'_> {
        if user.perms & (1 << perm as u32) == 0 {
            return Filter::None;
        }
        match user.scopes[perm as usize] {
            Scope::Global => Filter::All,
            Scope::Group => Filter::Mine {
                user: user.id,
                groups: &user.groups,
            },
            Scope::Restricted => Filter::Mine {
                user: user.id,
                groups: &[],
            },
        }
    }

    impl Filter<'_> {
        #[inline]
        pub fn matches(&self, conv: &Conv<'_>) -> bool {
            match *self {
                Filter::All => true,
                Filter::None => false,
                Filter::Mine { user, groups } => {
                    conv.assignee == Some(user)
                        || conv.group.is_some_and(|g| groups.contains(&g))
                        || conv.participants.contains(&user)
                }
            }
        }
    }
}

const ME: u64 = 7;
const OTHER: u64 = 8;

/// `n` distinct groups in a scattered order, none of them group 0 (the "miss" group).
fn groups_of(n: u64) -> Vec<u64> {
    let mut rng = Rng(n);
    let mut groups: Vec<u64> = (1..=n).map(|g| g * 13).collect();
    for i in (1..groups.len()).rev() {
        let j = rng.below(i + 1);
        groups.swap(i, j);
    }
    groups
}

/// Modest timings so the whole run stays within a few minutes on two shared cores.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

/// `check` at each scope for a user in 1, 8 and 1,000 groups, next to the native baseline.
fn bench_scopes(c: &mut Criterion) {
    let policy = Policy::new(Plan::Pro);
    let participants_with_me = [UserId(3), UserId(5), UserId(ME)];
    let native_participants_with_me = [3, 5, ME];
    let participants_without_me = [UserId(3), UserId(5)];
    let native_participants_without_me = [3_u64, 5];

    for n in [1_u64, 8, 1_000] {
        let native_groups = groups_of(n);
        let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
        // The hit is the group in the middle of the user's list (the only one for n = 1).
        let hit = native_groups[native_groups.len() / 2];
        let miss = 0;

        // (case, role, native scope, group, assignee, participants)
        let cases: [(&str, BuiltInRole, native::Scope, u64, u64, bool); 5] = [
            (
                "global",
                BuiltInRole::SupportAgent,
                native::Scope::Global,
                miss,
                OTHER,
                false,
            ),
            (
                "group hit",
                BuiltInRole::SalesUser,
                native::Scope::Group,
                hit,
                OTHER,
                false,
            ),
            (
                "group miss",
                BuiltInRole::SalesUser,
                native::Scope::Group,
                miss,
                OTHER,
                false,
            ),
            (
                "restricted assigned",
                BuiltInRole::RestrictedUser,
                native::Scope::Restricted,
                hit,
                ME,
                false,
            ),
            (
                "restricted participant",
                BuiltInRole::RestrictedUser,
                native::Scope::Restricted,
                hit,
                OTHER,
                true,
            ),
        ];

        for (case, role, scope, group, assignee, participates) in cases {
            let subject = Subject {
                user: UserId(ME),
                role: role.id(),
                groups: &groups,
                view_only: &[],
            };
            let conversation = Conversation {
                group: Some(GroupId(group)),
                assignee: Some(UserId(assignee)),
                participants: if participates {
                    &participants_with_me
                } else {
                    &participants_without_me
                },
            };
            let user = native::User::viewing_at(ME, scope, native_groups.clone());
            let conv = native::Conv {
                group: Some(group),
                assignee: Some(assignee),
                participants: if participates {
                    &native_participants_with_me
                } else {
                    &native_participants_without_me
                },
            };
            let expected = native::allowed(&user, native::Perm::ViewConversations, &conv);
            assert_eq!(
                policy
                    .check(&subject, Permissions::VIEW_CONVERSATIONS, &conversation)
                    .is_allowed(),
                expected,
                "{case}"
            );
            assert_eq!(expected, case != "group miss", "{case}");

            let mut group = c.benchmark_group(format!("scope/{case}"));
            group.bench_function(BenchmarkId::new("crate", format!("{n} groups")), |b| {
                b.iter(|| {
                    policy
                        .check(
                            black_box(&subject),
                            black_box(Permissions::VIEW_CONVERSATIONS),
                            black_box(&conversation),
                        )
                        .is_allowed()
                });
            });
            group.bench_function(BenchmarkId::new("native", format!("{n} groups")), |b| {
                b.iter(|| {
                    native::allowed(
                        black_box(&user),
                        black_box(native::Perm::ViewConversations),
                        black_box(&conv),
                    )
                });
            });
            group.finish();
        }
    }
}

/// A policy holding `count` custom roles, each granting `view_conversations` at Group scope
/// (and differing in other grants), made by the Account Admin.
fn policy_with_roles(count: usize) -> (Policy, Vec<RoleId>) {
    let mut policy = Policy::new(Plan::Enterprise);
    let owner = Subject {
        user: UserId(1),
        role: BuiltInRole::AccountAdmin.id(),
        groups: &[],
        view_only: &[],
    };
    let sources = [
        BuiltInRole::SalesUser,
        BuiltInRole::SupportAgent,
        BuiltInRole::SalesManager,
        BuiltInRole::SupportManager,
    ];
    let extras: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let id = policy
            .clone_role(
                &owner,
                sources[n % sources.len()].id(),
                &format!("Role {n}"),
            )
            .unwrap();
        policy
            .grant(&owner, id, Permissions::VIEW_CONVERSATIONS, Scope::Group)
            .unwrap();
        let extra = extras[n % extras.len()];
        if extra != Permissions::VIEW_CONVERSATIONS {
            policy.grant(&owner, id, extra, Scope::ALL[n % 3]).unwrap();
        }
        ids.push(id);
    }
    (policy, ids)
}

/// `check` in a policy with 10 and with 10,000 custom roles: against the last-created role,
/// and against a random role per call (cycling through 4,096 pre-drawn ones).
fn bench_roles(c: &mut Criterion) {
    let native_groups = groups_of(8);
    let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
    let hit = native_groups[4];
    let conversation = Conversation {
        group: Some(GroupId(hit)),
        assignee: Some(UserId(OTHER)),
        participants: &[],
    };
    let conv = native::Conv {
        group: Some(hit),
        assignee: Some(OTHER),
        participants: &[],
    };
    let mut group = c.benchmark_group("roles");

    for count in [10_usize, 10_000] {
        let (policy, ids) = policy_with_roles(count);
        let last = Subject {
            user: UserId(ME),
            role: *ids.last().unwrap(),
            groups: &groups,
            view_only: &[],
        };
        let mut rng = Rng(count as u64);
        let random: Vec<Subject<'_>> = (0..4096)
            .map(|_| Subject {
                user: UserId(ME),
                role: ids[rng.below(count)],
                groups: &groups,
                view_only: &[],
            })
            .collect();
        for subject in random.iter().chain([&last]) {
            assert!(policy
                .check(subject, Permissions::VIEW_CONVERSATIONS, &conversation)
                .is_allowed());
        }

        group.bench_function(BenchmarkId::new("crate, last created", count), |b| {
            b.iter(|| {
                policy
                    .check(
                        black_box(&last),
                        black_box(Permissions::VIEW_CONVERSATIONS),
                        black_box(&conversation),
                    )
                    .is_allowed()
            });
        });
        group.bench_function(BenchmarkId::new("crate, random", count), |b| {
            let mut i = 0_usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                policy
                    .check(
                        black_box(&random[i]),
                        black_box(Permissions::VIEW_CONVERSATIONS),
                        black_box(&conversation),
                    )
                    .is_allowed()
            });
        });
    }

    // The native baseline has no roles at all: a mask per user.
    let user = native::User::viewing_at(ME, native::Scope::Group, native_groups.clone());
    group.bench_function("native, one user", |b| {
        b.iter(|| {
            native::allowed(
                black_box(&user),
                black_box(native::Perm::ViewConversations),
                black_box(&conv),
            )
        });
    });
    let users: Vec<native::User> = (0..4096)
        .map(|_| native::User::viewing_at(ME, native::Scope::Group, native_groups.clone()))
        .collect();
    group.bench_function("native, 4096 users cycled", |b| {
        let mut i = 0_usize;
        b.iter(|| {
            i = (i + 1) & 4095;
            native::allowed(
                black_box(&users[i]),
                black_box(native::Perm::ViewConversations),
                black_box(&conv),
            )
        });
    });
    group.finish();
}

/// Building a filter, and matching it against 1,000,000 conversations, next to `check` on the
/// same conversations and the native versions of both.
fn bench_filter(c: &mut Criterion) {
    const CONVERSATIONS: usize = 1_000_000;
    let policy = Policy::new(Plan::Pro);
    let native_groups = groups_of(8);
    let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
    let subject = Subject {
        user: UserId(ME),
        role: BuiltInRole::SalesUser.id(),
        groups: &groups,
        view_only: &[],
    };
    let user = native::User::viewing_at(ME, native::Scope::Group, native_groups.clone());

    // Conversations in 64 groups (one in ten without), assigned to one of 16 users (or
    // nobody), with 0 to 3 participants; their participant lists borrow from one pool.
    let mut rng = Rng(2024);
    let mut pool: Vec<u64> = Vec::with_capacity(CONVERSATIONS * 2);
    let mut rows = Vec::with_capacity(CONVERSATIONS);
    for _ in 0..CONVERSATIONS {
        let group = (rng.below(10) != 0).then(|| rng.below(64) as u64 * 13);
        let assignee = (rng.below(4) != 0).then(|| rng.below(16) as u64);
        let start = pool.len();
        for _ in 0..rng.below(4) {
            pool.push(rng.below(16) as u64);
        }
        rows.push((group, assignee, start..pool.len()));
    }
    let pool_ids: Vec<UserId> = pool.iter().copied().map(UserId).collect();
    let conversations: Vec<Conversation<'_>> = rows
        .iter()
        .map(|(group, assignee, range)| Conversation {
            group: group.map(GroupId),
            assignee: assignee.map(UserId),
            participants: &pool_ids[range.clone()],
        })
        .collect();
    let convs: Vec<native::Conv<'_>> = rows
        .iter()
        .map(|(group, assignee, range)| native::Conv {
            group: *group,
            assignee: *assignee,
            participants: &pool[range.clone()],
        })
        .collect();

    let permission = Permissions::VIEW_CONVERSATIONS;
    let filter = policy.filter(&subject, permission);
    let native_filter = native::filter(&user, native::Perm::ViewConversations);
    let by_check = conversations
        .iter()
        .filter(|c| policy.check(&subject, permission, *c).is_allowed())
        .count();
    let by_filter = conversations.iter().filter(|c| filter.matches(*c)).count();
    let by_native = convs.iter().filter(|c| native_filter.matches(c)).count();
    assert_eq!(by_check, by_filter);
    assert_eq!(by_check, by_native);
    assert!(by_check > 0 && by_check < CONVERSATIONS);

    let mut group = c.benchmark_group("filter/build");
    group.bench_function("crate", |b| {
        b.iter(|| policy.filter(black_box(&subject), black_box(permission)));
    });
    group.bench_function("native", |b| {
        b.iter(|| native::filter(black_box(&user), black_box(native::Perm::ViewConversations)));
    });
    group.finish();

    let mut group = c.benchmark_group("filter/1M conversations");
    group.throughput(Throughput::Elements(CONVERSATIONS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("crate filter.matches", |b| {
        b.iter(|| {
            let filter = policy.filter(black_box(&subject), black_box(permission));
            black_box(&conversations)
                .iter()
                .filter(|c| filter.matches(*c))
                .count()
        });
    });
    group.bench_function("crate check", |b| {
        b.iter(|| {
            let subject = black_box(&subject);
            black_box(&conversations)
                .iter()
                .filter(|c| policy.check(subject, permission, *c).is_allowed())
                .count()
        });
    });
    group.bench_function("native filter.matches", |b| {
        b.iter(|| {
            let filter = native::filter(black_box(&user), native::Perm::ViewConversations);
            black_box(&convs)
                .iter()
                .filter(|c| filter.matches(c))
                .count()
        });
    });
    group.bench_function("native check", |b| {
        b.iter(|| {
            let user = black_box(&user);
            black_box(&convs)
                .iter()
                .filter(|c| native::allowed(user, native::Perm::ViewConversations, c))
                .count()
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_scopes, bench_roles, bench_filter
}
criterion_main!(benches);
