//! The HTTP foundation every surface stands on: envelope, request ids, limits, CORS,
//! probes, the request log and the booking page. Each test runs on SQLite and Postgres.

use axum::Router;
use axum::routing::{get, post};
use cadence_server::config::{Config, RateLimitConfig};
use cadence_server::http::AppState;
use cadence_server::http::extract::AppJson;
use cadence_server::testing::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::num::NonZeroU32;
use std::time::Duration;

cadence_server::both_backends!(
    healthz_and_readyz_answer_200,
    public_org_shows_id_slug_name_timezone_branding,
    unknown_org_is_404_envelope,
    unknown_route_is_404_envelope_with_matching_request_id,
    wrong_method_is_405_envelope,
    malformed_json_is_400_envelope,
    body_of_wrong_shape_is_422_naming_the_field,
    oversized_body_is_413_envelope,
    panic_is_500_envelope_without_internals,
    slow_request_is_cut_off_with_408_envelope,
    public_surface_allows_any_origin_and_others_do_not,
    public_errors_from_every_layer_carry_cors_headers,
    a_client_that_never_finishes_its_headers_is_disconnected,
    connections_past_the_cap_wait_to_be_accepted,
    request_log_records_route_status_and_org_without_query,
    booking_page_serves_widget_and_404s_unknown_slugs,
    booking_page_without_built_widget_is_503_envelope,
);

/// Routes that exist only in tests, behind the real layers.
fn probe_routes() -> Router<AppState> {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Echo {
        name: String,
        count: u32,
    }
    Router::new()
        .route("/test/echo", post(|AppJson(body): AppJson<Echo>| async move { AppJson(body) }))
        .route("/test/panic", get(panicking_handler))
        .route("/api/v1/public/test/panic", get(panicking_handler))
        .route("/test/slow", get(slow_handler))
        .route("/api/v1/public/test/slow", get(slow_handler))
}

async fn slow_handler() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "done"
}

async fn panicking_handler() -> &'static str {
    panic!("secret internals: db password hunter2")
}

async fn spawn_probe(backend: Backend, config: Config) -> TestApp {
    TestApp::spawn_with_routes(backend, config, probe_routes()).await
}

/// Asserts the envelope shape and returns its `error` object.
async fn envelope(res: reqwest::Response, status: StatusCode, kind: &str, code: &str) -> Value {
    assert_eq!(res.status(), status);
    let header_id = res.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_owned();
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = res.json().await.expect("JSON body");
    let err = body["error"].clone();
    assert_eq!(err["type"], kind, "{body}");
    assert_eq!(err["code"], code, "{body}");
    assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(err["request_id"], header_id.as_str(), "body and header carry the same request id");
    assert!(header_id.starts_with("req_"));
    err
}

async fn healthz_and_readyz_answer_200(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/healthz", "/readyz"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers().contains_key("x-request-id"));
    }
    app.stop().await;
}

async fn public_org_shows_id_slug_name_timezone_branding(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeded = cadence_server::demo::seed(app.store.as_ref()).await.unwrap();
    let res = app.client.get(app.url("/api/v1/public/orgs/movela")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let org: Value = res.json().await.unwrap();
    assert_eq!(org["id"], seeded.org.id.as_str());
    assert!(org["id"].as_str().unwrap().starts_with("org_"));
    assert_eq!(org["slug"], "movela");
    assert_eq!(org["name"], "Movela Physio & Massage");
    assert_eq!(org["timezone"], "Europe/Berlin");
    assert_eq!(org["branding"]["primary_color"], "#0f766e");
    app.stop().await;
}

async fn unknown_org_is_404_envelope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.client.get(app.url("/api/v1/public/orgs/no-such-org")).send().await.unwrap();
    envelope(res, StatusCode::NOT_FOUND, "not_found_error", "resource_not_found").await;
    app.stop().await;
}

async fn unknown_route_is_404_envelope_with_matching_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.client.get(app.url("/api/v1/nothing/here")).send().await.unwrap();
    let err = envelope(res, StatusCode::NOT_FOUND, "not_found_error", "resource_not_found").await;
    assert!(err["message"].as_str().unwrap().contains("/api/v1/nothing/here"));
    app.stop().await;
}

async fn wrong_method_is_405_envelope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let res = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert!(res.headers().contains_key("allow"), "405 keeps its Allow header");
    envelope(res, StatusCode::METHOD_NOT_ALLOWED, "invalid_request_error", "method_not_allowed").await;
    app.stop().await;
}

