//! Writing a new booking stores, atomically, the customer (matched by e-mail), the booking,
//! its outbox event with one delivery per subscribed endpoint, and the idempotency record
//! with the exact response, and the mails the domain asked for; no event when no endpoint
//! listens. On Postgres an e-mail customer's booking is one statement
//! (data-modifying CTEs, with the customer's id filled in by the database), a phone-only
//! one a transaction; on SQLite always a transaction. Checked through the store on both
//! backends, against what is then in the tables.

use cadence_server::model::{
    Audience, BookingRecord, MailDetails, MailKind, NewBooking, NewMail, NewWebhookEndpoint,
};
use cadence_server::store::{IdempotencyBegin, IdempotencyRef, Store, StoreError};
use cadence_server::testing::{Backend, SeededOrg, TestDb, seed_org};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

cadence_server::both_backends!(
    a_booking_its_customer_event_and_response_are_written_together,
    a_refused_booking_leaves_nothing_behind,
);

fn new_booking(
    org: &SeededOrg,
    id: &str,
    at: DateTime<Utc>,
    email: Option<&str>,
    phone: Option<&str>,
) -> NewBooking {
    NewBooking {
        id: id.into(),
        org_id: org.org.id.clone(),
        service_id: org.consultation.clone(),
        practitioner_id: org.practitioners[0].clone(),
        start: at,
        end: at + Duration::minutes(30),
        blocked_start: at,
        blocked_end: at + Duration::minutes(40),
        customer_name: "Pat Doe".into(),
        customer_email: email.map(str::to_owned),
        customer_phone: phone.map(str::to_owned),
        notes: Some("Knee, \"left\" one".into()),
        manage_token_hash: None,
        customer_timezone: Some("America/New_York".into()),
        now: cadence_server::clock::now(),
        mail: vec![
            NewMail::new(
                MailKind::Confirmation,
                Audience::Customer,
                &org.practitioners[0],
                details(at),
                Utc::now(),
            ),
            NewMail::new(
                MailKind::Reminder,
                Audience::Customer,
                &org.practitioners[0],
                details(at),
                at - Duration::days(1),
            ),
        ],
        guard: None,
    }
}

fn details(at: DateTime<Utc>) -> MailDetails {
    MailDetails {
        start: at,
        end: at + Duration::minutes(30),
        previous_start: None,
        cancelled_by: None,
        reason: None,
    }
}

/// The booking's mails as stored: kind, audience, practitioner, sequence, due time and
/// the details' start, ordered by due time.
async fn mails(db: &TestDb, booking_id: &str) -> Vec<String> {
    let due = match db.backend {
        Backend::Postgres => "CAST(EXTRACT(EPOCH FROM due_at) AS BIGINT)",
        Backend::Sqlite => "due_at",
    };
    db.strings(&format!(
        "SELECT kind || ' ' || audience || ' ' || practitioner_id || ' ' || CAST(sequence AS TEXT) || ' ' || \
         state || ' ' || CAST({due} AS TEXT) FROM mail_outbox WHERE booking_id = '{booking_id}' ORDER BY due_at"
    ))
    .await
}

fn expected_mails(org: &SeededOrg, at: DateTime<Utc>, now: DateTime<Utc>) -> Vec<String> {
    let p = &org.practitioners[0];
    vec![
        format!("confirmation customer {p} 0 pending {}", now.timestamp()),
        format!("reminder customer {p} 0 pending {}", (at - Duration::days(1)).timestamp()),
    ]
}

fn start(hours: i64) -> DateTime<Utc> {
    let day = (Utc::now() + Duration::days(3)).date_naive().and_hms_opt(8, 0, 0).unwrap().and_utc();
    day + Duration::hours(hours)
}

/// The event payload stored for a booking (`webhook_events.payload`, JSON on both).
async fn event_payload(db: &TestDb, booking_id: &str) -> Value {
    let text = db
        .strings(&format!(
            "SELECT CAST(payload AS TEXT) FROM webhook_events WHERE booking_id = '{booking_id}'"
        ))
        .await;
    assert_eq!(text.len(), 1, "one event for {booking_id}");
    serde_json::from_str(&text[0]).unwrap()
}

async fn idempotency_body(db: &TestDb, key: &str) -> Vec<String> {
    db.strings(&format!(
        "SELECT state || ' ' || CAST(COALESCE(response_status, 0) AS TEXT) || ' ' || COALESCE(response_body, '') \
         FROM idempotency_keys WHERE key = '{key}'"
    ))
    .await
}

async fn begin(store: &dyn Store, key: &str) {
    let now = Utc::now();
    let started = store
        .idempotency_begin(
            IdempotencyRef { scope: "test", key },
            "hash",
            now,
            now + Duration::hours(1),
            now - Duration::minutes(2),
        )
        .await
        .unwrap();
    assert_eq!(started, IdempotencyBegin::Started);
}

