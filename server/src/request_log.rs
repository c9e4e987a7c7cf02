//! The request log of the contract: one row per finished request (timestamp, method,
//! route, status, latency, org, key id, request id), never bodies, kept for a configurable
//! retention (default 30 days, enforced by `housekeeping`).
//!
//! Requests hand their entry to a bounded channel and move on; a writer task inserts them
//! in batches, so logging adds no database round trip to any request. After the first
//! entry of a batch the writer gathers for up to [`LINGER`], so under load one insert (one
//! commit) carries many requests rather than a few each; an entry reaches the table at most
//! that much later, and a graceful shutdown still writes everything queued. When the channel is
//! full (the database is slower than the traffic) entries are dropped and counted in the
//! server log rather than slowing requests down.

use crate::store::{RequestLogEntry, Store};
use chrono::Utc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const QUEUE: usize = 10_000;
const BATCH: usize = 500;
/// How long the writer waits for more entries after the first of a batch: at
/// 2,700 requests/s, ~135 entries per insert instead of a handful.
pub const LINGER: std::time::Duration = std::time::Duration::from_millis(50);

/// The sending side, cloned into the app state.
#[derive(Clone)]
pub struct RequestLog {
    tx: mpsc::Sender<RequestLogEntry>,
    /// Entries dropped since the writer last reported them.
    dropped: Arc<AtomicU64>,
}

impl RequestLog {
    /// Queues an entry without waiting. A full queue drops it; the first drop is logged at
    /// once, the rest counted and reported by the writer after its next batch (one line per
    /// batch, not one per request, so an overload does not also flood the server log).
    pub fn record(&self, entry: RequestLogEntry) {
        if let Err(mpsc::error::TrySendError::Full(entry)) = self.tx.try_send(entry)
            && self.dropped.fetch_add(1, Ordering::Relaxed) == 0
        {
            tracing::warn!(request_id = %entry.request_id, "request log queue full; dropping entries");
        }
    }
}

/// Starts the writer; it ends (after writing everything queued) once every [`RequestLog`]
/// clone is dropped.
pub fn start(store: Arc<dyn Store>) -> (RequestLog, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let dropped = Arc::new(AtomicU64::new(0));
    (RequestLog { tx, dropped: dropped.clone() }, tokio::spawn(write_entries(store, rx, dropped)))
}

async fn write_entries(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<RequestLogEntry>,
    dropped: Arc<AtomicU64>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let deadline = tokio::time::Instant::now() + LINGER;
        while batch.len() < BATCH {
            // `recv_many` is cancel safe: a timeout loses no entry. 0 = every sender gone.
            let room = BATCH - batch.len();
            match tokio::time::timeout_at(deadline, rx.recv_many(&mut batch, room)).await {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
        if let Err(err) = store.insert_request_logs(&batch).await {
            tracing::warn!(error = %err, entries = batch.len(), "request log write failed");
        }
        batch.clear();
        let lost = dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            tracing::warn!(dropped = lost, "request log entries dropped while its queue was full");
        }
    }
}

/// Deletes entries older than the retention; returns how many went.
pub async fn purge_expired(store: &dyn Store, retention: chrono::Duration) -> anyhow::Result<u64> {
    Ok(store.purge_request_logs(Utc::now() - retention).await?)
}
