//! Inboxes straight from SQLite: each agent's conversations listed through the policy's filter
//! rendered as SQL, with the reason for a sample conversation checked one by one.
//!
//! Run with `cargo run --example inbox_sql`.

use std::error::Error;

use helpdesk_policy::{
    BuiltInRole, ConversationFilter, GroupId, ParticipantsTable, Permissions, Plan, Policy,
    Resource, Scope, SqlColumns, Subject, UserId,
};
use rusqlite::{params, params_from_iter, Connection};

/// The host's own conversation row, checked in place (SQL ids: a negative id is no id).
struct TicketRow {
    id: i64,
    subject: String,
    group_id: Option<i64>,
    assignee_id: Option<i64>,
    followers: Vec<i64>,
}

impl Resource for TicketRow {
    fn group(&self) -> Option<GroupId> {
        self.group_id
            .and_then(|id| u64::try_from(id).ok())
            .map(GroupId)
    }

    fn assignee(&self) -> Option<UserId> {
        self.assignee_id
            .and_then(|id| u64::try_from(id).ok())
            .map(UserId)
    }

    fn has_participant(&self, user: UserId) -> bool {
        i64::try_from(user.0).is_ok_and(|user| self.followers.contains(&user))
    }
}

/// How the host names its tables and columns.
const COLUMNS: SqlColumns<'static> = SqlColumns {
    id: "c.id",
    group: "c.group_id",
    assignee: "c.assignee_id",
    participants: Some(ParticipantsTable {
        table: "conversation_participants",
        conversation: "conversation_id",
        user: "user_id",
    }),
};

const BILLING: i64 = 1;
const TECH: i64 = 2;
const SALES: i64 = 3;

/// A conversation to insert: subject, group, assignee, followers.
type Seed = (&'static str, Option<i64>, Option<i64>, &'static [i64]);

/// A small inbox.
const CONVERSATIONS: [Seed; 10] = [
    ("Refund for order 1182", Some(BILLING), None, &[]),
    ("Invoice shows the wrong VAT", Some(BILLING), Some(11), &[]),
    ("App crashes on login", Some(TECH), Some(12), &[13]),
    ("Export to CSV times out", Some(TECH), None, &[]),
    ("Webhook retries", Some(TECH), Some(13), &[]),
    ("Volume pricing for 500 seats", Some(SALES), Some(14), &[]),
    ("Demo request", Some(SALES), None, &[12]),
    ("Where is my package?", None, None, &[]),
    ("Partnership proposal", None, Some(13), &[]),
    ("Card declined twice", Some(BILLING), Some(12), &[11]),
];

fn open_inbox() -> rusqlite::Result<Connection> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE conversations (
             id INTEGER PRIMARY KEY, subject TEXT NOT NULL, group_id INTEGER, assignee_id INTEGER);
         CREATE TABLE conversation_participants (
             conversation_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
             PRIMARY KEY (conversation_id, user_id));",
    )?;
    for (id, (subject, group, assignee, followers)) in (1_i64..).zip(CONVERSATIONS) {
        db.execute(
            "INSERT INTO conversations (id, subject, group_id, assignee_id) VALUES (?, ?, ?, ?)",
            params![id, subject, group, assignee],
        )?;
        for user in followers {
            db.execute(
                "INSERT INTO conversation_participants (conversation_id, user_id) VALUES (?, ?)",
                params![id, user],
            )?;
        }
    }
    Ok(db)
}

/// Loads the rows the filter lets through, through the rendered `WHERE` fragment.
fn inbox(
    db: &Connection,
    filter: &ConversationFilter<'_>,
) -> Result<Vec<TicketRow>, Box<dyn Error>> {
    let sql = filter.to_sql(&COLUMNS)?;
    let query = format!(
        "SELECT c.id, c.subject, c.group_id, c.assignee_id FROM conversations c WHERE {} ORDER BY c.id",
        sql.sql
    );
    let mut statement = db.prepare(&query)?;
    let rows = statement.query_map(params_from_iter(&sql.params), |row| {
        Ok(TicketRow {
            id: row.get(0)?,
            subject: row.get(1)?,
            group_id: row.get(2)?,
            assignee_id: row.get(3)?,
            followers: Vec::new(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every conversation with its followers, for checking one by one.
fn all_rows(db: &Connection) -> Result<Vec<TicketRow>, Box<dyn Error>> {
    let mut rows = inbox(db, &ConversationFilter::Everything)?;
    let mut statement =
        db.prepare("SELECT user_id FROM conversation_participants WHERE conversation_id = ?")?;
    for row in &mut rows {
        row.followers = statement
            .query_map([row.id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
    }
    Ok(rows)
}

/// The filter in words.
fn main() -> Result<(), Box<dyn Error>> {
    let db = open_inbox()?;
    let everything = all_rows(&db)?;

    let mut policy = Policy::new(Plan::Pro);
    let owner = Subject {
        user: UserId(1),
        role: policy.builtin(BuiltInRole::AccountAdmin),
        groups: &[],
        view_only: &[],
    };
    // A custom role: a Support Agent who sees and answers only their own groups' conversations.
    let tier1 = policy.clone_role(&owner, policy.builtin(BuiltInRole::SupportAgent), "Tier 1")?;
    policy.grant(
        &owner,
        tier1,
        Permissions::VIEW_CONVERSATIONS | Permissions::REPLY,
        Scope::Group,
    )?;

    let billing = [GroupId(1)];
    let tech = [GroupId(2)];
    let sales = [GroupId(3)];
    let agent = |user, role, groups| Subject {
        user: UserId(user),
        role: policy.builtin(role),
        groups,
        view_only: &[],
    };
    let agents = [
        ("Ada", owner),
        ("Ben", agent(11, BuiltInRole::SupportAgent, &billing)),
        (
            "Cy",
            Subject {
                role: tier1,
                ..agent(12, BuiltInRole::SupportAgent, &tech)
            },
        ),
        ("Dee", agent(14, BuiltInRole::SalesUser, &sales)),
        ("Eli", agent(13, BuiltInRole::RestrictedUser, &tech)),
        ("Fay", agent(15, BuiltInRole::MarketingUser, &[])),
    ];

    let permission = Permissions::REPLY;
    println!(
        "Who may reply to what, {} conversations in all:\n",
        everything.len()
    );
    for (name, agent) in &agents {
        let role = policy
            .role(agent.role)
            .map_or("unknown role", |role| role.name());
        let filter = policy.filter(agent, permission);
        let rows = inbox(&db, &filter)?;
        println!(
            "{name} ({role}) sees {} of {}: {}",
            rows.len(),
            everything.len(),
            filter
        );
        let sql = filter.to_sql(&COLUMNS)?;
        println!("  WHERE {}   -- params {:?}", sql.sql, sql.params);
        if filter != ConversationFilter::Everything {
            for row in &rows {
                println!("  #{:<2} {}", row.id, row.subject);
            }
        }
        // Why, for one conversation in the inbox and one outside it, checked one by one.
        let inside = everything.iter().find(|row| filter.matches(*row));
        let outside = everything.iter().find(|row| !filter.matches(*row));
        for row in inside.into_iter().chain(outside) {
            let decision = policy.check(agent, permission, row);
            println!("  why #{}: {decision}", row.id);
        }
        println!();
    }
    Ok(())
}
