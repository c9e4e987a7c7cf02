//! Liveness and readiness probes.

use crate::app::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// 200 while the process is up.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// 200 when the database answers within two seconds, else 503.
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
