//! Scale of the stored form (issue 12, point 4): a policy of 10,000 custom roles, saved to
//! JSON, loaded again; prints how long loading takes and how much memory the loaded policy
//! occupies, counted by a global allocator (bytes live after loading minus bytes live before).
//!
//! Targets: loading under 20 ms, under 2 MB in memory (release build).
//!
//! Run with `cargo run --release --example scale` (a debug build prints much slower times);
//! add `-- --breakdown` for engine-free experiments that show where the bytes and the time go
//! (`scale/breakdown.rs`).

#[path = "scale/breakdown.rs"]
mod breakdown;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use helpdesk_policy::{
    BuiltInRole, GroupId, Permissions, Plan, Policy, Scope, Subject, UserId, Vocabulary,
};

/// Custom roles in the policy.
const ROLES: usize = 10_000;
/// Loads timed; the figures are the fastest and the median.
const LOADS: usize = 21;

/// Bytes allocated and not yet freed, over the whole process.
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most bytes live at once since the last reset.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Allocations made (alloc, alloc_zeroed, realloc).
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// Counts live bytes; forwards every call to the system allocator.
struct Counting;

impl Counting {
    fn grew(size: usize) {
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(live, Ordering::Relaxed);
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` unchanged; counting touches only atomics, which
// never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours, forwarded.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Counting::grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as ours, forwarded.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Counting::grew(layout.size());
        }
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as ours, forwarded.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            Counting::grew(new_size);
        }
        new
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as ours, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What building or loading a value cost in memory.
struct Footprint {
    /// Bytes live after minus bytes live before: what the value holds.
    held: usize,
    /// The most bytes live at once meanwhile, above the bytes live before.
    peak: usize,
    /// Allocations made meanwhile.
    allocations: usize,
}

/// Runs `make`, and counts what the value it returns holds.
fn footprint<T>(make: impl FnOnce() -> T) -> (T, Footprint) {
    let before = LIVE.load(Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let value = make();
    let after = LIVE.load(Ordering::Relaxed);
    let footprint = Footprint {
        held: after.saturating_sub(before),
        peak: PEAK.load(Ordering::Relaxed).saturating_sub(before),
        allocations: ALLOCATIONS.load(Ordering::Relaxed) - allocations,
    };
    (value, footprint)
}

/// A policy with `count` custom roles as an Account Admin makes them: each cloned from a
/// built-in role, named, and changed by a grant or two (the bench's fixture, with names like
/// an account's).
fn build(count: usize) -> Result<Policy, Box<dyn std::error::Error>> {
    let mut policy = Policy::new(Plan::Enterprise);
    let owner = Subject::new(UserId(1), BuiltInRole::AccountAdmin.id(), &[]);
    let sources = [
        BuiltInRole::SalesUser,
        BuiltInRole::SupportAgent,
        BuiltInRole::SalesManager,
        BuiltInRole::SupportManager,
    ];
    let extras: Vec<Permissions> = Permissions::SCOPED.iter().collect();
    for n in 0..count {
        let id = policy.clone_role(
            &owner,
            sources[n % sources.len()].id(),
            &format!("Team {n} agent"),
        )?;
        policy.grant(&owner, id, Permissions::VIEW_CONVERSATIONS, Scope::Group)?;
        let extra = extras[n % extras.len()];
        if extra != Permissions::VIEW_CONVERSATIONS {
            policy.grant(&owner, id, extra, Scope::ALL[n % 3])?;
        }
    }
    Ok(policy)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Times `make` `LOADS` times (dropping what it makes outside the time); the fastest and the
/// median, in milliseconds.
fn time<T>(mut make: impl FnMut() -> T) -> (f64, f64) {
    let mut times: Vec<Duration> = (0..LOADS)
        .map(|_| {
            let start = Instant::now();
            let made = make();
            let elapsed = start.elapsed();
            drop(std::hint::black_box(made));
            elapsed
        })
        .collect();
    times.sort_unstable();
    (ms(times[0]), ms(times[LOADS / 2]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if cfg!(debug_assertions) {
        println!("(a debug build: run with --release for the figures that count)");
    }
    let vocabulary = Vocabulary::builtin();

    let start = Instant::now();
    let (built, built_memory) = footprint(|| build(ROLES));
    let built = built?;
    println!(
        "built {ROLES} custom roles in {:.1} ms; the built policy holds {:.2} MiB",
        ms(start.elapsed()),
        mib(built_memory.held)
    );

    let json = serde_json::to_string(&built)?;
    println!(
        "stored form: {:.2} MiB of JSON ({} bytes per role)",
        mib(json.len()),
        json.len() / ROLES
    );

    // Memory: one load, counted from before it to after it (the document stays alive and
    // outside the count).
    let (loaded, loaded_memory) = footprint(|| Policy::from_json(&json, &vocabulary));
    let loaded = loaded?;
    assert_eq!(loaded, built, "loading gives the policy saved");
    assert_eq!(
        serde_json::to_string(&loaded)?,
        json,
        "and saves to the same bytes"
    );
    let someone = Subject::new(UserId(9), loaded.next_role_id(), &[GroupId(1)]);
    assert!(loaded.role(someone.role).is_none(), "ids are not reused");

    let (fastest, median) = time(|| Policy::from_json(&json, &vocabulary).expect("loads"));
    let (serde_fastest, serde_median) =
        time(|| serde_json::from_str::<Policy>(&json).expect("loads"));

    println!(
        "load with Policy::from_json: {fastest:.2} ms fastest, {median:.2} ms median of {LOADS} (target: under 20 ms)"
    );
    println!(
        "load with serde_json::from_str: {serde_fastest:.2} ms fastest, {serde_median:.2} ms median of {LOADS}"
    );
    println!(
        "memory of the loaded policy: {} bytes = {:.2} MiB ({} bytes per role; target: under 2 MB = 2,000,000 bytes)",
        loaded_memory.held,
        mib(loaded_memory.held),
        loaded_memory.held / ROLES
    );
    println!(
        "  while loading: peak {:.2} MiB above the start, {} allocations",
        mib(loaded_memory.peak),
        loaded_memory.allocations
    );
    let held = loaded_memory.held;
    println!(
        "targets: load {} (median {median:.2} ms < 20 ms), memory {} ({held} < 2,000,000 bytes)",
        if median < 20.0 { "met" } else { "missed" },
        if held < 2_000_000 { "met" } else { "missed" },
    );
    if std::env::args().any(|arg| arg == "--breakdown") {
        breakdown::run(&loaded, held, &json, median);
    }
    Ok(())
}
