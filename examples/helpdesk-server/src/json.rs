//! JSON in and out, with our own error bodies for every way a request can be malformed.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ApiError;

/// The largest request body accepted, 64 KiB; a larger one is answered 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body. Unlike `axum::Json` it answers every failure with our JSON error body:
/// 413 past [`BODY_LIMIT`], 400 for malformed JSON or the wrong shape (unknown fields included).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                let status = rejection.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        status,
                        "payload_too_large",
                        format!("the request body is larger than {BODY_LIMIT} bytes"),
                    )
                } else {
                    ApiError::new(status, "bad_request", rejection.body_text())
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|error| ApiError::bad_request(format!("malformed JSON body: {error}")))
    }
}

/// A JSON response with this status; a body that fails to serialise is a 500.
pub fn response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            Body::from(bytes),
        )
            .into_response(),
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            format!(r#"{{"error":"internal","reason":"cannot serialise the response: {error}"}}"#),
        )
            .into_response(),
    }
}

/// A JSON response carrying the policy's revision as its `ETag` (`"7"`).
pub fn with_etag<T: Serialize + ?Sized>(status: StatusCode, revision: u64, body: &T) -> Response {
    let mut response = response(status, body);
    if let Ok(value) = HeaderValue::from_str(&etag(revision)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The ETag of a policy revision: the revision in double quotes.
pub fn etag(revision: u64) -> String {
    format!("\"{revision}\"")
}

/// The revision an editor loaded, from `If-Match`: the ETag as given (`"7"`) or bare (`7`).
///
/// `Ok(None)` when the header is absent; 400 when it is anything else (a list, `*`, a weak
/// tag or not a number), since none of those says which revision the editor saw.
pub fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let mut values = headers.get_all(header::IF_MATCH).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            "If-Match must be one revision as the ETag gave it, e.g. \"7\" (or a bare 7)",
        )
    };
    if values.next().is_some() {
        return Err(bad());
    }
    let text = value.to_str().map_err(|_| bad())?.trim();
    let inner = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(text);
    if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    inner.parse().map(Some).map_err(|_| bad())
}
