//! Webhooks end to end inside one process, on both backends: a real receiver on loopback
//! gets signed events in order; retries after the receiver recovers; 410 disables;
//! the SSRF guard refuses private targets; another org sees nothing.

use base64::Engine;
use cadence_server::config::Config;
use cadence_server::config::WorkerConfig;
use cadence_server::testing::{Backend, Received, Receiver, SeededOrg, TestApp, seed_org};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;

cadence_server::both_backends!(
    booking_events_arrive_signed_with_both_schemes_in_order,
    events_arrive_after_the_receiver_recovers_and_attempts_are_recorded,
    gone_disables_the_endpoint,
    an_endpoint_is_changed_and_enabled_again_after_gone,
    ssrf_targets_are_refused_without_the_allow_flag,
    test_event_and_tenant_isolation,
    redirects_are_not_followed_and_retries_end_in_failure,
    a_bookings_events_stay_in_order_across_retries,
);

fn fast(allow_private: bool) -> Config {
    Config {
        webhooks: WorkerConfig {
            poll_interval: Duration::from_millis(50),
            retry_schedule: vec![Duration::from_millis(150); 6],
            allow_private,
            timeout: Duration::from_secs(5),
            ..WorkerConfig::default()
        },
        ..Config::default()
    }
}

struct Ctx {
    app: TestApp,
    a: SeededOrg,
}

impl Ctx {
    async fn new(backend: Backend, allow_private: bool) -> Ctx {
        let app = TestApp::spawn_with(backend, fast(allow_private)).await;
        let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
        Ctx { app, a }
    }

    fn call(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.app.client.request(method, self.app.url(path)).bearer_auth(&self.a.api_key)
    }

    async fn subscribe(&self, url: &str, events: Value) -> Value {
        let res = self
            .call(Method::POST, "/api/v1/webhooks")
            .json(&json!({"url": url, "events": events}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }

    async fn book(&self, days: i64, hour: u32, email: &str) -> Value {
        let start = (chrono::Utc::now() + chrono::Duration::days(days))
            .format(&format!("%Y-%m-%dT{hour:02}:00:00Z"))
            .to_string();
        let body = json!({"service_id": self.a.consultation, "start": start, "customer": {"name": "W", "email": email}});
        let res = self.call(Method::POST, "/api/v1/bookings").json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.unwrap()
    }
}

/// Both signatures, recomputed here from the secret with hmac/sha2 directly.
fn assert_signed(secret: &str, r: &Received) {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(&r.body);
    assert_eq!(r.header("x-cadence-signature"), format!("sha256={}", hex::encode(m.finalize().into_bytes())));
    let key =
        base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut m = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    m.update(format!("{}.{}.", r.header("webhook-id"), r.header("webhook-timestamp")).as_bytes());
    m.update(&r.body);
    let expected =
        format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes()));
    assert_eq!(r.header("webhook-signature"), expected);
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    // And the shared crate's verifiers agree.
    assert!(cadence_shared::verify_signature(secret, &r.body, r.header("x-cadence-signature")));
    assert!(cadence_shared::verify_standard(
        secret,
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        &r.body,
        r.header("webhook-signature"),
        chrono::Utc::now().timestamp(),
        300,
    ));
}

