//! The running application: configuration, shared state, background tasks and the server
//! loop with graceful shutdown.

use crate::request_log::{self, RequestLog};
use crate::store::Store;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Everything the server is told at start-up (flags and env vars, see `cli`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Where trunk put the widget (`index.html` and its assets).
    pub widget_dir: PathBuf,
    /// How long one request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// How long request log entries are kept.
    pub request_log_retention: chrono::Duration,
    pub rate_limits: crate::rate_limit::RateLimitConfig,
    pub webhooks: crate::webhooks::worker::WorkerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            widget_dir: PathBuf::from("dist"),
            request_timeout: Duration::from_secs(30),
            request_log_retention: chrono::Duration::days(30),
            rate_limits: Default::default(),
            webhooks: Default::default(),
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub request_log: RequestLog,
    pub rate_limits: Arc<crate::rate_limit::RateLimits>,
}

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
    let rate_limits = Arc::new(crate::rate_limit::RateLimits::new(config.rate_limits.clone()));
    let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
    let worker = crate::webhooks::worker::start(store.clone(), config.webhooks.clone(), worker_stopped);
    let housekeeping =
        crate::housekeeping::start(store.clone(), config.request_log_retention, rate_limits.clone());
    let state = AppState { store, config: Arc::new(config), request_log, rate_limits };
    let app = crate::http::with_layers(routes, state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    housekeeping.abort();
    let _ = stop_worker.send(true);
    let _ = worker.await;
    // The router (and with it every sender of the request log) is gone now: the writer
    // drains what is queued and ends.
    let _ = log_writer.await;
    Ok(())
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
