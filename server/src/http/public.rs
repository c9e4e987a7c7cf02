//! The keyless public booking surface, `/api/v1/public/…`: safe for browsers, CORS open.

use crate::app::AppState;
use crate::error::ApiError;
use crate::http::context::Caller;
use crate::http::extract::AppPath;
use axum::extract::State;
use axum::http::{HeaderName, Method, header};
use axum::routing::get;
use axum::{Extension, Json, Router};
use cadence_shared::PublicOrg;
use std::time::Duration;
use tower_http::cors::{Any, CorsLayer};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/public/orgs/{slug}", get(get_org)).layer(cors())
}

/// Any origin may call the public surface (the widget is embedded on other sites); it
/// carries no credentials, so no cookies are allowed.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(3600))
}

/// `GET /api/v1/public/orgs/{slug}`: the org's public face.
async fn get_org(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(slug): AppPath<String>,
) -> Result<Json<PublicOrg>, ApiError> {
    let org = state.store.find_org_by_slug(&slug).await?.ok_or_else(|| ApiError::not_found("Org"))?;
    caller.set_org(&org.id);
    Ok(Json(PublicOrg {
        id: org.id,
        slug: org.slug,
        name: org.name,
        timezone: org.timezone,
        branding: org.branding,
    }))
}
