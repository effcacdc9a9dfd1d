//! How fast `check` and filters are, each next to a hand-written native baseline so the ratio
//! reads off one run.
//!
//! The native baseline is what a host would write by hand without this crate: per user, a
//! permission bitmask and a scope byte per permission, and a plain scan of the user's groups
//! (`slice::contains`). It answers `bool` only; the crate answers a `Decision` that can explain
//! itself (here only `is_allowed()` is read, as a host's hot path would).
//!
//! Run: `cargo bench --bench check` (the measured tables live in `benches/README.md`). Groups:
//! - `scope/<case>/<n> groups`: `check` at each scope for a user in 1, 8 and 1,000 groups, the
//!   same check through the subject resolved once (`crate resolved`: no role lookup, like the
//!   baseline's per-user mask), `allows` (the verdict alone) through the policy and through
//!   the resolved subject, and `allowed` (every permission at once) for the same subject and
//!   conversation;
//! - `roles/...`: `check` in a policy with 10 and with 10,000 custom roles (the last created,
//!   and a random one per call, also resolved beforehand like the baseline's 4,096 users),
//!   beside the built-in role granting the same; `check` and `allows` for each; and the
//!   baseline written as the crate works (`native by role`: the same users, each role's row
//!   found by id in a table of them);
//! - `extensions/...`: the same checks with the twenty permissions only and with 44 extensions
//!   declared;
//! - `who_may/build/...`: building `who_may` in a policy with 10 and with 10,000 custom roles;
//! - `mixed/1M questions/...`: the realistic mixed workload of issue 12 (2,000 agents, 100,000
//!   conversations, three custom roles, 1,000,000 random questions), `check` and `allows`,
//!   with each agent's subject also resolved once, beside engine-free models;
//! - `filter/...`: building a filter, and matching it against 1,000,000 conversations, next to
//!   `check` on the same 1,000,000;
//! - `explain/<case>/...`: the cases over 1.2x of the native baseline, beside four engine-free
//!   models of `check` (module `mimic`) that show where the time goes; `explain/scan ...`:
//!   three ways to scan a short group list.
//!
//! Everything a case needs is built before it is timed; inputs pass through `black_box`.
//!
//! The binary has two more modes for the `scope` and `roles` cases (module `loops`):
//! `INSTRUCTIONS=<n>` runs each as a plain loop that `benches/instructions.sh` counts under
//! callgrind, and `INTERLEAVED=<rounds>` times each case's variants in turn and prints the
//! fastest loop of each.
//!
//! The fixtures come from the tests' deterministic PRNG (splitmix64, `tests/common`), so every
//! run measures the same data.

