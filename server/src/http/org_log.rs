//! Org API: the org's own request log (`GET /api/v1/request-log`), scope `org:read`: what
//! its keys and its dashboard session asked and how it went, newest first, paged by a
//! cursor. Entries stay as long as `--request-log-retention` keeps them.

use crate::http::auth::{OrgRead, Scoped};
use crate::http::error::ApiError;
use crate::http::extract::AppQuery;
use crate::http::openapi::OrgApiErrors;
use crate::http::responses::{PageQuery, check_limit, invalid_cursor, page_of};
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use cadence_shared::{Page, RequestLogItem};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

#[utoipa::path(get, path = "/api/v1/request-log", operation_id = "list_request_log", tag = "resources", security(("api_key" = [])),
    params(PageQuery), responses((status = 200, body = Page<RequestLogItem>, description = "Newest first"), OrgApiErrors))]
async fn list(
    State(state): State<AppState>,
    auth: Scoped<OrgRead>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<RequestLogItem>>, ApiError> {
    let limit = check_limit(q.limit)?;
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => i64::MAX,
        Some(c) => c.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(invalid_cursor)?,
    };
    let rows = state.store.org_request_logs(&auth.org.id, before, limit + 1).await?;
    let Page { data, has_more, next_cursor } = page_of(rows, limit, |(n, _)| n.to_string());
    let data = data
        .into_iter()
        .map(|(_, e)| RequestLogItem {
            request_id: e.request_id,
            at: e.at,
            method: e.method,
            route: e.route,
            status: e.status,
            latency_ms: e.latency_ms,
            key_id: e.key_id,
        })
        .collect();
    Ok(Json(Page { data, has_more, next_cursor }))
}
