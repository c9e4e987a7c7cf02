//! The request log: one row per finished request, metadata only (see
//! `crate::request_log` for the batching writer and the retention sweep).

use super::StoreError;
use super::ts::Ts;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// One finished request: metadata only, never bodies or query strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLogEntry {
    pub request_id: String,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The matched route pattern (`/api/v1/public/orgs/{slug}`), not the raw path.
    pub route: String,
    pub status: u16,
    pub latency_ms: u32,
    pub org_id: Option<String>,
    pub key_id: Option<String>,
}

/// The request log.
#[async_trait]
pub trait RequestLogStore: Send + Sync {
    /// Appends finished requests to the request log.
    async fn insert_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError>;
    /// The newest request log entries, newest first.
    async fn recent_request_logs(&self, limit: u32) -> Result<Vec<RequestLogEntry>, StoreError>;
    /// One org's entries with a sequence number below `before`, newest first, each with its
    /// sequence number (the cursor of a page).
    async fn org_request_logs(
        &self,
        org_id: &str,
        before: i64,
        limit: u32,
    ) -> Result<Vec<(i64, RequestLogEntry)>, StoreError>;
    /// Deletes request log entries older than `before`; returns how many.
    async fn purge_request_logs(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct RequestLogRow {
    pub request_id: String,
    pub at: Ts,
    pub method: String,
    pub route: String,
    pub status: i32,
    pub latency_ms: i32,
    pub org_id: Option<String>,
    pub key_id: Option<String>,
}

/// A request log row with its sequence number.
#[derive(sqlx::FromRow)]
pub(super) struct NumberedRow {
    pub id: i64,
    #[sqlx(flatten)]
    pub entry: RequestLogRow,
}

impl From<RequestLogRow> for RequestLogEntry {
    fn from(r: RequestLogRow) -> Self {
        RequestLogEntry {
            request_id: r.request_id,
            at: r.at.0,
            method: r.method,
            route: r.route,
            status: u16::try_from(r.status).unwrap_or(0),
            latency_ms: u32::try_from(r.latency_ms).unwrap_or(0),
            org_id: r.org_id,
            key_id: r.key_id,
        }
    }
}

/// `impl RequestLogStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_request_log_store {
    ($store:ty, $db:ty) => {
        mod request_log_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use $crate::store::request_log::{NumberedRow, RequestLogRow};
            use $crate::store::ts::Ts;

            #[async_trait]
            impl RequestLogStore for $store {
                async fn insert_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError> {
                    if entries.is_empty() {
                        return Ok(());
                    }
                    self.write_request_logs(entries).await
                }

                async fn recent_request_logs(&self, limit: u32) -> Result<Vec<RequestLogEntry>, StoreError> {
                    let rows: Vec<RequestLogRow> =
                        sqlx::query_as("SELECT * FROM request_log ORDER BY id DESC LIMIT $1")
                            .bind(i64::from(limit))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn org_request_logs(
                    &self,
                    org_id: &str,
                    before: i64,
                    limit: u32,
                ) -> Result<Vec<(i64, RequestLogEntry)>, StoreError> {
                    let rows: Vec<NumberedRow> = sqlx::query_as(
                        "SELECT * FROM request_log WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                    )
                    .bind(org_id)
                    .bind(before)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(rows.into_iter().map(|r| (r.id, r.entry.into())).collect())
                }

                async fn purge_request_logs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
                    let done = sqlx::query("DELETE FROM request_log WHERE at < $1")
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
pub(super) use impl_request_log_store;
