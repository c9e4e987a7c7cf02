//! Pages for people: the org's public booking page `/{slug}`, the widget's files, and the
//! dashboard (`/dashboard/…`).
//!
//! The widget is built by trunk into the widget directory (`dist/` by default, with
//! `public_url = "/widget/"`), so its assets are served from `/widget/…` and `/{slug}`
//! serves its `index.html`. Unknown slugs get the same page with status 404; the widget
//! then tells the visitor that this booking page does not exist.
//!
//! The dashboard is built by trunk into the dashboard directory (`dashboard/dist/`, with
//! `public_url = "/dashboard/"`): its files are served from `/dashboard/…`, and every other
//! path below `/dashboard/` gets its `index.html` (the app reads the path and shows that
//! screen), never cached, so a new build is picked up on the next visit.

use crate::http::context::Caller;
use crate::http::error::ApiError;
use crate::http::extract::AppPath;
use crate::http::state::AppState;
use axum::Extension;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(widget_dir: &Path, dashboard_dir: &Path) -> Router<AppState> {
    let index = ServeFile::new(dashboard_dir.join("index.html"));
    // The app's page is never cached (its asset names change with every build; they may be).
    let no_cache = SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, |res: &Response<_>| {
        let html =
            res.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        html.then(|| HeaderValue::from_static("no-cache"))
    });
    // The business's controls are never framed by another site (clickjacking), and its
    // addresses (a booking's id) do not leak to linked sites.
    let no_frames = SetResponseHeaderLayer::overriding(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    let deny = SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let referrer =
        SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    let dashboard = ServiceBuilder::new()
        .layer(no_cache)
        .layer(no_frames)
        .layer(deny)
        .layer(referrer)
        .service(ServeDir::new(dashboard_dir).fallback(index));
    Router::new()
        .route("/{slug}", get(booking_page))
        .nest_service("/widget", ServeDir::new(widget_dir))
        .nest_service("/dashboard", dashboard)
}

/// `GET /{slug}`: the booking page of an org.
async fn booking_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(slug): AppPath<String>,
) -> Result<Response, ApiError> {
    let index = state.config.widget_dir.join("index.html");
    let html = tokio::fs::read_to_string(&index).await.map_err(|err| {
        tracing::warn!(path = %index.display(), error = %err, "widget index.html not readable");
        ApiError::Unavailable {
            code: "widget_not_built",
            message: "The booking widget has not been built on this server (see the README).".into(),
        }
    })?;
    let status = match state.store.find_org_by_slug(&slug).await? {
        Some(org) => {
            caller.set_org(&org.id);
            StatusCode::OK
        }
        None => StatusCode::NOT_FOUND,
    };
    Ok((status, [(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response())
}
