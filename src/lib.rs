#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]
#![warn(clippy::pedantic)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Every public `Result` method documents its errors in one `# Errors` section; `must_use` on
// every getter would be noise beyond the ones that matter (decisions, filters, lookups).
#![allow(clippy::must_use_candidate)]
// The docs (and the README they include) use the snake_case permission names as prose words.
#![allow(clippy::doc_markdown)]
// The hot path (`check`, `allowed` and the role lookup) is forced in line on purpose, so that a
// caller reading only `is_allowed()` lets the compiler drop the reason: measured in
// `benches/check.rs`, a plain `#[inline]` left it one call away and cost a third more.
#![allow(clippy::inline_always)]

mod agent_filter;
mod catalogue;
mod change;
mod decision;
mod error;
mod eval;
mod facts;
mod filter;
mod grants;
mod group_list;
mod group_scan;
mod ids;
mod name;
mod permissions;
mod plan;
mod policy;
mod requirements;
mod resolved;
mod role;
mod role_map;
mod scope;
mod sql;
mod stored;
mod vocabulary;

pub use agent_filter::AgentFilter;
pub use catalogue::PermissionInfo;
pub use change::Change;
pub use decision::{Decision, DecisionRecord, Denied, Fact, Reason};
pub use error::{ErrorKind, PolicyError};
pub use facts::{AboutUser, Account, Conversation, Resource, Subject, Team};
pub use filter::ConversationFilter;
pub use group_list::GroupList;
pub use ids::{GroupId, InvalidId, RoleId, UserId};
pub use permissions::{PermissionKind, Permissions};
pub use plan::Plan;
pub use policy::Policy;
pub use requirements::UnmetRequirement;
pub use resolved::ResolvedSubject;
pub use role::{BuiltInRole, Role};
pub use scope::Scope;
pub use sql::{
    AgentColumns, MembershipTable, ParticipantsTable, SqlColumns, SqlDialect, SqlError, SqlFilter,
};
pub use stored::Unknown;
pub use vocabulary::{ExtensionPermission, Vocabulary, MAX_EXTENSIONS};
