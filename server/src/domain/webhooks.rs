//! Which webhook endpoints an org may register (an allowed URL, see `webhooks::ssrf`; at
//! least one known event type or `["*"]`; a short description), their changes and their
//! removal.

use crate::domain::{DomainError, input};
use crate::model::{EndpointSettings, NewWebhookEndpoint, WebhookEndpointRecord};
use crate::store::{Store, StoreError};
use crate::webhooks::{EVENT_TYPES, new_secret, ssrf};
use cadence_shared::{CreateWebhookRequest, UpdateWebhookRequest};

/// The endpoint to store for `req`, with a fresh signing secret. `allow_private` lifts the
/// SSRF guard (development and tests).
fn new_endpoint(
    org_id: &str,
    req: &CreateWebhookRequest,
    allow_private: bool,
) -> Result<NewWebhookEndpoint, DomainError> {
    Ok(NewWebhookEndpoint {
        org_id: org_id.to_owned(),
        url: check_url(&req.url, allow_private)?,
        events: check_events(&req.events)?,
        description: input::text("description", req.description.as_deref(), 500)?,
        secret: new_secret(),
    })
}

/// A URL the worker may deliver to (see `webhooks::ssrf`), normalised.
fn check_url(url: &str, allow_private: bool) -> Result<String, DomainError> {
    let url = ssrf::check_url(url.trim(), allow_private)
        .map_err(|m| DomainError::invalid("url_not_allowed", "url", m))?;
    Ok(url.to_string())
}

/// At least one known event type, each once, or `["*"]`.
fn check_events(events: &[String]) -> Result<Vec<String>, DomainError> {
    let star = events.len() == 1 && events[0] == "*";
    if events.is_empty() {
        return Err(DomainError::invalid(
            "missing_field",
            "events",
            "Subscribe to at least one event type, or [\"*\"].",
        ));
    }
    if let Some(bad) = events.iter().find(|e| !star && !EVENT_TYPES.contains(&e.as_str())) {
        return Err(DomainError::invalid(
            "unknown_event",
            "events",
            format!("'{bad}' is not an event type; use {} or \"*\".", EVENT_TYPES.join(", ")),
        ));
    }
    let mut events = events.to_vec();
    events.dedup();
    Ok(events)
}

/// Changes an endpoint's URL, events, description or whether it is active (the fields
/// `patch` names); `active: true` enables it again after a 410 disabled it, and clears the
/// reason. 404 when it is not the org's.
pub async fn update_endpoint(
    store: &dyn Store,
    org_id: &str,
    id: &str,
    patch: &UpdateWebhookRequest,
    allow_private: bool,
) -> Result<WebhookEndpointRecord, DomainError> {
    let not_found = || DomainError::not_found("Webhook");
    let current = store.get_webhook_endpoint(org_id, id).await?.ok_or_else(not_found)?;
    let url = match &patch.url {
        Some(url) => check_url(url, allow_private)?,
        None => current.url,
    };
    let events = match &patch.events {
        Some(events) => check_events(events)?,
        None => current.events,
    };
    let description = match &patch.description {
        Some(d) => input::text("description", d.as_deref(), 500)?,
        None => current.description,
    };
    let active = patch.active.unwrap_or(current.active);
    let disabled_reason = match (active, patch.active) {
        (true, _) => None,
        (false, Some(false)) => Some("Disabled through the API.".to_owned()),
        (false, _) => current.disabled_reason,
    };
    let settings = EndpointSettings { url, events, description, active, disabled_reason };
    store.update_webhook_endpoint(org_id, id, &settings).await?.ok_or_else(not_found)
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

/// How long the secret before a rotation keeps signing.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// A new signing secret for the endpoint (returned with it, shown this once); the old one
/// keeps signing every delivery beside the new one for [`ROTATION_OVERLAP`]. 404 when it
/// is not the org's.
pub async fn rotate_secret(
    store: &dyn Store,
    org_id: &str,
    id: &str,
) -> Result<(WebhookEndpointRecord, String), DomainError> {
    let secret = new_secret();
    let until = crate::clock::now() + ROTATION_OVERLAP;
    let e = store.rotate_webhook_secret(org_id, id, &secret, until).await?;
    Ok((e.ok_or_else(|| DomainError::not_found("Webhook"))?, secret))
}

/// Deletes an endpoint; its pending deliveries fail.
pub async fn delete_endpoint(store: &dyn Store, org_id: &str, id: &str) -> Result<(), DomainError> {
    store.delete_webhook_endpoint(org_id, id, crate::clock::now()).await.map_err(|e| match e {
        StoreError::NotFound => DomainError::not_found("Webhook"),
        other => other.into(),
    })
}
