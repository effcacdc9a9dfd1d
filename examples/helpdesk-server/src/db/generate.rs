//! `--conversations N`: a large demo database on demand, deterministic (the same N gives the
//! same rows on every machine and both databases).
//!
//! Shaped like a real mid-sized helpdesk: 500 groups (the three demo groups and 497 more),
//! 5,000 generated agents (ids 7 to 5006) on the built-in roles and three custom ones, each a
//! full member of one to three groups and one in five also view-only in another; N
//! conversations from id 7 up, 90% in a group, 70% assigned (to any agent from Cleo, user 3,
//! up), and about 0.3 participant rows each. The six demo users and conversations are kept as
//! they are (their memberships included), so the demo users' inboxes simply grow.

use helpdesk_policy::{BuiltInRole, Plan, Policy, RoleId, Subject, UserId};

use super::{Sql, Value};
use crate::audit;
use crate::error::ApiError;

/// The groups there are once generated (1 to 3 are the demo's).
pub const GROUPS: i64 = 500;
/// The first and last generated agent.
pub const FIRST_AGENT: i64 = 7;
/// The last generated agent.
pub const LAST_AGENT: i64 = 5006;
/// The first generated conversation.
pub const FIRST_CONVERSATION: i64 = 7;
/// Rows per multi-row `INSERT` (four columns: 2,000 parameters, within both databases' limits).
const CHUNK: usize = 500;

