//! Rotating a webhook endpoint's signing secret: the answer shows the new secret once;
//! for 24 hours every delivery is signed with both (a receiver still on the old secret and
//! one already on the new verify it, with either header); after that only the new one
//! signs. The 24 hours pass on the process's clock (`clock::set_offset`), so both backends
//! run one after the other in this one test.

use cadence_server::config::{Config, WorkerConfig};
use cadence_server::testing::{Backend, Received, Receiver, TestApp, seed_org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_secret_signs_beside_the_new_one_for_24_hours() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        rotation(backend).await;
    }
}

/// Whether `secret` verifies `r` by each of its two signature headers.
fn verifies(secret: &str, r: &Received) -> (bool, bool) {
    let ours = cadence_shared::verify_signature(secret, &r.body, r.header("x-cadence-signature"));
    let standard = cadence_shared::verify_standard(
        secret,
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        &r.body,
        r.header("webhook-signature"),
        chrono::Utc::now().timestamp(),
        300,
    );
    (ours, standard)
}

async fn rotation(backend: Backend) {
    cadence_server::clock::set_offset(chrono::Duration::zero());
    let config = Config {
        webhooks: WorkerConfig {
            poll_interval: Duration::from_millis(50),
            allow_private: true,
            ..WorkerConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let call = |method: Method, path: &str| app.client.request(method, app.url(path)).bearer_auth(&a.api_key);
    let rx = Receiver::start(Duration::ZERO).await;
    let res = call(Method::POST, "/api/v1/webhooks")
        .json(&json!({"url": rx.url, "events": ["*"]}))
        .send()
        .await
        .unwrap();
    let endpoint: Value = res.json().await.unwrap();
    let (id, old) =
        (endpoint["id"].as_str().unwrap().to_owned(), endpoint["secret"].as_str().unwrap().to_owned());

    let res = call(Method::POST, &format!("/api/v1/webhooks/{id}/rotate-secret")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old, "a new secret, shown once");
    let until: chrono::DateTime<chrono::Utc> =
        rotated["previous_secret_expires_at"].as_str().unwrap().parse().unwrap();
    let hours = (until - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((23.9..=24.0).contains(&hours), "{hours}");
    let shown: Value =
        call(Method::GET, &format!("/api/v1/webhooks/{id}")).send().await.unwrap().json().await.unwrap();
    assert!(shown.get("secret").is_none());
    assert_eq!(shown["previous_secret_expires_at"], rotated["previous_secret_expires_at"]);

    // Within the 24 hours: receivers on either secret accept the delivery.
    let test = || call(Method::POST, &format!("/api/v1/webhooks/{id}/test")).send();
    assert_eq!(test().await.unwrap().status(), StatusCode::ACCEPTED);
    let got = rx.wait_for_events(1, Duration::from_secs(10)).await;
    assert_eq!(verifies(&new, &got[0]), (true, true), "the new secret");
    assert_eq!(verifies(&old, &got[0]), (true, true), "the old secret, still");
    let other = "whsec_b3RoZXIgc2VjcmV0IG9mIGFub3RoZXIgZW5kcG9pbnQ=";
    assert_eq!(verifies(other, &got[0]), (false, false), "no other secret");

    // 25 hours later only the new secret signs.
    cadence_server::clock::set_offset(chrono::Duration::hours(25));
    assert_eq!(test().await.unwrap().status(), StatusCode::ACCEPTED);
    let got = rx.wait_for_events(2, Duration::from_secs(10)).await;
    assert_eq!(verifies(&new, &got[1]), (true, true));
    assert_eq!(verifies(&old, &got[1]), (false, false), "the old secret no longer signs");
    assert!(
        !got[1].header("x-cadence-signature").contains(','),
        "one signature: {}",
        got[1].header("x-cadence-signature")
    );
    let shown: Value =
        call(Method::GET, &format!("/api/v1/webhooks/{id}")).send().await.unwrap().json().await.unwrap();
    assert!(shown.get("previous_secret_expires_at").is_none(), "{shown}");

    // Another org cannot rotate it.
    let b = seed_org(app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    let res = app
        .client
        .post(app.url(&format!("/api/v1/webhooks/{id}/rotate-secret")))
        .bearer_auth(&b.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    cadence_server::clock::set_offset(chrono::Duration::zero());
    app.stop().await;
}
