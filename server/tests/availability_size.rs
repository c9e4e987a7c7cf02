//! A month of "any practitioner" availability for a 20-practitioner service stays small:
//! slots carry their start and end, and the free practitioners only when asked for
//! (`include=practitioner_ids`). On both backends, through the public surface.

use cadence_server::testing::{Backend, TestApp, seed_org};
use reqwest::StatusCode;
use serde_json::{Value, json};

cadence_server::both_backends!(a_month_for_twenty_practitioners_is_compact);

/// The documented size a month of availability stays under.
const MONTH_BUDGET_BYTES: usize = 100 * 1024;

async fn a_month_for_twenty_practitioners_is_compact(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "big-clinic", "Europe/Berlin").await;
    let day = json!([{"start": "08:00", "end": "18:00"}]);
    let week: Value = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        .iter()
        .map(|d| (d.to_string(), day.clone()))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let mut everyone = org.practitioners.to_vec();
    for n in 0..18 {
        let res = app
            .client
            .post(app.url("/api/v1/practitioners"))
            .bearer_auth(&org.api_key)
            .json(&json!({"name": format!("Practitioner {n}"), "weekly_hours": week}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        everyone.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/services/{}", org.consultation)))
        .bearer_auth(&org.api_key)
        .json(&json!({"practitioner_ids": everyone}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let from = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let to = from + chrono::Days::new(30);
    let month = |include: &str| {
        app.client
            .get(app.url(&format!(
                "/api/v1/public/orgs/big-clinic/availability?service_id={}&from={from}&to={to}{include}",
                org.consultation
            )))
            .send()
    };
    let compact = month("").await.unwrap();
    assert_eq!(compact.status(), StatusCode::OK);
    let compact = compact.bytes().await.unwrap();
    let full = month("&include=practitioner_ids").await.unwrap().bytes().await.unwrap();
    let (compact_body, full_body): (Value, Value) =
        (serde_json::from_slice(&compact).unwrap(), serde_json::from_slice(&full).unwrap());
    let (slots, listed) = (compact_body["slots"].as_array().unwrap(), full_body["slots"].as_array().unwrap());
    // 31 days of 08:00–17:30 every 30 minutes, nothing booked: everyone free at every start.
    assert_eq!(slots.len(), 31 * 20);
    assert_eq!(listed.len(), slots.len());
    for (slot, with_ids) in slots.iter().zip(listed) {
        assert_eq!(slot.as_object().unwrap().len(), 2, "start and end only: {slot}");
        assert_eq!((&slot["start"], &slot["end"]), (&with_ids["start"], &with_ids["end"]));
        assert_eq!(with_ids["practitioner_ids"].as_array().unwrap().len(), 20);
    }
    assert!(
        compact.len() <= MONTH_BUDGET_BYTES,
        "a month is {} bytes (with practitioner ids {} bytes)",
        compact.len(),
        full.len()
    );
    println!(
        "a month of 20 practitioners: {} bytes; with practitioner ids {} bytes",
        compact.len(),
        full.len()
    );
    app.stop().await;
}
