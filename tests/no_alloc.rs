//! The hot path allocates nothing: `check` (allowed and denied, at every scope, for every kind
//! of permission, with and without view-only groups and extension permissions), `allowed`
//! (the action set of a resource, on every kind of resource), `allows` (the verdict alone), the
//! same three through a `ResolvedSubject`, `filter` and `ConversationFilter::matches`; and a
//! `GroupList` of up to eight groups built from SQL rows.
//!
//! A counting global allocator wraps the system one. It counts only on the thread that set its
//! flag (a thread-local), so neither the test harness nor another test running on another
//! thread can add to the count. Fixtures are built before counting starts; formatting a
//! `Decision` (which writes into a `String`) is not part of the hot path and is not measured.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use helpdesk_policy::{
    AboutUser, Account, BuiltInRole, Conversation, ExtensionPermission, GroupId, GroupList,
    PermissionKind, Permissions, Plan, Policy, Resource, RoleId, Scope, Subject, Team, UserId,
    Vocabulary,
};

thread_local! {
    /// Whether this thread's allocations count. `const`-initialised `Cell<bool>`: reading it
    /// never allocates and registers no destructor, so the allocator may use it.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Allocations (alloc, alloc_zeroed, realloc) this thread made while counting was on. Per
    /// thread, like the flag, so that tests counting at the same time on other threads never
    /// add to each other's counts.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct CountingAllocator;

impl CountingAllocator {
    fn note(&self) {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.with(|count| count.set(count.get() + 1));
        }
    }
}

// SAFETY: every method forwards to `System` unchanged; counting touches only an atomic and a
// const-initialised thread-local flag, neither of which allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.note();
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.note();
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.note();
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Runs `f` with counting on for this thread and returns how many allocations it made.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

/// One action set to repeat: who, on which resource, and the expected set.
struct AllowedCase<'a> {
    name: &'static str,
    subject: Subject<'a>,
    resource: &'a dyn Resource,
    expected: Permissions,
}

/// One check to repeat: who, what, on which resource, and the expected answer.
struct Case<'a> {
    name: &'static str,
    subject: Subject<'a>,
    permissions: Permissions,
    resource: &'a dyn Resource,
    allowed: bool,
}

