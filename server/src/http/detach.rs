//! Writes that complete whatever the client does.
//!
//! A request's future is dropped when its client disconnects and when the timeout answers
//! 408. Dropped in the middle of a write, it would leave work half done: an
//! `Idempotency-Key` claimed but never completed (the client's retry gets 409 for minutes),
//! or, on Postgres, a connection back in the pool inside an open transaction (sqlx's
//! `begin()` is not cancel-safe: launchbadge/sqlx #4393, #2805). So every request that may
//! change something (any method but GET, HEAD and OPTIONS) runs in a task of its own: the
//! client going away, or the timeout, stops the waiting, never the work. Each write is one
//! transaction, so a process that dies meanwhile still leaves nothing half-written.

use crate::http::request_id;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

/// Middleware: runs state-changing requests to completion in their own task.
pub async fn detach_writes(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    // The task keeps the request's id (for the envelope) and its span (for the log).
    let id = request_id::current_request_id().unwrap_or_default();
    let work = request_id::scope(id, next.run(req)).instrument(tracing::Span::current());
    match tokio::spawn(work).await {
        Ok(res) => res,
        // The panic catcher outside answers and logs it, as for any handler.
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
