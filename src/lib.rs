#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

mod decision;
mod error;
mod eval;
mod facts;
mod filter;
mod grants;
mod ids;
mod name;
mod permissions;
mod plan;
mod policy;
mod role;
mod role_map;
mod scope;
mod stored;

pub use decision::{Decision, Fact, Reason};
pub use error::PolicyError;
pub use facts::{AboutUser, Account, Conversation, Resource, Subject, Team};
pub use filter::ConversationFilter;
pub use ids::{GroupId, RoleId, UserId};
pub use permissions::{PermissionKind, Permissions};
pub use plan::Plan;
pub use policy::Policy;
pub use role::{BuiltInRole, Role};
pub use scope::Scope;