// The tests' shared helpers; the bench uses their PRNG.
#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use common::Rng;
use criterion::measurement::WallTime;
use criterion::{criterion_group, BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use helpdesk_policy::{
    BuiltInRole, Conversation, ExtensionPermission, GroupId, PermissionKind, Permissions, Plan,
    Policy, RoleId, Scope, Subject, UserId, Vocabulary,
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
        Reply = 1,
        DeleteConversation = 5,
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

        /// A user holding each of `grants` at its scope, and nothing else.
        pub fn holding(id: u64, grants: &[(Perm, Scope)], groups: Vec<u64>) -> User {
            let mut user = User {
                id,
                perms: 0,
                scopes: [Scope::Global; 20],
                groups,
            };
            for &(perm, scope) in grants {
                user.perms |= 1 << perm as u32;
                user.scopes[perm as usize] = scope;
            }
            user
        }
    }

    /// A conversation's row, as the host holds it.
    #[derive(Clone, Copy)]
    pub struct Conv<'a> {
        pub group: Option<u64>,
        pub assignee: Option<u64>,
        pub participants: &'a [u64],
    }

    /// The decision of both baselines, written once and expanded in each: a bitmask, a scope
    /// byte, plain scans. A macro rather than a shared function, because the compiler gave the
    /// per-user baseline different instructions when it called one (inlined or not), and that
    /// baseline's code must not move.
    macro_rules! decide {
        ($id:expr, $perms:expr, $scopes:expr, $groups:expr, $perm:expr, $conv:expr) => {{
            if $perms & (1 << $perm as u32) == 0 {
                return false;
            }
            match $scopes[$perm as usize] {
                Scope::Global => true,
                Scope::Group => {
                    $conv.assignee == Some($id)
                        || $conv.group.is_some_and(|g| $groups.contains(&g))
                        || $conv.participants.contains(&$id)
                }
                Scope::Restricted => {
                    $conv.assignee == Some($id) || $conv.participants.contains(&$id)
                }
            }
        }};
    }

    /// May `user` do `perm` on `conv`? Bitmask, scope byte, plain scans.
    #[inline]
    pub fn allowed(user: &User, perm: Perm, conv: &Conv<'_>) -> bool {
        decide!(user.id, user.perms, user.scopes, user.groups, perm, conv)
    }

    /// What a host keeps per role when it keeps roles apart from users: the same bitmask and
    /// scope bytes as a [`User`] holds, 24 bytes.
    #[derive(Clone, Copy)]
    pub struct RoleRow {
        pub perms: u32,
        pub scopes: [Scope; 20],
    }

    impl RoleRow {
        /// No role at this id: grants nothing.
        pub const NONE: RoleRow = RoleRow {
            perms: 0,
            scopes: [Scope::Restricted; 20],
        };
    }

    /// A user as a host hands it to a check when roles live in their own table: what the
    /// crate's `Subject` holds (the user, the role's id, the groups).
    #[derive(Clone, Copy)]
    pub struct Member<'g> {
        pub id: u64,
        pub role: u32,
        pub groups: &'g [u64],
    }

    /// May `member` do `perm` on `conv`? Its role's row found by id in `roles` (indexed by id,
    /// as ids are handed out in sequence), then decided as [`allowed`] decides.
    #[inline]
    pub fn allowed_by_role(
        roles: &[RoleRow],
        member: &Member<'_>,
        perm: Perm,
        conv: &Conv<'_>,
    ) -> bool {
        let Some(role) = roles.get(member.role as usize) else {
            return false;
        };
        decide!(
            member.id,
            role.perms,
            role.scopes,
            member.groups,
            perm,
            conv
        )
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

/// Engine-free models of `check`, to see where its time goes next to the native baseline
/// (`explain/...`): the crate's own `Subject` and `Conversation`, but the decision written here
/// in four shapes. Each looks a role up by id in tables shaped like 0.2.0's (built-in roles by
/// index, custom roles through a dense id table, roles as big as the crate's `Role`; the crate
/// now finds both kinds through one id table) and
/// keeps three nested masks per role like the crate's grants; they differ only in
/// what they return (a `bool`, or a reason as big as the crate's) and in whether the
/// narrow-scope path is inlined (as the crate now does) or kept out of line (as 0.2.0 did).
mod mimic {
    // The reasons' fields are what a host would read to explain; the models only build them.
    #![allow(dead_code)]

    use helpdesk_policy::{BuiltInRole, Conversation, GroupId, Policy, RoleId, Scope, Subject};

    /// A role's grants as three nested masks, like the crate's.
    #[derive(Clone, Copy)]
    pub struct Grants {
        pub any: u64,
        pub group: u64,
        pub global: u64,
    }

    impl Grants {
        /// What the crate's role `id` grants.
        pub fn of(policy: &Policy, id: RoleId) -> Grants {
            let role = policy.role(id).unwrap();
            Grants {
                any: role.permissions_at_least(Scope::Restricted).bits(),
                group: role.permissions_at_least(Scope::Group).bits(),
                global: role.permissions_at_least(Scope::Global).bits(),
            }
        }
    }

    /// The model's tables for `policy`: its nine built-in roles and its custom roles `custom`
    /// (which must be numbered from 100 without gaps).
    pub fn roles_of(policy: &Policy, custom: &[RoleId]) -> Roles {
        let builtin: Vec<Grants> = BuiltInRole::ALL
            .iter()
            .map(|r| Grants::of(policy, r.id()))
            .collect();
        assert!(custom.iter().zip(100..).all(|(id, n)| id.0 == n));
        let custom: Vec<Grants> = custom.iter().map(|&id| Grants::of(policy, id)).collect();
        Roles::new(&builtin, &custom)
    }

    /// A role as big as the crate's `Role` (112 bytes): the grants, and as many bytes again
    /// for what a role carries besides (name, description, ...).
    pub struct Role {
        pub id: u32,
        pub grants: Grants,
        _rest: [u64; 10],
    }

    /// Built-in roles by index, custom roles through a dense table from id to position.
    pub struct Roles {
        builtin: Vec<Role>,
        custom: Vec<Role>,
        index: Vec<u32>,
    }

    impl Roles {
        /// Nine built-in roles (ids 1 to 9) and `custom` (ids from 100), each granting
        /// `grants`.
        pub fn new(builtin: &[Grants], custom: &[Grants]) -> Roles {
            let role = |id, grants| Role {
                id,
                grants,
                _rest: [0; 10],
            };
            Roles {
                builtin: (1..).zip(builtin).map(|(id, &g)| role(id, g)).collect(),
                custom: (100..).zip(custom).map(|(id, &g)| role(id, g)).collect(),
                index: (0..custom.len() as u32).collect(),
            }
        }

        #[inline]
        pub fn get(&self, id: u32) -> Option<&Role> {
            if id < 100 {
                self.builtin.get((id as usize).wrapping_sub(1))
            } else {
                let position = *self.index.get((id - 100) as usize)?;
                self.custom.get(position as usize)
            }
        }
    }

    /// What decided, as the crate's `Fact` (group ids carried).
    #[derive(Clone, Copy)]
    pub enum Fact {
        Everywhere,
        Assignee,
        Participant,
        InUsersGroups(GroupId),
        OutsideUsersGroups(GroupId),
        NoGroup,
        NotTakenUp,
    }

    /// A reason as big as the crate's `Reason` (role, permission, scope, fact).
    #[derive(Clone, Copy)]
    pub enum Reason<'p> {
        Granted {
            role: &'p Role,
            permission: u64,
            scope: u8,
            fact: Fact,
        },
        NothingAsked,
        UnknownRole(u32),
        NotGranted {
            role: &'p Role,
            permission: u64,
        },
        OutOfScope {
            role: &'p Role,
            permission: u64,
            scope: u8,
            fact: Fact,
        },
    }

    impl Reason<'_> {
        #[inline]
        pub fn is_allowed(&self) -> bool {
            matches!(self, Reason::Granted { .. })
        }
    }

    fn lowest(bits: u64) -> u64 {
        bits & bits.wrapping_neg()
    }

    /// The narrow-scope decision with its reason: what the crate's out-of-line part decides.
    #[inline(always)]
    fn narrow<'p>(
        role: &'p Role,
        subject: &Subject<'_>,
        wanted: u64,
        c: &Conversation<'_>,
    ) -> Reason<'p> {
        let g = role.grants;
        if wanted == 0 {
            return Reason::NothingAsked;
        }
        if g.any & wanted != wanted {
            let permission = lowest(wanted & !g.any);
            return Reason::NotGranted { role, permission };
        }
        let (scope, permission) = if g.group & wanted != wanted {
            (0, lowest(wanted & !g.group))
        } else if g.global & wanted != wanted {
            (1, lowest(wanted & !g.global))
        } else {
            let permission = lowest(wanted);
            let fact = Fact::Everywhere;
            return Reason::Granted {
                role,
                permission,
                scope: 2,
                fact,
            };
        };
        let granted = |fact| Reason::Granted {
            role,
            permission,
            scope,
            fact,
        };
        if c.assignee == Some(subject.user) {
            return granted(Fact::Assignee);
        }
        if scope == 1 {
            if let Some(group) = c.group {
                if subject.groups.contains(&group) {
                    return granted(Fact::InUsersGroups(group));
                }
            }
        }
        if c.participants.contains(&subject.user) {
            return granted(Fact::Participant);
        }
        let fact = match (scope, c.group) {
            (0, _) => Fact::NotTakenUp,
            (_, Some(group)) => Fact::OutsideUsersGroups(group),
            (_, None) => Fact::NoGroup,
        };
        Reason::OutOfScope {
            role,
            permission,
            scope,
            fact,
        }
    }

    /// The narrow-scope verdict alone.
    #[inline(always)]
    fn narrow_bool(role: &Role, subject: &Subject<'_>, wanted: u64, c: &Conversation<'_>) -> bool {
        let g = role.grants;
        if wanted == 0 || g.any & wanted != wanted {
            return false;
        }
        c.assignee == Some(subject.user)
            || (g.group & wanted == wanted
                && c.group.is_some_and(|group| subject.groups.contains(&group)))
            || c.participants.contains(&subject.user)
    }

    #[inline(never)]
    fn narrow_out_of_line<'p>(
        role: &'p Role,
        s: &Subject<'_>,
        wanted: u64,
        c: &Conversation<'_>,
    ) -> Reason<'p> {
        narrow(role, s, wanted, c)
    }

    #[inline(never)]
    fn narrow_bool_out_of_line(
        role: &Role,
        s: &Subject<'_>,
        wanted: u64,
        c: &Conversation<'_>,
    ) -> bool {
        narrow_bool(role, s, wanted, c)
    }

    /// A verdict, all in line.
    #[inline]
    pub fn bool_inline(roles: &Roles, s: &Subject<'_>, wanted: u64, c: &Conversation<'_>) -> bool {
        let Some(role) = roles.get(s.role.0) else {
            return false;
        };
        (wanted != 0 && role.grants.global & wanted == wanted) || narrow_bool(role, s, wanted, c)
    }

    /// A verdict, Global in line and the rest out of line.
    #[inline]
    pub fn bool_out_of_line(
        roles: &Roles,
        s: &Subject<'_>,
        wanted: u64,
        c: &Conversation<'_>,
    ) -> bool {
        let Some(role) = roles.get(s.role.0) else {
            return false;
        };
        (wanted != 0 && role.grants.global & wanted == wanted)
            || narrow_bool_out_of_line(role, s, wanted, c)
    }

    /// A reason, all in line.
    #[inline]
    pub fn reason_inline<'p>(
        roles: &'p Roles,
        s: &Subject<'_>,
        wanted: u64,
        c: &Conversation<'_>,
    ) -> Reason<'p> {
        match roles.get(s.role.0) {
            None => Reason::UnknownRole(s.role.0),
            Some(role) => narrow(role, s, wanted, c),
        }
    }

    /// A reason, Global in line and the rest out of line: the shape of 0.2.0.
    #[inline]
    pub fn reason_out_of_line<'p>(
        roles: &'p Roles,
        s: &Subject<'_>,
        wanted: u64,
        c: &Conversation<'_>,
    ) -> Reason<'p> {
        let Some(role) = roles.get(s.role.0) else {
            return Reason::UnknownRole(s.role.0);
        };
        if wanted != 0 && role.grants.global & wanted == wanted {
            let permission = lowest(wanted);
            let fact = Fact::Everywhere;
            return Reason::Granted {
                role,
                permission,
                scope: 2,
                fact,
            };
        }
        narrow_out_of_line(role, s, wanted, c)
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

