//! `Idempotency-Key` records: claimed before a POST runs, completed with its response
//! (inside the write's own transaction when the write succeeds), replayed for 24 hours.

use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// The idempotency record a write should complete in its own transaction.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyRef<'a> {
    pub scope: &'a str,
    pub key: &'a str,
}
/// What `idempotency_begin` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First time: go ahead (the key is now marked in flight).
    Started,
    /// Finished before with the same request: answer with this.
    Replay { status: u16, body: String },
    /// Used before with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Idempotency keys and the responses they replay.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` in `scope` for a request whose canonical hash is `request_hash`.
    /// Records past `expires_at` are gone; in-flight ones older than `abandoned_before`
    /// (their request died) are taken over.
    async fn idempotency_begin(
        &self,
        key: IdempotencyRef<'_>,
        request_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> Result<IdempotencyBegin, StoreError>;
    /// Stores the final response of a request that changed nothing.
    async fn idempotency_finish(
        &self,
        key: IdempotencyRef<'_>,
        status: u16,
        body: &str,
    ) -> Result<(), StoreError>;
    /// Forgets an in-flight key whose request failed unexpectedly, so a retry can run.
    async fn idempotency_release(&self, key: IdempotencyRef<'_>) -> Result<(), StoreError>;
    /// Deletes expired idempotency records; returns how many.
    async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct IdempotencyRow {
    pub request_hash: String,
    pub state: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
}

/// `impl IdempotencyStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_idempotency_store {
    ($store:ty, $db:ty) => {
        mod idempotency_sql {
            use super::*;
            use $crate::store::idempotency::IdempotencyRow;
            use $crate::store::ts::Ts;
            use cadence_shared::Booking;
            use chrono::{DateTime, Utc};
            use sqlx::Transaction;

            impl $store {
                /// Completes an idempotency record with the response, inside the caller's transaction.
                pub(super) async fn save_response(
                    tx: &mut Transaction<'static, $db>,
                    idem: Option<IdempotencyRef<'_>>,
                    status: u16,
                    booking: &BookingRecord,
                ) -> Result<(), StoreError> {
                    let Some(idem) = idem else { return Ok(()) };
                    let body = serde_json::to_string(&Booking::from(booking)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    sqlx::query(
                        "UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 \
                         WHERE scope = $1 AND key = $2",
                    )
                    .bind(idem.scope)
                    .bind(idem.key)
                    .bind(i32::from(status))
                    .bind(body)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    Ok(())
                }
            }

            #[async_trait]
            impl IdempotencyStore for $store {
                async fn idempotency_begin(
                    &self,
                    key: IdempotencyRef<'_>,
                    request_hash: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                    abandoned_before: DateTime<Utc>,
                ) -> Result<IdempotencyBegin, StoreError> {
                    sqlx::query(
                        "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 \
                         AND (expires_at <= $3 OR (state = 'in_flight' AND created_at <= $4))",
                    )
                    .bind(key.scope)
                    .bind(key.key)
                    .bind(Ts(now))
                    .bind(Ts(abandoned_before))
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    let inserted = sqlx::query(
                        "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at, expires_at) \
                         VALUES ($1, $2, $3, 'in_flight', $4, $5) ON CONFLICT (scope, key) DO NOTHING",
                    )
                    .bind(key.scope)
                    .bind(key.key)
                    .bind(request_hash)
                    .bind(Ts(now))
                    .bind(Ts(expires_at))
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    if inserted.rows_affected() == 1 {
                        return Ok(IdempotencyBegin::Started);
                    }
                    let row: Option<IdempotencyRow> = sqlx::query_as(
                        "SELECT request_hash, state, response_status, response_body FROM idempotency_keys \
                         WHERE scope = $1 AND key = $2",
                    )
                    .bind(key.scope)
                    .bind(key.key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(match row {
                        // Deleted between our insert and select: another request is handling it.
                        None => IdempotencyBegin::InFlight,
                        Some(r) if r.request_hash != request_hash => IdempotencyBegin::Mismatch,
                        Some(r) if r.state == "done" => IdempotencyBegin::Replay {
                            status: r.response_status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                            body: r.response_body.unwrap_or_default(),
                        },
                        Some(_) => IdempotencyBegin::InFlight,
                    })
                }

                async fn idempotency_finish(&self, key: IdempotencyRef<'_>, status: u16, body: &str) -> Result<(), StoreError> {
                    sqlx::query(
                        "UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 \
                         WHERE scope = $1 AND key = $2",
                    )
                    .bind(key.scope)
                    .bind(key.key)
                    .bind(i32::from(status))
                    .bind(body)
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(())
                }

                async fn idempotency_release(&self, key: IdempotencyRef<'_>) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'")
                        .bind(key.scope)
                        .bind(key.key)
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                    let done = sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
                        .bind(Ts(now))
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }
        }
    };
}
pub(super) use impl_idempotency_store;
