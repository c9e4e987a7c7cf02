//! What the hourly sweep deletes, on both backends: expired sessions, and webhook events
//! past their retention whose deliveries are all finished (with those deliveries and their
//! attempts). Pending deliveries and recent history stay, whatever their age.

use cadence_server::config::{Config, RateLimitConfig};
use cadence_server::http::rate_limit::RateLimits;
use cadence_server::model::{
    AttemptRecord, ClaimLimits, DeliveryNext, NewOrg, NewUser, NewWebhookEndpoint, Org, UserRecord,
};
use cadence_server::store::Store;
use cadence_server::testing::{Backend, TestDb};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

cadence_server::both_backends!(
    expired_sessions_are_purged_and_live_ones_kept,
    finished_webhook_history_past_retention_is_purged,
    the_sweep_runs_when_the_server_starts,
);

async fn account(store: &dyn Store) -> (UserRecord, Org) {
    let user =
        NewUser { email: "ada@example.com".into(), password_hash: "x".into(), display_name: "Ada".into() };
    let org = NewOrg {
        slug: "park-physio".into(),
        name: "Park Physio".into(),
        timezone: "Europe/Berlin".into(),
        branding: Default::default(),
    };
    store.create_account(&user, &org).await.unwrap()
}

async fn expired_sessions_are_purged_and_live_ones_kept(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let (user, _) = account(store.as_ref()).await;
    let now = cadence_server::clock::now();
    store
        .create_session(&user.id, "hash-expired", now - Duration::days(31), now - Duration::days(1))
        .await
        .unwrap();
    store.create_session(&user.id, "hash-live", now, now + Duration::days(29)).await.unwrap();
    assert_eq!(store.purge_sessions(now).await.unwrap(), 1);
    assert!(store.find_session("hash-expired").await.unwrap().is_none());
    assert!(store.find_session("hash-live").await.unwrap().is_some(), "a live session stays");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM sessions").await, 1);
}

fn attempt(delivery_id: &str, at: DateTime<Utc>, next: DeliveryNext) -> AttemptRecord {
    AttemptRecord {
        delivery_id: delivery_id.to_owned(),
        attempted_at: at,
        response_status: Some(200),
        latency_ms: 5,
        error: None,
        response_excerpt: None,
        next,
        disable_endpoint: None,
    }
}

async fn finished_webhook_history_past_retention_is_purged(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let (_, org) = account(store.as_ref()).await;
    let endpoint = store
        .create_webhook_endpoint(&NewWebhookEndpoint {
            org_id: org.id.clone(),
            url: "https://example.com/hooks".into(),
            events: vec!["*".into()],
            description: None,
            secret: "whsec_test".into(),
        })
        .await
        .unwrap();
    let now = cadence_server::clock::now();
    let old = now - Duration::days(40);
    let mut events = Vec::new();
    for at in [old, old, old, now] {
        events.push(store.create_test_event(&org.id, &endpoint.id, at).await.unwrap());
    }
    let claimed = store
        .claim_deliveries(
            now,
            now + Duration::seconds(30),
            ClaimLimits { max: 10, per_endpoint: 10, per_org: 10 },
        )
        .await
        .unwrap();
    let delivery = |event: &str| claimed.iter().find(|d| d.event_id == event).unwrap().id.clone();
    // Old and delivered; old and given up on; old and still being retried; recent.
    store.record_attempt(&attempt(&delivery(&events[0]), old, DeliveryNext::Succeeded)).await.unwrap();
    store.record_attempt(&attempt(&delivery(&events[1]), old, DeliveryNext::Failed)).await.unwrap();
    let retry = DeliveryNext::RetryAt(now + Duration::minutes(5));
    store.record_attempt(&attempt(&delivery(&events[2]), old, retry)).await.unwrap();
    store.record_attempt(&attempt(&delivery(&events[3]), now, DeliveryNext::Succeeded)).await.unwrap();

    assert_eq!(store.purge_webhook_history(now - Duration::days(30)).await.unwrap(), 2);
    let kept = db.strings("SELECT id FROM webhook_events ORDER BY id").await;
    assert_eq!(kept, [events[2].clone(), events[3].clone()], "the pending one and the recent one stay");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM webhook_deliveries").await,
        2,
        "deliveries went with their events"
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM webhook_attempts").await, 2, "and their attempts");
    let attempts = store.list_webhook_attempts(&org.id, &endpoint.id, None, 10).await.unwrap();
    assert_eq!(attempts.len(), 2);
}

async fn the_sweep_runs_when_the_server_starts(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let (user, _) = account(store.as_ref()).await;
    let now = cadence_server::clock::now();
    store
        .create_session(&user.id, "hash-expired", now - Duration::days(31), now - Duration::days(1))
        .await
        .unwrap();
    let limits = Arc::new(RateLimits::new(RateLimitConfig::default()));
    let sweep = cadence_server::housekeeping::start(store.clone(), &Config::default(), limits);
    let mut left = 1;
    for _ in 0..50 {
        left = db.scalar("SELECT COUNT(*) FROM sessions").await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sweep.abort();
    assert_eq!(left, 0, "the first sweep runs at start");
}
