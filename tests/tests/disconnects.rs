//! Writes survive their client: hundreds of booking requests, each on its own connection
//! that the client closes at a random moment, against the real binary on both backends.
//! Afterwards no database session sits inside a transaction, the server logged no stale
//! transaction, every stored booking has its outbox event, and retrying each request with
//! its `Idempotency-Key` answers with the one booking it made (or makes it now).

use cadence_server::testing::{Backend, TestDb, postgres_admin_url};
use rand::Rng;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

mod support;
use support::{bookable, start_demo, terminate};

cadence_server::both_backends!(bookings_complete_when_their_clients_disconnect);

const REQUESTS: usize = 240;
const AT_ONCE: usize = 16;

/// Sends one booking request on a fresh connection and closes it after `after`, reading
/// nothing back.
async fn send_and_leave(addr: &str, api_key: &str, key: &str, body: &str, after: Duration) {
    let Ok(mut conn) = TcpStream::connect(addr).await else { return };
    let request = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {api_key}\r\n\
         Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(request.as_bytes()).await;
    tokio::time::sleep(after).await;
    drop(conn);
}

async fn bookings_complete_when_their_clients_disconnect(backend: Backend) {
    let db = TestDb::create(backend).await;
    // The delivery worker polls once at start, then not during the test: its own
    // transactions (recording attempts) would show up in the check for ones left open.
    let server = start_demo(&db.url, &["--webhook-allow-private", "--webhook-poll-ms", "600000"]).await;
    let addr = server.base_url.trim_start_matches("http://").to_owned();
    // An endpoint listens, so every booking writes its outbox event: the test checks none
    // is lost with its booking.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/webhooks", server.base_url))
        .bearer_auth(&server.api_key)
        .json(&json!({"url": "http://127.0.0.1:9/hooks", "events": ["booking.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (service, pairs) = bookable(&server, REQUESTS).await;
    let bodies: Vec<String> = pairs
        .iter()
        .enumerate()
        .map(|(i, (start, practitioner))| {
            json!({"service_id": service, "start": start, "practitioner_id": practitioner,
                   "customer": {"name": "Gone", "email": format!("gone{i}@example.com")}})
            .to_string()
        })
        .collect();
    let key = |i: usize| format!("disconnect-{i}");

    // Clients that leave after 0–25 ms: before, during and after their booking's work.
    let delays: Vec<Duration> =
        (0..REQUESTS).map(|_| Duration::from_micros(rand::rng().random_range(0..25_000))).collect();
    for chunk in (0..REQUESTS).collect::<Vec<_>>().chunks(AT_ONCE) {
        let mut sends = tokio::task::JoinSet::new();
        for &i in chunk {
            let (addr, api_key, key, body) =
                (addr.clone(), server.api_key.clone(), key(i), bodies[i].clone());
            let after = delays[i];
            sends.spawn(async move { send_and_leave(&addr, &api_key, &key, &body, after).await });
        }
        sends.join_all().await;
    }
    // Whatever was started finishes by itself: no key stays claimed. (Quiet twice in a row,
    // 300 ms apart, so a request the server picked up late is counted too.)
    let state = async || {
        let in_flight = db.scalar("SELECT COUNT(*) FROM idempotency_keys WHERE state = 'in_flight'").await;
        (in_flight, db.scalar("SELECT COUNT(*) FROM bookings").await)
    };
    let mut last = state().await;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = state().await;
        if now == last && now.0 == 0 {
            break;
        }
        last = now;
    }
    assert_eq!(last.0, 0, "every claimed Idempotency-Key was completed");

    if backend == Backend::Postgres {
        let name = db.url.rsplit('/').next().unwrap().to_owned();
        let admin = sqlx::PgPool::connect(&postgres_admin_url()).await.unwrap();
        let stuck: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        )
        .bind(&name)
        .fetch_one(&admin)
        .await
        .unwrap();
        let what: Vec<String> = sqlx::query_scalar(
            "SELECT query FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        )
        .bind(&name)
        .fetch_all(&admin)
        .await
        .unwrap();
        assert_eq!(stuck, 0, "no pooled connection was left inside a transaction: {what:?}");
    }
    let orphans = db
        .scalar(
            "SELECT COUNT(*) FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM webhook_events e \
             WHERE e.booking_id = b.id AND e.type = 'booking.created')",
        )
        .await;
    assert_eq!(orphans, 0, "every stored booking has its outbox event");
    let stored_before = db.scalar("SELECT COUNT(*) FROM bookings").await;

    // Each client retries with its key: the booking it made, or a new one now, once.
    let client = reqwest::Client::new();
    let mut ids = HashSet::new();
    let (mut replayed, mut fresh) = (0, 0);
    for (i, body) in bodies.iter().enumerate() {
        let res = client
            .post(format!("{}/api/v1/bookings", server.base_url))
            .bearer_auth(&server.api_key)
            .header("content-type", "application/json")
            .header("idempotency-key", key(i))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let b: Value = res.json().await.unwrap();
        match status {
            200 => replayed += 1,
            201 => fresh += 1,
            other => panic!("retry {i} answered {other}: {b}"),
        }
        assert!(ids.insert(b["id"].as_str().unwrap().to_owned()), "one booking per key");
    }
    assert_eq!(replayed, stored_before, "every booking made before the retries is replayed");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM bookings").await, REQUESTS as i64);
    assert!(replayed > 0, "some requests did their work although their client had left");
    let log = server.log.lock().unwrap().join("\n");
    assert!(!log.contains("transaction in progress"), "no stale transaction:\n{log}");
    eprintln!("{backend:?}: {replayed} booked while their client left, {fresh} booked on retry");
    terminate(server.child).await;
}