async fn malformed_json_is_400_envelope(backend: Backend) {
    let app = spawn_probe(backend, Config::default()).await;
    let res = app
        .client
        .post(app.url("/test/echo"))
        .header("content-type", "application/json")
        .body(r#"{"name": "Ada", "count": "#)
        .send()
        .await
        .unwrap();
    envelope(res, StatusCode::BAD_REQUEST, "invalid_request_error", "malformed_json").await;
    let res = app.client.post(app.url("/test/echo")).body("name=Ada").send().await.unwrap();
    envelope(res, StatusCode::BAD_REQUEST, "invalid_request_error", "unsupported_content_type").await;
    // The probe itself works with a good body.
    let res = app
        .client
        .post(app.url("/test/echo"))
        .json(&json!({"name": "Ada", "count": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["count"], 2);
    app.stop().await;
}

async fn body_of_wrong_shape_is_422_naming_the_field(backend: Backend) {
    let app = spawn_probe(backend, Config::default()).await;
    let res = app.client.post(app.url("/test/echo")).json(&json!({"count": 2})).send().await.unwrap();
    let err = envelope(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_error", "invalid_body").await;
    assert_eq!(err["field"], "name");
    app.stop().await;
}

async fn oversized_body_is_413_envelope(backend: Backend) {
    let app = spawn_probe(backend, Config::default()).await;
    let big = json!({ "name": "x".repeat(2 * 1024 * 1024), "count": 1 });
    let res = app.client.post(app.url("/test/echo")).json(&big).send().await.unwrap();
    envelope(res, StatusCode::PAYLOAD_TOO_LARGE, "invalid_request_error", "payload_too_large").await;
    app.stop().await;
}

async fn panic_is_500_envelope_without_internals(backend: Backend) {
    let app = spawn_probe(backend, Config::default()).await;
    let res = app.client.get(app.url("/test/panic")).send().await.unwrap();
    let err = envelope(res, StatusCode::INTERNAL_SERVER_ERROR, "api_error", "internal_error").await;
    assert!(!err.to_string().contains("hunter2"), "no internals leak: {err}");
    // The server survives the panic.
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

async fn slow_request_is_cut_off_with_408_envelope(backend: Backend) {
    let config = Config { request_timeout: Duration::from_millis(200), ..Config::default() };
    let app = spawn_probe(backend, config).await;
    let res = app.client.get(app.url("/test/slow")).send().await.unwrap();
    envelope(res, StatusCode::REQUEST_TIMEOUT, "api_error", "request_timeout").await;
    app.stop().await;
}

async fn public_surface_allows_any_origin_and_others_do_not(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    cadence_server::demo::seed(app.store.as_ref()).await.unwrap();
    let res = app
        .client
        .get(app.url("/api/v1/public/orgs/movela"))
        .header("origin", "https://physio.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let expose = res.headers()["access-control-expose-headers"].to_str().unwrap().to_owned();
    assert!(expose.contains("x-request-id") && expose.contains("retry-after"), "{expose}");

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/public/orgs/movela"))
        .header("origin", "https://physio.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,idempotency-key")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase();
    assert!(allowed.contains("idempotency-key") && allowed.contains("content-type"), "{allowed}");

    let res =
        app.client.get(app.url("/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(
        !res.headers().contains_key("access-control-allow-origin"),
        "CORS is open on the public surface only"
    );
    app.stop().await;
}

async fn request_log_records_route_status_and_org_without_query(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    let seeded = cadence_server::demo::seed(app.store.as_ref()).await.unwrap();
    let res = app
        .client
        .get(app.url("/api/v1/public/orgs/movela?token=s3cret&email=ada@example.com"))
        .send()
        .await
        .unwrap();
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let res404 = app.client.get(app.url("/nope/nope")).send().await.unwrap();
    let missing_id = res404.headers()["x-request-id"].to_str().unwrap().to_owned();
    // Graceful shutdown flushes the log writer.
    app.shutdown().await;

    let entries = app.store.recent_request_logs(50).await.unwrap();
    let hit = entries.iter().find(|e| e.request_id == request_id).expect("the request was logged");
    assert_eq!(hit.method, "GET");
    assert_eq!(hit.route, "/api/v1/public/orgs/{slug}");
    assert_eq!(hit.status, 200);
    assert_eq!(hit.org_id.as_deref(), Some(seeded.org.id.as_str()));
    assert_eq!(hit.key_id, None);
    let miss = entries.iter().find(|e| e.request_id == missing_id).expect("the 404 was logged");
    assert_eq!(miss.status, 404);
    assert_eq!(miss.route, "(unmatched)");
    for e in &entries {
        assert!(!e.route.contains("s3cret") && !e.route.contains('@'), "no query data in the log: {e:?}");
    }
}

async fn booking_page_serves_widget_and_404s_unknown_slugs(backend: Backend) {
    let widget = tempfile::tempdir().unwrap();
    std::fs::write(widget.path().join("index.html"), "<html><body>cadence widget shell</body></html>")
        .unwrap();
    std::fs::write(widget.path().join("app.js"), "console.log('widget')").unwrap();
    let config = Config { widget_dir: widget.path().to_owned(), ..Config::default() };
    let app = TestApp::spawn_with(backend, config).await;
    cadence_server::demo::seed(app.store.as_ref()).await.unwrap();

    let res = app.client.get(app.url("/movela")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(res.text().await.unwrap().contains("cadence widget shell"));

    let res = app.client.get(app.url("/nobody-here")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("cadence widget shell"), "the widget explains the 404");

    let res = app.client.get(app.url("/widget/app.js")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(app.url("/widget/missing.js")).send().await.unwrap();
    envelope(res, StatusCode::NOT_FOUND, "not_found_error", "route_not_found").await;
    app.stop().await;
}

async fn booking_page_without_built_widget_is_503_envelope(backend: Backend) {
    let empty = tempfile::tempdir().unwrap();
    let config = Config { widget_dir: empty.path().to_owned(), ..Config::default() };
    let app = TestApp::spawn_with(backend, config).await;
    let res = app.client.get(app.url("/movela")).send().await.unwrap();
    envelope(res, StatusCode::SERVICE_UNAVAILABLE, "api_error", "widget_not_built").await;
    app.stop().await;
}

/// A browser widget must be able to read every answer of the public surface, also those
/// no handler wrote: a panic's 500, the timeout's 408, the body limit's 413 and the rate
/// limit's 429 (with `Retry-After` exposed).
async fn public_errors_from_every_layer_carry_cors_headers(backend: Backend) {
    let config = Config {
        request_timeout: Duration::from_millis(200),
        rate_limits: RateLimitConfig { public_per_minute: NonZeroU32::new(4).unwrap(), ..Default::default() },
        ..Config::default()
    };
    let app = spawn_probe(backend, config).await;
    cadence_server::demo::seed(app.store.as_ref()).await.unwrap();
    let get = |path: &str| app.client.get(app.url(path)).header("origin", "https://physio.example").send();
    let cors = |res: &reqwest::Response| {
        let h = res.headers();
        let expose = h.get("access-control-expose-headers").map(|v| v.to_str().unwrap().to_owned());
        (h.get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_owned()), expose)
    };
    let panicked = get("/api/v1/public/test/panic").await.unwrap();
    assert_eq!(panicked.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(cors(&panicked).0.as_deref(), Some("*"), "500");
    let slow = get("/api/v1/public/test/slow").await.unwrap();
    assert_eq!(slow.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(cors(&slow).0.as_deref(), Some("*"), "408");
    let big = app
        .client
        .post(app.url("/api/v1/public/orgs/movela/bookings"))
        .header("origin", "https://physio.example")
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(cors(&big).0.as_deref(), Some("*"), "413");
    assert_eq!(get("/api/v1/public/orgs/movela").await.unwrap().status(), StatusCode::OK);
    let limited = get("/api/v1/public/orgs/movela").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let (origin, expose) = cors(&limited);
    assert_eq!(origin.as_deref(), Some("*"), "429");
    assert!(expose.unwrap_or_default().contains("retry-after"), "Retry-After is readable");
    assert!(limited.headers().contains_key("retry-after"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "still the envelope");
    app.stop().await;
}

/// `host:port` of a running test app.
fn addr(app: &TestApp) -> String {
    app.url("/").trim_start_matches("http://").trim_end_matches('/').to_owned()
}

/// Slowloris: headers sent a byte at a time, or never finished, would hold a connection
/// (and a task) for ever. After the header read timeout the server closes it.
async fn a_client_that_never_finishes_its_headers_is_disconnected(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = Config { header_read_timeout: Duration::from_secs(1), ..Config::default() };
    let app = TestApp::spawn_with(backend, config).await;
    let mut slow = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: cadence\r\nX-Still-Typing: 1\r\n").await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf)).await;
    let closed = matches!(read, Ok(Ok(0)) | Ok(Err(_)))
        || matches!(read, Ok(Ok(n)) if String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 408"));
    assert!(closed, "the half-sent request's connection is closed: {read:?}");
    assert!(started.elapsed() >= Duration::from_millis(900), "not before the timeout");
    // Others are served meanwhile and after.
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

/// Past `max_connections` the server accepts no more until one closes: a flood of idle
/// connections cannot make it hold unbounded sockets and tasks.
async fn connections_past_the_cap_wait_to_be_accepted(backend: Backend) {
    let config =
        Config { max_connections: 2, header_read_timeout: Duration::from_secs(20), ..Config::default() };
    let app = TestApp::spawn_with(backend, config).await;
    let first = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    let _second = tokio::net::TcpStream::connect(addr(&app)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = app.client.get(app.url("/healthz")).timeout(Duration::from_millis(800)).send().await;
    assert!(waiting.is_err(), "a third connection is not served while two are open");
    drop(first);
    let res = app.client.get(app.url("/healthz")).timeout(Duration::from_secs(5)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "served once a connection closed");
    app.stop().await;
}
