//! The request log writer stores every entry it is handed, field for field, whatever the
//! size of the batch it gathers (on Postgres one statement of fixed shape takes the batch
//! as arrays, so a column out of step would show here).

use cadence_server::request_log;
use cadence_server::store::RequestLogEntry;
use cadence_server::testing::{Backend, TestDb};
use chrono::{DurationRound, TimeDelta, Utc};

cadence_server::both_backends!(
    batches_of_any_size_are_stored_field_for_field,
    the_writer_stores_a_burst_larger_than_a_batch_and_flushes_on_shutdown,
);

fn entry(n: u32) -> RequestLogEntry {
    // Whole seconds: the backends keep different sub-second precision.
    let at = Utc::now().duration_trunc(TimeDelta::seconds(1)).unwrap() - TimeDelta::seconds(i64::from(n));
    RequestLogEntry {
        request_id: format!("req_{n:05}"),
        at,
        method: ["GET", "POST", "PATCH", "DELETE"][n as usize % 4].into(),
        route: format!("/api/v1/route{}", n % 7),
        status: [200, 201, 404, 409, 500][n as usize % 5],
        latency_ms: n * 3,
        org_id: n.is_multiple_of(2).then(|| format!("org_{}", n % 3)),
        key_id: n.is_multiple_of(3).then(|| format!("key_{}", n % 5)),
    }
}

async fn batches_of_any_size_are_stored_field_for_field(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let mut expected = Vec::new();
    let mut n = 0;
    for size in [1, 2, 7, 500, 3] {
        let batch: Vec<_> = (n..n + size).map(entry).collect();
        store.insert_request_logs(&batch).await.unwrap();
        expected.extend(batch);
        n += size;
    }
    store.insert_request_logs(&[]).await.unwrap();
    let mut stored = store.recent_request_logs(1000).await.unwrap();
    stored.sort_by(|a, b| a.request_id.cmp(&b.request_id));
    assert_eq!(stored.len(), expected.len());
    for (s, e) in stored.iter().zip(&expected) {
        assert_eq!(s, e);
    }
}

async fn the_writer_stores_a_burst_larger_than_a_batch_and_flushes_on_shutdown(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let (log, writer) = request_log::start(store.clone());
    for n in 0..1_234 {
        log.record(entry(n));
    }
    // Every sender gone: the writer writes what is queued (also what it was still
    // gathering) and ends.
    drop(log);
    tokio::time::timeout(std::time::Duration::from_secs(30), writer).await.unwrap().unwrap();
    let stored = store.recent_request_logs(5_000).await.unwrap();
    assert_eq!(stored.len(), 1_234);
    let mut ids: Vec<_> = stored.iter().map(|e| e.request_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1_234, "no entry twice");
}
