//! One tenant's receivers that never answer must not hold up anyone else's webhooks: the
//! worker sends through a pool of slots, and an endpoint (and an org) may only hold its
//! share of them. On both backends, with real receivers on loopback.

use cadence_server::config::{Config, WorkerConfig};
use cadence_server::testing::{Backend, Receiver, SeededOrg, TestApp, seed_org};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

cadence_server::both_backends!(a_tenant_whose_receivers_hang_holds_only_its_share);

const PER_ENDPOINT: u32 = 4;
const PER_ORG: u32 = 6;

async fn subscribe(app: &TestApp, org: &SeededOrg, url: &str) {
    let res = app
        .client
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(&org.api_key)
        .json(&json!({"url": url, "events": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

async fn book(app: &TestApp, org: &SeededOrg, n: i64) {
    let start = (chrono::Utc::now() + chrono::Duration::days(3 + n / 8))
        .format(&format!("%Y-%m-%dT{:02}:00:00Z", 8 + n % 8))
        .to_string();
    let res = app
        .client
        .post(app.url("/api/v1/bookings"))
        .bearer_auth(&org.api_key)
        .json(&json!({"service_id": org.consultation, "start": start, "customer": {"name": "F", "email": "f@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
}

async fn a_tenant_whose_receivers_hang_holds_only_its_share(backend: Backend) {
    // Receivers that take two minutes, behind a one-minute timeout: while this test runs,
    // none of their sends ends, so each one holds its slot all along.
    let config = Config {
        webhooks: WorkerConfig {
            poll_interval: Duration::from_millis(50),
            allow_private: true,
            timeout: Duration::from_secs(60),
            in_flight: 64,
            per_endpoint: PER_ENDPOINT,
            per_org: PER_ORG,
            ..WorkerConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let slow_org = seed_org(app.store.as_ref(), "slow-clinic", "Europe/Berlin").await;
    let other_org = seed_org(app.store.as_ref(), "other-clinic", "Europe/Berlin").await;
    let hanging =
        [Receiver::start(Duration::from_secs(120)).await, Receiver::start(Duration::from_secs(120)).await];
    for rx in &hanging {
        subscribe(&app, &slow_org, &rx.url).await;
    }
    // The slow org's 24 deliveries are written first, so they are the oldest due.
    for n in 0..12 {
        book(&app, &slow_org, n).await;
    }
    let open = || hanging.iter().map(|rx| rx.peak.load(Ordering::SeqCst)).sum::<usize>();
    let deadline = Instant::now() + Duration::from_secs(20);
    while open() < PER_ORG as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(open(), PER_ORG as usize, "the slow org gets its share of slots");

    // Another org's events go out at once, not after the slow receivers' timeout.
    let fast = Receiver::start(Duration::ZERO).await;
    subscribe(&app, &other_org, &fast.url).await;
    for n in 0..6 {
        book(&app, &other_org, n).await;
    }
    let got = fast.wait_for_events(6, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 6, "the other org's deliveries did not wait for the hanging ones");
    for rx in &hanging {
        assert!(
            rx.peak.load(Ordering::SeqCst) <= PER_ENDPOINT as usize,
            "at most {PER_ENDPOINT} per endpoint"
        );
        assert!(rx.all().is_empty(), "no hanging send has ended");
    }
    assert_eq!(open(), PER_ORG as usize, "and never more than the org's share");
    let attempts_of_slow_org = app
        .db
        .scalar(&format!(
            "SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
             JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE w.org_id = '{}'",
            slow_org.org.id
        ))
        .await;
    assert_eq!(attempts_of_slow_org, 0, "the hanging sends were still waiting when the others were done");

    // Stopping gives the hanging sends up at once and releases them, unrecorded.
    let stopping = Instant::now();
    app.stop().await;
    assert!(stopping.elapsed() < Duration::from_secs(30), "the stop did not wait for the 60 s timeout");
}
