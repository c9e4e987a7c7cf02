//! CORS for the public surface (`/api/v1/public/…`): any origin, no credentials. It wraps
//! every layer that can answer on its own (rate limit, panic catcher, timeout, body limit),
//! so a browser widget can read a 429's `Retry-After` or a 500's request id too. The org
//! and account APIs are server-to-server and get no CORS headers.

use axum::extract::Request;
use axum::http::{HeaderName, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::sync::LazyLock;
use std::time::Duration;
use tower::{Layer, ServiceExt};
use tower_http::cors::{Any, CorsLayer};

/// Where CORS is open.
pub const PUBLIC_PREFIX: &str = "/api/v1/public/";

/// Middleware: CORS headers (and preflight answers) on the public surface only.
pub async fn public_cors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with(PUBLIC_PREFIX) {
        return next.run(req).await;
    }
    // `Next` runs once; the CORS service calls its inner service at most once per request.
    let mut next = Some(next);
    let inner = tower::service_fn(move |req: Request| {
        let next = next.take();
        async move {
            Ok::<_, Infallible>(match next {
                Some(next) => next.run(req).await,
                None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            })
        }
    });
    match CORS.layer(inner).oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// Any origin may call the public surface (the widget is embedded on other sites); it
/// carries no credentials, so no cookies are allowed.
static CORS: LazyLock<CorsLayer> = LazyLock::new(cors);

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, HeaderName::from_static("idempotency-key")])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("server-timing"),
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(3600))
}
