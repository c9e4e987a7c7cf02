//! A crash in the middle of a booking load loses nothing: the server is killed (SIGKILL,
//! no shutdown at all) while clients are booking, and restarted on the same database.
//! Every booking a client saw confirmed exists exactly once, nothing half-written remains
//! (each booking has its outbox event), and after the restart every stored booking's
//! `booking.created` reaches the webhook receiver.

use cadence_server::testing::{Backend, Receiver, TestDb};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod support;
use support::{bookable, start_demo, terminate};

cadence_server::both_backends!(killing_the_server_mid_load_loses_no_confirmed_booking);

const REQUESTS: usize = 160;

async fn killing_the_server_mid_load_loses_no_confirmed_booking(backend: Backend) {
    let db = TestDb::create(backend).await;
    let rx = Receiver::start(Duration::ZERO).await;
    let flags = ["--webhook-allow-private", "--webhook-poll-ms", "50"];
    let mut first = start_demo(&db.url, &flags).await;
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/webhooks", first.base_url))
        .bearer_auth(&first.api_key)
        .json(&json!({"url": rx.url, "events": ["booking.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let (service, pairs) = bookable(&first, REQUESTS).await;

    // Clients book, 8 at a time, while the server is killed under them once 20 bookings
    // have been confirmed (so the load is well under way whatever the machine's speed).
    let confirmed_so_far = Arc::new(AtomicUsize::new(0));
    let mut load = tokio::task::JoinSet::new();
    let (base, key) = (first.base_url.clone(), first.api_key.clone());
    for (i, (start, practitioner)) in pairs.into_iter().enumerate() {
        let (client, base, key, service) = (client.clone(), base.clone(), key.clone(), service.clone());
        let counter = confirmed_so_far.clone();
        load.spawn(async move {
            // Staggered so that requests are in every stage when the kill comes.
            tokio::time::sleep(Duration::from_millis((i / 8) as u64 * 15)).await;
            let body = json!({"service_id": service, "start": start, "practitioner_id": practitioner,
                              "customer": {"name": "C", "email": format!("crash{i}@example.com")}});
            let res = client
                .post(format!("{base}/api/v1/bookings"))
                .bearer_auth(&key)
                .header("idempotency-key", format!("crash-{i}"))
                .json(&body)
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            match res {
                Ok(res) if res.status() == 201 => {
                    let id = res.json::<Value>().await.ok()?["id"].as_str()?.to_owned();
                    counter.fetch_add(1, Ordering::SeqCst);
                    Some(id)
                }
                _ => None,
            }
        });
    }
    for _ in 0..2000 {
        if confirmed_so_far.load(Ordering::SeqCst) >= 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.child.start_kill().unwrap(); // SIGKILL
    first.child.wait().await.unwrap();
    let confirmed: Vec<String> = load.join_all().await.into_iter().flatten().collect();
    assert!(
        !confirmed.is_empty() && confirmed.len() < REQUESTS,
        "killed mid-load: {} confirmed",
        confirmed.len()
    );

    let second = start_demo(&db.url, &flags).await;
    for id in &confirmed {
        assert_eq!(db.scalar(&format!("SELECT COUNT(*) FROM bookings WHERE id = '{id}'")).await, 1, "{id}");
    }
    let stored = db.strings("SELECT id FROM bookings").await;
    let orphans = db
        .scalar(
            "SELECT COUNT(*) FROM bookings b WHERE NOT EXISTS (SELECT 1 FROM webhook_events e \
             WHERE e.booking_id = b.id AND e.type = 'booking.created')",
        )
        .await;
    assert_eq!(orphans, 0, "every stored booking has its outbox event");
    // Every stored booking's event arrives, also those written just before the kill.
    let got = rx.wait_for_events(stored.len(), Duration::from_secs(60)).await;
    let delivered: HashSet<String> =
        got.iter().map(|r| r.json()["data"]["booking"]["id"].as_str().unwrap().to_owned()).collect();
    for id in &stored {
        assert!(delivered.contains(id), "booking {id} was never announced");
    }
    eprintln!(
        "{backend:?}: {} confirmed to clients, {} stored, {} events delivered after the restart",
        confirmed.len(),
        stored.len(),
        delivered.len()
    );
    terminate(second.child).await;
}
