//! The running application: background tasks and the server loop with graceful shutdown.
//! Settings are in [`crate::config`], the state handlers see in [`crate::http::state`].

use crate::config::Config;
use crate::http::AppState;
use crate::http::rate_limit::RateLimits;
use crate::request_log;
use crate::store::Store;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Serves HTTP on `listener` until `shutdown` completes, then finishes in-flight requests,
/// flushes the request log and returns.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let routes = crate::http::routes(&config);
    serve_routes(listener, store, config, routes, shutdown).await
}

/// [`serve`] with the given routes instead of the standard ones (tests add probe routes).
pub async fn serve_routes(
    listener: TcpListener,
    store: Arc<dyn Store>,
    config: Config,
    routes: Router<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (request_log, log_writer) = request_log::start(store.clone());
    let rate_limits = Arc::new(RateLimits::new(config.rate_limits.clone()));
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let worker =
        crate::webhooks::worker::start(store.clone(), config.webhooks.clone(), worker_stopped.clone());
    let mailer = crate::mail::worker::start(store.clone(), config.mail.clone(), worker_stopped);
    let housekeeping = crate::housekeeping::start(store.clone(), &config, rate_limits.clone());
    let (header_read_timeout, max_connections) = (config.header_read_timeout, config.max_connections);
    let key_cache = Arc::default();
    let state = AppState { store, config: Arc::new(config), request_log, rate_limits, key_cache };
    let app = crate::http::with_layers(routes, state);
    serve_http(listener, app, header_read_timeout, max_connections, shutdown).await;
    housekeeping.abort();
    let _ = stop_worker.send(true);
    let _ = worker.await;
    let _ = mailer.await;
    // The router (and with it every sender of the request log) is gone now: the writer
    // drains what is queued and ends.
    let _ = log_writer.await;
    Ok(())
}

/// Accepts HTTP/1 connections until `shutdown`, at most `max_connections` at once (further
/// ones wait in the listen backlog), each closed when a request's headers take longer than
/// `header_read_timeout` (slowloris). Then stops accepting, lets in-flight requests finish
/// (kept-alive idle connections are closed) and returns once every connection is done.
async fn serve_http(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    max_connections: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment, then go on.
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _slot = slot;
            if let Err(err) = conn.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