#[test]
fn check_and_filter_allocate_nothing() {
    // ---- fixtures, all built before counting ----
    let mut policy = Policy::new(Plan::Pro);
    let owner = Subject {
        user: UserId(1),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    };
    // A custom role with every scope, found through the hash map, not the built-in table.
    let custom = policy
        .clone_role(&owner, BuiltInRole::SupportAgent.id(), "Team lead")
        .unwrap();
    policy
        .grant(&owner, custom, Permissions::REPLY, Scope::Group)
        .unwrap();
    policy
        .grant(
            &owner,
            custom,
            Permissions::ADD_PRIVATE_NOTE,
            Scope::Restricted,
        )
        .unwrap();
    policy
        .grant(&owner, custom, Permissions::VIEW_REPORTS, Scope::Group)
        .unwrap();
    policy
        .grant(
            &owner,
            custom,
            Permissions::VIEW_DASHBOARD,
            Scope::Restricted,
        )
        .unwrap();
    for n in 0..100 {
        policy
            .clone_role(&owner, custom, &format!("Filler {n}"))
            .unwrap();
    }
    let deleted = policy.clone_role(&owner, custom, "Deleted").unwrap();
    policy.delete_role(&owner, deleted).unwrap();

    let me = UserId(7);
    let groups: Vec<GroupId> = vec![GroupId(3), GroupId(1), GroupId(3)];
    let many_groups: Vec<GroupId> = (0..1_000).map(|g| GroupId(g * 7 + 1)).collect();
    let participants = [UserId(2), me];
    let strangers = [UserId(2), UserId(3)];

    let in_my_group = Conversation {
        group: Some(GroupId(1)),
        assignee: Some(UserId(2)),
        participants: &strangers,
    };
    let in_my_999th_group = Conversation {
        group: Some(GroupId(999 * 7 + 1)),
        assignee: None,
        participants: &[],
    };
    let elsewhere = Conversation {
        group: Some(GroupId(9)),
        assignee: Some(UserId(2)),
        participants: &strangers,
    };
    let in_my_view_only_group = Conversation {
        group: Some(GroupId(11)),
        assignee: Some(UserId(2)),
        participants: &strangers,
    };
    let in_my_99th_view_only_group = Conversation {
        group: Some(GroupId(99 * 7 + 2)),
        assignee: None,
        participants: &[],
    };
    let assigned_to_me = Conversation {
        group: Some(GroupId(9)),
        assignee: Some(me),
        participants: &[],
    };
    let following = Conversation {
        group: None,
        assignee: Some(UserId(2)),
        participants: &participants,
    };
    let unrouted = Conversation::default();
    let my_team = Team(GroupId(3));
    let other_team = Team(GroupId(4));
    let my_report = AboutUser(me);
    let their_report = AboutUser(UserId(2));

    let subject = |role: RoleId, groups: &'static [GroupId]| Subject {
        user: me,
        role,
        groups,
        view_only: &[],
    };
    // Leak the group lists so that cases can hold plain `Subject<'static>`s (test fixtures).
    let groups: &'static [GroupId] = groups.leak();
    let many_groups: &'static [GroupId] = many_groups.leak();
    let agent = subject(BuiltInRole::SupportAgent.id(), groups);
    let sales = subject(BuiltInRole::SalesUser.id(), groups);
    let sales_in_many = subject(BuiltInRole::SalesUser.id(), many_groups);
    let restricted = subject(BuiltInRole::RestrictedUser.id(), groups);
    let marketing = subject(BuiltInRole::MarketingManager.id(), groups);
    let lead = subject(custom, groups);
    // View-only groups: a short list, and a long one (past the in-line scan) beside the long
    // full one.
    let many_view_only: Vec<GroupId> = (0..100).map(|g| GroupId(g * 7 + 2)).collect();
    let many_view_only: &'static [GroupId] = many_view_only.leak();
    let sales_reader = sales.with_view_only(&[GroupId(11), GroupId(3)]);
    let lead_reader = lead.with_view_only(&[GroupId(11)]);
    let sales_reader_in_many = sales_in_many.with_view_only(many_view_only);
    let view = Permissions::VIEW_CONVERSATIONS;
    let unknown_bit = Permissions::from_bits_retain(1 << 30);

    #[rustfmt::skip]
    let cases: Vec<Case<'_>> = vec![
        // Global
        Case { name: "global", subject: agent, permissions: view, resource: &elsewhere, allowed: true },
        Case { name: "global, no group", subject: agent, permissions: view | Permissions::REPLY, resource: &unrouted, allowed: true },
        Case { name: "not granted", subject: agent, permissions: Permissions::DELETE_CONVERSATION, resource: &elsewhere, allowed: false },
        // Group
        Case { name: "group hit", subject: sales, permissions: view, resource: &in_my_group, allowed: true },
        Case { name: "group miss", subject: sales, permissions: view, resource: &elsewhere, allowed: false },
        Case { name: "group, no group", subject: sales, permissions: view, resource: &unrouted, allowed: false },
        Case { name: "group, assigned elsewhere", subject: sales, permissions: view, resource: &assigned_to_me, allowed: true },
        Case { name: "group hit, 1000 groups", subject: sales_in_many, permissions: view, resource: &in_my_999th_group, allowed: true },
        Case { name: "group miss, 1000 groups", subject: sales_in_many, permissions: view, resource: &elsewhere, allowed: false },
        // Restricted
        Case { name: "restricted assignee", subject: restricted, permissions: view, resource: &assigned_to_me, allowed: true },
        Case { name: "restricted participant", subject: restricted, permissions: view, resource: &following, allowed: true },
        Case { name: "restricted miss", subject: restricted, permissions: view, resource: &in_my_group, allowed: false },
        // Account permissions
        Case { name: "account granted", subject: agent, permissions: Permissions::VIEW_PEOPLE, resource: &Account, allowed: true },
        Case { name: "account not granted", subject: agent, permissions: Permissions::MANAGE_FAQS, resource: &Account, allowed: false },
        Case { name: "account with scoped", subject: sales, permissions: view | Permissions::VIEW_PEOPLE, resource: &in_my_group, allowed: true },
        // Team permissions
        Case { name: "team global", subject: marketing, permissions: Permissions::VIEW_REPORTS, resource: &other_team, allowed: true },
        Case { name: "team group hit", subject: lead, permissions: Permissions::VIEW_REPORTS, resource: &my_team, allowed: true },
        Case { name: "team group miss", subject: lead, permissions: Permissions::VIEW_REPORTS, resource: &other_team, allowed: false },
        Case { name: "team restricted, own report", subject: lead, permissions: Permissions::VIEW_DASHBOARD, resource: &my_report, allowed: true },
        Case { name: "team restricted, another's report", subject: lead, permissions: Permissions::VIEW_DASHBOARD, resource: &their_report, allowed: false },
        Case { name: "team permission on the account", subject: lead, permissions: Permissions::VIEW_REPORTS, resource: &Account, allowed: false },
        // Custom role, mixed scopes: the narrowest wins
        Case { name: "custom mixed, group", subject: lead, permissions: view | Permissions::REPLY, resource: &in_my_group, allowed: true },
        Case { name: "custom mixed, restricted miss", subject: lead, permissions: view | Permissions::ADD_PRIVATE_NOTE, resource: &in_my_group, allowed: false },
        Case { name: "custom mixed, restricted hit", subject: lead, permissions: Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE, resource: &following, allowed: true },
        // Requests no role could grant, and roles the policy does not hold
        Case { name: "empty set", subject: agent, permissions: Permissions::empty(), resource: &in_my_group, allowed: false },
        Case { name: "unknown bits", subject: agent, permissions: view | unknown_bit, resource: &in_my_group, allowed: false },
        Case { name: "unknown role", subject: subject(RoleId(99_999), groups), permissions: view, resource: &in_my_group, allowed: false },
        Case { name: "deleted role", subject: subject(deleted, groups), permissions: view, resource: &in_my_group, allowed: false },
        // View-only groups
        Case { name: "view-only view", subject: sales_reader, permissions: view, resource: &in_my_view_only_group, allowed: true },
        Case { name: "view-only reply", subject: sales_reader, permissions: Permissions::REPLY, resource: &in_my_view_only_group, allowed: false },
        Case { name: "view-only view, 1000 + 100 groups", subject: sales_reader_in_many, permissions: view, resource: &in_my_99th_view_only_group, allowed: true },
        Case { name: "view-only reply, 1000 + 100 groups", subject: sales_reader_in_many, permissions: Permissions::REPLY, resource: &in_my_99th_view_only_group, allowed: false },
        Case { name: "view-only team", subject: lead_reader, permissions: Permissions::VIEW_REPORTS, resource: &Team(GroupId(11)), allowed: false },
    ];

    // Every case says what it should: a wrong fixture would make "no allocation" meaningless.
    for case in &cases {
        let decision = policy.check(&case.subject, case.permissions, case.resource);
        assert_eq!(
            decision.is_allowed(),
            case.allowed,
            "{}: {decision}",
            case.name
        );
    }
    let people = Permissions::VIEW_PEOPLE
        | Permissions::EDIT_PEOPLE
        | Permissions::VIEW_CONTACT_DETAILS
        | Permissions::EDIT_OWN_PROFILE;
    let sales_conversations = view
        | Permissions::REPLY
        | Permissions::ADD_PRIVATE_NOTE
        | Permissions::RESOLVE_CONVERSATION;
    let lead_everywhere = policy.allowed(&lead, &unrouted);
    let agent_all = policy.allowed(&agent, &unrouted);
    #[rustfmt::skip]
    let allowed_cases: Vec<AllowedCase<'_>> = vec![
        AllowedCase { name: "global role", subject: agent, resource: &elsewhere, expected: agent_all },
        AllowedCase { name: "group hit", subject: sales, resource: &in_my_group, expected: sales_conversations | people },
        AllowedCase { name: "group miss", subject: sales, resource: &elsewhere, expected: people },
        AllowedCase { name: "group, assigned", subject: sales, resource: &assigned_to_me, expected: sales_conversations | people },
        AllowedCase { name: "group, following", subject: sales, resource: &following, expected: sales_conversations | people },
        AllowedCase { name: "group hit, 1000 groups", subject: sales_in_many, resource: &in_my_999th_group, expected: sales_conversations | people },
        AllowedCase { name: "group miss, 1000 groups", subject: sales_in_many, resource: &elsewhere, expected: people },
        AllowedCase { name: "view-only group", subject: sales_reader, resource: &in_my_view_only_group, expected: Permissions::VIEW_ONLY_REACH | people },
        AllowedCase { name: "view-only group, 1000 + 100 groups", subject: sales_reader_in_many, resource: &in_my_99th_view_only_group, expected: Permissions::VIEW_ONLY_REACH | people },
        AllowedCase { name: "restricted hit", subject: restricted, resource: &assigned_to_me, expected: sales_conversations | Permissions::EDIT_OWN_PROFILE },
        AllowedCase { name: "restricted miss", subject: restricted, resource: &in_my_group, expected: Permissions::EDIT_OWN_PROFILE },
        AllowedCase { name: "my team", subject: lead, resource: &my_team, expected: policy.allowed(&lead, &my_team) },
        AllowedCase { name: "view-only team", subject: lead_reader, resource: &Team(GroupId(11)), expected: lead_everywhere | Permissions::VIEW_ONLY_REACH.intersection(policy.allowed(&lead, &my_team)) },
        AllowedCase { name: "other team", subject: marketing, resource: &other_team, expected: policy.allowed(&marketing, &other_team) },
        AllowedCase { name: "the account", subject: lead, resource: &Account, expected: lead_everywhere },
        AllowedCase { name: "about me", subject: lead, resource: &my_report, expected: policy.allowed(&lead, &my_report) },
        AllowedCase { name: "about another", subject: lead, resource: &their_report, expected: lead_everywhere },
        AllowedCase { name: "unknown role", subject: subject(RoleId(99_999), groups), resource: &in_my_group, expected: Permissions::empty() },
        AllowedCase { name: "deleted role", subject: subject(deleted, groups), resource: &in_my_group, expected: Permissions::empty() },
    ];
    // Every action set says what it should, and what check says bit by bit.
    for case in &allowed_cases {
        let allowed = policy.allowed(&case.subject, case.resource);
        assert_eq!(allowed, case.expected, "{}", case.name);
        for bit in (0..64).map(|bit| Permissions::from_bits_retain(1 << bit)) {
            assert_eq!(
                allowed.contains(bit),
                policy.check(&case.subject, bit, case.resource).is_allowed(),
                "{}: {bit:?}",
                case.name
            );
        }
    }
    assert!(lead_everywhere.contains(view) && !lead_everywhere.contains(Permissions::REPLY));

    let conversations = [
        in_my_group,
        in_my_999th_group,
        elsewhere,
        assigned_to_me,
        following,
        unrouted,
        in_my_view_only_group,
        in_my_99th_view_only_group,
    ];
    let filter_subjects = [
        agent,
        sales,
        sales_in_many,
        restricted,
        marketing,
        lead,
        sales_reader,
    ];

    // ---- counted: 10,000 checks per case, 1,000 action sets per case, then filters ----
    let mut allowed = 0_usize;
    let mut denied = 0_usize;
    let during_checks = allocations_in(|| {
        for case in &cases {
            for _ in 0..10_000 {
                let decision = policy.check(
                    black_box(&case.subject),
                    black_box(case.permissions),
                    black_box(case.resource),
                );
                if black_box(decision).is_allowed() {
                    allowed += 1;
                } else {
                    denied += 1;
                }
            }
        }
    });

    // The same questions, the verdict only.
    let mut verdicts_allowed = 0_usize;
    let mut resolved_verdicts_allowed = 0_usize;
    let during_allows = allocations_in(|| {
        for case in &cases {
            for _ in 0..10_000 {
                let verdict = policy.allows(
                    black_box(&case.subject),
                    black_box(case.permissions),
                    black_box(case.resource),
                );
                verdicts_allowed += usize::from(black_box(verdict));
            }
            let resolved = policy.resolve(black_box(case.subject));
            for _ in 0..10_000 {
                let verdict =
                    resolved.allows(black_box(case.permissions), black_box(case.resource));
                resolved_verdicts_allowed += usize::from(black_box(verdict));
            }
        }
    });

    // The same checks and action sets through a subject resolved once per case.
    let mut resolved_allowed = 0_usize;
    let mut resolved_buttons = 0_u32;
    let during_resolved = allocations_in(|| {
        for case in &cases {
            let resolved = policy.resolve(black_box(case.subject));
            for _ in 0..10_000 {
                let decision =
                    resolved.check(black_box(case.permissions), black_box(case.resource));
                resolved_allowed += usize::from(black_box(decision).is_allowed());
            }
        }
        for case in &allowed_cases {
            let resolved = policy.resolve(black_box(case.subject));
            for _ in 0..1_000 {
                let allowed = resolved.allowed(black_box(case.resource));
                resolved_buttons += black_box(allowed).bits().count_ones();
            }
        }
    });

    let mut buttons = 0_u32;
    let during_allowed = allocations_in(|| {
        for case in &allowed_cases {
            for _ in 0..1_000 {
                let allowed = policy.allowed(black_box(&case.subject), black_box(case.resource));
                buttons += black_box(allowed).bits().count_ones();
            }
        }
    });

    let mut matched = 0_usize;
    let during_filters = allocations_in(|| {
        for _ in 0..1_000 {
            for subject in &filter_subjects {
                for permissions in [
                    view,
                    Permissions::REPLY | Permissions::ADD_PRIVATE_NOTE,
                    Permissions::VIEW_ONLY_REACH,
                ] {
                    let filter = policy.filter(black_box(subject), black_box(permissions));
                    for conversation in &conversations {
                        if black_box(filter).matches(black_box(conversation)) {
                            matched += 1;
                        }
                    }
                    black_box((filter.user(), filter.groups(), filter.view_only_groups()));
                }
            }
        }
    });

    let mut assignable = 0_usize;
    let during_assignments = allocations_in(|| {
        for _ in 0..10_000 {
            let decision = policy.check_assignment(black_box(&owner), black_box(&sales), custom);
            if black_box(decision).is_allowed() {
                assignable += 1;
            }
        }
    });

    // ---- verdict ----
    assert_eq!(during_checks, 0, "check allocated {during_checks} times");
    assert_eq!(
        during_allowed, 0,
        "allowed allocated {during_allowed} times"
    );
    let expected_buttons: u32 = allowed_cases
        .iter()
        .map(|case| case.expected.bits().count_ones() * 1_000)
        .sum();
    assert_eq!(buttons, expected_buttons);
    assert_eq!(
        during_resolved, 0,
        "a resolved subject allocated {during_resolved} times"
    );
    assert_eq!(resolved_buttons, expected_buttons);
    assert_eq!(
        during_filters, 0,
        "filter/matches allocated {during_filters} times"
    );
    assert_eq!(
        during_assignments, 0,
        "check_assignment allocated {during_assignments} times"
    );
    let expected_allowed = cases.iter().filter(|case| case.allowed).count() * 10_000;
    assert_eq!(allowed, expected_allowed);
    assert_eq!(denied, cases.len() * 10_000 - expected_allowed);
    assert_eq!(resolved_allowed, expected_allowed);
    assert_eq!(during_allows, 0, "allows allocated {during_allows} times");
    assert_eq!(verdicts_allowed, expected_allowed);
    assert_eq!(resolved_verdicts_allowed, expected_allowed);
    assert!(matched > 0);
    assert_eq!(assignable, 10_000);

    // The counter works: formatting a decision allocates (into a String), and it is seen.
    let display = allocations_in(|| {
        let sentence = policy.check(&agent, view, &in_my_group).to_string();
        black_box(sentence);
    });
    assert!(display > 0, "the counting allocator saw nothing");
}