async fn a_booking_its_customer_event_and_response_are_written_together(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let org = seed_org(store.as_ref(), "clinic", "Europe/Berlin").await;
    let endpoint = |events: &[&str]| NewWebhookEndpoint {
        org_id: org.org.id.clone(),
        url: "https://example.com/hook".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        description: None,
        secret: "whsec_test".into(),
    };
    let all = store.create_webhook_endpoint(&endpoint(&["*"])).await.unwrap();
    let created = store.create_webhook_endpoint(&endpoint(&["booking.created"])).await.unwrap();
    store.create_webhook_endpoint(&endpoint(&["booking.cancelled"])).await.unwrap();

    begin(store.as_ref(), "first").await;
    let idem = Some(IdempotencyRef { scope: "test", key: "first" });
    let new = new_booking(&org, "bk_first", start(0), Some("pat@example.com"), None);
    let first: BookingRecord = store.create_booking(&new, idem).await.unwrap();
    assert_eq!(first.customer_timezone.as_deref(), Some("America/New_York"));
    let now = DateTime::from_timestamp(new.mail[0].due, 0).unwrap();
    assert_eq!(mails(&db, "bk_first").await, expected_mails(&org, start(0), now), "its mails, with it");
    let customers = db.strings("SELECT id FROM customers WHERE email = 'pat@example.com'").await;
    assert_eq!(customers, vec![first.customer_id.clone()], "the booking points at the stored customer");
    assert!(first.customer_id.starts_with("cus_") && !first.customer_id.contains("pending"));

    // The event carries the booking exactly as stored, customer id included.
    let payload = event_payload(&db, "bk_first").await;
    assert_eq!(payload["type"], "booking.created");
    let booking = serde_json::to_value(cadence_shared::Booking::from(&first)).unwrap();
    assert_eq!(payload["data"]["booking"], booking);
    let mut to = db
        .strings(
            "SELECT d.endpoint_id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
             WHERE e.booking_id = 'bk_first' ORDER BY d.endpoint_id",
        )
        .await;
    let mut expected = vec![all.id.clone(), created.id.clone()];
    to.sort();
    expected.sort();
    assert_eq!(to, expected, "one delivery per endpoint that listens to booking.created");

    // The stored response is, byte for byte, the booking's JSON.
    let response = serde_json::to_string(&cadence_shared::Booking::from(&first)).unwrap();
    assert_eq!(idempotency_body(&db, "first").await, vec![format!("done 201 {response}")]);

    // The same e-mail again: the same customer, name updated, phone kept from now on.
    let mut again = new_booking(&org, "bk_again", start(1), Some("pat@example.com"), Some("+491701234567"));
    again.customer_name = "Pat Doe-Smith".into();
    let second = store.create_booking(&again, None).await.unwrap();
    assert_eq!(second.customer_id, first.customer_id);
    let stored =
        db.strings("SELECT name || ' ' || phone FROM customers WHERE email = 'pat@example.com'").await;
    assert_eq!(stored, vec!["Pat Doe-Smith +491701234567".to_owned()]);
    assert_eq!(
        event_payload(&db, "bk_again").await["data"]["booking"]["customer"]["id"],
        first.customer_id.as_str()
    );

    // A phone-only customer (the other path on Postgres) is recorded the same way.
    let new = new_booking(&org, "bk_phone", start(2), None, Some("+491709999999"));
    let phone = store.create_booking(&new, None).await.unwrap();
    let now = DateTime::from_timestamp(new.mail[0].due, 0).unwrap();
    assert_eq!(mails(&db, "bk_phone").await, expected_mails(&org, start(2), now));
    let ids = db.strings("SELECT id FROM customers WHERE phone = '+491709999999' AND email IS NULL").await;
    assert_eq!(ids, vec![phone.customer_id.clone()]);
    assert_eq!(
        event_payload(&db, "bk_phone").await["data"]["booking"]["customer"]["id"],
        phone.customer_id.as_str()
    );
}

async fn a_refused_booking_leaves_nothing_behind(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let org = seed_org(store.as_ref(), "clinic", "Europe/Berlin").await;
    // No endpoint listens in this org: the outbox stays empty (it holds what is to be sent).
    store
        .create_booking(&new_booking(&org, "bk_taken", start(0), Some("first@example.com"), None), None)
        .await
        .unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM webhook_events").await, 0);

    // Same practitioner, overlapping time, a new customer, under an idempotency key.
    begin(store.as_ref(), "late").await;
    let idem = Some(IdempotencyRef { scope: "test", key: "late" });
    let late = new_booking(&org, "bk_late", start(0) + Duration::minutes(15), Some("late@example.com"), None);
    let refused = store.create_booking(&late, idem).await;
    assert!(matches!(refused, Err(StoreError::Overlap)), "{refused:?}");
    assert!(db.strings("SELECT id FROM customers WHERE email = 'late@example.com'").await.is_empty());
    assert!(db.strings("SELECT id FROM bookings WHERE id = 'bk_late'").await.is_empty());
    assert!(db.strings("SELECT id FROM webhook_events WHERE booking_id = 'bk_late'").await.is_empty());
    assert!(db.strings("SELECT id FROM mail_outbox WHERE booking_id = 'bk_late'").await.is_empty());
    assert_eq!(idempotency_body(&db, "late").await, vec!["in_flight 0 ".to_owned()]);
}
