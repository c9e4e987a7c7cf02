//! The running application: background tasks and the server loop with graceful shutdown.
//! Settings are in [`crate::config`], the state handlers see in [`crate::http::state`].

use crate::config::Config;
use crate::http::AppState;
use crate::http::rate_limit::RateLimits;
use crate::request_log;
use crate::store::Store;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

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
    let worker = crate::webhooks::worker::start(store.clone(), config.webhooks.clone(), worker_stopped);
    let housekeeping = crate::housekeeping::start(store.clone(), &config, rate_limits.clone());
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