#[test]
fn group_lists_of_up_to_eight_groups_allocate_nothing() {
    let rows: Vec<[i64; 8]> = vec![[1, 2, 3, 4, 5, 6, 7, 8], [-1, 2, -3, 4, i64::MAX, 0, 9, 10]];
    let policy = Policy::new(Plan::Pro);
    let sales = BuiltInRole::SalesUser.id();
    let conversation = Conversation {
        group: Some(GroupId(4)),
        ..Conversation::default()
    };
    let mut allowed = 0;
    let mut lengths = 0;
    let counted = allocations_in(|| {
        for row in &rows {
            for _ in 0..1_000 {
                // From SQL integers, pushed one by one, collected, cloned and extended up to eight.
                let from_rows = GroupList::from_sql_ids(black_box(*row));
                let mut pushed = GroupList::new();
                for &id in black_box(row) {
                    pushed.push_sql_id(id);
                }
                let mut extended: GroupList = from_rows.iter().copied().take(4).collect();
                extended.extend(from_rows.iter().copied().skip(4));
                let copy = black_box(&pushed).clone();
                let subject = Subject::new(UserId(7), sales, &copy);
                if policy
                    .check(&subject, Permissions::REPLY, &conversation)
                    .is_allowed()
                {
                    allowed += 1;
                }
                lengths += from_rows.len() + pushed.len() + extended.len();
                assert!(!pushed.spilled() && !extended.spilled());
            }
        }
    });
    assert_eq!(
        counted, 0,
        "group lists of up to eight allocated {counted} times"
    );
    assert_eq!(allowed, 2_000);
    assert_eq!(lengths, 1_000 * (8 * 3 + 6 * 3));
    // The counter sees a ninth group move the list to the heap.
    let spilled = allocations_in(|| {
        let nine = GroupList::from_sql_ids(black_box(0..9));
        black_box(nine);
    });
    assert!(
        spilled > 0,
        "a list of nine groups must allocate, and be seen to"
    );
}

