//! Webhooks: endpoints, signed deliveries from the outbox, retries, and the SSRF guard.
//!
//! A booking change writes its event and one pending delivery per subscribed endpoint in
//! the same transaction (see the store). The [`worker`] claims due deliveries, POSTs them
//! signed with both schemes, records every attempt, and retries failures (network errors,
//! timeouts, non-2xx) on [`RETRY_SCHEDULE`](crate::config::RETRY_SCHEDULE) with ±20% jitter: 10 attempts over about a
//! day, then the delivery is marked failed. `410 Gone` disables the endpoint. Deliveries are
//! locked while in flight; a crash leaves the lock to expire and the delivery is sent again
//! (at-least-once; receivers deduplicate by `webhook-id`).

pub mod ssrf;
pub mod worker;

/// The event types an endpoint can subscribe to (or `*` for all).
pub const EVENT_TYPES: [&str; 3] = ["booking.created", "booking.cancelled", "booking.rescheduled"];

/// A new signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks form).
pub fn new_secret() -> String {
    use base64::Engine;
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>()))
}
