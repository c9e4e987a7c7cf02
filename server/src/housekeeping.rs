//! Hourly clean-up: request log entries past their retention, expired idempotency keys and
//! sessions, finished webhook history and sent mails past their retention, idle rate
//! limit buckets.

use crate::config::Config;
use crate::http::rate_limit::RateLimits;
use crate::request_log::purge_expired;
use crate::store::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const EVERY: Duration = Duration::from_secs(3600);

/// Runs the sweep now and then every hour, until the handle is aborted.
pub fn start(store: Arc<dyn Store>, config: &Config, rate_limits: Arc<RateLimits>) -> JoinHandle<()> {
    let (request_log_retention, webhook_retention) = (config.request_log_retention, config.webhook_retention);
    let mail_retention = config.mail.retention;
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            rate_limits.forget_idle();
            if let Err(err) = purge_expired(store.as_ref(), request_log_retention).await {
                tracing::warn!(error = %err, "request log retention sweep failed");
            }
            let now = crate::clock::now();
            report("expired idempotency keys", store.purge_idempotency(now).await);
            report("expired sessions", store.purge_sessions(now).await);
            report("finished webhook events", store.purge_webhook_history(now - webhook_retention).await);
            report("finished mails", store.purge_mail_history(now - mail_retention).await);
        }
    })
}

fn report(what: &str, removed: Result<u64, StoreError>) {
    match removed {
        Ok(n) if n > 0 => tracing::info!(removed = n, "{what} removed"),
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "sweeping {what} failed"),
    }
}
