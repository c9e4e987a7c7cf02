//! Liveness and readiness probes.

use crate::http::error::ApiError;
use crate::http::state::AppState;
use axum::Json;
use axum::extract::State;
use cadence_shared::ErrorBody;
use serde_json::{Value, json};
use std::time::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
}

/// 200 while the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up")))]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers within two seconds, else 503.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "The database answers"), (status = 503, body = ErrorBody, description = "It does not")))]
async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let unavailable = || ApiError::Unavailable {
        code: "database_unavailable",
        message: "The database does not answer.".into(),
    };
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready" }))),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(unavailable())
        }
        Err(_) => Err(unavailable()),
    }
}
