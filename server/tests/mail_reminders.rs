//! Reminders, with the process's clock moved forward (`clock::set_offset`): a booking's
//! reminder goes out `reminder_minutes_before` its start, once; a move drops it and plans
//! a new one, a cancel drops it, and a booking made inside the window gets none. The clock
//! is the process's, so both backends run one after the other in this one test.

use cadence_server::config::{Config, MailConfig, MailTransport};
use cadence_server::testing::mail_sink::MailSink;
use cadence_server::testing::{Backend, TestApp, seed_org};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reminders_go_out_once_before_the_start_and_follow_moves_and_cancels() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        reminders(backend).await;
    }
}

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> Value {
    let res = app.client.post(app.url(path)).bearer_auth(key).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert!(status == 200 || status == 201, "{path}: {status} {body}");
    body
}

async fn reminders(backend: Backend) {
    cadence_server::clock::set_offset(Duration::zero());
    let sink = MailSink::start();
    let config = Config {
        mail: MailConfig {
            transport: Some(MailTransport::Smtp(sink.url())),
            poll_interval: StdDuration::from_millis(50),
            ..MailConfig::default()
        },
        ..Config::default()
    };
    let app = TestApp::spawn_with(backend, config).await;
    let org = seed_org(app.store.as_ref(), "clinic", "UTC").await;
    let key = &org.api_key;
    // A new service reminds a day before unless told otherwise.
    let created =
        post(&app, key, "/api/v1/services", json!({"name": "Check-up", "duration_minutes": 20})).await;
    assert_eq!(created["reminder_minutes_before"], 1440);
    // Four weeks at most; negative is no number of minutes.
    for bad in [-1, 40_321] {
        let res = app
            .client
            .patch(app.url(&format!("/api/v1/services/{}", org.consultation)))
            .bearer_auth(key)
            .json(&json!({"reminder_minutes_before": bad}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "reminder_minutes_before");
    }
    // Two days before, editable in the API (the seeded service has none).
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/services/{}", org.consultation)))
        .bearer_auth(key)
        .json(&json!({"reminder_minutes_before": 2880}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["reminder_minutes_before"], 2880);

    // Times in whole hours from today's midnight (UTC, the org's zone; open 08:00–18:00).
    let midnight = Utc::now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let at = |hours: i64| (midnight + Duration::hours(hours)).to_rfc3339();
    let book = |start: String, who: &'static str| {
        let (app, org) = (&app, &org);
        async move {
            let body = json!({"service_id": org.consultation, "practitioner_id": org.practitioners[0], "start": start,
                              "customer": {"name": who, "email": format!("{}@example.com", who.to_lowercase())}});
            post(app, &org.api_key, "/api/v1/bookings", body).await["id"].as_str().unwrap().to_owned()
        }
    };
    book(at(5 * 24 + 10), "Kept").await; // reminder due on day 3 at 10:00
    let moved = book(at(3 * 24 + 10), "Moved").await; // due on day 1, but moved to day 20
    let cancelled = book(at(3 * 24 + 12), "Cancelled").await; // due on day 1, but cancelled
    book(at(24 + 10), "Soon").await; // less than two days ahead: inside the window, none
    post(&app, key, &format!("/api/v1/bookings/{moved}/reschedule"), json!({"start": at(20 * 24 + 10)}))
        .await;
    post(&app, key, &format!("/api/v1/bookings/{cancelled}/cancel"), json!({})).await;
    let confirmations = 4 + 1 + 1; // four confirmations, a move, a cancel (no practitioner e-mails)
    let before = sink.wait_for(confirmations, StdDuration::from_secs(20)).await;
    assert_eq!(before.len(), confirmations);
    assert!(before.iter().all(|r| !r.mail().subject.starts_with("Reminder")), "no reminder yet");

    // Day 3 at noon: every first reminder was due, but only the kept booking's is left.
    cadence_server::clock::set_offset(midnight + Duration::hours(3 * 24 + 12) - Utc::now());
    let after = sink.wait_for(confirmations + 1, StdDuration::from_secs(20)).await;
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    let all = sink.all();
    assert_eq!(after.len(), confirmations + 1);
    assert_eq!(all.len(), confirmations + 1, "one reminder, once");
    let reminder = all.last().unwrap().mail();
    assert_eq!(reminder.to, ["kept@example.com"]);
    assert!(reminder.subject.starts_with("Reminder: Consultation on "), "{}", reminder.subject);
    assert!(reminder.calendar.is_none(), "a reminder is not an invitation");
    assert!(reminder.text.contains("/clinic?booking="), "with a manage link");
    let pending = app
        .db
        .strings(
            "SELECT b.customer_name FROM mail_outbox m JOIN bookings b ON b.id = m.booking_id \
        WHERE m.kind = 'reminder' AND m.state = 'pending'",
        )
        .await;
    assert_eq!(pending, ["Moved"], "the moved booking's new reminder waits; the cancelled one's is gone");
    cadence_server::clock::set_offset(Duration::zero());
    app.stop().await;
}
