//! The audit log: who changed what, at which revision, when.

use helpdesk_policy::{Policy, UserId};
use serde::{Deserialize, Serialize};

use crate::app::sql_user;
use crate::db::{self, Sql};
use crate::error::ApiError;

/// One change as stored and served: the sentence, whether it widens access, and the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// One sentence a person reads in the log.
    pub sentence: String,
    /// Whether the change gives someone more than before (flag it in the log).
    pub widens: bool,
    /// The change as data.
    pub change: serde_json::Value,
}

/// What changed between two revisions of the policy, from the crate's `diff`: each change
/// as its sentence, its widening flag and its data.
pub fn policy_changes(before: &Policy, after: &Policy) -> Vec<ChangeRecord> {
    before
        .diff(after)
        .iter()
        .map(|change| ChangeRecord {
            sentence: change.to_string(),
            widens: change.widens(),
            change: serde_json::to_value(change).unwrap_or(serde_json::Value::Null),
        })
        .collect()
}

/// Stores one audit entry (inside the caller's transaction).
///
/// # Errors
/// A database error.
pub fn insert(
    conn: &mut dyn Sql,
    actor: UserId,
    revision: u64,
    changes: &[ChangeRecord],
) -> Result<(), ApiError> {
    let changes = serde_json::to_string(changes)
        .map_err(|error| ApiError::internal(format!("cannot store the audit entry: {error}")))?;
    let revision = i64::try_from(revision)
        .map_err(|_| ApiError::internal("the revision no longer fits an SQL integer"))?;
    conn.execute(
        "INSERT INTO audit (actor_id, revision, created_at, changes) VALUES (?, ?, ?, ?)",
        &[
            sql_user(actor)?.into(),
            revision.into(),
            db::now().into(),
            changes.into(),
        ],
    )?;
    Ok(())
}

/// One entry of `GET /api/audit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The entry's id (ascending in time).
    pub id: i64,
    /// Who made the change.
    pub actor: Actor,
    /// The policy revision after the change.
    pub revision: u64,
    /// When, in UTC (`2026-11-29T08:21:29Z`).
    pub time: String,
    /// What changed.
    pub changes: Vec<ChangeRecord>,
}

/// The author of an audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    /// Their user id.
    pub id: i64,
    /// Their name, if the user still exists.
    pub name: Option<String>,
}

/// Every entry, newest first.
///
/// # Errors
/// A database error, or a stored entry that no longer parses.
pub fn list(conn: &mut dyn Sql) -> Result<Vec<Entry>, ApiError> {
    let rows = conn.query(
        "SELECT a.id, a.actor_id, u.name, a.revision, a.created_at, a.changes \
         FROM audit a LEFT JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC",
        &[],
    )?;
    let mut entries = Vec::new();
    for row in rows {
        let id = row.int(0)?;
        let changes = serde_json::from_str(&row.text(5)?).map_err(|error| {
            ApiError::internal(format!("audit entry {id} does not parse: {error}"))
        })?;
        entries.push(Entry {
            id,
            actor: Actor {
                id: row.int(1)?,
                name: row.opt_text(2)?,
            },
            revision: u64::try_from(row.int(3)?).unwrap_or(0),
            time: utc(row.int(4)?),
            changes,
        });
    }
    Ok(entries)
}

/// Seconds since the Unix epoch as an ISO 8601 UTC time (days to civil date: H. Hinnant).
pub fn utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_795_940_489), "2026-11-29T08:21:29Z");
    }
}
