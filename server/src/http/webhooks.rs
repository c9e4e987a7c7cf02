//! Org API: webhook endpoints (`/api/v1/webhooks…`), scope `webhooks:manage`.

use crate::domain::webhooks;
use crate::http::auth::{Scoped, WebhooksManage};
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::openapi::OrgApiErrors;
use crate::http::responses::{PageQuery, check_limit, page_by_id, page_of};
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cadence_shared::{
    CreateWebhookRequest, ErrorBody, Page, UpdateWebhookRequest, WebhookAttempt, WebhookEndpoint,
};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update, remove))
        .routes(routes!(deliveries))
        .routes(routes!(send_test))
        .routes(routes!(rotate_secret))
}

/// Newest first.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "list_webhooks", tag = "webhooks", security(("api_key" = [])), params(PageQuery),
    responses((status = 200, body = Page<WebhookEndpoint>), OrgApiErrors))]
async fn list(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<WebhookEndpoint>>, ApiError> {
    let all =
        state.store.list_webhook_endpoints(&auth.org.id).await?.iter().map(WebhookEndpoint::from).collect();
    Ok(Json(page_by_id(all, |e: &WebhookEndpoint| &e.id, q.limit, q.cursor.as_deref())?))
}

/// Returns the endpoint with its signing `secret`, the only time it is shown.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "create_webhook", tag = "webhooks", security(("api_key" = [])),
    request_body = CreateWebhookRequest, responses((status = 201, body = WebhookEndpoint), (status = 409, body = ErrorBody, description = "quota_exceeded: the org has its most endpoints"), OrgApiErrors))]
async fn create(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppJson(req): AppJson<CreateWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookEndpoint>), ApiError> {
    let allow_private = state.config.webhooks.allow_private;
    let (endpoint, secret) =
        webhooks::create_endpoint(state.store.as_ref(), &auth.org.id, &req, allow_private).await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookEndpoint { secret: Some(secret), ..WebhookEndpoint::from(&endpoint) }),
    ))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", operation_id = "get_webhook", tag = "webhooks", security(("api_key" = [])),
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
    Ok(Json(WebhookEndpoint::from(&e)))
}

/// Changes the endpoint's URL, events, description or `active` (any subset); `active: true`
/// enables it again after a 410 disabled it.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", operation_id = "update_webhook", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id")), request_body = UpdateWebhookRequest,
    responses((status = 200, body = WebhookEndpoint), OrgApiErrors))]
async fn update(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
    AppJson(patch): AppJson<UpdateWebhookRequest>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let allow_private = state.config.webhooks.allow_private;
    let e = webhooks::update_endpoint(state.store.as_ref(), &auth.org.id, &id, &patch, allow_private).await?;
    Ok(Json(WebhookEndpoint::from(&e)))
}

/// A new signing secret, shown this once; the previous one keeps signing every delivery
/// (beside the new one) for 24 hours, until `previous_secret_expires_at`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", operation_id = "rotate_webhook_secret", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id")), responses((status = 200, body = WebhookEndpoint, description = "With the new secret"), OrgApiErrors))]
async fn rotate_secret(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let (e, secret) = webhooks::rotate_secret(state.store.as_ref(), &auth.org.id, &id).await?;
    Ok(Json(WebhookEndpoint { secret: Some(secret), ..WebhookEndpoint::from(&e) }))
}

/// Deletes the endpoint; its pending deliveries are dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks", security(("api_key" = [])),
    params(("id" = String, Path, description = "Endpoint id")), responses((status = 204, description = "Deleted"), OrgApiErrors))]
async fn remove(
    State(state): State<AppState>,
    auth: Scoped<WebhooksManage>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete_endpoint(state.store.as_ref(), &auth.org.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delivery attempts, newest first, `limit` (default 20, max 100) a page; `next_cursor`
/// leads to older ones.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "list_webhook_deliveries", tag = "webhooks", security(("api_key" = [])),
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
    let before = q.cursor.as_deref().filter(|c| !c.is_empty());
    let rows = state.store.list_webhook_attempts(&auth.org.id, &id, before, limit + 1).await?;
    let rows: Vec<WebhookAttempt> = rows.into_iter().map(WebhookAttempt::from).collect();
    Ok(Json(page_of(rows, limit, |a| a.id.clone())))
}

#[derive(Serialize, utoipa::ToSchema)]
struct TestEvent {
    event_id: String,
}

/// Queues a `webhook.test` event for this endpoint; see its deliveries for the outcome.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", operation_id = "test_webhook", tag = "webhooks", security(("api_key" = [])),
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
