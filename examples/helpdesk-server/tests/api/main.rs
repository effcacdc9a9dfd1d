//! The HTTP API over the router (no socket), and a few requests through real TCP.

mod common;
mod conversations;
mod errors;
mod roles;
mod tcp;
