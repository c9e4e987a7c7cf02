//! The request log of the contract: one row per finished request (timestamp, method,
//! route, status, latency, org, key id, request id), never bodies, kept for a configurable
//! retention (default 30 days).
//!
//! Requests hand their entry to a bounded channel and move on; a writer task inserts them
//! in batches, so logging adds no database round trip to any request. When the channel is
//! full (the database is slower than the traffic) entries are dropped and counted in the
//! server log rather than slowing requests down.

use crate::store::{RequestLogEntry, Store};
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const QUEUE: usize = 10_000;
const BATCH: usize = 500;
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

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

/// The writer and the retention sweeper.
pub struct RequestLogTasks {
    writer: JoinHandle<()>,
    sweeper: JoinHandle<()>,
}

impl RequestLogTasks {
    /// Waits until every queued entry is written (all senders must be dropped first).
    pub async fn finish(self) {
        self.sweeper.abort();
        let _ = self.writer.await;
    }
}

/// Starts the writer and the hourly retention sweeper.
pub fn start(store: Arc<dyn Store>, retention: chrono::Duration) -> (RequestLog, RequestLogTasks) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let writer = tokio::spawn(write_entries(store.clone(), rx));
    let sweeper = tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            if let Err(err) = purge_expired(store.as_ref(), retention).await {
                tracing::warn!(error = %err, "request log retention sweep failed");
            }
        }
    });
    (RequestLog { tx }, RequestLogTasks { writer, sweeper })
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
