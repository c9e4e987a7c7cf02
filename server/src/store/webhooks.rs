//! Webhook endpoints, as the org manages them, and the attempts to deliver to one (the
//! outbox itself, events and deliveries, is `outbox.rs`).

use super::StoreError;
use super::ts::Ts;
use crate::model::{AttemptView, EndpointSettings, NewWebhookEndpoint, WebhookEndpointRecord};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// The org's webhook endpoints and what was attempted for them.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn create_webhook_endpoint(
        &self,
        e: &NewWebhookEndpoint,
    ) -> Result<WebhookEndpointRecord, StoreError>;
    /// The org's endpoints (not deleted), newest first.
    async fn list_webhook_endpoints(&self, org_id: &str) -> Result<Vec<WebhookEndpointRecord>, StoreError>;
    async fn get_webhook_endpoint(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<WebhookEndpointRecord>, StoreError>;
    /// Changes an endpoint (not deleted); `None` when it is not the org's.
    async fn update_webhook_endpoint(
        &self,
        org_id: &str,
        id: &str,
        settings: &EndpointSettings,
    ) -> Result<Option<WebhookEndpointRecord>, StoreError>;
    /// A new signing secret; the current one keeps signing until `until`. `None` when the
    /// endpoint is not the org's.
    async fn rotate_webhook_secret(
        &self,
        org_id: &str,
        id: &str,
        secret: &str,
        until: DateTime<Utc>,
    ) -> Result<Option<WebhookEndpointRecord>, StoreError>;
    /// Deletes an endpoint; its pending deliveries fail.
    async fn delete_webhook_endpoint(
        &self,
        org_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The newest attempts to deliver to an endpoint, older than the attempt `before` when
    /// given (ids are time-ordered).
    async fn list_webhook_attempts(
        &self,
        org_id: &str,
        endpoint_id: &str,
        before: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AttemptView>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct WebhookEndpointRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: Json<Vec<String>>,
    pub description: Option<String>,
    pub secret: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Ts,
    pub previous_secret_until: Option<Ts>,
}

impl From<WebhookEndpointRow> for WebhookEndpointRecord {
    fn from(r: WebhookEndpointRow) -> Self {
        WebhookEndpointRecord {
            id: r.id,
            org_id: r.org_id,
            url: r.url,
            events: r.events.0,
            description: r.description,
            secret: r.secret,
            active: r.active,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at.0,
            previous_secret_until: r.previous_secret_until.map(|t| t.0),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AttemptRow {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub delivery_state: String,
    pub attempted_at: Ts,
    pub response_status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

impl From<AttemptRow> for AttemptView {
    fn from(r: AttemptRow) -> Self {
        AttemptView {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            delivery_state: r.delivery_state,
            attempted_at: r.attempted_at.0,
            response_status: r.response_status.and_then(|s| u16::try_from(s).ok()),
            latency_ms: u32::try_from(r.latency_ms).unwrap_or(0),
            error: r.error,
            response_excerpt: r.response_excerpt,
        }
    }
}

/// `impl WebhookStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_webhooks_store {
    ($store:ty, $db:ty) => {
        mod webhooks_sql {
            use super::*;
            use $crate::store::ts::Ts;
            use $crate::store::webhooks::{AttemptRow, WebhookEndpointRow};
            use chrono::{DateTime, Utc};
            use sqlx::types::Json;

            #[async_trait]
            impl WebhookStore for $store {
                async fn create_webhook_endpoint(&self, e: &NewWebhookEndpoint) -> Result<WebhookEndpointRecord, StoreError> {
                    let row: WebhookEndpointRow = sqlx::query_as(
                        "INSERT INTO webhook_endpoints (id, org_id, url, events, description, secret, active, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7) RETURNING *",
                    )
                    .bind($crate::ids::new_id("wh"))
                    .bind(&e.org_id)
                    .bind(&e.url)
                    .bind(Json(&e.events))
                    .bind(&e.description)
                    .bind(&e.secret)
                    .bind(Ts(crate::clock::now()))
                    .fetch_one(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(row.into())
                }

                async fn list_webhook_endpoints(&self, org_id: &str) -> Result<Vec<WebhookEndpointRecord>, StoreError> {
                    let rows: Vec<WebhookEndpointRow> = sqlx::query_as(
                        "SELECT * FROM webhook_endpoints WHERE org_id = $1 AND deleted_at IS NULL ORDER BY id DESC",
                    )
                    .bind(org_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn get_webhook_endpoint(&self, org_id: &str, id: &str) -> Result<Option<WebhookEndpointRecord>, StoreError> {
                    let row: Option<WebhookEndpointRow> = sqlx::query_as(
                        "SELECT * FROM webhook_endpoints WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
                    )
                    .bind(org_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn update_webhook_endpoint(
                    &self,
                    org_id: &str,
                    id: &str,
                    s: &EndpointSettings,
                ) -> Result<Option<WebhookEndpointRecord>, StoreError> {
                    let row: Option<WebhookEndpointRow> = sqlx::query_as(
                        "UPDATE webhook_endpoints SET url = $3, events = $4, description = $5, active = $6, \
                         disabled_reason = $7 WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *",
                    )
                    .bind(org_id)
                    .bind(id)
                    .bind(&s.url)
                    .bind(Json(&s.events))
                    .bind(&s.description)
                    .bind(s.active)
                    .bind(&s.disabled_reason)
                    .fetch_optional(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn rotate_webhook_secret(
                    &self,
                    org_id: &str,
                    id: &str,
                    secret: &str,
                    until: DateTime<Utc>,
                ) -> Result<Option<WebhookEndpointRecord>, StoreError> {
                    // The right-hand sides read the row as it was: the old secret moves over.
                    let row: Option<WebhookEndpointRow> = sqlx::query_as(
                        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = $4, secret = $3 \
                         WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *",
                    )
                    .bind(org_id)
                    .bind(id)
                    .bind(secret)
                    .bind(Ts(until))
                    .fetch_optional(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn delete_webhook_endpoint(&self, org_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE webhook_endpoints SET deleted_at = $3, active = FALSE \
                         WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
                    )
                    .bind(org_id)
                    .bind(id)
                    .bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query("UPDATE webhook_deliveries SET state = 'failed', updated_at = $2 WHERE endpoint_id = $1 AND state = 'pending'")
                        .bind(id)
                        .bind(Ts(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)
                }

                async fn list_webhook_attempts(
                    &self,
                    org_id: &str,
                    endpoint_id: &str,
                    before: Option<&str>,
                    limit: u32,
                ) -> Result<Vec<AttemptView>, StoreError> {
                    let rows: Vec<AttemptRow> = sqlx::query_as(
                        "SELECT a.id, d.event_id, e.type AS event_type, d.state AS delivery_state, a.attempted_at, \
                         a.response_status, a.latency_ms, a.error, a.response_excerpt \
                         FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
                         JOIN webhook_events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id \
                         WHERE w.org_id = $1 AND w.id = $2 AND ($4 IS NULL OR a.id < $4) ORDER BY a.id DESC LIMIT $3",
                    )
                    .bind(org_id)
                    .bind(endpoint_id)
                    .bind(i64::from(limit))
                    .bind(before)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

            }
        }
    };
}
pub(super) use impl_webhooks_store;