#[test]
fn checks_with_extension_permissions_allocate_nothing() {
    let kinds = [
        PermissionKind::Conversation,
        PermissionKind::Team,
        PermissionKind::Account,
    ];
    let extensions: Vec<ExtensionPermission> = (0..44)
        .map(|n| {
            let name: &'static str = Box::leak(format!("ext_{n:02}").into_boxed_str());
            let extension = ExtensionPermission::new(name, kinds[n % 3]);
            if n % 3 == 2 {
                extension.default_grant(BuiltInRole::SupportAgent, Scope::Global)
            } else {
                extension.default_grant(BuiltInRole::SalesUser, Scope::Group)
            }
        })
        .collect();
    let vocabulary = Vocabulary::new(extensions).unwrap();
    let mut policy = Policy::with_vocabulary(Plan::Pro, vocabulary);
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    let custom = policy
        .clone_role(&owner, BuiltInRole::SalesUser.id(), "Night")
        .unwrap();
    let top = Permissions::from_bits_retain(1 << 63);
    policy
        .grant(&owner, custom, top, Scope::Restricted)
        .unwrap();
    let groups = [GroupId(2)];
    let me = UserId(7);
    let subjects = [
        Subject::new(me, BuiltInRole::SalesUser.id(), &groups),
        Subject::new(me, BuiltInRole::SupportAgent.id(), &groups),
        Subject::new(me, custom, &groups),
    ];
    let in_group = Conversation {
        group: Some(GroupId(2)),
        ..Conversation::default()
    };
    let elsewhere = Conversation {
        group: Some(GroupId(9)),
        assignee: Some(me),
        participants: &[],
    };
    let asks = [
        Permissions::from_bits_retain(1 << 20),
        Permissions::from_bits_retain(1 << 21),
        Permissions::from_bits_retain(1 << 22),
        top,
        Permissions::REPLY | Permissions::from_bits_retain(1 << 20),
    ];
    let resources: [&dyn Resource; 4] = [&in_group, &elsewhere, &Team(GroupId(2)), &Account];
    let mut allowed = 0_usize;
    let mut denied = 0_usize;
    // Questions where `allows` gave `check`'s verdict.
    let mut verdicts = 0_usize;
    let counted = allocations_in(|| {
        for _ in 0..1_000 {
            for subject in &subjects {
                for resource in resources {
                    for ask in asks {
                        let verdict = policy.allows(black_box(subject), ask, resource);
                        if black_box(policy.check(black_box(subject), ask, resource)).is_allowed() {
                            allowed += 1;
                            verdicts += usize::from(verdict);
                        } else {
                            denied += 1;
                            verdicts += usize::from(!verdict);
                        }
                    }
                    black_box(policy.allowed(subject, resource));
                }
                for ask in asks {
                    let filter = policy.filter(black_box(subject), ask);
                    black_box(filter.matches(&in_group));
                }
            }
        }
    });
    assert_eq!(
        counted, 0,
        "checks with extensions allocated {counted} times"
    );
    assert!(
        allowed > 0 && denied > 0,
        "{allowed} allowed, {denied} denied"
    );
    assert_eq!(verdicts, allowed + denied, "allows disagreed with check");
}
