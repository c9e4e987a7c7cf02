//! Rate limits over HTTP: the first 429 comes right after the configured quota, with
//! `Retry-After` and `X-RateLimit-*`; buckets are per client (public, account API), per
//! client for public bookings, per org (org API); X-Forwarded-For counts only from a
//! trusted proxy.

use cadence_server::config::Config;
use cadence_server::config::RateLimitConfig;
use cadence_server::testing::{Backend, TestApp, seed_org};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::num::NonZeroU32;

cadence_server::both_backends!(
    public_surface_is_limited_per_client_with_headers,
    public_booking_creation_has_a_stricter_limit,
    org_api_is_limited_per_org,
    forwarded_for_counts_only_from_trusted_proxies,
    ipv6_clients_are_limited_per_64_network,
    failed_authentication_and_unknown_api_routes_are_limited_per_client,
);

fn limits(public: u32, bookings: u32, org: u32, trusted: &[&str]) -> Config {
    Config {
        rate_limits: RateLimitConfig {
            public_per_minute: NonZeroU32::new(public).unwrap(),
            bookings_per_minute: NonZeroU32::new(bookings).unwrap(),
            org_per_minute: NonZeroU32::new(org).unwrap(),
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            ..RateLimitConfig::default()
        },
        ..Config::default()
    }
}

fn header(res: &reqwest::Response, name: &str) -> i64 {
    res.headers().get(name).unwrap_or_else(|| panic!("{name} missing")).to_str().unwrap().parse().unwrap()
}

async fn public_surface_is_limited_per_client_with_headers(backend: Backend) {
    let app = TestApp::spawn_with(backend, limits(5, 100, 100, &[])).await;
    seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let now = chrono::Utc::now().timestamp();
    for expected_remaining in (0..5).rev() {
        let res = app.client.get(app.url("/api/v1/public/orgs/clinic-a")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-ratelimit-limit"), 5);
        assert_eq!(header(&res, "x-ratelimit-remaining"), expected_remaining);
        let reset = header(&res, "x-ratelimit-reset");
        assert!(reset >= now && reset <= now + 61, "reset {reset} is a unix time within the minute");
    }
    let res = app.client.get(app.url("/api/v1/public/orgs/clinic-a")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = header(&res, "retry-after");
    assert!((1..=12).contains(&retry), "one request's worth comes back in 60/5 s: {retry}");
    assert_eq!(header(&res, "x-ratelimit-remaining"), 0);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert_eq!(body["error"]["code"], "rate_limited");
    // The account API shares the per-client bucket (login attempts count).
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "a@b.co", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Health checks are not limited.
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}

async fn public_booking_creation_has_a_stricter_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, limits(100, 2, 100, &[])).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let start = (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%dT09:00:00Z").to_string();
    let body = json!({"service_id": a.consultation, "start": start, "customer": {"name": "N", "email": "n@example.com"}});
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let res = app
            .client
            .post(app.url("/api/v1/public/orgs/clinic-a/bookings"))
            .json(&body)
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(header(&res, "x-ratelimit-limit"), 2, "the stricter limit is the one reported");
        }
        statuses.push(res.status());
    }
    assert!(statuses[..2].iter().all(|s| *s != StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert_eq!(statuses[2], StatusCode::TOO_MANY_REQUESTS);
    // Reading is still allowed.
    let res = app.client.get(app.url("/api/v1/public/orgs/clinic-a/services")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "x-ratelimit-limit"), 100);
    app.stop().await;
}

async fn org_api_is_limited_per_org(backend: Backend) {
    let app = TestApp::spawn_with(backend, limits(100, 100, 3, &[])).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let b = seed_org(app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    for remaining in [2, 1, 0] {
        let res = app.client.get(app.url("/api/v1/services")).bearer_auth(&a.api_key).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(header(&res, "x-ratelimit-remaining"), remaining);
    }
    let res = app.client.get(app.url("/api/v1/bookings")).bearer_auth(&a.api_key).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let res = app.client.get(app.url("/api/v1/services")).bearer_auth(&b.api_key).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "another org has its own bucket");
    app.stop().await;
}

async fn forwarded_for_counts_only_from_trusted_proxies(backend: Backend) {
    let get = |app: &TestApp, client: &'static str| {
        app.client.get(app.url("/api/v1/public/orgs/clinic-a")).header("x-forwarded-for", client).send()
    };
    // Untrusted: the header is ignored, everyone shares the peer's bucket.
    let app = TestApp::spawn_with(backend, limits(2, 100, 100, &[])).await;
    seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    assert_eq!(get(&app, "198.51.100.1").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(&app, "198.51.100.2").await.unwrap().status(), StatusCode::OK);
    assert_eq!(get(&app, "198.51.100.3").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
    // Behind a trusted proxy (the loopback peer), each forwarded client has its own bucket.
    let app = TestApp::spawn_with(backend, limits(2, 100, 100, &["127.0.0.0/8"])).await;
    seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    for _ in 0..2 {
        assert_eq!(get(&app, "198.51.100.1").await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(get(&app, "198.51.100.1").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(get(&app, "198.51.100.2").await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}

/// A host with a /64 can send each request from a fresh address; the /64 is one client.
async fn ipv6_clients_are_limited_per_64_network(backend: Backend) {
    let app = TestApp::spawn_with(backend, limits(3, 100, 100, &["127.0.0.0/8"])).await;
    seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let get = |client: String| {
        app.client.get(app.url("/api/v1/public/orgs/clinic-a")).header("x-forwarded-for", client).send()
    };
    for i in 1..=3 {
        assert_eq!(get(format!("2001:db8:7:1::{i:x}")).await.unwrap().status(), StatusCode::OK);
    }
    let res = get("2001:db8:7:1:dead:beef:0:1".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "a fourth address of the same /64");
    assert_eq!(get("2001:db8:7:2::1".into()).await.unwrap().status(), StatusCode::OK, "another /64");
    app.stop().await;
}

/// Each bad key costs a lookup, each unknown route an answer: both are limited per client
/// (the public per-client quota). A client whose failed attempts are used up gets 429
/// before any key is looked up, also with a good key, until an attempt comes back.
async fn failed_authentication_and_unknown_api_routes_are_limited_per_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, limits(3, 100, 100, &[])).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let services = |key: &str| app.client.get(app.url("/api/v1/services")).bearer_auth(key).send();
    assert_eq!(services(&a.api_key).await.unwrap().status(), StatusCode::OK, "good keys do not count");
    for _ in 0..3 {
        assert_eq!(services("ck_live_nope").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    let res = services("ck_live_nope").await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(header(&res, "retry-after") >= 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let res = services(&a.api_key).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "locked out before the key is looked up");

    for _ in 0..3 {
        let res = app.client.get(app.url("/api/v1/no-such-route")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    let res = app.client.get(app.url("/api/v1/no-such-route")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "unknown API routes share the client's bucket");
    app.stop().await;
}