/// One case of the `scope` group: its name, the built-in role, the native scope granting
/// `view_conversations`, the conversation's group, its assignee, and whether the user is among
/// its participants.
type ScopeCase = (&'static str, BuiltInRole, native::Scope, u64, u64, bool);

/// The five cases of the `scope` group, for a user whose groups include `hit` and not `miss`.
fn scope_cases(hit: u64, miss: u64) -> [ScopeCase; 5] {
    [
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
    ]
}

/// The conversation of a scope case, for the crate and for the native baseline: in `group`,
/// assigned to `assignee`, with the user among its participants when `participates`.
fn scope_conversation(
    group: u64,
    assignee: u64,
    participates: bool,
) -> (Conversation<'static>, native::Conv<'static>) {
    const WITH_ME: [UserId; 3] = [UserId(3), UserId(5), UserId(ME)];
    const WITHOUT_ME: [UserId; 2] = [UserId(3), UserId(5)];
    const NATIVE_WITH_ME: [u64; 3] = [3, 5, ME];
    const NATIVE_WITHOUT_ME: [u64; 2] = [3, 5];
    let (participants, native_participants): (&'static [UserId], &'static [u64]) = if participates {
        (&WITH_ME, &NATIVE_WITH_ME)
    } else {
        (&WITHOUT_ME, &NATIVE_WITHOUT_ME)
    };
    (
        Conversation {
            group: Some(GroupId(group)),
            assignee: Some(UserId(assignee)),
            participants,
        },
        native::Conv {
            group: Some(group),
            assignee: Some(assignee),
            participants: native_participants,
        },
    )
}

/// `check` at each scope for a user in 1, 8 and 1,000 groups, next to the native baseline.
fn bench_scopes(c: &mut Criterion) {
    let policy = Policy::new(Plan::Pro);

    for n in [1_u64, 8, 1_000] {
        let native_groups = groups_of(n);
        let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
        // The hit is the group in the middle of the user's list (the only one for n = 1).
        let hit = native_groups[native_groups.len() / 2];
        let miss = 0;

        let cases = scope_cases(hit, miss);

        for (case, role, scope, group, assignee, participates) in cases {
            let subject = Subject::new(UserId(ME), role.id(), &groups);
            let (conversation, conv) = scope_conversation(group, assignee, participates);
            let user = native::User::viewing_at(ME, scope, native_groups.clone());
            let expected = native::allowed(&user, native::Perm::ViewConversations, &conv);
            assert_eq!(
                policy
                    .check(&subject, Permissions::VIEW_CONVERSATIONS, &conversation)
                    .is_allowed(),
                expected,
                "{case}"
            );
            assert_eq!(expected, case != "group miss", "{case}");
            assert_eq!(
                policy
                    .allowed(&subject, &conversation)
                    .contains(Permissions::VIEW_CONVERSATIONS),
                expected,
                "{case}"
            );

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
            // The same check through the subject resolved once (its role looked up before
            // timing), as the baseline's user keeps its mask ready.
            let resolved = policy.resolve(subject);
            group.bench_function(
                BenchmarkId::new("crate resolved", format!("{n} groups")),
                |b| {
                    b.iter(|| {
                        black_box(&resolved)
                            .check(
                                black_box(Permissions::VIEW_CONVERSATIONS),
                                black_box(&conversation),
                            )
                            .is_allowed()
                    });
                },
            );
            // The verdict alone, through the policy and through the resolved subject.
            assert_eq!(
                policy.allows(&subject, Permissions::VIEW_CONVERSATIONS, &conversation),
                expected,
                "{case}"
            );
            assert_eq!(
                resolved.allows(Permissions::VIEW_CONVERSATIONS, &conversation),
                expected,
                "{case}"
            );
            group.bench_function(
                BenchmarkId::new("crate allows", format!("{n} groups")),
                |b| {
                    b.iter(|| {
                        policy.allows(
                            black_box(&subject),
                            black_box(Permissions::VIEW_CONVERSATIONS),
                            black_box(&conversation),
                        )
                    });
                },
            );
            group.bench_function(
                BenchmarkId::new("crate resolved allows", format!("{n} groups")),
                |b| {
                    b.iter(|| {
                        black_box(&resolved).allows(
                            black_box(Permissions::VIEW_CONVERSATIONS),
                            black_box(&conversation),
                        )
                    });
                },
            );
            // Every permission at once (the conversation page's buttons), the whole set
            // returned: the target is within 1.5x of the one `check` above.
            group.bench_function(
                BenchmarkId::new("crate allowed", format!("{n} groups")),
                |b| {
                    b.iter(|| policy.allowed(black_box(&subject), black_box(&conversation)));
                },
            );
            group.finish();
        }
    }
}

/// A policy holding `count` custom roles, each granting `view_conversations` at Group scope
/// (and differing in other grants), made by the Account Admin.
fn policy_with_roles(count: usize) -> (Policy, Vec<RoleId>) {
    let mut policy = Policy::new(Plan::Enterprise);
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
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

/// The `roles` cases' facts, for criterion and for the plain loops alike: a user in 8 groups
/// and a conversation in the fifth of them, assigned to someone else.
struct RolesCase {
    native_groups: Vec<u64>,
    groups: Vec<GroupId>,
    conversation: Conversation<'static>,
    conv: native::Conv<'static>,
}

fn roles_case() -> RolesCase {
    let native_groups = groups_of(8);
    let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
    let hit = native_groups[4];
    RolesCase {
        conversation: Conversation {
            group: Some(GroupId(hit)),
            assignee: Some(UserId(OTHER)),
            participants: &[],
        },
        conv: native::Conv {
            group: Some(hit),
            assignee: Some(OTHER),
            participants: &[],
        },
        native_groups,
        groups,
    }
}

/// 4,096 subjects in `groups`, each holding a role drawn from `ids` (seeded by their number).
fn random_subjects<'g>(ids: &[RoleId], groups: &'g [GroupId]) -> Vec<Subject<'g>> {
    let mut rng = Rng(ids.len() as u64);
    (0..4096)
        .map(|_| Subject::new(UserId(ME), ids[rng.below(ids.len())], groups))
        .collect()
}

