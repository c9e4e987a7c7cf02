//! Webhook endpoints on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// `https://` URL that receives the events.
    pub url: String,
    /// `booking.created`, `booking.cancelled`, `booking.rescheduled`, or `["*"]` for all.
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `PATCH /webhooks/{id}`: any subset. `active: true` enables an endpoint again after a
/// 410 disabled it; `description: null` clears the description.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::object::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// A webhook endpoint; `secret` only in the response that created it (or rotated it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// False once disabled (the receiver answered 410 Gone).
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// After a secret rotation: until when the previous secret still signs every delivery
    /// (beside the new one), so receivers can switch over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Only in the answers that create the endpoint or rotate its secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One delivery attempt of one event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    /// `pending` (will be retried), `succeeded` or `failed`: the delivery's state now.
    pub delivery_state: String,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub response_status: Option<u16>,
    pub latency_ms: u32,
    /// Network error, timeout or refusal, if any.
    pub error: Option<String>,
    /// The first bytes of the response body.
    pub response_excerpt: Option<String>,
}
