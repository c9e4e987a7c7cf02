//! The HTTP surfaces of the server, assembled in one place.
//!
//! | module     | routes                                  | auth                         |
//! |------------|-----------------------------------------|------------------------------|
//! | [`health`] | `GET /healthz`, `GET /readyz`           | none                         |
//! | [`public`] | `/api/v1/public/orgs/{slug}…`, `/api/v1/public/bookings/{id}…` (manage token) | none; CORS open |
//! | [`bookings`] | `/api/v1/availability`, `/api/v1/bookings…` | API key (`bookings:*`) |
//! | [`resources`] | `/api/v1/services…`, `/practitioners…`, `/customers…`, `/org` | API key (scopes) |
//! | [`webhooks`] | `/api/v1/webhooks…` | API key (`webhooks:manage`) |
//! | [`account`] | `/api/v1/auth/…`, `/api/v1/api-keys…` | session token (signup/login: none) |
//! | [`pages`]  | `GET /{slug}` booking page, `/widget/*` | none                         |
//!
//! Every route runs inside the same layers, outermost first: request context (request id,
//! span, request log, envelope for bare error statuses, rate limit headers), CORS (public
//! surface only), per-client rate limit (public surface and account API), control
//! characters in paths and queries refused, panic catcher, timeout, body limit, and
//! (innermost) state-changing requests detached into their own task, so that neither a
//! disconnect nor the timeout cuts a write short ([`detach`]).
//!
//! Beside the routes: [`state`] (what handlers reach), [`error`] (the one mapping of every
//! failure to the envelope), [`extract`] (extractors that answer with the envelope),
//! [`auth`] (API keys and sessions, scopes), [`key_cache`] (cached keys for booking
//! creation, checked by the write), [`idempotency`] (the `Idempotency-Key`
//! wrapper), [`rate_limit`] (buckets per client and per org), [`context`] (span,
//! request log; the request id in `request_id`).

mod account;
pub mod auth;
mod bookings;
mod calendar;
pub mod context;
mod cors;
mod detach;
pub mod error;
pub mod extract;
mod health;
pub mod idempotency;
pub mod key_cache;
mod lockout;
mod manage;
pub mod openapi;
mod openapi_rules;
mod org_log;
mod pages;
mod public;
pub mod rate_limit;
mod request_id;
mod resources;
mod responses;
pub mod session_cookie;
pub mod state;
mod webhooks;

pub use error::ApiError;
pub use state::AppState;

use crate::config::Config;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Largest request body accepted (1 MiB); larger ones get a 413 envelope.
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// Every API route with its OpenAPI description: registering a route documents it.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(health::router())
        .merge(public::router())
        .merge(bookings::router())
        .merge(resources::router())
        .merge(org_log::router())
        .merge(account::router())
        .merge(webhooks::router())
        .merge(calendar::router())
        .merge(openapi::router())
}

/// Every surface's routes, without the layers: the API plus the pages for people.
pub fn routes(config: &Config) -> Router<AppState> {
    let (api, _) = api().split_for_parts();
    api.merge(pages::router(&config.widget_dir, &config.dashboard_dir)).fallback(unknown_route)
}

/// Wraps routes in the layers every request runs inside. Tests use it to put probe routes
/// (a handler that panics or sleeps) behind the real layers.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(state.clone(), context::request_context))
                .layer(axum::middleware::from_fn(cors::public_cors))
                .layer(axum::middleware::from_fn_with_state(state.clone(), context::client_rate_limit))
                .layer(axum::middleware::from_fn(extract::reject_control_characters))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    state.config.request_timeout,
                ))
                .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
                .layer(axum::middleware::from_fn(detach::detach_writes)),
        )
        .with_state(state)
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound { message: format!("No route for {method} {}.", uri.path()) }
}

/// A panic in a handler becomes a bare 500 (the envelope is added by the request context);
/// the panic itself is logged inside the request's span.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
