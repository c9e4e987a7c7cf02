//! `Idempotency-Key` for POSTs (PRODUCT.md, "Idempotency").
//!
//! A key is claimed in the caller's scope before any work (`org:<id>` for the org API,
//! `public:<org>:<client address>` for the public surface) and kept 24 hours. The write
//! that succeeds stores its response in the same transaction (see the store), so a replay
//! can never disagree with what happened. A request refused with a 4xx (slot taken, not
//! open, …) stores that refusal, so the same key replays it and a different body under the
//! same key is 422 `idempotency_key_reused`. A request that fails with a 5xx releases its
//! key, so the client can retry. Requests rejected before any work (401, 429, malformed
//! JSON) never reach this module.
//!
//! Handlers take the [`Idempotency`] extractor and run their work through
//! [`Idempotency::run`]: the request's method and path come from the request itself, so no
//! handler retypes its route.

use crate::http::error::ApiError;
use crate::model::Org;
use crate::store::{IdempotencyBegin, IdempotencyRef, Store};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// How long a key is remembered.
pub const KEY_TTL: Duration = Duration::hours(24);

/// An in-flight key older than this belongs to a request that died; it is taken over.
pub const ABANDONED_AFTER: Duration = Duration::minutes(2);

/// The header's name, as `http` matches it (lower case).
pub const HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` header of a POST, if sent (1–255 visible ASCII characters, else
/// 400), with the method and path of the request it came with.
pub struct Idempotency {
    key: Option<String>,
    method: Method,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let key = match parts.headers.get(HEADER) {
            None => None,
            Some(value) => {
                let key = value
                    .to_str()
                    .ok()
                    .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
                Some(key.map(str::to_owned).ok_or_else(|| ApiError::BadRequest {
                    code: "invalid_idempotency_key",
                    message: "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
                    field: None,
                })?)
            }
        };
        // The path as the router matched it (ids included): the same resource, the same key.
        Ok(Idempotency { key, method: parts.method.clone(), path: parts.uri.path().to_owned() })
    }
}

/// The scope of the org API's keys: the org.
pub fn org_scope(org: &Org) -> String {
    format!("org:{}", org.id)
}

/// The scope of the public surface's keys: the org and the client's address, so one
/// visitor's key never replays another's booking.
pub fn public_scope(org: &Org, client: IpAddr) -> String {
    format!("public:{}:{}", org.id, client)
}

/// What running a request under a key produced.
pub enum Outcome<T> {
    /// The work ran now.
    Fresh(T),
    /// The same request finished before; this was its response.
    Replayed { status: StatusCode, body: String },
}

impl<T: serde::Serialize> Outcome<T> {
    /// A fresh result with `status`, or a replay of the stored response: a create (201)
    /// replays as 200, as the contract asks; a stored refusal replays with its own status.
    pub fn into_response(self, status: StatusCode) -> Response {
        match self {
            Outcome::Fresh(value) => (status, axum::Json(value)).into_response(),
            Outcome::Replayed { status, body } => {
                let status = if status == StatusCode::CREATED { StatusCode::OK } else { status };
                (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
        }
    }
}

impl Idempotency {
    /// Runs `work` on `body` at most once per key in `scope` for this request; without a key
    /// it just runs. `work` gets the key to complete inside its own write.
    pub async fn run<'a, B, T, Fut>(
        &'a self,
        store: &dyn Store,
        scope: &'a str,
        body: &'a B,
        work: impl FnOnce(&'a B, Option<IdempotencyRef<'a>>) -> Fut,
    ) -> Result<Outcome<T>, ApiError>
    where
        B: serde::Serialize,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let Some(key) = self.key.as_deref().map(|key| IdempotencyRef { scope, key }) else {
            return work(body, None).await.map(Outcome::Fresh);
        };
        let hash = request_hash(self.method.as_str(), &self.path, body);
        let now = crate::clock::now();
        match store.idempotency_begin(key, &hash, now, now + KEY_TTL, now - ABANDONED_AFTER).await? {
            IdempotencyBegin::Started => match work(body, Some(key)).await {
                Ok(value) => Ok(Outcome::Fresh(value)),
                Err(err) => {
                    let (status, body) = err.envelope();
                    let kept = if status.is_client_error() {
                        let body = serde_json::to_string(&body).unwrap_or_default();
                        store.idempotency_finish(key, status.as_u16(), &body).await
                    } else {
                        store.idempotency_release(key).await
                    };
                    if let Err(e) = kept {
                        tracing::warn!(error = %e, "could not record the outcome of an idempotent request");
                    }
                    Err(err)
                }
            },
            IdempotencyBegin::Replay { status, body } => {
                Ok(Outcome::Replayed { status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body })
            }
            IdempotencyBegin::Mismatch => Err(ApiError::Idempotency {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "idempotency_key_reused",
                message: "This Idempotency-Key was used with a different request.".into(),
            }),
            IdempotencyBegin::InFlight => Err(ApiError::Idempotency {
                status: StatusCode::CONFLICT,
                code: "idempotency_key_in_flight",
                message: "A request with this Idempotency-Key is still being processed; retry shortly."
                    .into(),
            }),
        }
    }
}

/// Hash of what makes two requests "the same": method, path and the parsed body.
fn request_hash(method: &str, path: &str, body: &impl serde::Serialize) -> String {
    let body = serde_json::to_vec(body).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(&body);
    hex::encode(h.finalize())
}
