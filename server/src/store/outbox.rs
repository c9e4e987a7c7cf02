//! The transactional outbox: events with one delivery per subscribed endpoint (written
//! inside the booking's own transaction), claims by the delivery workers, the attempts
//! they record, and the purge of finished history.

use super::StoreError;
use super::ts::Ts;
use crate::model::{AttemptRecord, BookingRecord, ClaimLimits, ClaimedDelivery};
use async_trait::async_trait;
use cadence_shared::Booking;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::types::Json;

/// The outbox body of a booking event, as receivers will get it.
pub(super) fn event_payload(
    event_id: &str,
    kind: &str,
    now: DateTime<Utc>,
    booking: &BookingRecord,
    previous: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Value {
    let mut data = json!({ "booking": Booking::from(booking) });
    if let Some((start, end)) = previous {
        data["previous_start"] = json!(start);
        data["previous_end"] = json!(end);
    }
    json!({ "id": event_id, "type": kind, "created_at": now, "data": data })
}

/// Webhook events and their deliveries.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Writes a `webhook.test` event with a delivery to this endpoint only; returns its id.
    async fn create_test_event(
        &self,
        org_id: &str,
        endpoint_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError>;
    /// Claims due deliveries within `limits`, each the oldest pending one of its booking for
    /// its endpoint (so a booking's events arrive in order), locking them until `lock_until`.
    /// Fair across orgs: every org's oldest due delivery comes before any org's second, and
    /// an endpoint (or org) that already has its share in flight gets nothing more, so one
    /// tenant's slow receivers cannot take every worker slot. On Postgres rows locked by
    /// another process are skipped, so processes never claim the same delivery.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
        limits: ClaimLimits,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;
    /// Records an attempt and moves the delivery on (and disables its endpoint if told to).
    async fn record_attempt(&self, attempt: &AttemptRecord) -> Result<(), StoreError>;
    /// Unlocks claimed deliveries that were not attempted (the worker is stopping), so that
    /// another process can claim them at once instead of after their lock runs out.
    async fn release_deliveries(&self, ids: &[String]) -> Result<(), StoreError>;
    /// Deletes events written before `before` whose deliveries are all finished (succeeded
    /// or failed), with their deliveries and attempts; returns how many events.
    async fn purge_webhook_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct ClaimRow {
    pub id: String,
    pub attempts: i32,
    pub event_id: String,
    pub event_type: String,
    pub payload: Json<serde_json::Value>,
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<Ts>,
    pub active: bool,
    pub deleted_at: Option<Ts>,
}

impl From<ClaimRow> for ClaimedDelivery {
    fn from(r: ClaimRow) -> Self {
        ClaimedDelivery {
            id: r.id,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            event_id: r.event_id,
            event_type: r.event_type,
            payload: r.payload.0,
            endpoint_id: r.endpoint_id,
            url: r.url,
            secret: r.secret,
            previous_secret: r
                .previous_secret
                .filter(|_| r.previous_secret_until.is_some_and(|until| until.0 > crate::clock::now())),
            endpoint_usable: r.active && r.deleted_at.is_none(),
        }
    }
}

/// The claim, for both backends (`$1` now, `$2` how many, `$3` per endpoint, `$4` per org;
/// the backend appends its row lock). `due`: deliveries that may be sent now, each the
/// oldest pending one of its booking for its endpoint, numbered per endpoint; `busy`: what
/// processes hold in flight (locked, not yet recorded); `fits`: what fits under the
/// endpoint's share, numbered per org; `picked`: what fits under the org's share, the orgs
/// taking turns. The outer query checks state and lock again, against the row it locks.
pub(super) const CLAIM_SQL: &str = "\
    WITH due AS ( \
        SELECT d.id, d.endpoint_id, w.org_id, d.next_attempt_at, \
        ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS endpoint_rank \
        FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
        JOIN webhook_endpoints w ON w.id = d.endpoint_id \
        WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
        AND (d.locked_until IS NULL OR d.locked_until <= $1) \
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d2 JOIN webhook_events e2 ON e2.id = d2.event_id \
            WHERE d2.endpoint_id = d.endpoint_id AND d2.state = 'pending' \
            AND e2.booking_id = e.booking_id AND d2.event_id < d.event_id)), \
    busy AS ( \
        SELECT b.endpoint_id, bw.org_id FROM webhook_deliveries b \
        JOIN webhook_endpoints bw ON bw.id = b.endpoint_id \
        WHERE b.state = 'pending' AND b.locked_until > $1), \
    fits AS ( \
        SELECT due.id, due.org_id, due.next_attempt_at, \
        ROW_NUMBER() OVER (PARTITION BY due.org_id ORDER BY due.next_attempt_at, due.id) AS org_rank \
        FROM due \
        WHERE due.endpoint_rank + (SELECT COUNT(*) FROM busy WHERE busy.endpoint_id = due.endpoint_id) <= $3), \
    picked AS ( \
        SELECT fits.id, fits.org_rank, fits.next_attempt_at FROM fits \
        WHERE fits.org_rank + (SELECT COUNT(*) FROM busy WHERE busy.org_id = fits.org_id) <= $4 \
        ORDER BY fits.org_rank, fits.next_attempt_at, fits.id LIMIT $2) \
    SELECT d.id, d.attempts, e.id AS event_id, e.type AS event_type, e.payload, w.id AS endpoint_id, \
    w.url, w.secret, w.previous_secret, w.previous_secret_until, w.active, w.deleted_at \
    FROM picked JOIN webhook_deliveries d ON d.id = picked.id \
    JOIN webhook_events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id \
    WHERE d.state = 'pending' AND (d.locked_until IS NULL OR d.locked_until <= $1) \
    ORDER BY picked.org_rank, picked.next_attempt_at, d.id";

