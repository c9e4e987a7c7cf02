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

use crate::error::ApiError;
use crate::store::{IdempotencyBegin, IdempotencyRef, Store};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::Duration;
use sha2::{Digest, Sha256};

/// How long a key is remembered.
pub const KEY_TTL: Duration = Duration::hours(24);

/// An in-flight key older than this belongs to a request that died; it is taken over.
pub const ABANDONED_AFTER: Duration = Duration::minutes(2);

/// The `Idempotency-Key` header, if sent (1–255 visible ASCII characters, else 400).
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("idempotency-key") else { return Ok(IdempotencyKey(None)) };
        let key = value
            .to_str()
            .ok()
            .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()));
        key.map(|k| IdempotencyKey(Some(k.to_owned()))).ok_or_else(|| ApiError::BadRequest {
            code: "invalid_idempotency_key",
            message: "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
            field: None,
        })
    }
}

/// What running a request under a key produced.
pub enum Outcome<T> {
    /// The work ran now.
    Fresh(T),
    /// The same request finished before; this was its response.
    Replayed { status: StatusCode, body: String },
}

/// Hash of what makes two requests "the same": method, path and the parsed body.
pub fn request_hash(method: &str, path: &str, body: &impl serde::Serialize) -> String {
    let body = serde_json::to_vec(body).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(&body);
    hex::encode(h.finalize())
}

/// Runs `work` at most once per key. `work` gets the key to complete inside its write.
pub async fn run<'k, T, Fut>(
    store: &dyn Store,
    key: Option<IdempotencyRef<'k>>,
    request_hash: &str,
    work: impl FnOnce(Option<IdempotencyRef<'k>>) -> Fut,
) -> Result<Outcome<T>, ApiError>
where
    Fut: Future<Output = Result<T, ApiError>>,
{
    let Some(key) = key else { return work(None).await.map(Outcome::Fresh) };
    let now = crate::clock::now();
    match store.idempotency_begin(key, request_hash, now, now + KEY_TTL, now - ABANDONED_AFTER).await? {
        IdempotencyBegin::Started => match work(Some(key)).await {
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
            message: "A request with this Idempotency-Key is still being processed; retry shortly.".into(),
        }),
    }
}
