//! Which webhook endpoints an org may register (an allowed URL, see `webhooks::ssrf`; at
//! least one known event type or `["*"]`; a short description), and their removal.

use crate::domain::{DomainError, input};
use crate::model::{NewWebhookEndpoint, WebhookEndpointRecord};
use crate::store::{Store, StoreError};
use crate::webhooks::{EVENT_TYPES, new_secret, ssrf};
use cadence_shared::CreateWebhookRequest;

/// The endpoint to store for `req`, with a fresh signing secret. `allow_private` lifts the
/// SSRF guard (development and tests).
fn new_endpoint(
    org_id: &str,
    req: &CreateWebhookRequest,
    allow_private: bool,
) -> Result<NewWebhookEndpoint, DomainError> {
    let url = ssrf::check_url(req.url.trim(), allow_private)
        .map_err(|m| DomainError::invalid("url_not_allowed", "url", m))?;
    let star = req.events.len() == 1 && req.events[0] == "*";
    if req.events.is_empty() {
        return Err(DomainError::invalid(
            "missing_field",
            "events",
            "Subscribe to at least one event type, or [\"*\"].",
        ));
    }
    if let Some(bad) = req.events.iter().find(|e| !star && !EVENT_TYPES.contains(&e.as_str())) {
        return Err(DomainError::invalid(
            "unknown_event",
            "events",
            format!("'{bad}' is not an event type; use {} or \"*\".", EVENT_TYPES.join(", ")),
        ));
    }
    let mut events = req.events.clone();
    events.dedup();
    Ok(NewWebhookEndpoint {
        org_id: org_id.to_owned(),
        url: url.to_string(),
        events,
        description: input::text("description", req.description.as_deref(), 500)?,
        secret: new_secret(),
    })
}

/// Most webhook endpoints one org may have.
pub const MAX_ENDPOINTS: usize = 20;

/// Registers an endpoint (see [`new_endpoint`]); 409 `quota_exceeded` past [`MAX_ENDPOINTS`].
pub async fn create_endpoint(
    store: &dyn Store,
    org_id: &str,
    req: &CreateWebhookRequest,
    allow_private: bool,
) -> Result<(WebhookEndpointRecord, String), DomainError> {
    let new = new_endpoint(org_id, req, allow_private)?;
    if store.list_webhook_endpoints(org_id).await?.len() >= MAX_ENDPOINTS {
        return Err(DomainError::conflict(
            "quota_exceeded",
            format!("An org has at most {MAX_ENDPOINTS} webhook endpoints; delete one first."),
        ));
    }
    let endpoint = store.create_webhook_endpoint(&new).await?;
    Ok((endpoint, new.secret))
}

/// Deletes an endpoint; its pending deliveries fail.
pub async fn delete_endpoint(store: &dyn Store, org_id: &str, id: &str) -> Result<(), DomainError> {
    store.delete_webhook_endpoint(org_id, id, crate::clock::now()).await.map_err(|e| match e {
        StoreError::NotFound => DomainError::not_found("Webhook"),
        other => other.into(),
    })
}