/// `impl OutboxStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_outbox_store {
    ($store:ty, $db:ty) => {
        mod outbox_sql {
            use super::*;
            use $crate::store::int;
            use $crate::store::ts::Ts;
            use $crate::store::outbox::{CLAIM_SQL, ClaimRow, event_payload};
            use chrono::{DateTime, Utc};
            use sqlx::Transaction;
            use sqlx::types::Json;

            impl $store {
                /// Writes a booking event to the outbox, with one pending delivery per endpoint
                /// of the org that listens to it, inside the caller's transaction. When no
                /// endpoint listens, nothing is written: the outbox holds what is to be
                /// delivered, and nothing reads an event but its deliveries.
                pub(super) async fn write_event(
                    tx: &mut Transaction<'static, $db>,
                    kind: &str,
                    booking: &BookingRecord,
                    previous: Option<(DateTime<Utc>, DateTime<Utc>)>,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    let event_id = $crate::ids::new_id("evt");
                    let payload = event_payload(&event_id, kind, now, booking, previous);
                    sqlx::query(&format!(
                        "INSERT INTO webhook_events (id, org_id, type, booking_id, payload, created_at) \
                         SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM webhook_endpoints e \
                         WHERE e.org_id = $2 AND e.active AND e.deleted_at IS NULL AND {SUBSCRIBED})"
                    ))
                    .bind(&event_id)
                    .bind(&booking.org_id)
                    .bind(kind)
                    .bind(&booking.id)
                    .bind(Json(&payload))
                    .bind(Ts(now))
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    sqlx::query(&format!(
                        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, \
                         created_at, updated_at) \
                         SELECT 'dlv_' || substr(ev.id, 5) || '_' || substr(e.id, 4), ev.id, e.id, 'pending', 0, $4, $4, $4 \
                         FROM webhook_events ev, webhook_endpoints e \
                         WHERE ev.id = $1 AND e.org_id = $2 AND e.active AND e.deleted_at IS NULL AND {SUBSCRIBED}"
                    ))
                    .bind(&event_id)
                    .bind(&booking.org_id)
                    .bind(kind)
                    .bind(Ts(now))
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    Ok(())
                }
            }

            #[async_trait]
            impl OutboxStore for $store {

                async fn create_test_event(&self, org_id: &str, endpoint_id: &str, now: DateTime<Utc>) -> Result<String, StoreError> {
                    let event_id = $crate::ids::new_id("evt");
                    let payload = serde_json::json!({
                        "id": event_id, "type": "webhook.test", "created_at": now,
                        "data": { "message": "A test event from Cadence." },
                    });
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO webhook_events (id, org_id, type, booking_id, payload, created_at) \
                         VALUES ($1, $2, 'webhook.test', NULL, $3, $4)",
                    )
                    .bind(&event_id)
                    .bind(org_id)
                    .bind(Json(&payload))
                    .bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    sqlx::query(
                        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, created_at, updated_at) \
                         VALUES ('dlv_' || substr($1, 5) || '_' || substr($2, 4), $1, $2, 'pending', 0, $3, $3, $3)",
                    )
                    .bind(&event_id)
                    .bind(endpoint_id)
                    .bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(event_id)
                }

                async fn claim_deliveries(
                    &self,
                    now: DateTime<Utc>,
                    lock_until: DateTime<Utc>,
                    limits: ClaimLimits,
                ) -> Result<Vec<ClaimedDelivery>, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let rows: Vec<ClaimRow> = sqlx::query_as(&format!("{CLAIM_SQL}{SKIP_LOCKED}"))
                        .bind(Ts(now))
                        .bind(i64::from(limits.max))
                        .bind(i64::from(limits.per_endpoint))
                        .bind(i64::from(limits.per_org))
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    for r in &rows {
                        sqlx::query("UPDATE webhook_deliveries SET locked_until = $2, updated_at = $3 WHERE id = $1")
                            .bind(&r.id)
                            .bind(Ts(lock_until))
                            .bind(Ts(now))
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    tx.commit().await.map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn record_attempt(&self, a: &AttemptRecord) -> Result<(), StoreError> {
                    let (state, next_at) = match a.next {
                        DeliveryNext::Succeeded => ("succeeded", a.attempted_at),
                        DeliveryNext::RetryAt(at) => ("pending", at),
                        DeliveryNext::Failed => ("failed", a.attempted_at),
                    };
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, response_status, latency_ms, error, \
                         response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind($crate::ids::new_id("att"))
                    .bind(&a.delivery_id)
                    .bind(Ts(a.attempted_at))
                    .bind(a.response_status.map(i32::from))
                    .bind(int(a.latency_ms))
                    .bind(&a.error)
                    .bind(&a.response_excerpt)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = attempts + 1, state = $2, next_attempt_at = $3, \
                         locked_until = NULL, updated_at = $4 WHERE id = $1",
                    )
                    .bind(&a.delivery_id)
                    .bind(state)
                    .bind(Ts(next_at))
                    .bind(Ts(a.attempted_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if let Some((endpoint_id, reason)) = &a.disable_endpoint {
                        sqlx::query("UPDATE webhook_endpoints SET active = FALSE, disabled_reason = $2 WHERE id = $1")
                            .bind(endpoint_id)
                            .bind(reason)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_err)?;
                    }
                    tx.commit().await.map_err(map_err)
                }

                async fn release_deliveries(&self, ids: &[String]) -> Result<(), StoreError> {
                    for id in ids {
                        sqlx::query("UPDATE webhook_deliveries SET locked_until = NULL WHERE id = $1 AND state = 'pending'")
                            .bind(id)
                            .execute(self.writer())
                            .await
                            .map_err(map_err)?;
                    }
                    Ok(())
                }

                async fn purge_webhook_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
                    // Deliveries and attempts go with their event (ON DELETE CASCADE).
                    let done = sqlx::query(
                        "DELETE FROM webhook_events WHERE created_at < $1 AND NOT EXISTS \
                         (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id \
                         AND d.state = 'pending')",
                    )
                    .bind(Ts(before))
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(done.rows_affected())
                }
            }
        }
    };
}
pub(super) use impl_outbox_store;
