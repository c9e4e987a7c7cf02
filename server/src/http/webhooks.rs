//! Org API: webhook endpoints (`/api/v1/webhooks…`), scope `webhooks:manage`.

use crate::app::AppState;
use crate::error::ApiError;
use crate::http::auth::{Scoped, WebhooksManage};
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::openapi::OrgApiErrors;
use crate::http::responses::{PageQuery, check_limit, page_by_id};
use crate::store::{NewWebhookEndpoint, StoreError, WebhookEndpointRecord};
use crate::webhooks::{EVENT_TYPES, new_secret, ssrf};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cadence_shared::{CreateWebhookRequest, Page, WebhookAttempt, WebhookEndpoint};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, remove))
        .routes(routes!(deliveries))
        .routes(routes!(send_test))
}

fn wire(e: &WebhookEndpointRecord) -> WebhookEndpoint {
    WebhookEndpoint {
        id: e.id.clone(),
        url: e.url.clone(),
        events: e.events.clone(),
        description: e.description.clone(),
        active: e.active,
        disabled_reason: e.disabled_reason.clone(),
        created_at: e.created_at,
        secret: None,
    }
}

/// Newest first.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("api_key" = [])), params(PageQuery),
    responses((status = 200, body = Page<WebhookEndpoint>), OrgApiErrors))]
async fn list(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<WebhookEndpoint>>, ApiError> {
    let all = state.store.list_webhook_endpoints(&auth.org.id).await?.iter().map(wire).collect();
    Ok(Json(page_by_id(all, |e: &WebhookEndpoint| &e.id, q.limit, q.cursor.as_deref())?))
}

/// Returns the endpoint with its signing `secret`, the only time it is shown.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("api_key" = [])),
    request_body = CreateWebhookRequest, responses((status = 201, body = WebhookEndpoint), OrgApiErrors))]
async fn create(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppJson(req): AppJson<CreateWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookEndpoint>), ApiError> {
    let url = ssrf::check_url(req.url.trim(), state.config.webhooks.allow_private)
        .map_err(|m| ApiError::invalid("url_not_allowed", "url", m))?;
    let star = req.events.len() == 1 && req.events[0] == "*";
    if req.events.is_empty() {
        return Err(ApiError::invalid(
            "missing_field",
            "events",
            "Subscribe to at least one event type, or [\"*\"].",
        ));
    }
    if let Some(bad) = req.events.iter().find(|e| !star && !EVENT_TYPES.contains(&e.as_str())) {
        return Err(ApiError::invalid(
            "unknown_event",
            "events",
            format!("'{bad}' is not an event type; use {} or \"*\".", EVENT_TYPES.join(", ")),
        ));
    }
    let mut events = req.events.clone();
    events.dedup();
    let secret = new_secret();
    let endpoint = state
        .store
        .create_webhook_endpoint(&NewWebhookEndpoint {
            org_id: auth.org.id.clone(),
            url: url.to_string(),
            events,
            description: crate::input::text("description", req.description.as_deref(), 500)?,
            secret: secret.clone(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(WebhookEndpoint { secret: Some(secret), ..wire(&endpoint) })))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id")), responses((status = 200, body = WebhookEndpoint), OrgApiErrors))]
async fn show(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let e = state
        .store
        .get_webhook_endpoint(&auth.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Webhook"))?;
    Ok(Json(wire(&e)))
}

/// Deletes the endpoint; its pending deliveries are dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id")), responses((status = 204, description = "Deleted"), OrgApiErrors))]
async fn remove(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    match state.store.delete_webhook_endpoint(&auth.org.id, &id, crate::clock::now()).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound) => Err(ApiError::not_found("Webhook")),
        Err(other) => Err(other.into()),
    }
}

/// Recent delivery attempts, newest first (at most `limit`, default 20, max 100).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id"), PageQuery),
    responses((status = 200, body = Page<WebhookAttempt>), OrgApiErrors))]
async fn deliveries(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<WebhookAttempt>>, ApiError> {
    state
        .store
        .get_webhook_endpoint(&auth.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Webhook"))?;
    let limit = check_limit(q.limit)?;
    let data = state
        .store
        .list_webhook_attempts(&auth.org.id, &id, limit)
        .await?
        .into_iter()
        .map(|a| WebhookAttempt {
            id: a.id,
            event_id: a.event_id,
            event_type: a.event_type,
            delivery_state: a.delivery_state,
            attempted_at: a.attempted_at,
            response_status: a.response_status,
            latency_ms: a.latency_ms,
            error: a.error,
            response_excerpt: a.response_excerpt,
        })
        .collect();
    Ok(Json(Page { data, has_more: false, next_cursor: None }))
}

#[derive(Serialize, utoipa::ToSchema)]
struct TestEvent {
    event_id: String,
}

/// Queues a `webhook.test` event for this endpoint; see its deliveries for the outcome.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id")), responses((status = 202, body = TestEvent), OrgApiErrors))]
async fn send_test(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
) -> Result<(StatusCode, Json<TestEvent>), ApiError> {
    state
        .store
        .get_webhook_endpoint(&auth.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Webhook"))?;
    let event_id = state.store.create_test_event(&auth.org.id, &id, crate::clock::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(TestEvent { event_id })))
}
