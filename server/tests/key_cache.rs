//! Booking creation on the org API reuses the key (and its org) it has seen before
//! (`http::key_cache`); the write checks them. What another process (here: raw SQL, as one
//! would write it) changes in the database counts from the next request on: a revoked or
//! expired key is refused with nothing written, new hours are bookable and removed hours
//! are not; a taken time stays 409. On both backends.

use cadence_server::testing::{Backend, SeededOrg, TestApp, local_at, seed_org};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;
use reqwest::StatusCode;
use serde_json::{Value, json};

cadence_server::both_backends!(
    a_key_revoked_or_expired_elsewhere_is_refused_with_nothing_written,
    hours_changed_elsewhere_count_for_the_next_booking,
    a_taken_time_is_still_409_with_a_cached_key,
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
) -> (StatusCode, Value) {
    book_for(app, org, start, who, json!({ "name": "Grace Hopper", "email": "grace@example.com" })).await
}

/// A customer with only a phone number takes the store's other write (a transaction of
/// several statements, on both backends), which checks the cached key too.
async fn book_for(
    app: &TestApp,
    org: &SeededOrg,
    start: DateTime<Utc>,
    who: Option<&str>,
    customer: Value,
) -> (StatusCode, Value) {
    let mut body = json!({
        "service_id": org.consultation,
        "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "customer": customer,
    });
    if let Some(p) = who {
        body["practitioner_id"] = json!(p);
    }
    let res = app.client.post(app.url("/api/v1/bookings")).bearer_auth(&org.api_key).json(&body).send().await;
    let res = res.unwrap();
    (res.status(), res.json().await.unwrap())
}

/// Confirmed bookings of the org starting at `start`.
async fn stored_at(app: &TestApp, org: &SeededOrg, start: DateTime<Utc>) -> i64 {
    let at = match app.db.backend {
        Backend::Postgres => format!("to_timestamp({})", start.timestamp()),
        Backend::Sqlite => start.timestamp().to_string(),
    };
    app.db
        .scalar(&format!(
            "SELECT COUNT(*) FROM bookings WHERE org_id = '{}' AND start_at = {at} AND status = 'confirmed'",
            org.org.id
        ))
        .await
}

/// Runs a write as another process would (`RETURNING 1` so it answers one value).
async fn elsewhere(app: &TestApp, postgres: &str, sqlite: &str) {
    let sql = match app.db.backend {
        Backend::Postgres => postgres,
        Backend::Sqlite => sqlite,
    };
    app.db.scalar(&format!("{sql} RETURNING CAST(1 AS BIGINT)")).await;
}

async fn a_key_revoked_or_expired_elsewhere_is_refused_with_nothing_written(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "clinic-r", "Europe/Berlin").await;
    // The first request looks the key up; the second uses it from the cache.
    assert_eq!(book(&app, &org, at(20, "10:00"), None).await.0, StatusCode::CREATED);
    assert_eq!(book(&app, &org, at(20, "11:00"), None).await.0, StatusCode::CREATED);
    let by_phone = json!({ "name": "Pat", "phone": "+4917012345" });
    assert_eq!(book_for(&app, &org, at(20, "11:30"), None, by_phone.clone()).await.0, StatusCode::CREATED);

    let key = app.db.strings(&format!("SELECT id FROM api_keys WHERE org_id = '{}'", org.org.id)).await;
    let id = &key[0];
    elsewhere(
        &app,
        &format!("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = '{id}'"),
        &format!(
            "UPDATE api_keys SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) - 60 WHERE id = '{id}'"
        ),
    )
    .await;
    let (status, body) = book(&app, &org, at(20, "12:00"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "key_expired");
    assert_eq!(stored_at(&app, &org, at(20, "12:00")).await, 0);

    // Valid again (and cached again), then revoked: the phone-only write checks it too.
    let valid = (
        format!("UPDATE api_keys SET expires_at = NULL WHERE id = '{id}'"),
        format!("UPDATE api_keys SET expires_at = NULL WHERE id = '{id}'"),
    );
    elsewhere(&app, &valid.0, &valid.1).await;
    assert_eq!(book(&app, &org, at(20, "15:00"), None).await.0, StatusCode::CREATED);
    assert_eq!(book(&app, &org, at(20, "15:30"), None).await.0, StatusCode::CREATED);
    elsewhere(
        &app,
        &format!("UPDATE api_keys SET revoked_at = now() WHERE id = '{id}'"),
        &format!("UPDATE api_keys SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE id = '{id}'"),
    )
    .await;
    let (status, body) = book_for(&app, &org, at(20, "13:30"), None, by_phone).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::UNAUTHORIZED, &json!("key_revoked")));
    assert_eq!(stored_at(&app, &org, at(20, "13:30")).await, 0);
    let (status, body) = book(&app, &org, at(20, "13:00"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "key_revoked");
    assert_eq!(stored_at(&app, &org, at(20, "13:00")).await, 0);
    // And it stays refused (the cache forgot it).
    assert_eq!(book(&app, &org, at(20, "14:00"), None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(stored_at(&app, &org, at(20, "14:00")).await, 0);
}

async fn hours_changed_elsewhere_count_for_the_next_booking(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "clinic-h", "Europe/Berlin").await;
    assert_eq!(book(&app, &org, at(21, "10:00"), None).await.0, StatusCode::CREATED);
    // 19:00 is after hours (08:00–18:00).
    let (status, body) = book(&app, &org, at(21, "19:00"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let hours = |end: &str| {
        let day = format!(r#"[{{"start":"08:00","end":"{end}"}}]"#);
        let week: Vec<String> =
            ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
                .iter()
                .map(|d| format!(r#""{d}":{day}"#))
                .collect();
        format!("{{{}}}", week.join(","))
    };
    let set_hours = |end: &str| {
        let week = hours(end);
        (
            format!(
                "UPDATE practitioners SET weekly_hours = '{week}'::jsonb WHERE org_id = '{}'",
                org.org.id
            ),
            format!("UPDATE practitioners SET weekly_hours = '{week}' WHERE org_id = '{}'", org.org.id),
        )
    };
    // Longer hours: 19:00 opens although this process cached the old catalogue.
    let (pg, lite) = set_hours("20:00");
    elsewhere(&app, &pg, &lite).await;
    let (status, body) = book(&app, &org, at(21, "19:00"), None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(stored_at(&app, &org, at(21, "19:00")).await, 1);

    // Shorter hours: 15:00 (open in the cached catalogue) is refused and nothing is written.
    let (pg, lite) = set_hours("12:00");
    elsewhere(&app, &pg, &lite).await;
    let (status, body) = book(&app, &org, at(21, "15:00"), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "slot_not_open");
    assert_eq!(stored_at(&app, &org, at(21, "15:00")).await, 0);
    // Within the new hours it books as before.
    assert_eq!(book(&app, &org, at(21, "11:00"), None).await.0, StatusCode::CREATED);
}

async fn a_taken_time_is_still_409_with_a_cached_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "clinic-t", "Europe/Berlin").await;
    let ada = org.practitioners[0].clone();
    assert_eq!(book(&app, &org, at(22, "10:00"), Some(&ada)).await.0, StatusCode::CREATED);
    let (status, body) = book(&app, &org, at(22, "10:00"), Some(&ada)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "slot_taken");
    assert_eq!(stored_at(&app, &org, at(22, "10:00")).await, 1);
}
