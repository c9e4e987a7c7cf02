//! The request log keeps entries for the configured retention and no longer.

use cadence_server::request_log::purge_expired;
use cadence_server::store::RequestLogEntry;
use cadence_server::testing::{Backend, TestDb};
use chrono::{Duration, Utc};

cadence_server::both_backends!(entries_older_than_the_retention_are_purged);

fn entry(request_id: &str, age: Duration) -> RequestLogEntry {
    RequestLogEntry {
        request_id: request_id.into(),
        at: Utc::now() - age,
        method: "GET".into(),
        route: "/healthz".into(),
        status: 200,
        latency_ms: 1,
        org_id: None,
        key_id: None,
    }
}

async fn entries_older_than_the_retention_are_purged(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    store
        .insert_request_logs(&[
            entry("req_old", Duration::days(31)),
            entry("req_edge", Duration::days(29)),
            entry("req_new", Duration::minutes(1)),
        ])
        .await
        .unwrap();
    let purged = purge_expired(store.as_ref(), Duration::days(30)).await.unwrap();
    assert_eq!(purged, 1);
    let mut left: Vec<String> =
        store.recent_request_logs(10).await.unwrap().into_iter().map(|e| e.request_id).collect();
    left.sort();
    assert_eq!(left, ["req_edge", "req_new"]);

    // A shorter retention, as configured with --request-log-retention-days 1.
    assert_eq!(purge_expired(store.as_ref(), Duration::days(1)).await.unwrap(), 1);
    assert_eq!(store.recent_request_logs(10).await.unwrap().len(), 1);
}
