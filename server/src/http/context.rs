//! Per-request context: the `req_…` id (see [`super::request_id`]), the tracing span, the
//! request log entry, and the guarantee that every error response carries the envelope.

use crate::http::error::envelope_for_status;
use crate::http::rate_limit::Allowance;
use crate::http::request_id;
use crate::http::state::AppState;
use crate::store::RequestLogEntry;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tracing::Instrument;

/// Who made the request, filled in by the authentication extractors and read back by the
/// request log once the response is ready.
#[derive(Clone, Default)]
pub struct Caller(Arc<Mutex<CallerFields>>);

#[derive(Clone, Default)]
struct CallerFields {
    org_id: Option<String>,
    key_id: Option<String>,
    allowance: Option<Allowance>,
}

impl Caller {
    pub fn set_org(&self, org_id: &str) {
        self.lock().org_id = Some(org_id.to_owned());
    }

    pub fn set_key(&self, key_id: &str) {
        self.lock().key_id = Some(key_id.to_owned());
    }

    /// The rate limit that applied, for the `X-RateLimit-*` headers (the last one set wins,
    /// so the strictest check should set it last).
    pub fn set_allowance(&self, allowance: Allowance) {
        self.lock().allowance = Some(allowance);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CallerFields> {
        // A poisoned lock only means another thread panicked mid-write of two strings.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Middleware around every route: see the module docs.
pub async fn request_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = crate::ids::new_id("req");
    let method = req.method().as_str().to_owned();
    // The route pattern, never the raw path or query: those can carry tokens or e-mails.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let caller = Caller::default();
    req.extensions_mut().insert(caller.clone());

    let span = tracing::info_span!("request", request_id = %request_id, method = %method, route = %route);
    let mut res = request_id::scope(request_id.clone(), async {
        let res = next.run(req).await;
        if needs_envelope(&res) { with_envelope(res) } else { res }
    })
    .instrument(span.clone())
    .await;

    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", value);
    }
    // Time spent in the server, for clients and load tests (W3C Server-Timing).
    if let Ok(value) = HeaderValue::from_str(&format!("app;dur={:.3}", elapsed.as_secs_f64() * 1000.0)) {
        res.headers_mut().insert("server-timing", value);
    }
    let latency_ms = u32::try_from(elapsed.as_millis()).unwrap_or(u32::MAX);
    let status = res.status().as_u16();
    span.in_scope(|| tracing::info!(status, latency_ms, "request finished"));

    let fields = caller.lock().clone();
    if let (Some(a), false) = (fields.allowance, res.headers().contains_key("x-ratelimit-limit")) {
        let h = res.headers_mut();
        h.insert("x-ratelimit-limit", HeaderValue::from(a.limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(a.remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(a.reset));
    }
    state.request_log.record(RequestLogEntry {
        request_id,
        at: chrono::Utc::now(),
        method,
        route,
        status,
        latency_ms,
        org_id: fields.org_id,
        key_id: fields.key_id,
    });
    res
}

/// An error status with a bare body (empty or plain text, from a tower layer or axum's
/// router) gets the envelope instead. JSON errors are already ours; HTML pages keep theirs.
fn needs_envelope(res: &Response) -> bool {
    let bare = match res.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v.as_bytes().starts_with(b"text/plain"),
    };
    (res.status().is_client_error() || res.status().is_server_error()) && bare
}

/// Replaces the body with the envelope, keeping the other headers (CORS, `Allow`, …).
fn with_envelope(res: Response) -> Response {
    let (parts, _) = res.into_parts();
    let mut envelope = envelope_for_status(parts.status);
    for (name, value) in &parts.headers {
        if !envelope.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            envelope.headers_mut().append(name.clone(), value.clone());
        }
    }
    envelope
}

/// The client's address as rate limiting saw it (the peer, or what a trusted proxy says).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub std::net::IpAddr);

/// Per-client rate limits for the public surface, the account API and unknown API routes
/// (the org API is limited per org, and its failed authentication per client, in its
/// authentication). Runs inside `request_context`.
pub async fn client_rate_limit(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    use axum::response::IntoResponse;
    let ip = state.rate_limits.client_ip(peer.ip(), req.headers());
    req.extensions_mut().insert(ClientIp(ip));
    let path = req.uri().path();
    // An unknown API route is answered for free, but not without limit.
    let unknown_api_route = path.starts_with("/api/") && req.extensions().get::<MatchedPath>().is_none();
    let per_client = path.starts_with("/api/v1/public/")
        || path.starts_with("/api/v1/auth/")
        || path.starts_with("/api/v1/api-keys")
        || path.starts_with("/ical/")
        || unknown_api_route;
    if per_client {
        let booking = req.method() == axum::http::Method::POST
            && req
                .extensions()
                .get::<MatchedPath>()
                .is_some_and(|p| p.as_str() == "/api/v1/public/orgs/{slug}/bookings");
        let checked = state
            .rate_limits
            .check_client(ip)
            .and_then(|a| if booking { state.rate_limits.check_booking(ip) } else { Ok(a) });
        match checked {
            Ok(allowance) => {
                if let Some(caller) = req.extensions().get::<Caller>() {
                    caller.set_allowance(allowance);
                }
            }
            Err(limited) => return limited.into_response(),
        }
    }
    next.run(req).await
}