/// The native baseline's role table for `policy`: a row for every id up to `last` (the last one
/// handed out), each with the role's mask and scope bytes for the twenty built-in permissions.
fn native_role_rows(policy: &Policy, last: RoleId) -> Vec<native::RoleRow> {
    (0..=last.0)
        .map(|id| {
            let mut row = native::RoleRow::NONE;
            let Some(role) = policy.role(RoleId(id)) else {
                return row;
            };
            for (permission, scope) in role.grants() {
                let bit = permission.bits().trailing_zeros() as usize;
                if bit < 20 {
                    row.perms |= 1 << bit;
                    row.scopes[bit] = match scope {
                        Scope::Global => native::Scope::Global,
                        Scope::Group => native::Scope::Group,
                        Scope::Restricted => native::Scope::Restricted,
                    };
                }
            }
            row
        })
        .collect()
}

/// The native baseline's users for `subjects`: the same user, role id and groups each.
fn native_members<'g>(subjects: &[Subject<'_>], groups: &'g [u64]) -> Vec<native::Member<'g>> {
    subjects
        .iter()
        .map(|subject| native::Member {
            id: subject.user.0,
            role: subject.role.0,
            groups,
        })
        .collect()
}

/// `check` in a policy with 10 and with 10,000 custom roles: against the last-created role,
/// and against a random role per call (cycling through 4,096 pre-drawn ones).
fn bench_roles(c: &mut Criterion) {
    let RolesCase {
        native_groups,
        groups,
        conversation,
        conv,
    } = roles_case();
    let mut group = c.benchmark_group("roles");

    for count in [10_usize, 10_000] {
        let (policy, ids) = policy_with_roles(count);
        let last = Subject::new(UserId(ME), *ids.last().unwrap(), &groups);
        let random = random_subjects(&ids, &groups);
        // The built-in role granting the same (Sales User: view_conversations at Group), in
        // the same policy, for one subject and cycling through 4,096 subjects like `random`.
        let builtin = Subject::new(UserId(ME), BuiltInRole::SalesUser.id(), &groups);
        let builtins: Vec<Subject<'_>> = vec![builtin; 4096];
        for subject in random.iter().chain([&last, &builtin]) {
            assert!(policy
                .check(subject, Permissions::VIEW_CONVERSATIONS, &conversation)
                .is_allowed());
        }

        group.bench_function(BenchmarkId::new("crate, built-in", count), |b| {
            b.iter(|| {
                policy
                    .check(
                        black_box(&builtin),
                        black_box(Permissions::VIEW_CONVERSATIONS),
                        black_box(&conversation),
                    )
                    .is_allowed()
            });
        });
        group.bench_function(BenchmarkId::new("crate, built-in cycled", count), |b| {
            let mut i = 0_usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                policy
                    .check(
                        black_box(&builtins[i]),
                        black_box(Permissions::VIEW_CONVERSATIONS),
                        black_box(&conversation),
                    )
                    .is_allowed()
            });
        });

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
        // The verdict alone, for the same subjects.
        for subject in random.iter().chain([&last, &builtin]) {
            assert!(policy.allows(subject, Permissions::VIEW_CONVERSATIONS, &conversation));
        }
        group.bench_function(BenchmarkId::new("crate allows, built-in", count), |b| {
            b.iter(|| {
                policy.allows(
                    black_box(&builtin),
                    black_box(Permissions::VIEW_CONVERSATIONS),
                    black_box(&conversation),
                )
            });
        });
        group.bench_function(BenchmarkId::new("crate allows, last created", count), |b| {
            b.iter(|| {
                policy.allows(
                    black_box(&last),
                    black_box(Permissions::VIEW_CONVERSATIONS),
                    black_box(&conversation),
                )
            });
        });
        group.bench_function(BenchmarkId::new("crate allows, random", count), |b| {
            let mut i = 0_usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                policy.allows(
                    black_box(&random[i]),
                    black_box(Permissions::VIEW_CONVERSATIONS),
                    black_box(&conversation),
                )
            });
        });
        // The baseline written as the crate works: roles in their own table, each user's
        // row found by the role's id; the same users, role ids and groups as `random`.
        let rows = native_role_rows(&policy, *ids.last().unwrap());
        let members = native_members(&random, &native_groups);
        // `grant` sets a scope: every custom role here views at Group, whatever it was cloned
        // from, so this line's branches are as predictable as the per-user baseline's.
        let view = native::Perm::ViewConversations as usize;
        assert!(members
            .iter()
            .all(|m| rows[m.role as usize].scopes[view] == native::Scope::Group));
        for (member, subject) in members.iter().zip(&random) {
            assert_eq!(
                native::allowed_by_role(&rows, member, native::Perm::ViewConversations, &conv),
                policy.allows(subject, Permissions::VIEW_CONVERSATIONS, &conversation)
            );
        }
        group.bench_function(BenchmarkId::new("native by role, random", count), |b| {
            let mut i = 0_usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                native::allowed_by_role(
                    black_box(&rows),
                    black_box(&members[i]),
                    black_box(native::Perm::ViewConversations),
                    black_box(&conv),
                )
            });
        });
        // The same random subjects resolved before timing, like the baseline's 4,096 users.
        let resolved: Vec<_> = random.iter().map(|&s| policy.resolve(s)).collect();
        group.bench_function(
            BenchmarkId::new("crate resolved allows, random", count),
            |b| {
                let mut i = 0_usize;
                b.iter(|| {
                    i = (i + 1) & 4095;
                    black_box(&resolved[i]).allows(
                        black_box(Permissions::VIEW_CONVERSATIONS),
                        black_box(&conversation),
                    )
                });
            },
        );
        group.bench_function(BenchmarkId::new("crate resolved, random", count), |b| {
            let mut i = 0_usize;
            b.iter(|| {
                i = (i + 1) & 4095;
                black_box(&resolved[i])
                    .check(
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
    let subject = Subject::new(UserId(ME), BuiltInRole::SalesUser.id(), &groups);
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

/// 44 extension permissions (the most a vocabulary holds), of all three kinds in turn; the
/// first is a conversation permission that the Sales User holds at Group by default.
fn forty_four_extensions() -> Vocabulary {
    let extensions = (0..44).map(|i| {
        // Extension names are `&'static str` (a host declares them in code); leak 44 short
        // strings once.
        let name: &'static str = Box::leak(format!("extension_{i:02}").into_boxed_str());
        let kind = [
            PermissionKind::Conversation,
            PermissionKind::Team,
            PermissionKind::Account,
        ][i % 3];
        let extension = ExtensionPermission::new(name, kind);
        if i == 0 {
            extension.default_grant(BuiltInRole::SalesUser, Scope::Group)
        } else {
            extension
        }
    });
    let vocabulary = Vocabulary::new(extensions).unwrap();
    assert_eq!(vocabulary.all().bits(), u64::MAX);
    vocabulary
}

/// The same checks in a policy knowing only the twenty permissions and in one knowing 44
/// extensions besides: a built-in role at Global and at Group (a hit among 8 groups), a custom
/// role at Group, `allowed`, and (with extensions) an extension permission at Group.
fn bench_extensions(c: &mut Criterion) {
    let native_groups = groups_of(8);
    let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
    let hit = GroupId(native_groups[4]);
    let conversation = Conversation {
        group: Some(hit),
        assignee: Some(UserId(OTHER)),
        participants: &[],
    };
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    let mut group = c.benchmark_group("extensions");

    for (label, vocabulary) in [
        ("built-in only", Vocabulary::builtin()),
        ("44 extensions", forty_four_extensions()),
    ] {
        let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary);
        let custom = policy
            .clone_role(&owner, BuiltInRole::SalesUser.id(), "Regional sales")
            .unwrap();
        let agent = Subject::new(UserId(ME), BuiltInRole::SupportAgent.id(), &groups);
        let sales = Subject::new(UserId(ME), BuiltInRole::SalesUser.id(), &groups);
        let regional = Subject::new(UserId(ME), custom, &groups);
        let view = Permissions::VIEW_CONVERSATIONS;
        // (case, subject, permission)
        let mut cases = vec![
            ("global", agent, view),
            ("group hit", sales, view),
            ("custom role, group hit", regional, view),
        ];
        if let Some(extension) = policy.vocabulary().permission("extension_00") {
            cases.push(("extension permission, group hit", sales, extension));
        }
        for (case, subject, permission) in cases {
            assert!(policy
                .check(&subject, permission, &conversation)
                .is_allowed());
            group.bench_function(BenchmarkId::new(label, case), |b| {
                b.iter(|| {
                    policy
                        .check(
                            black_box(&subject),
                            black_box(permission),
                            black_box(&conversation),
                        )
                        .is_allowed()
                });
            });
        }
        assert!(policy.allowed(&sales, &conversation).contains(view));
        group.bench_function(BenchmarkId::new(label, "allowed, group hit"), |b| {
            b.iter(|| policy.allowed(black_box(&sales), black_box(&conversation)));
        });
    }
    group.finish();
}

/// Building `who_may` for a conversation in a policy with 10 and with 10,000 custom roles
/// (every one of them grants `view_conversations` at Group, so each lands in the filter).
/// Target: under 1 ms with 10,000.
fn bench_who_may(c: &mut Criterion) {
    let participants = [UserId(3), UserId(5)];
    let conversation = Conversation {
        group: Some(GroupId(13)),
        assignee: Some(UserId(OTHER)),
        participants: &participants,
    };
    let mut group = c.benchmark_group("who_may/build");
    for count in [10_usize, 10_000] {
        let (policy, ids) = policy_with_roles(count);
        let filter = policy.who_may(Permissions::VIEW_CONVERSATIONS, &conversation);
        assert_eq!(
            filter.roles_by_membership().len(),
            count + 1,
            "and Sales User"
        );
        assert!(filter.matches(&Subject::new(UserId(9), ids[0], &[GroupId(13)])));
        group.bench_function(
            BenchmarkId::new("crate", format!("{count} custom roles")),
            |b| {
                b.iter(|| {
                    policy.who_may(
                        black_box(Permissions::VIEW_CONVERSATIONS),
                        black_box(&conversation),
                    )
                });
            },
        );
    }
    group.finish();
}

/// The realistic mixed workload of issue 12: 2,000 agents in 1 to 8 of 64 groups, 100,000
/// conversations (95% in a group, 70% assigned to an agent; 60% have no participant, 30% one,
/// 10% two), three custom roles granting `reply` at Global, Group and Restricted to 10%, 60%
/// and 30% of the agents, `view_conversations` at Global to all three, `delete_conversation` at
/// Global to the Global role only; 1,000,000 random questions (agent, conversation,
/// permission), 80% `reply`, 15% `view_conversations`, 5% `delete_conversation`.
///
/// The native baseline is as strict as the others: a mask and scope bytes per user, computed
/// in advance, so it needs no role lookup.
fn bench_mixed(c: &mut Criterion) {
    const AGENTS: usize = 2_000;
    const GROUPS: usize = 64;
    const CONVERSATIONS: usize = 100_000;
    const QUESTIONS: usize = 1_000_000;
    const FIRST_AGENT: u64 = 1_000;

    let mut rng = Rng(12);
    let mut policy = Policy::new(Plan::Pro);
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    // (role, native grants), by reply scope: Global, Group, Restricted.
    let roles: Vec<(RoleId, Vec<(native::Perm, native::Scope)>)> = [
        ("Lead", Scope::Global, native::Scope::Global),
        ("Team agent", Scope::Group, native::Scope::Group),
        ("Contractor", Scope::Restricted, native::Scope::Restricted),
    ]
    .into_iter()
    .map(|(name, scope, native_scope)| {
        let role = policy
            .clone_role(&owner, BuiltInRole::RestrictedUser.id(), name)
            .unwrap();
        let mut grants = vec![
            (Permissions::VIEW_CONVERSATIONS, Scope::Global),
            (Permissions::REPLY, scope),
        ];
        let mut native_grants = vec![
            (native::Perm::ViewConversations, native::Scope::Global),
            (native::Perm::Reply, native_scope),
        ];
        if scope == Scope::Global {
            grants.push((Permissions::DELETE_CONVERSATION, Scope::Global));
            native_grants.push((native::Perm::DeleteConversation, native::Scope::Global));
        }
        policy.set_grants(&owner, role, grants).unwrap();
        (role, native_grants)
    })
    .collect();

    // Agents: a role (10% / 60% / 30%) and 1 to 8 distinct groups.
    let mut agent_roles = Vec::with_capacity(AGENTS);
    let mut agent_groups: Vec<Vec<u64>> = Vec::with_capacity(AGENTS);
    for _ in 0..AGENTS {
        let draw = rng.below(10);
        agent_roles.push(match draw {
            0 => 0,
            1..=6 => 1,
            _ => 2,
        });
        let mut mine: Vec<u64> = Vec::new();
        let wanted = 1 + rng.below(8);
        while mine.len() < wanted {
            let g = (rng.below(GROUPS) as u64 + 1) * 13;
            if !mine.contains(&g) {
                mine.push(g);
            }
        }
        agent_groups.push(mine);
    }
    let agent_group_ids: Vec<Vec<GroupId>> = agent_groups
        .iter()
        .map(|groups| groups.iter().copied().map(GroupId).collect())
        .collect();
    let subjects: Vec<Subject<'_>> = (0..AGENTS)
        .map(|a| {
            Subject::new(
                UserId(FIRST_AGENT + a as u64),
                roles[agent_roles[a]].0,
                &agent_group_ids[a],
            )
        })
        .collect();
    let users: Vec<native::User> = (0..AGENTS)
        .map(|a| {
            native::User::holding(
                FIRST_AGENT + a as u64,
                &roles[agent_roles[a]].1,
                agent_groups[a].clone(),
            )
        })
        .collect();

    // Conversations; participant lists borrow from one pool.
    let mut pool: Vec<u64> = Vec::with_capacity(CONVERSATIONS);
    let mut rows = Vec::with_capacity(CONVERSATIONS);
    for _ in 0..CONVERSATIONS {
        let group = rng
            .chance(95, 100)
            .then(|| (rng.below(GROUPS) as u64 + 1) * 13);
        let assignee = rng
            .chance(70, 100)
            .then(|| FIRST_AGENT + rng.below(AGENTS) as u64);
        let start = pool.len();
        let participants = match rng.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => 2,
        };
        for _ in 0..participants {
            pool.push(FIRST_AGENT + rng.below(AGENTS) as u64);
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

    // Questions: (agent, conversation, which permission), the permission as an index into
    // one small table per side.
    const CRATE_PERMS: [Permissions; 3] = [
        Permissions::REPLY,
        Permissions::VIEW_CONVERSATIONS,
        Permissions::DELETE_CONVERSATION,
    ];
    const NATIVE_PERMS: [native::Perm; 3] = [
        native::Perm::Reply,
        native::Perm::ViewConversations,
        native::Perm::DeleteConversation,
    ];
    let questions: Vec<Question> = (0..QUESTIONS)
        .map(|_| Question {
            agent: rng.below(AGENTS) as u32,
            conversation: rng.below(CONVERSATIONS) as u32,
            permission: match rng.below(100) {
                0..=79 => 0,
                80..=94 => 1,
                _ => 2,
            },
        })
        .collect();

    let ask_crate = |q: &Question| {
        policy
            .check(
                &subjects[q.agent as usize],
                CRATE_PERMS[q.permission as usize],
                &conversations[q.conversation as usize],
            )
            .is_allowed()
    };
    // Each agent resolved once, as the baseline keeps each user's mask.
    let resolved: Vec<_> = subjects.iter().map(|&s| policy.resolve(s)).collect();
    let ask_resolved = |q: &Question| {
        resolved[q.agent as usize]
            .check(
                CRATE_PERMS[q.permission as usize],
                &conversations[q.conversation as usize],
            )
            .is_allowed()
    };
    // The verdict alone: one random agent per question, as the peers measure it, and each
    // agent resolved once.
    let ask_allows = |q: &Question| {
        policy.allows(
            &subjects[q.agent as usize],
            CRATE_PERMS[q.permission as usize],
            &conversations[q.conversation as usize],
        )
    };
    let ask_resolved_allows = |q: &Question| {
        resolved[q.agent as usize].allows(
            CRATE_PERMS[q.permission as usize],
            &conversations[q.conversation as usize],
        )
    };
    let ask_native = |q: &Question| {
        native::allowed(
            &users[q.agent as usize],
            NATIVE_PERMS[q.permission as usize],
            &convs[q.conversation as usize],
        )
    };
    let mut allowed = 0;
    for q in &questions {
        let answer = ask_crate(q);
        assert_eq!(answer, ask_native(q));
        allowed += usize::from(answer);
    }
    // A mix of allowed and denied: about one in four allowed (every view; replies by the
    // Global role and in the agent's own groups, which a random conversation seldom is in).
    assert!(
        allowed > QUESTIONS / 10 && allowed < QUESTIONS / 2,
        "{allowed}"
    );

    // Where the time goes (see `bench_explain`): the crate's `allowed`, and two engine-free
    // models of `check`, narrow scopes in line and out of line.
    let ask_allowed = |q: &Question| {
        policy
            .allowed(
                &subjects[q.agent as usize],
                &conversations[q.conversation as usize],
            )
            .contains(CRATE_PERMS[q.permission as usize])
    };
    let model = mimic::roles_of(&policy, &roles.iter().map(|r| r.0).collect::<Vec<_>>());
    let ask_model_inline = |q: &Question| {
        mimic::reason_inline(
            &model,
            &subjects[q.agent as usize],
            CRATE_PERMS[q.permission as usize].bits(),
            &conversations[q.conversation as usize],
        )
        .is_allowed()
    };
    let ask_model_out_of_line = |q: &Question| {
        mimic::reason_out_of_line(
            &model,
            &subjects[q.agent as usize],
            CRATE_PERMS[q.permission as usize].bits(),
            &conversations[q.conversation as usize],
        )
        .is_allowed()
    };
    for q in &questions {
        let answer = ask_native(q);
        assert_eq!(ask_allowed(q), answer);
        assert_eq!(ask_resolved(q), answer);
        assert_eq!(ask_allows(q), answer);
        assert_eq!(ask_resolved_allows(q), answer);
        assert_eq!(ask_model_inline(q), answer);
        assert_eq!(ask_model_out_of_line(q), answer);
    }

    let mut group = c.benchmark_group("mixed/1M questions");
    group.throughput(Throughput::Elements(QUESTIONS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    // Each through a generic function, so that every closure is inlined into its loop.
    fn run(
        group: &mut BenchmarkGroup<'_, WallTime>,
        name: &str,
        questions: &[Question],
        ask: impl Fn(&Question) -> bool,
    ) {
        group.bench_function(name, |b| {
            b.iter(|| black_box(questions).iter().filter(|q| ask(q)).count());
        });
    }
    run(&mut group, "crate check", &questions, ask_crate);
    run(&mut group, "native", &questions, ask_native);
    run(&mut group, "crate resolved", &questions, ask_resolved);
    run(&mut group, "crate allows", &questions, ask_allows);
    run(
        &mut group,
        "crate resolved allows",
        &questions,
        ask_resolved_allows,
    );
    run(
        &mut group,
        "crate allowed.contains",
        &questions,
        ask_allowed,
    );
    run(
        &mut group,
        "model: reason, in line",
        &questions,
        ask_model_inline,
    );
    run(
        &mut group,
        "model: reason, narrow out of line",
        &questions,
        ask_model_out_of_line,
    );
    group.finish();
}

/// Where `check`'s time goes, for the cases over 1.2x of the native baseline (8 groups; the
/// custom-role case through a custom role): the crate, the native baseline, and the four
/// engine-free models of `mimic`, each asked the same question.
fn bench_explain(c: &mut Criterion) {
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    let mut policy = Policy::new(Plan::Pro);
    let regional = policy
        .clone_role(&owner, BuiltInRole::SalesUser.id(), "Regional sales")
        .unwrap();
    let roles = mimic::roles_of(&policy, &[regional]);
    assert_eq!(size_of::<mimic::Role>(), size_of::<helpdesk_policy::Role>());
    println!(
        "explain: the crate's Decision is {} bytes, the model's reason {}",
        size_of::<helpdesk_policy::Decision<'_>>(),
        size_of::<mimic::Reason<'_>>()
    );

    let native_groups = groups_of(8);
    let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
    let hit = native_groups[4];
    let with_me = [UserId(3), UserId(5), UserId(ME)];
    let without_me = [UserId(3), UserId(5)];
    let native_with_me = [3, 5, ME];
    let native_without_me = [3_u64, 5];
    // (case, role, native scope, group, assignee, participates)
    let cases = [
        (
            "global",
            BuiltInRole::SupportAgent.id(),
            native::Scope::Global,
            0,
            OTHER,
            false,
        ),
        (
            "group hit",
            BuiltInRole::SalesUser.id(),
            native::Scope::Group,
            hit,
            OTHER,
            false,
        ),
        (
            "group hit, custom role",
            regional,
            native::Scope::Group,
            hit,
            OTHER,
            false,
        ),
        (
            "group miss",
            BuiltInRole::SalesUser.id(),
            native::Scope::Group,
            0,
            OTHER,
            false,
        ),
        (
            "restricted assigned",
            BuiltInRole::RestrictedUser.id(),
            native::Scope::Restricted,
            hit,
            ME,
            false,
        ),
        (
            "restricted participant",
            BuiltInRole::RestrictedUser.id(),
            native::Scope::Restricted,
            hit,
            OTHER,
            true,
        ),
    ];
    let view = Permissions::VIEW_CONVERSATIONS;
    for (case, role, scope, group_id, assignee, participates) in cases {
        let subject = Subject::new(UserId(ME), role, &groups);
        let conversation = Conversation {
            group: Some(GroupId(group_id)),
            assignee: Some(UserId(assignee)),
            participants: if participates { &with_me } else { &without_me },
        };
        let user = native::User::viewing_at(ME, scope, native_groups.clone());
        let conv = native::Conv {
            group: Some(group_id),
            assignee: Some(assignee),
            participants: if participates {
                &native_with_me
            } else {
                &native_without_me
            },
        };
        let expected = policy.check(&subject, view, &conversation).is_allowed();
        assert_eq!(
            native::allowed(&user, native::Perm::ViewConversations, &conv),
            expected
        );
        assert_eq!(
            mimic::bool_inline(&roles, &subject, view.bits(), &conversation),
            expected
        );
        assert_eq!(
            mimic::bool_out_of_line(&roles, &subject, view.bits(), &conversation),
            expected
        );
        assert_eq!(
            mimic::reason_inline(&roles, &subject, view.bits(), &conversation).is_allowed(),
            expected
        );
        assert_eq!(
            mimic::reason_out_of_line(&roles, &subject, view.bits(), &conversation).is_allowed(),
            expected
        );

        let mut group = c.benchmark_group(format!("explain/{case}"));
        group.bench_function("crate check", |b| {
            b.iter(|| {
                policy
                    .check(
                        black_box(&subject),
                        black_box(view),
                        black_box(&conversation),
                    )
                    .is_allowed()
            });
        });
        group.bench_function("crate allowed.contains", |b| {
            b.iter(|| {
                policy
                    .allowed(black_box(&subject), black_box(&conversation))
                    .contains(black_box(view))
            });
        });
        group.bench_function("native", |b| {
            b.iter(|| {
                native::allowed(
                    black_box(&user),
                    black_box(native::Perm::ViewConversations),
                    black_box(&conv),
                )
            });
        });
        type Model = for<'p> fn(&'p mimic::Roles, &Subject<'_>, u64, &Conversation<'_>) -> bool;
        let models: [(&str, Model); 4] = [
            ("model: bool, in line", |r, s, w, c| {
                mimic::bool_inline(r, s, w, c)
            }),
            ("model: bool, narrow out of line", |r, s, w, c| {
                mimic::bool_out_of_line(r, s, w, c)
            }),
            ("model: reason, in line", |r, s, w, c| {
                mimic::reason_inline(r, s, w, c).is_allowed()
            }),
            ("model: reason, narrow out of line", |r, s, w, c| {
                mimic::reason_out_of_line(r, s, w, c).is_allowed()
            }),
        ];
        for (name, model) in models {
            group.bench_function(name, |b| {
                b.iter(|| {
                    model(
                        black_box(&roles),
                        black_box(&subject),
                        black_box(view.bits()),
                        black_box(&conversation),
                    )
                });
            });
        }
        group.finish();
    }
}

/// Scanning a short group list, engine-free (`explain/scan/...`): the crate's short-list scan
/// (`iter().any` over `GroupId`, which stops at the first match and does not vectorise), the
/// same without a branch per id (`fold` with `|`, as the crate's long-list scan does), the
/// standard library's way for integers written for `GroupId` ([`contains_chunked`]), and the
/// native baseline's `[u64]::contains` (which the standard library compares several ids at a
/// time for integer types; not for a newtype such as `GroupId`).
fn bench_scan(c: &mut Criterion) {
    for n in [1_u64, 8, 16] {
        let native_groups = groups_of(n);
        let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
        for (case, wanted) in [("hit", native_groups[native_groups.len() / 2]), ("miss", 0)] {
            let mut group = c.benchmark_group(format!("explain/scan {case}"));
            let want = GroupId(wanted);
            group.bench_function(format!("GroupId any/{n} groups"), |b| {
                b.iter(|| {
                    black_box(&groups[..])
                        .iter()
                        .any(|g| g.0 == black_box(want).0)
                });
            });
            group.bench_function(format!("GroupId fold/{n} groups"), |b| {
                b.iter(|| {
                    let want = black_box(want);
                    #[allow(clippy::needless_bitwise_bool)]
                    black_box(&groups[..])
                        .iter()
                        .fold(false, |found, g| found | (g.0 == want.0))
                });
            });
            group.bench_function(format!("GroupId chunks of 8, as std/{n} groups"), |b| {
                b.iter(|| contains_chunked(black_box(&groups[..]), black_box(want)));
            });
            group.bench_function(format!("u64 contains (native)/{n} groups"), |b| {
                b.iter(|| black_box(&native_groups[..]).contains(&black_box(wanted)));
            });
            group.finish();
        }
    }
}

/// What the standard library's `[u64]::contains` does (8 ids at a time without a branch,
/// then the rest one by one), written for `GroupId` in safe code.
#[inline]
fn contains_chunked(groups: &[GroupId], wanted: GroupId) -> bool {
    let mut chunks = groups.chunks_exact(8);
    for chunk in &mut chunks {
        #[allow(clippy::needless_bitwise_bool)]
        if chunk
            .iter()
            .fold(false, |found, g| found | (g.0 == wanted.0))
        {
            return true;
        }
    }
    chunks.remainder().iter().any(|g| g.0 == wanted.0)
}

/// One question of the mixed workload, as indices into the precomputed fixtures.
struct Question {
    agent: u32,
    conversation: u32,
    permission: u8,
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_scopes, bench_roles, bench_extensions, bench_who_may, bench_mixed, bench_filter, bench_explain, bench_scan
}

/// Criterion's `main` (what `criterion_main!` writes), or one of two plain-loop modes of the
/// `scope` and `roles` cases (module `loops`): with `INSTRUCTIONS=<iterations>` in the
/// environment, the loops that `benches/instructions.sh` counts under callgrind; with
/// `INTERLEAVED=<rounds>`, each case's variants timed in turn, round after round.
fn main() {
    let var = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<u64>().ok());
    if let Some(iterations) = var("INSTRUCTIONS") {
        loops::run(loops::Mode::Count { iterations });
    } else if let Some(rounds) = var("INTERLEAVED") {
        loops::run(loops::Mode::Interleaved { rounds });
    } else {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
}

/// The cases of `scope` and `roles` as plain loops, for figures that a noisy machine cannot
/// blur (or blurs less):
///
/// - `Count`: each loop runs between two calls of [`loops::mark`], at which callgrind dumps its
///   counters (`--dump-before`), so that each loop's instructions land in a file of their own;
///   `benches/instructions.sh` divides each by the iterations and prints the table.
/// - `Interleaved`: the variants of one case (native, `check`, `allows`, ...) take turns, a
///   short loop each, for `rounds` rounds, and each prints the fastest loop's time per
///   question: a burst of load from elsewhere slows a few loops of every variant alike, and
///   the fastest of many is the undisturbed one.
mod loops {
    use super::{
        groups_of, native, native_members, native_role_rows, policy_with_roles, random_subjects,
        roles_case, scope_cases, BuiltInRole, GroupId, Permissions, Plan, Policy, RolesCase,
        Subject, UserId, ME,
    };
    use std::hint::black_box;
    use std::time::Instant;

    #[derive(Clone, Copy)]
    pub enum Mode {
        Count { iterations: u64 },
        Interleaved { rounds: u64 },
    }

    /// Questions per timed loop in `Interleaved` mode: about a millisecond.
    const TIMED: u64 = 200_000;

    /// Callgrind dumps its counters before each call (`--dump-before=*loops*mark*`).
    #[inline(never)]
    fn mark() {
        black_box(());
    }

    /// Asks `iterations` times, as criterion's `iter` would.
    #[inline(always)]
    fn ask_times(iterations: u64, mut ask: impl FnMut() -> bool) {
        for _ in 0..iterations {
            black_box(ask());
        }
    }

    /// Counts (one marked loop, its name printed) or times (one loop, nanoseconds a question).
    /// One loop for both, so that the compiler inlines `ask` into it (two loops left it a call).
    // Never inlined, a function per variant as under criterion: one giant `run` spilled registers.
    #[inline(never)]
    fn once(mode: Mode, name: &str, ask: impl FnMut() -> bool) -> f64 {
        let counting = matches!(mode, Mode::Count { .. });
        let iterations = match mode {
            Mode::Count { iterations } => iterations,
            Mode::Interleaved { .. } => TIMED,
        };
        if counting {
            println!("{name}");
            mark();
        }
        let start = Instant::now();
        ask_times(iterations, ask);
        let elapsed = start.elapsed();
        if counting {
            mark();
        }
        elapsed.as_secs_f64() * 1e9 / iterations as f64
    }

    /// Runs each `(name, ask)` once when counting; when timing, all of them in turn for every
    /// round, then prints each name with its fastest loop.
    macro_rules! measure {
        ($mode:expr, $(($name:expr, $ask:expr)),+ $(,)?) => {{
            let mode: Mode = $mode;
            let rounds = match mode {
                Mode::Count { .. } => 1,
                Mode::Interleaved { rounds } => rounds,
            };
            let mut fastest: Vec<(String, f64)> =
                vec![$( ($name.to_string(), f64::INFINITY) ),+];
            for _ in 0..rounds {
                let mut i = 0;
                $(
                    let time = once(mode, &fastest[i].0, $ask);
                    fastest[i].1 = fastest[i].1.min(time);
                    i += 1;
                )+
                let _ = i;
            }
            if let Mode::Interleaved { .. } = mode {
                for (name, time) in &fastest {
                    println!("{name}\t{time:.3}");
                }
            }
        }};
    }

    pub fn run(mode: Mode) {
        let view = Permissions::VIEW_CONVERSATIONS;
        // What the loop itself costs, to subtract from every other line.
        measure!(mode, ("loop only", || black_box(true)));
        let policy = Policy::new(Plan::Pro);
        for n in [1_u64, 8, 1_000] {
            let native_groups = groups_of(n);
            let groups: Vec<GroupId> = native_groups.iter().copied().map(GroupId).collect();
            let hit = native_groups[native_groups.len() / 2];
            for (case, role, scope, group, assignee, participates) in scope_cases(hit, 0) {
                let subject = Subject::new(UserId(ME), role.id(), &groups);
                let (conversation, conv) = super::scope_conversation(group, assignee, participates);
                let user = native::User::viewing_at(ME, scope, native_groups.clone());
                let resolved = policy.resolve(subject);
                let name = |what: &str| format!("scope/{case}/{what}/{n} groups");
                measure!(
                    mode,
                    (name("native"), || native::allowed(
                        black_box(&user),
                        black_box(native::Perm::ViewConversations),
                        black_box(&conv),
                    )),
                    (name("crate"), || policy
                        .check(
                            black_box(&subject),
                            black_box(view),
                            black_box(&conversation)
                        )
                        .is_allowed()),
                    (name("crate resolved"), || black_box(&resolved)
                        .check(black_box(view), black_box(&conversation))
                        .is_allowed()),
                    (name("crate allows"), || policy.allows(
                        black_box(&subject),
                        black_box(view),
                        black_box(&conversation)
                    )),
                    (name("crate resolved allows"), || black_box(&resolved)
                        .allows(black_box(view), black_box(&conversation))),
                );
            }
        }

        // Roles: a built-in and a custom role granting `view_conversations` at Group, a hit
        // among 8 groups, in policies with 10 and 10,000 custom roles; and a random one of
        // 4,096 pre-drawn subjects per question, beside the baseline's 4,096 users.
        let RolesCase {
            native_groups,
            groups,
            conversation,
            conv,
        } = roles_case();
        let users: Vec<native::User> = (0..4096)
            .map(|_| native::User::viewing_at(ME, native::Scope::Group, native_groups.clone()))
            .collect();
        for count in [10_usize, 10_000] {
            let (policy, ids) = policy_with_roles(count);
            let builtin = Subject::new(UserId(ME), BuiltInRole::SalesUser.id(), &groups);
            let last = Subject::new(UserId(ME), *ids.last().unwrap_or(&builtin.role), &groups);
            let random = random_subjects(&ids, &groups);
            let resolved: Vec<_> = random.iter().map(|&s| policy.resolve(s)).collect();
            let rows = native_role_rows(&policy, *ids.last().unwrap_or(&builtin.role));
            let members = native_members(&random, &native_groups);
            let name = |what: &str| format!("roles/{what}/{count}");
            let ask = |subject: &Subject<'_>| {
                policy.allows(
                    black_box(subject),
                    black_box(view),
                    black_box(&conversation),
                )
            };
            let check = |subject: &Subject<'_>| {
                policy
                    .check(
                        black_box(subject),
                        black_box(view),
                        black_box(&conversation),
                    )
                    .is_allowed()
            };
            let (mut i, mut j, mut k, mut l, mut m) = (0_usize, 0_usize, 0_usize, 0_usize, 0_usize);
            measure!(
                mode,
                (name("native, one user"), || native::allowed(
                    black_box(&users[0]),
                    black_box(native::Perm::ViewConversations),
                    black_box(&conv),
                )),
                (name("native, 4096 users cycled"), || {
                    i = (i + 1) & 4095;
                    native::allowed(
                        black_box(&users[i]),
                        black_box(native::Perm::ViewConversations),
                        black_box(&conv),
                    )
                }),
                (name("native by role, random"), || {
                    m = (m + 1) & 4095;
                    native::allowed_by_role(
                        black_box(&rows),
                        black_box(&members[m]),
                        black_box(native::Perm::ViewConversations),
                        black_box(&conv),
                    )
                }),
                (name("crate, built-in"), || check(&builtin)),
                (name("crate allows, built-in"), || ask(&builtin)),
                (name("crate, last created"), || check(&last)),
                (name("crate allows, last created"), || ask(&last)),
                (name("crate, random"), || {
                    j = (j + 1) & 4095;
                    check(&random[j])
                }),
                (name("crate allows, random"), || {
                    k = (k + 1) & 4095;
                    ask(&random[k])
                }),
                (name("crate resolved allows, random"), || {
                    l = (l + 1) & 4095;
                    black_box(&resolved[l]).allows(black_box(view), black_box(&conversation))
                }),
            );
        }
    }
}
