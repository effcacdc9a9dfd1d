//! Every refusal as `{"error": "<kind>", "reason": "<sentence>"}` with the matching status.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use helpdesk_policy::{Denied, ErrorKind, PolicyError};
use serde::Serialize;

/// A request that did not succeed: the status, a short machine-readable kind and a sentence a
/// person can read (the crate's decision or error sentence where the crate decided).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The kind, e.g. `"forbidden"`, `"not_found"`, `"conflict"`.
    pub kind: &'static str,
    /// One sentence saying why.
    pub reason: String,
    /// The policy's current revision, for a conflict: sent as `revision` and as the `ETag`.
    pub revision: Option<u64>,
    /// Extra data about the refusal (e.g. the unmet requirements), sent as `details`.
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with this status, kind and reason.
    pub fn new(status: StatusCode, kind: &'static str, reason: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            reason: reason.into(),
            revision: None,
            details: None,
        }
    }

    /// 400: the request itself is malformed (bad JSON, a bad header or query).
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", reason)
    }

    /// 401: nobody (or an unknown user) is signed in.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", reason)
    }

    /// 403: the policy denies it; the reason is the decision's sentence.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", reason)
    }

    /// 404: no such thing.
    pub fn not_found(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", reason)
    }

    /// 409: the policy moved on since the revision the client loaded.
    pub fn conflict(current: u64, loaded: u64) -> Self {
        let mut error = Self::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "the policy is at revision {current}, not {loaded}: someone else changed it; \
                 reload and apply the change again"
            ),
        );
        error.revision = Some(current);
        error
    }

    /// 422: well-formed, but not acceptable (an unknown permission, a taken name, ...).
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", reason)
    }

    /// 428: a change to the policy without `If-Match`.
    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "changing the policy needs an If-Match header with the revision you loaded \
             (the ETag of GET /api/roles, e.g. \"7\")",
        )
    }

    /// 500: something broke on our side (the database); never caused by request content.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", reason)
    }

    /// 503: the database cannot be reached right now; the same request may succeed later.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason)
    }

    /// The same error with `details` attached.
    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl From<PolicyError> for ApiError {
    /// A refused policy change, classified by the crate's error kind (no matching on messages).
    fn from(error: PolicyError) -> Self {
        let reason = error.to_string();
        match error.kind() {
            ErrorKind::Forbidden => ApiError::forbidden(reason),
            ErrorKind::NotFound => ApiError::not_found(reason),
            ErrorKind::Conflict => ApiError::new(StatusCode::CONFLICT, "conflict", reason),
            ErrorKind::Plan => ApiError::new(StatusCode::PAYMENT_REQUIRED, "plan", reason),
            // InvalidInput, and any kind a later version adds.
            _ => ApiError::invalid(reason),
        }
    }
}

impl From<Denied> for ApiError {
    /// A denial: 403 with the decision's sentence, and the decision as data in `details`.
    fn from(denied: Denied) -> Self {
        let details = serde_json::to_value(&denied).ok();
        let mut error = ApiError::forbidden(denied.to_string());
        error.details = details.map(|record| serde_json::json!({ "decision": record }));
        error
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a serde_json::Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: self.kind,
            reason: &self.reason,
            revision: self.revision,
            details: self.details.as_ref(),
        };
        let mut response = crate::json::response(self.status, &body);
        if let Some(revision) = self.revision {
            if let Ok(value) = HeaderValue::from_str(&crate::json::etag(revision)) {
                response.headers_mut().insert(header::ETAG, value);
            }
        }
        response
    }
}