async fn booking_events_arrive_signed_with_both_schemes_in_order(backend: Backend) {
    let c = Ctx::new(backend, true).await;
    let rx = Receiver::start(Duration::ZERO).await;
    let endpoint = c.subscribe(&rx.url, json!(["*"])).await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let b = c.book(4, 9, "w@example.com").await;
    let id = b["id"].as_str().unwrap();
    let later = (chrono::Utc::now() + chrono::Duration::days(4)).format("%Y-%m-%dT11:00:00Z").to_string();
    c.call(Method::POST, &format!("/api/v1/bookings/{id}/reschedule"))
        .json(&json!({"start": later}))
        .send()
        .await
        .unwrap();
    c.call(Method::POST, &format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap();

    let got = rx.wait_for_events(3, Duration::from_secs(10)).await;
    let types: Vec<String> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(types, ["booking.created", "booking.rescheduled", "booking.cancelled"], "in order, once each");
    for r in &got {
        assert_signed(&secret, r);
        assert_eq!(r.header("content-type"), "application/json");
        let body = r.json();
        assert_eq!(r.header("x-cadence-event"), body["type"].as_str().unwrap());
        assert_eq!(r.header("webhook-id"), body["id"].as_str().unwrap());
        assert_eq!(body["data"]["booking"]["id"], id);
    }
    let moved = got[1].json();
    assert_eq!(moved["data"]["booking"]["start"], later);
    assert_eq!(moved["data"]["previous_start"], b["start"]);
    assert_eq!(moved["data"]["previous_end"], b["end"]);
    assert_eq!(got[2].json()["data"]["booking"]["status"], "cancelled");
    // Subscriptions filter: an endpoint for cancellations only gets just that.
    let rx2 = Receiver::start(Duration::ZERO).await;
    c.subscribe(&rx2.url, json!(["booking.cancelled"])).await;
    let b2 = c.book(4, 13, "w2@example.com").await;
    c.call(Method::POST, &format!("/api/v1/bookings/{}/cancel", b2["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    let only = rx2.wait_for_events(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rx2.all().len(), 1);
    assert_eq!(only[0].json()["type"], "booking.cancelled");
    c.app.stop().await;
}

async fn events_arrive_after_the_receiver_recovers_and_attempts_are_recorded(backend: Backend) {
    let c = Ctx::new(backend, true).await;
    let rx = Receiver::start(Duration::ZERO).await;
    rx.status.store(503, std::sync::atomic::Ordering::SeqCst);
    let endpoint = c.subscribe(&rx.url, json!(["booking.created"])).await;
    for i in 0..5 {
        c.book(5, 8 + i, &format!("r{i}@example.com")).await;
    }
    // Down for a while: every event is tried at least once and fails.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(rx.all().len() >= 5);
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let start = std::time::Instant::now();
    let got = rx.wait_for_events(5, Duration::from_secs(15)).await;
    let ok_ids: std::collections::BTreeSet<String> =
        got.iter().map(|r| r.header("webhook-id").to_owned()).collect();
    assert_eq!(ok_ids.len(), 5, "delivery success rate 5/5 after recovery");
    // Wait until every delivery has succeeded, then look at the recorded attempts.
    let wh = endpoint["id"].as_str().unwrap();
    let mut attempts = Value::Null;
    while start.elapsed() < Duration::from_secs(15) {
        attempts = c
            .call(Method::GET, &format!("/api/v1/webhooks/{wh}/deliveries?limit=100"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = attempts["data"].as_array().unwrap();
        if data.iter().filter(|a| a["response_status"] == 200).count() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let data = attempts["data"].as_array().unwrap();
    assert!(
        data.iter().any(|a| a["response_status"] == 503),
        "failed attempts are recorded with their status"
    );
    assert_eq!(data.iter().filter(|a| a["response_status"] == 200).count(), 5);
    assert!(data.iter().all(|a| a["event_type"] == "booking.created"));
    assert!(data.iter().filter(|a| a["response_status"] == 200).all(|a| a["delivery_state"] == "succeeded"));
    assert_eq!(data[0]["response_excerpt"], "received");
    // The same attempts in pages of two, newest first, each once.
    let mut paged = Vec::new();
    let mut path = format!("/api/v1/webhooks/{wh}/deliveries?limit=2");
    for _ in 0..100 {
        let page: Value = c.call(Method::GET, &path).send().await.unwrap().json().await.unwrap();
        assert!(page["data"].as_array().unwrap().len() <= 2);
        paged.extend(page["data"].as_array().unwrap().iter().map(|a| a["id"].clone()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/webhooks/{wh}/deliveries?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let all: Vec<Value> = data.iter().map(|a| a["id"].clone()).collect();
    assert_eq!(paged, all, "pages of two give every attempt once, in order");
    c.app.stop().await;
}

async fn gone_disables_the_endpoint(backend: Backend) {
    let c = Ctx::new(backend, true).await;
    let rx = Receiver::start(Duration::ZERO).await;
    rx.status.store(410, std::sync::atomic::Ordering::SeqCst);
    let endpoint = c.subscribe(&rx.url, json!(["*"])).await;
    c.book(6, 9, "g@example.com").await;
    rx.wait_for_events(1, Duration::from_secs(10)).await;
    let wh = endpoint["id"].as_str().unwrap();
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = c
            .call(Method::GET, &format!("/api/v1/webhooks/{wh}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if shown["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(shown["active"], false);
    assert!(shown["disabled_reason"].as_str().unwrap().contains("410"));
    c.book(6, 11, "g2@example.com").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.all().len(), 1, "a disabled endpoint gets nothing more");
    c.app.stop().await;
}

async fn an_endpoint_is_changed_and_enabled_again_after_gone(backend: Backend) {
    let c = Ctx::new(backend, true).await;
    let rx = Receiver::start(Duration::ZERO).await;
    rx.status.store(410, std::sync::atomic::Ordering::SeqCst);
    let endpoint = c.subscribe(&rx.url, json!(["booking.cancelled"])).await;
    let wh = endpoint["id"].as_str().unwrap();
    let patch = |body: Value| c.call(Method::PATCH, &format!("/api/v1/webhooks/{wh}")).json(&body).send();

    // Refused changes name their field and change nothing.
    for (body, field) in [
        (json!({ "url": "ftp://hooks.example/x" }), "url"),
        (json!({ "events": [] }), "events"),
        (json!({ "events": ["booking.exploded"] }), "events"),
    ] {
        let res = patch(body.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], field, "{body}");
    }
    let res = patch(json!({ "events": ["booking.created"], "description": "front desk" })).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(
        (changed["events"].clone(), changed["description"].clone()),
        (json!(["booking.created"]), json!("front desk"))
    );
    assert_eq!(changed["url"], endpoint["url"], "unnamed fields stay");
    assert!(changed.get("secret").is_none());

    // The receiver answers 410: the endpoint is disabled.
    c.book(6, 9, "g@example.com").await;
    rx.wait_for_events(1, Duration::from_secs(10)).await;
    let shown = |c: &Ctx| {
        let req = c.call(Method::GET, &format!("/api/v1/webhooks/{wh}"));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let mut now = Value::Null;
    for _ in 0..100 {
        now = shown(&c).await;
        if now["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(now["active"], false);
    // Fixed on the receiver's side, enabled again: the next booking's event arrives.
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let res = patch(json!({ "active": true, "description": null })).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let enabled: Value = res.json().await.unwrap();
    assert_eq!((enabled["active"].clone(), enabled["disabled_reason"].clone()), (json!(true), Value::Null));
    assert_eq!(enabled["description"], Value::Null, "null cleared it");
    let booked = c.book(6, 11, "g2@example.com").await;
    let got = rx.wait_for_events(2, Duration::from_secs(10)).await;
    assert_eq!(got[1].json()["data"]["booking"]["id"], booked["id"]);
    assert_signed(endpoint["secret"].as_str().unwrap(), &got[1]);
    // Disabled on purpose, it says so and gets nothing.
    let off: Value = patch(json!({ "active": false })).await.unwrap().json().await.unwrap();
    assert_eq!(off["active"], false);
    assert!(off["disabled_reason"].as_str().unwrap().contains("API"), "{off}");
    c.book(6, 13, "g3@example.com").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.all().len(), 2);
    c.app.stop().await;
}

async fn ssrf_targets_are_refused_without_the_allow_flag(backend: Backend) {
    let c = Ctx::new(backend, false).await;
    for url in [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
        "https://localhost/hook",
        "http://hooks.example.com/hook",
        "https://[::ffff:127.0.0.1]/hook",
    ] {
        let res = c
            .call(Method::POST, "/api/v1/webhooks")
            .json(&json!({"url": url, "events": ["*"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["field"], "url");
    }
    // A stored endpoint whose name resolves to loopback (as DNS could change under a
    // public name) is refused when delivering: no connection reaches the receiver.
    let rx = Receiver::start(Duration::ZERO).await;
    let port = rx.url.split(':').nth(2).unwrap().split('/').next().unwrap().to_owned();
    let sneaky = format!("https://localhost:{port}/hook");
    let ok = c
        .call(Method::POST, "/api/v1/webhooks")
        .json(&json!({"url": "https://hooks.example.com/x", "events": ["*"]}))
        .send()
        .await
        .unwrap();
    let wh: Value = ok.json().await.unwrap();
    let id = wh["id"].as_str().unwrap();
    let sql = format!("UPDATE webhook_endpoints SET url = '{sneaky}' WHERE id = '{id}'");
    match backend {
        Backend::Sqlite => {
            sqlx::query(&sql)
                .execute(&sqlx::SqlitePool::connect(&c.app.db.url).await.unwrap())
                .await
                .unwrap();
        }
        Backend::Postgres => {
            sqlx::query(&sql).execute(&sqlx::PgPool::connect(&c.app.db.url).await.unwrap()).await.unwrap();
        }
    }
    c.book(7, 9, "s@example.com").await;
    let mut attempts = Value::Null;
    for _ in 0..100 {
        attempts = c
            .call(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !attempts["data"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = &attempts["data"][0];
    assert!(first["error"].as_str().unwrap().contains("refused"), "{first}");
    assert!(first["response_status"].is_null());
    assert!(rx.all().is_empty(), "nothing reached the loopback receiver");
    c.app.stop().await;
}

async fn test_event_and_tenant_isolation(backend: Backend) {
    let c = Ctx::new(backend, true).await;
    let rx = Receiver::start(Duration::ZERO).await;
    let endpoint = c.subscribe(&rx.url, json!(["booking.created"])).await;
    let id = endpoint["id"].as_str().unwrap();
    let res = c.call(Method::POST, &format!("/api/v1/webhooks/{id}/test")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let got = rx.wait_for_events(1, Duration::from_secs(10)).await;
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_signed(endpoint["secret"].as_str().unwrap(), &got[0]);
    let listed: Value = c.call(Method::GET, "/api/v1/webhooks").send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"][0]["id"], id);
    assert!(listed["data"][0].get("secret").is_none(), "the secret is shown once");
    // Another org sees none of it.
    let b = seed_org(c.app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/webhooks/{id}")),
        (Method::DELETE, format!("/api/v1/webhooks/{id}")),
        (Method::GET, format!("/api/v1/webhooks/{id}/deliveries")),
        (Method::POST, format!("/api/v1/webhooks/{id}/test")),
        (Method::PATCH, format!("/api/v1/webhooks/{id}")),
    ] {
        let res = c
            .app
            .client
            .request(method.clone(), c.app.url(&path))
            .bearer_auth(&b.api_key)
            .json(&json!({ "url": "https://evil.example/steal" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let theirs: Value = c
        .app
        .client
        .get(c.app.url("/api/v1/webhooks"))
        .bearer_auth(&b.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["data"], json!([]));
    // Bad subscriptions.
    for (body, field) in [
        (json!({"url": rx.url, "events": []}), "events"),
        (json!({"url": rx.url, "events": ["booking.exploded"]}), "events"),
    ] {
        let res = c.call(Method::POST, "/api/v1/webhooks").json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], field);
    }
    // Deleting stops deliveries.
    assert_eq!(
        c.call(Method::DELETE, &format!("/api/v1/webhooks/{id}")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    c.book(8, 9, "d@example.com").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(rx.all().len(), 1);
    c.app.stop().await;
}

/// Four workers with their own Postgres pools start at the same instant on 100 pending
/// deliveries: claims race for real, and still each event is delivered exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_workers_on_postgres_deliver_each_event_once() {
    use cadence_server::store::{PgStore, Store};
    use std::sync::Arc;
    let quiet = Config {
        webhooks: WorkerConfig {
            poll_interval: Duration::from_secs(3600),
            allow_private: true,
            ..WorkerConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::spawn_with(Backend::Postgres, quiet).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let c = Ctx { app, a };
    let rx = Receiver::start(Duration::from_millis(5)).await;
    c.subscribe(&rx.url, json!(["booking.created"])).await;
    for i in 0..100 {
        c.book(10 + i / 18, 8 + (i % 18) as u32 / 2, &format!("race{i}@example.com")).await;
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let config = WorkerConfig {
        poll_interval: Duration::from_millis(10),
        allow_private: true,
        ..WorkerConfig::default()
    };
    let mut workers = Vec::new();
    for _ in 0..4 {
        let store: Arc<dyn Store> = Arc::new(PgStore::connect(&c.app.db.url).await.unwrap());
        workers.push((store, config.clone(), stopped.clone()));
    }
    let handles: Vec<_> = workers
        .into_iter()
        .map(|(store, config, stopped)| cadence_server::webhooks::worker::start(store, config, stopped))
        .collect();
    rx.wait_for_events(100, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = stop.send(true);
    for h in handles {
        h.await.unwrap();
    }
    let mut per_event: std::collections::HashMap<String, usize> = Default::default();
    for r in rx.all() {
        *per_event.entry(r.header("webhook-id").to_owned()).or_default() += 1;
    }
    assert_eq!(per_event.len(), 100);
    let twice: Vec<_> = per_event.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    c.app.stop().await;
}

async fn redirects_are_not_followed_and_retries_end_in_failure(backend: Backend) {
    let mut config = fast(true);
    config.webhooks.retry_schedule = vec![Duration::from_millis(100); 2];
    let app = TestApp::spawn_with(backend, config).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let c = Ctx { app, a };
    let target = Receiver::start(Duration::ZERO).await;
    // A receiver that redirects every request to `target`.
    let redirect_to = target.url.clone();
    let redirector = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let to = redirect_to.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", to)], "elsewhere") }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, redirector).await.unwrap() });
    let endpoint = c.subscribe(&url, json!(["*"])).await;
    c.book(9, 9, "redirect@example.com").await;
    let wh = endpoint["id"].as_str().unwrap();
    let mut attempts = Vec::new();
    for _ in 0..200 {
        let page: Value = c
            .call(Method::GET, &format!("/api/v1/webhooks/{wh}/deliveries"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        attempts = page["data"].as_array().unwrap().clone();
        if attempts.len() == 3 && attempts.iter().all(|a| a["delivery_state"] == "failed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(attempts.len(), 3, "1 attempt + 2 retries, then no more: {attempts:?}");
    assert!(attempts.iter().all(|a| a["response_status"] == 307));
    assert!(attempts.iter().all(|a| a["delivery_state"] == "failed"), "{attempts:?}");
    assert!(target.all().is_empty(), "the redirect was not followed");
    server.abort();
    c.app.stop().await;
}

async fn a_bookings_events_stay_in_order_across_retries(backend: Backend) {
    let c = Ctx::new(backend, true).await;
    let rx = Receiver::start(Duration::ZERO).await;
    rx.status.store(500, std::sync::atomic::Ordering::SeqCst);
    c.subscribe(&rx.url, json!(["*"])).await;
    let b = c.book(11, 9, "order@example.com").await;
    let id = b["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // While the first event waits for its retry, the booking changes twice more.
    let later = (chrono::Utc::now() + chrono::Duration::days(11)).format("%Y-%m-%dT12:00:00Z").to_string();
    c.call(Method::POST, &format!("/api/v1/bookings/{id}/reschedule"))
        .json(&json!({"start": later}))
        .send()
        .await
        .unwrap();
    c.call(Method::POST, &format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before: Vec<String> =
        rx.all().iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
    assert!(before.iter().all(|t| t == "booking.created"), "later events wait for the first: {before:?}");
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let all = rx.all();
        if all.iter().any(|r| r.json()["type"] == "booking.cancelled") || std::time::Instant::now() > deadline
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // The order of first successful arrival: everything after the last 500 was answered 200.
    let all = rx.all();
    let firsts: Vec<String> =
        all.iter().skip(before.len()).map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(firsts, ["booking.created", "booking.rescheduled", "booking.cancelled"]);
    c.app.stop().await;
}
