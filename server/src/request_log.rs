//! The request log of the contract: one row per finished request (timestamp, method,
//! route, status, latency, org, key id, request id), never bodies, kept for a configurable
//! retention (default 30 days, enforced by `housekeeping`).
//!
//! Requests hand their entry to a bounded channel and move on; a writer task inserts them
//! in batches, so logging adds no database round trip to any request. When the channel is
//! full (the database is slower than the traffic) entries are dropped and counted in the
//! server log rather than slowing requests down.

use crate::store::{RequestLogEntry, Store};
use chrono::Utc;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const QUEUE: usize = 10_000;
const BATCH: usize = 500;

/// The sending side, cloned into the app state.
#[derive(Clone)]
pub struct RequestLog {
    tx: mpsc::Sender<RequestLogEntry>,
}

impl RequestLog {
    /// Queues an entry without waiting.
    pub fn record(&self, entry: RequestLogEntry) {
        if let Err(mpsc::error::TrySendError::Full(entry)) = self.tx.try_send(entry) {
            tracing::warn!(request_id = %entry.request_id, "request log queue full; entry dropped");
        }
    }
}

/// Starts the writer; it ends (after writing everything queued) once every [`RequestLog`]
/// clone is dropped.
pub fn start(store: Arc<dyn Store>) -> (RequestLog, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (RequestLog { tx }, tokio::spawn(write_entries(store, rx)))
}

async fn write_entries(store: Arc<dyn Store>, mut rx: mpsc::Receiver<RequestLogEntry>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if let Err(err) = store.insert_request_logs(&batch).await {
            tracing::warn!(error = %err, entries = batch.len(), "request log write failed");
        }
        batch.clear();
    }
}

/// Deletes entries older than the retention; returns how many went.
pub async fn purge_expired(store: &dyn Store, retention: chrono::Duration) -> anyhow::Result<u64> {
    Ok(store.purge_request_logs(Utc::now() - retention).await?)
}
