//! Hourly clean-up: request log entries past their retention, expired idempotency keys,
//! idle rate limit buckets.

use crate::http::rate_limit::RateLimits;
use crate::request_log::purge_expired;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const EVERY: Duration = Duration::from_secs(3600);

/// Runs the sweep now and then every hour, until the handle is aborted.
pub fn start(
    store: Arc<dyn Store>,
    request_log_retention: chrono::Duration,
    rate_limits: Arc<RateLimits>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            rate_limits.forget_idle();
            if let Err(err) = purge_expired(store.as_ref(), request_log_retention).await {
                tracing::warn!(error = %err, "request log retention sweep failed");
            }
            match store.purge_idempotency(crate::clock::now()).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired idempotency keys removed"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "idempotency key sweep failed"),
            }
        }
    })
}
