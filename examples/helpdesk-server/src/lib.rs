//! A reference helpdesk backend: `helpdesk-policy` inside axum, on SQLite or PostgreSQL.
//!
//! [`router`] builds the whole HTTP API over an [`App`]; `main.rs` only parses the command
//! line and serves it. See `README.md` beside this package for the endpoints and how each one
//! maps to the crate.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod audit;
pub mod conversations;
pub mod db;
pub mod error;
pub mod html;
pub mod json;
pub mod replica;
pub mod roles;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

pub use app::App;
pub use error::ApiError;

/// The HTTP API and the page, with the 64 KiB body limit and JSON answers for unknown routes.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/", get(html::page))
        .route("/api/conversations", get(conversations::inbox))
        .route("/api/conversations/{id}", get(conversations::show))
        .route(
            "/api/conversations/{id}/replies",
            post(conversations::reply),
        )
        .route("/api/conversations/{id}/notes", post(conversations::note))
        .route(
            "/api/conversations/{id}/assignee",
            put(conversations::assign),
        )
        .route("/api/conversations/{id}/agents", get(conversations::agents))
        .route("/api/permissions", get(roles::permissions))
        .route("/api/roles", get(roles::list).post(roles::create))
        .route(
            "/api/roles/{id}",
            get(roles::show).patch(roles::patch).delete(roles::delete),
        )
        .route("/api/users/{id}/role", put(roles::set_user_role))
        .route("/api/plan", put(roles::set_plan))
        .route("/api/audit", get(roles::audit_log))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(json::BODY_LIMIT))
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint: see the server's README for the API")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}
