//! Who takes an "any practitioner" booking, on both backends (Postgres chooses inside the
//! booking's one write statement, SQLite reads first and then writes): the fewest confirmed
//! bookings on the practitioner's local day, then the least recently booked (never booked
//! first), then the lowest id; and what the booking's event, its idempotent replay and the
//! stored row say about the chosen practitioner.

use cadence_server::testing::{Backend, SeededOrg, TestApp, local_at, seed_org};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use reqwest::StatusCode;
use serde_json::{Value, json};

cadence_server::both_backends!(
    any_practitioner_goes_to_the_fewest_that_day_then_least_recently_booked_then_lowest_id,
    the_chosen_practitioner_is_in_the_stored_row_the_event_and_the_replay,
);

/// The instant of a Berlin wall-clock time `n` days from today.
fn at(n: i64, hm: &str) -> DateTime<Utc> {
    local_at(Berlin, n, hm)
}

async fn book(
    app: &TestApp,
    org: &SeededOrg,
    start: DateTime<Utc>,
    who: Option<&str>,
    key: Option<&str>,
) -> Value {
    let mut body = json!({
        "service_id": org.consultation,
        "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "customer": { "name": "Grace Hopper", "email": "grace@example.com" },
    });
    if let Some(p) = who {
        body["practitioner_id"] = json!(p);
    }
    let mut req = app.client.post(app.url("/api/v1/bookings")).bearer_auth(&org.api_key).json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    let res = req.send().await.unwrap();
    assert!(res.status().is_success(), "{}: {}", res.status(), res.text().await.unwrap());
    res.json().await.unwrap()
}

fn practitioner(booking: &Value) -> String {
    booking["practitioner_id"].as_str().expect("a practitioner").to_owned()
}

async fn any_practitioner_goes_to_the_fewest_that_day_then_least_recently_booked_then_lowest_id(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let mut ids = org.practitioners.clone();
    ids.sort();
    let [low, high] = ids;

    // Nobody has been booked: the lowest id.
    assert_eq!(practitioner(&book(&app, &org, at(20, "10:00"), None, None).await), low);
    // Another day, none that day: `high` was never booked, so it goes first.
    assert_eq!(practitioner(&book(&app, &org, at(21, "10:00"), None, None).await), high);
    // Both booked once, none that day: `low` was booked longer ago.
    assert_eq!(practitioner(&book(&app, &org, at(22, "10:00"), None, None).await), low);
    // Same day: `low` has one that day now, `high` none.
    assert_eq!(practitioner(&book(&app, &org, at(22, "12:00"), None, None).await), high);
    // `high` takes two more that day by name; then the day's counts decide over recency.
    book(&app, &org, at(22, "14:00"), Some(&high), None).await;
    book(&app, &org, at(22, "15:00"), Some(&high), None).await;
    assert_eq!(practitioner(&book(&app, &org, at(22, "16:00"), None, None).await), low);
    // A time when `low` is busy goes to `high` whatever the loads.
    book(&app, &org, at(23, "09:00"), Some(&low), None).await;
    assert_eq!(practitioner(&book(&app, &org, at(23, "09:00"), None, None).await), high);
    // Both busy: 409 slot_taken, nothing written.
    let res = app
        .client
        .post(app.url("/api/v1/bookings"))
        .bearer_auth(&org.api_key)
        .json(&json!({"service_id": org.consultation, "start": at(23, "09:00").to_rfc3339(),
            "customer": {"name": "Late", "email": "late@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "slot_taken");
    let late = app.db.strings("SELECT id FROM customers WHERE email = 'late@example.com'").await;
    assert!(late.is_empty(), "a refused booking records no customer");
    app.stop().await;
}

async fn the_chosen_practitioner_is_in_the_stored_row_the_event_and_the_replay(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let endpoint = cadence_server::model::NewWebhookEndpoint {
        org_id: org.org.id.clone(),
        url: "https://example.com/hooks".into(),
        events: vec!["*".into()],
        description: None,
        secret: "whsec_test".into(),
    };
    app.store.create_webhook_endpoint(&endpoint).await.unwrap();
    let mut ids = org.practitioners.clone();
    ids.sort();
    // The lowest id is busy then, so the booking goes to the other one.
    book(&app, &org, at(25, "11:00"), Some(&ids[0]), None).await;
    let first = book(&app, &org, at(25, "11:00"), None, Some("choose-1")).await;
    let id = first["id"].as_str().unwrap();
    assert_eq!(practitioner(&first), ids[1]);

    let stored = app.db.strings(&format!("SELECT practitioner_id FROM bookings WHERE id = '{id}'")).await;
    assert_eq!(stored, [ids[1].clone()]);
    let customer = app.db.strings(&format!("SELECT customer_id FROM bookings WHERE id = '{id}'")).await;
    assert_eq!(first["customer"]["id"], customer[0].as_str());
    let payload = app
        .db
        .strings(&format!("SELECT CAST(payload AS TEXT) FROM webhook_events WHERE booking_id = '{id}'"))
        .await;
    let event: Value = serde_json::from_str(&payload[0]).unwrap();
    assert_eq!(event["data"]["booking"]["practitioner_id"], ids[1].as_str());
    assert_eq!(event["data"]["booking"]["customer"]["id"], customer[0].as_str());
    assert!(!payload[0].contains("_pending_"), "no placeholder is left: {}", payload[0]);

    let replay = book(&app, &org, at(25, "11:00"), None, Some("choose-1")).await;
    assert_eq!(replay, first, "the replay is the first answer");
    app.stop().await;
}