/// SplitMix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low + 1).unwrap_or(1);
        low + i64::try_from(self.next() % span).unwrap_or(0)
    }

    /// True `percent` times in a hundred.
    fn percent(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Inserts `rows` into `target` (`table (col, ...)`) in chunks of multi-row `INSERT`s.
fn insert(
    tx: &mut dyn Sql,
    target: &str,
    width: usize,
    rows: impl Iterator<Item = Vec<Value>>,
) -> Result<(), ApiError> {
    let row_sql = format!("({})", vec!["?"; width].join(", "));
    let mut params = Vec::with_capacity(CHUNK * width);
    let mut count = 0;
    let flush = |tx: &mut dyn Sql, params: &mut Vec<Value>, count: &mut usize| {
        if *count == 0 {
            return Ok::<(), ApiError>(());
        }
        let sql = format!(
            "INSERT INTO {target} VALUES {}",
            vec![row_sql.as_str(); *count].join(", ")
        );
        tx.execute(&sql, params)?;
        params.clear();
        *count = 0;
        Ok(())
    };
    for row in rows {
        params.extend(row);
        count += 1;
        if count == CHUNK {
            flush(tx, &mut params, &mut count)?;
        }
    }
    flush(tx, &mut params, &mut count)
}

/// The custom roles: made by the Account Admin (Ada) through the crate, so the policy, its
/// revision and the audit log stay consistent. Returns them and the stored policy.
fn custom_roles(mut policy: Policy) -> Result<(Vec<RoleId>, Policy, Policy), ApiError> {
    let before = policy.clone();
    let admin = policy.builtin(BuiltInRole::AccountAdmin);
    let ada = Subject::new(UserId(1), admin, &[]);
    let mut roles = Vec::new();
    for (source, name, description) in [
        (
            BuiltInRole::SupportAgent,
            "Tier 2",
            "Takes the escalations of a group.",
        ),
        (
            BuiltInRole::SalesUser,
            "Account manager",
            "Looks after a group's accounts.",
        ),
        (
            BuiltInRole::RestrictedUser,
            "Trainee",
            "Works only what is handed to them.",
        ),
    ] {
        let id = policy.clone_role(&ada, policy.builtin(source), name)?;
        policy.set_role_description(&ada, id, description)?;
        roles.push(id);
    }
    Ok((roles, before, policy))
}

/// Adds the generated groups, agents, memberships, conversations and participants (inside the
/// caller's transaction, right after the demo data), and stores the policy with the custom
/// roles and its audit entry.
///
/// # Errors
/// A database error, or `n` beyond SQL integers.
pub fn conversations(tx: &mut dyn Sql, policy: Policy, n: u64) -> Result<(), ApiError> {
    let n = i64::try_from(n)
        .ok()
        .filter(|n| *n <= i64::MAX - FIRST_CONVERSATION)
        .ok_or_else(|| ApiError::internal("--conversations is too large"))?;
    debug_assert_eq!(policy.plan(), Plan::Pro);
    let (custom, fresh, policy) = custom_roles(policy)?;
    let doc =
        serde_json::to_string(&policy).map_err(|error| ApiError::internal(error.to_string()))?;
    tx.execute(
        "UPDATE policy SET doc = ?, revision = ? WHERE id = 1",
        &[
            doc.into(),
            crate::app::sql_revision(policy.revision())?.into(),
        ],
    )?;
    audit::insert(
        tx,
        UserId(1),
        policy.revision(),
        &audit::policy_changes(&fresh, &policy),
    )?;

    let mut rng = Rng(0x4845_4C50_4445_534B); // "HELPDESK"
    insert(
        tx,
        "groups (id, name)",
        2,
        (4..=GROUPS).map(|id| vec![id.into(), format!("Team {id}").into()]),
    )?;

    // Roles by weight: mostly agents, some sales and restricted users, a few managers.
    let role = |r: BuiltInRole| policy.builtin(r);
    let weighted: Vec<(RoleId, u64)> = vec![
        (role(BuiltInRole::SupportAgent), 40),
        (role(BuiltInRole::SalesUser), 12),
        (role(BuiltInRole::RestrictedUser), 12),
        (role(BuiltInRole::SupportManager), 4),
        (role(BuiltInRole::MarketingUser), 4),
        (role(BuiltInRole::SalesManager), 2),
        (role(BuiltInRole::Administrator), 1),
        (custom[0], 10),
        (custom[1], 8),
        (custom[2], 7),
    ];
    let total: u64 = weighted.iter().map(|(_, w)| w).sum();
    let mut agents = Vec::new();
    let mut memberships = Vec::new();
    for id in FIRST_AGENT..=LAST_AGENT {
        let mut pick = rng.next() % total;
        let mut chosen = weighted[0].0;
        for (role, weight) in &weighted {
            if pick < *weight {
                chosen = *role;
                break;
            }
            pick -= weight;
        }
        agents.push(vec![
            id.into(),
            format!("Agent {id}").into(),
            i64::from(chosen.0).into(),
        ]);
        let mut groups: Vec<i64> = Vec::new();
        let full = rng.between(1, 3);
        while i64::try_from(groups.len()).unwrap_or(0) < full {
            let group = rng.between(1, GROUPS);
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        for group in &groups {
            memberships.push(vec![id.into(), (*group).into(), false.into()]);
        }
        if rng.percent(20) {
            let group = rng.between(1, GROUPS);
            if !groups.contains(&group) {
                memberships.push(vec![id.into(), group.into(), true.into()]);
            }
        }
    }
    insert(tx, "users (id, name, role_id)", 3, agents.into_iter())?;
    insert(
        tx,
        "memberships (user_id, group_id, view_only)",
        3,
        memberships.into_iter(),
    )?;

    const SUBJECTS: [&str; 6] = [
        "Order {} has not arrived",
        "Refund for order {}",
        "Invoice {} shows the wrong address",
        "Cannot sign in since ticket {}",
        "Question about plan {}",
        "Card declined on order {}",
    ];
    let last = FIRST_CONVERSATION + n - 1;
    let mut participants = Vec::new();
    let rows = (FIRST_CONVERSATION..=last).map(|id| {
        let group = rng.percent(90).then(|| rng.between(1, GROUPS));
        let assignee = rng.percent(70).then(|| rng.between(3, LAST_AGENT));
        let template = SUBJECTS[usize::try_from(rng.next() % 6).unwrap_or(0)];
        if rng.percent(30) {
            let user = rng.between(3, LAST_AGENT);
            participants.push([id, user]);
        }
        vec![
            id.into(),
            template.replace("{}", &(id * 7 + 1000).to_string()).into(),
            group.into(),
            assignee.into(),
        ]
    });
    insert(
        tx,
        "conversations (id, subject, group_id, assignee_id)",
        4,
        rows,
    )?;
    insert(
        tx,
        "conversation_participants (conversation_id, user_id)",
        2,
        participants
            .into_iter()
            .map(|[c, u]| vec![c.into(), u.into()]),
    )?;
    // Statistics for the planners, which would otherwise guess on a table this size.
    tx.batch("ANALYZE")?;
    Ok(())
}
