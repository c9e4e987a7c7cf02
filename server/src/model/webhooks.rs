//! Webhook endpoints and the outbox's deliveries and attempts.

use cadence_shared::{WebhookAttempt, WebhookEndpoint};
use chrono::{DateTime, Utc};

/// An endpoint (its secret is kept: it signs every delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpointRecord {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Until when the secret before the last rotation still signs, if one does.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

/// The endpoint as listed: never with its secret (only creation shows that).
impl From<&WebhookEndpointRecord> for WebhookEndpoint {
    fn from(e: &WebhookEndpointRecord) -> Self {
        WebhookEndpoint {
            id: e.id.clone(),
            url: e.url.clone(),
            events: e.events.clone(),
            description: e.description.clone(),
            active: e.active,
            disabled_reason: e.disabled_reason.clone(),
            created_at: e.created_at,
            previous_secret_expires_at: e.previous_secret_until.filter(|until| *until > crate::clock::now()),
            secret: None,
        }
    }
}

/// What `PATCH /webhooks/{id}` may change, checked and complete.
#[derive(Debug, Clone)]
pub struct EndpointSettings {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub active: bool,
    /// Why it is inactive; `None` when active.
    pub disabled_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewWebhookEndpoint {
    pub org_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
}

/// How much one claim may take: `max` deliveries, and no more than `per_endpoint` in flight
/// to one endpoint or `per_org` to one org's endpoints, counting what every process already
/// holds (deliveries locked and not yet recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLimits {
    pub max: u32,
    pub per_endpoint: u32,
    pub per_org: u32,
}

/// A delivery a worker has claimed (locked until `locked_until`).
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub event_id: String,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    /// The secret before a rotation, while it still signs (24 hours).
    pub previous_secret: Option<String>,
    /// False when the endpoint was disabled or deleted since the event was written.
    pub endpoint_usable: bool,
}

/// What became of a delivery after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryNext {
    Succeeded,
    RetryAt(DateTime<Utc>),
    Failed,
}

/// One attempt, to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub next: DeliveryNext,
    /// Disable the endpoint, with this reason (it answered 410 Gone).
    pub disable_endpoint: Option<(String, String)>,
}

/// An attempt as listed for an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptView {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub delivery_state: String,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

impl From<AttemptView> for WebhookAttempt {
    fn from(a: AttemptView) -> Self {
        WebhookAttempt {
            id: a.id,
            event_id: a.event_id,
            event_type: a.event_type,
            delivery_state: a.delivery_state,
            attempted_at: a.attempted_at,
            response_status: a.response_status,
            latency_ms: a.latency_ms,
            error: a.error,
            response_excerpt: a.response_excerpt,
        }
    }
}
