//! Webhook delivery across real server processes: a crash between the booking's commit
//! and its delivery loses nothing (both backends), two processes on one Postgres deliver
//! each event exactly once, and proxy settings in the environment never reroute a delivery.

use cadence_server::testing::{Backend, Receiver, TestDb};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

mod support;
use support::{Demo, bookable, start_demo, start_demo_with_env, terminate};

cadence_server::both_backends!(
    a_crash_between_commit_and_delivery_loses_nothing,
    proxy_variables_do_not_reroute_deliveries,
    shutdown_does_not_wait_for_slow_receivers,
);

async fn book(server: &Demo, service: &str, start: &str, practitioner: &str, i: usize) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/bookings", server.base_url))
        .bearer_auth(&server.api_key)
        .json(&json!({"service_id": service, "start": start, "practitioner_id": practitioner,
                      "customer": {"name": "P", "email": format!("p{i}@example.com")}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn subscribe(server: &Demo, url: &str) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/webhooks", server.base_url))
        .bearer_auth(&server.api_key)
        .json(&json!({"url": url, "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

async fn a_crash_between_commit_and_delivery_loses_nothing(backend: Backend) {
    let db = TestDb::create(backend).await;
    let rx = Receiver::start(Duration::ZERO).await;
    // This process polls its outbox once at start, then not for ten minutes.
    let mut first = start_demo(&db.url, &["--webhook-allow-private", "--webhook-poll-ms", "600000"]).await;
    subscribe(&first, &rx.url).await;
    let (service, pairs) = bookable(&first, 1).await;
    let booking = book(&first, &service, &pairs[0].0, &pairs[0].1, 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.all().is_empty(), "not delivered before the crash");
    first.child.start_kill().unwrap(); // SIGKILL: no graceful anything
    first.child.wait().await.unwrap();

    let second = start_demo(&db.url, &["--webhook-allow-private", "--webhook-poll-ms", "50"]).await;
    let got = rx.wait_for_events(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "the pending delivery survived the crash");
    let body = got[0].json();
    assert_eq!(body["type"], "booking.created");
    assert_eq!(body["data"]["booking"]["id"], booking["id"]);
    terminate(second.child).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_deliver_each_event_once() {
    let db = TestDb::create(Backend::Postgres).await;
    // A slow receiver keeps deliveries in flight, so both workers claim at the same time.
    let rx = Receiver::start(Duration::from_millis(40)).await;
    let flags = ["--webhook-allow-private", "--webhook-poll-ms", "20"];
    let a = start_demo(&db.url, &flags).await;
    let b = start_demo(&db.url, &flags).await;
    subscribe(&a, &rx.url).await;
    let (service, pairs) = bookable(&a, 30).await;
    let mut ids = Vec::new();
    for (i, (start, prac)) in pairs.iter().enumerate() {
        let server = if i % 2 == 0 { &a } else { &b };
        ids.push(book(server, &service, start, prac, i).await["id"].as_str().unwrap().to_owned());
    }
    rx.wait_for_events(30, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = rx.all();
    let mut per_event: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *per_event.entry(r.header("webhook-id").to_owned()).or_default() += 1;
    }
    assert_eq!(per_event.len(), 30, "every event arrived");
    assert!(per_event.values().all(|n| *n == 1), "each exactly once: {per_event:?}");
    let delivered: Vec<String> =
        got.iter().map(|r| r.json()["data"]["booking"]["id"].as_str().unwrap().to_owned()).collect();
    for id in &ids {
        assert!(delivered.contains(id));
    }
    terminate(a.child).await;
    terminate(b.child).await;
}

/// A proxy from `HTTPS_PROXY` & co. would resolve the endpoint's name itself, past the SSRF
/// guard; deliveries go straight to the endpoint whatever the environment says.
async fn proxy_variables_do_not_reroute_deliveries(backend: Backend) {
    let db = TestDb::create(backend).await;
    let rx = Receiver::start(Duration::ZERO).await;
    let proxy = Receiver::start(Duration::ZERO).await;
    let proxy_url = proxy.url.trim_end_matches('/').to_owned();
    let env: Vec<(&str, &str)> =
        ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]
            .into_iter()
            .map(|name| (name, proxy_url.as_str()))
            .collect();
    let flags = ["--webhook-allow-private", "--webhook-poll-ms", "50"];
    let server = start_demo_with_env("127.0.0.1:0", &db.url, &flags, &env).await;
    let client = reqwest::Client::new();
    let endpoint: Value = client
        .post(format!("{}/api/v1/webhooks", server.base_url))
        .bearer_auth(&server.api_key)
        .json(&json!({"url": rx.url, "events": ["*"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = endpoint["id"].as_str().unwrap();
    let res = client
        .post(format!("{}/api/v1/webhooks/{id}/test", server.base_url))
        .bearer_auth(&server.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let got = rx.wait_for_events(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "delivered to the endpoint itself");
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert!(proxy.all().is_empty(), "nothing went through the proxy");
    terminate(server.child).await;
}

/// SIGTERM with deliveries waiting on a receiver that takes 30 s to answer: the server
/// exits within seconds, records no attempt for them, and leaves them unlocked, so another
/// process sends them at once instead of after their lock runs out.
async fn shutdown_does_not_wait_for_slow_receivers(backend: Backend) {
    let db = TestDb::create(backend).await;
    let rx = Receiver::start(Duration::from_secs(30)).await;
    let server = start_demo(&db.url, &["--webhook-allow-private", "--webhook-poll-ms", "50"]).await;
    subscribe(&server, &rx.url).await;
    let (service, pairs) = bookable(&server, 3).await;
    for (i, (start, prac)) in pairs.iter().enumerate() {
        book(&server, &service, start, prac, i).await;
    }
    // Deliveries are on their way, waiting for the receiver (how many per batch depends on
    // timing: the worker waits for a batch before claiming more).
    let mut locked = 0;
    for _ in 0..50 {
        locked = db.scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE locked_until IS NOT NULL").await;
        if locked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(locked > 0, "a delivery is in flight");
    let stopping = std::time::Instant::now();
    terminate(server.child).await;
    assert!(stopping.elapsed() < Duration::from_secs(5), "stopped in {:?}", stopping.elapsed());
    assert_eq!(db.scalar("SELECT COUNT(*) FROM webhook_attempts").await, 0, "nothing recorded for them");
    let released = "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending' AND locked_until IS NULL";
    assert_eq!(db.scalar(released).await, 3, "all pending, none left locked: released for another process");
}
