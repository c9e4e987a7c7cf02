//! Availability and bookings over HTTP, on both surfaces and both backends: status rules,
//! races, idempotency, rescheduling, cancelling, manage tokens, lists, bad input.

use cadence_server::testing::{Backend, SeededOrg, TestApp, key_with_scopes, seed_org};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

cadence_server::both_backends!(
    availability_lists_ordered_slots_with_free_practitioners,
    booking_a_slot_blocks_it_and_its_buffer_for_that_practitioner,
    fifty_parallel_bookings_of_one_slot_give_one_201_and_49_409,
    concurrent_any_practitioner_bookings_succeed_while_practitioners_are_free,
    overlapping_services_race_never_double_books_and_back_to_back_fits,
    cancelled_booking_frees_its_slot_and_cancel_is_idempotent,
    idempotent_create_replays_and_refuses_a_different_body,
    parallel_requests_with_one_idempotency_key_create_one_booking,
    reschedule_moves_a_booking_by_the_same_rules,
    public_booking_is_managed_with_its_token_only,
    a_started_booking_cannot_be_changed_with_its_manage_token,
    bookings_list_filters_and_paginates,
    another_orgs_key_sees_none_of_its_bookings,
    bad_input_gets_clear_4xx_envelopes,
    control_characters_are_refused_in_bodies_paths_and_queries,
    missing_or_weak_credentials_are_refused,
    inactive_service_is_invisible_on_the_public_surface,
    new_york_org_availability_follows_wall_clock_across_dst,
    every_booking_change_writes_its_outbox_event,
    date_overrides_reach_availability,
    availability_that_could_be_huge_is_refused_before_it_is_computed,
);

struct Ctx {
    app: TestApp,
    a: SeededOrg,
}

async fn ctx(backend: Backend) -> Ctx {
    let app = TestApp::spawn(backend).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    Ctx { app, a }
}

/// A local date `n` days from today in Berlin.
fn day(n: i64) -> NaiveDate {
    (Utc::now().with_timezone(&Berlin) + Duration::days(n)).date_naive()
}

/// The instant of a Berlin wall-clock time on `day`.
fn at(day: NaiveDate, hm: &str) -> DateTime<Utc> {
    let t = chrono::NaiveTime::parse_from_str(hm, "%H:%M").unwrap();
    Berlin.from_local_datetime(&day.and_time(t)).single().unwrap().with_timezone(&Utc)
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn booking_body(service: &str, start: DateTime<Utc>, practitioner: Option<&str>, email: &str) -> Value {
    let mut body = json!({
        "service_id": service,
        "start": iso(start),
        "customer": { "name": "Grace Hopper", "email": email },
    });
    if let Some(p) = practitioner {
        body["practitioner_id"] = json!(p);
    }
    body
}

impl Ctx {
    fn org_req(&self, key: &str, method: Method, path: &str) -> RequestBuilder {
        self.app.client.request(method, self.app.url(path)).bearer_auth(key)
    }

    /// An endpoint of org A listening to every event, so that booking changes are written
    /// to the outbox (an event nobody listens to is not written).
    async fn listen(&self) {
        let endpoint = cadence_server::model::NewWebhookEndpoint {
            org_id: self.a.org.id.clone(),
            url: "https://example.com/hooks".into(),
            events: vec!["*".into()],
            description: None,
            secret: "whsec_test".into(),
        };
        self.app.store.create_webhook_endpoint(&endpoint).await.unwrap();
    }

    fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.org_req(&self.a.api_key, method, path)
    }

    async fn book(&self, body: &Value) -> reqwest::Response {
        self.api(Method::POST, "/api/v1/bookings").json(body).send().await.unwrap()
    }

    async fn book_public(&self, body: &Value) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url("/api/v1/public/orgs/clinic-a/bookings"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn slots(&self, service: &str, practitioner: Option<&str>, day: NaiveDate) -> Vec<Value> {
        let mut url = format!(
            "/api/v1/public/orgs/clinic-a/availability?service_id={service}&from={day}&to={day}&include=practitioner_ids"
        );
        if let Some(p) = practitioner {
            url.push_str(&format!("&practitioner_id={p}"));
        }
        let res = self.app.client.get(self.app.url(&url)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["slots"].as_array().unwrap().clone()
    }

    async fn confirmed_at(&self, start: DateTime<Utc>) -> i64 {
        let sql = match self.app.db.backend {
            Backend::Sqlite => format!(
                "SELECT COUNT(*) FROM bookings WHERE status = 'confirmed' AND start_at = {}",
                start.timestamp()
            ),
            Backend::Postgres => format!(
                "SELECT COUNT(*) FROM bookings WHERE status = 'confirmed' AND start_at = '{}'",
                iso(start)
            ),
        };
        self.app.db.scalar(&sql).await
    }
}

async fn error_of(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.unwrap();
    body["error"].clone()
}

fn starts(slots: &[Value]) -> Vec<String> {
    slots.iter().map(|s| s["start"].as_str().unwrap().to_owned()).collect()
}

async fn availability_lists_ordered_slots_with_free_practitioners(backend: Backend) {
    let c = ctx(backend).await;
    let d = day(10);
    let slots = c.slots(&c.a.consultation, None, d).await;
    // 08:00 … 17:30 every 30 minutes.
    assert_eq!(slots.len(), 20);
    assert_eq!(slots[0]["start"], iso(at(d, "08:00")));
    assert_eq!(slots[0]["end"], iso(at(d, "08:30")));
    assert_eq!(slots[19]["start"], iso(at(d, "17:30")));
    let mut both = c.a.practitioners.to_vec();
    both.sort();
    assert!(slots.iter().all(|s| s["practitioner_ids"] == json!(both)));
    let sorted = starts(&slots);
    assert!(sorted.windows(2).all(|w| w[0] < w[1]));

    // The org API answers the same, and says which timezone dates are read in.
    let res = c
        .api(Method::GET, &format!("/api/v1/availability?service_id={}&from={d}&to={d}", c.a.consultation))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["timezone"], "Europe/Berlin");
    assert_eq!(body["service_id"], c.a.consultation.as_str());
    assert_eq!(starts(body["slots"].as_array().unwrap()), sorted);
    // Without include=practitioner_ids a slot is its start and end only.
    let keys: Vec<&String> = body["slots"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["end", "start"]);
    let res = c
        .api(Method::GET, &format!("/api/v1/availability?service_id={}&include=everything", c.a.consultation))
        .send()
        .await
        .unwrap();
    let err = error_of(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_include"), Some("include")));

    // Default range: from now, 7 days.
    let res = c
        .app
        .client
        .get(c.app.url(&format!("/api/v1/public/orgs/clinic-a/availability?service_id={}", c.a.consultation)))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    let all = body["slots"].as_array().unwrap();
    let first: DateTime<Utc> = all[0]["start"].as_str().unwrap().parse().unwrap();
    let last: DateTime<Utc> = all.last().unwrap()["start"].as_str().unwrap().parse().unwrap();
    assert!(first >= Utc::now() - Duration::seconds(5));
    assert!(last < Utc::now() + Duration::days(7));
    c.app.stop().await;
}

async fn booking_a_slot_blocks_it_and_its_buffer_for_that_practitioner(backend: Backend) {
    let c = ctx(backend).await;
    let d = day(11);
    let [ada, ben] = c.a.practitioners.clone();
    let res = c.book(&booking_body(&c.a.consultation, at(d, "10:00"), Some(&ada), "grace@example.com")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let b: Value = res.json().await.unwrap();
    assert!(b["id"].as_str().unwrap().starts_with("bk_"));
    assert_eq!(b["status"], "confirmed");
    assert_eq!(b["practitioner_id"], ada.as_str());
    assert_eq!(b["start"], iso(at(d, "10:00")));
    assert_eq!(b["end"], iso(at(d, "10:30")));
    assert_eq!(b["customer"]["email"], "grace@example.com");
    assert!(b["customer"]["id"].as_str().unwrap().starts_with("cus_"));
    assert!(b.get("manage_token").is_none(), "only public bookings carry a manage token");

    let slots = c.slots(&c.a.consultation, None, d).await;
    let find = |t: &str| slots.iter().find(|s| s["start"] == iso(at(d, t))).cloned();
    assert_eq!(find("10:00").unwrap()["practitioner_ids"], json!([ben]), "Ada is taken at 10:00");
    // 10:30 would start inside Ada's 10-minute clean-up buffer.
    assert_eq!(find("10:30").unwrap()["practitioner_ids"], json!([ben]));
    assert_eq!(find("11:00").unwrap()["practitioner_ids"].as_array().unwrap().len(), 2);
    // The 60-minute massage (Ada only) cannot start at 09:30 (it would run into 10:00).
    let massage = c.slots(&c.a.massage, None, d).await;
    assert!(!starts(&massage).contains(&iso(at(d, "09:30"))));
    assert!(starts(&massage).contains(&iso(at(d, "09:00"))));
    c.app.stop().await;
}

async fn fifty_parallel_bookings_of_one_slot_give_one_201_and_49_409(backend: Backend) {
    let c = ctx(backend).await;
    let ada = c.a.practitioners[0].clone();
    for round in 0..3 {
        let start = at(day(12), &format!("{:02}:00", 9 + round * 2));
        let mut tasks = Vec::new();
        for i in 0..50 {
            let req = c.api(Method::POST, "/api/v1/bookings").json(&booking_body(
                &c.a.consultation,
                start,
                Some(&ada),
                &format!("racer{i}@example.com"),
            ));
            tasks.push(tokio::spawn(async move { req.send().await.unwrap() }));
        }
        let mut created = 0;
        let mut taken = 0;
        for t in tasks {
            let res = t.await.unwrap();
            match res.status() {
                StatusCode::CREATED => created += 1,
                StatusCode::CONFLICT => {
                    let err = error_of(res, StatusCode::CONFLICT).await;
                    assert_eq!(err["code"], "slot_taken");
                    assert_eq!(err["type"], "conflict_error");
                    taken += 1;
                }
                other => panic!("round {round}: unexpected status {other}: {}", res.text().await.unwrap()),
            }
        }
        assert_eq!((created, taken), (1, 49), "round {round}");
        assert_eq!(c.confirmed_at(start).await, 1, "round {round}: exactly one stored row");
    }
    c.app.stop().await;
}

async fn concurrent_any_practitioner_bookings_succeed_while_practitioners_are_free(backend: Backend) {
    let c = ctx(backend).await;
    let start = at(day(13), "14:00");
    let mut tasks = Vec::new();
    for i in 0..10 {
        let req = c.api(Method::POST, "/api/v1/bookings").json(&booking_body(
            &c.a.consultation,
            start,
            None,
            &format!("any{i}@example.com"),
        ));
        tasks.push(tokio::spawn(async move { req.send().await.unwrap() }));
    }
    let mut practitioners = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        let res = t.await.unwrap();
        match res.status() {
            StatusCode::CREATED => practitioners
                .push(res.json::<Value>().await.unwrap()["practitioner_id"].as_str().unwrap().to_owned()),
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected {other}: {}", res.text().await.unwrap()),
        }
    }
    practitioners.sort();
    let mut both = c.a.practitioners.to_vec();
    both.sort();
    assert_eq!(practitioners, both, "both practitioners got one booking each");
    assert_eq!(conflicts, 8);
    assert_eq!(c.confirmed_at(start).await, 2);

    // The least loaded practitioner is picked: give Ada two bookings that day, then an
    // "any" booking goes to Ben.
    let d = day(14);
    let [ada, ben] = c.a.practitioners.clone();
    for t in ["08:00", "09:00"] {
        assert_eq!(
            c.book(&booking_body(&c.a.consultation, at(d, t), Some(&ada), "load@example.com")).await.status(),
            StatusCode::CREATED
        );
    }
    let res = c.book(&booking_body(&c.a.consultation, at(d, "15:00"), None, "pick@example.com")).await;
    assert_eq!(res.json::<Value>().await.unwrap()["practitioner_id"], ben.as_str());
    c.app.stop().await;
}

async fn overlapping_services_race_never_double_books_and_back_to_back_fits(backend: Backend) {
    let c = ctx(backend).await;
    let ada = c.a.practitioners[0].clone();
    for round in 0..3 {
        let d = day(15 + round);
        // Massage 10:00–11:00 against consultations at 10:00, 10:30 (and its buffer) for Ada.
        let bodies = [
            booking_body(&c.a.massage, at(d, "10:00"), Some(&ada), "m@example.com"),
            booking_body(&c.a.consultation, at(d, "10:30"), Some(&ada), "c1@example.com"),
            booking_body(&c.a.consultation, at(d, "10:00"), Some(&ada), "c2@example.com"),
            booking_body(&c.a.massage, at(d, "09:30"), Some(&ada), "m2@example.com"),
        ];
        let mut tasks = Vec::new();
        for body in bodies.iter().cycle().take(20) {
            let req = c.api(Method::POST, "/api/v1/bookings").json(body);
            tasks.push(tokio::spawn(async move { req.send().await.unwrap().status() }));
        }
        for t in tasks {
            let status = t.await.unwrap();
            assert!(status == StatusCode::CREATED || status == StatusCode::CONFLICT, "{status}");
        }
        let res = c
            .api(
                Method::GET,
                &format!("/api/v1/bookings?practitioner_id={ada}&status=confirmed&from={d}&to={d}"),
            )
            .send()
            .await
            .unwrap();
        let page: Value = res.json().await.unwrap();
        let ranges: Vec<(DateTime<Utc>, DateTime<Utc>)> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                let start: DateTime<Utc> = b["start"].as_str().unwrap().parse().unwrap();
                let end: DateTime<Utc> = b["end"].as_str().unwrap().parse().unwrap();
                let after = if b["service_id"] == c.a.consultation.as_str() { 10 } else { 0 };
                (start, end + Duration::minutes(after))
            })
            .collect();
        assert!(!ranges.is_empty());
        for (i, x) in ranges.iter().enumerate() {
            for y in &ranges[i + 1..] {
                assert!(x.1 <= y.0 || y.1 <= x.0, "round {round}: {x:?} overlaps {y:?}");
            }
        }
    }
    // Back to back: a massage 12:00–13:00 and another 13:00–14:00 both fit.
    let d = day(20);
    for t in ["12:00", "13:00"] {
        assert_eq!(
            c.book(&booking_body(&c.a.massage, at(d, t), Some(&ada), "b2b@example.com")).await.status(),
            StatusCode::CREATED
        );
    }
    c.app.stop().await;
}

async fn cancelled_booking_frees_its_slot_and_cancel_is_idempotent(backend: Backend) {
    let c = ctx(backend).await;
    let ada = c.a.practitioners[0].clone();
    let start = at(day(21), "11:00");
    let b: Value = c
        .book(&booking_body(&c.a.consultation, start, Some(&ada), "x@example.com"))
        .await
        .json()
        .await
        .unwrap();
    let id = b["id"].as_str().unwrap();
    let res = c
        .api(Method::POST, &format!("/api/v1/bookings/{id}/cancel"))
        .json(&json!({"reason": "ill"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "ill");
    // Again, without a body: unchanged, 200.
    let again = c.api(Method::POST, &format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap(), cancelled);
    // The slot is free at once.
    assert_eq!(
        c.book(&booking_body(&c.a.consultation, start, Some(&ada), "y@example.com")).await.status(),
        StatusCode::CREATED
    );
    // A cancelled booking cannot be rescheduled.
    let res = c
        .api(Method::POST, &format!("/api/v1/bookings/{id}/reschedule"))
        .json(&json!({"start": iso(at(day(21), "15:00"))}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res, StatusCode::CONFLICT).await["code"], "booking_cancelled");
    c.app.stop().await;
}

async fn idempotent_create_replays_and_refuses_a_different_body(backend: Backend) {
    let c = ctx(backend).await;
    let start = at(day(22), "09:00");
    let body = booking_body(&c.a.consultation, start, None, "idem@example.com");
    let send = |body: &Value, key: &str| {
        c.api(Method::POST, "/api/v1/bookings").header("idempotency-key", key).json(body).send()
    };
    let first = send(&body, "key-1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = send(&body, "key-1").await.unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.json::<Value>().await.unwrap(), first, "the booking created the first time, unchanged");
    let other = booking_body(&c.a.consultation, start, None, "someone-else@example.com");
    let err = error_of(send(&other, "key-1").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err["type"], "idempotency_error");
    assert_eq!(err["code"], "idempotency_key_reused");
    assert_eq!(c.confirmed_at(start).await, 1, "no duplicate rows");
    // Keys are per caller: another org may use the same key.
    let b = seed_org(c.app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    let res = c
        .org_req(&b.api_key, Method::POST, "/api/v1/bookings")
        .header("idempotency-key", "key-1")
        .json(&booking_body(&b.consultation, start, None, "b@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    // A refusal is an outcome too: replayed for the same body, and the key stays bound to it.
    let bad = booking_body(&c.a.consultation, at(day(22), "09:10"), None, "late@example.com");
    let refused = error_of(send(&bad, "key-2").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(refused["code"], "slot_not_open");
    let again = error_of(send(&bad, "key-2").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(again, refused, "the first response, replayed");
    let good = booking_body(&c.a.consultation, at(day(22), "09:30"), None, "late@example.com");
    let err = error_of(send(&good, "key-2").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err["code"], "idempotency_key_reused");
    assert_eq!(send(&good, "key-3").await.unwrap().status(), StatusCode::CREATED);
    c.app.stop().await;
}

async fn parallel_requests_with_one_idempotency_key_create_one_booking(backend: Backend) {
    let c = ctx(backend).await;
    let start = at(day(23), "13:00");
    let body = booking_body(&c.a.consultation, start, None, "par@example.com");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let req = c.api(Method::POST, "/api/v1/bookings").header("idempotency-key", "same").json(&body);
        tasks.push(tokio::spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                created += 1;
                ids.insert(body["id"].as_str().unwrap().to_owned());
            }
            StatusCode::OK => {
                ids.insert(body["id"].as_str().unwrap().to_owned());
            }
            StatusCode::CONFLICT => assert_eq!(body["error"]["code"], "idempotency_key_in_flight"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(c.confirmed_at(start).await, 1);
    c.app.stop().await;
}

async fn reschedule_moves_a_booking_by_the_same_rules(backend: Backend) {
    let c = ctx(backend).await;
    let d = day(24);
    let [ada, ben] = c.a.practitioners.clone();
    let b: Value = c
        .book(&booking_body(&c.a.consultation, at(d, "10:00"), Some(&ada), "r@example.com"))
        .await
        .json()
        .await
        .unwrap();
    let id = b["id"].as_str().unwrap().to_owned();
    let other: Value = c
        .book(&booking_body(&c.a.consultation, at(d, "12:00"), Some(&ada), "o@example.com"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["practitioner_id"], ada.as_str());
    let move_to = |start: DateTime<Utc>, p: Option<&str>| {
        let mut body = json!({ "start": iso(start) });
        if let Some(p) = p {
            body["practitioner_id"] = json!(p);
        }
        c.api(Method::POST, &format!("/api/v1/bookings/{id}/reschedule")).json(&body).send()
    };
    // Overlapping its own old range is fine; it stays with Ada.
    let res = move_to(at(d, "10:30"), None).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["start"], iso(at(d, "10:30")));
    assert_eq!(moved["practitioner_id"], ada.as_str());
    assert_eq!(moved["id"], id.as_str());
    // Onto Ada's other booking: taken.
    let err = error_of(move_to(at(d, "12:00"), Some(&ada)).await.unwrap(), StatusCode::CONFLICT).await;
    assert_eq!(err["code"], "slot_taken");
    // Without a practitioner, 12:00 goes to Ben, who is free.
    let res = move_to(at(d, "12:00"), None).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["practitioner_id"], ben.as_str());
    // Off the grid.
    let err = error_of(move_to(at(d, "12:10"), None).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err["code"], "slot_not_open");
    assert_eq!(err["field"], "start");
    // The old slot is free again.
    let slots = c.slots(&c.a.consultation, Some(&ada), d).await;
    assert!(starts(&slots).contains(&iso(at(d, "10:30"))));
    c.app.stop().await;
}

/// A customer's manage link stops changing a booking once it has started (else a cancel
/// after the visit would tell the org it never happened); the org API still may.
async fn a_started_booking_cannot_be_changed_with_its_manage_token(backend: Backend) {
    let c = ctx(backend).await;
    c.listen().await;
    let d = day(20);
    let res = c.book_public(&booking_body(&c.a.consultation, at(d, "11:00"), None, "late@example.com")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let b: Value = res.json().await.unwrap();
    let (id, token) = (b["id"].as_str().unwrap().to_owned(), b["manage_token"].as_str().unwrap().to_owned());
    // It began ten minutes ago (moved there behind the API's back, as time would).
    let began = match backend {
        Backend::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER) - 600",
        Backend::Postgres => "now() - interval '10 minutes'",
    };
    let ended = match backend {
        Backend::Sqlite => "CAST(strftime('%s', 'now') AS INTEGER) + 1200",
        Backend::Postgres => "now() + interval '20 minutes'",
    };
    let moved = format!(
        "UPDATE bookings SET start_at = {began}, blocked_start = {began}, end_at = {ended}, \
         blocked_end = {ended} WHERE id = '{id}' RETURNING CAST(1 AS BIGINT)"
    );
    assert_eq!(c.app.db.scalar(&moved).await, 1);
    let public = |action: &str| {
        c.app.client.post(c.app.url(&format!("/api/v1/public/bookings/{id}/{action}?token={token}")))
    };
    for (action, body) in [("cancel", json!({})), ("reschedule", json!({"start": iso(at(day(21), "11:00"))}))]
    {
        let res = public(action).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT, "{action}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "booking_started", "{action}");
    }
    let shown = c.app.client.get(c.app.url(&format!("/api/v1/public/bookings/{id}?token={token}"))).send();
    let shown: Value = shown.await.unwrap().json().await.unwrap();
    assert_eq!(shown["status"], "confirmed", "still readable, unchanged");
    assert_eq!(
        c.app.db.scalar(&format!("SELECT COUNT(*) FROM webhook_events WHERE booking_id = '{id}'")).await,
        1
    );
    // The org decides for itself: its API may still cancel; then the link answers as it
    // does for any cancelled booking (unchanged, 200).
    let res = c.api(Method::POST, &format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = public("cancel").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["status"], "cancelled");
    c.app.stop().await;
}

async fn public_booking_is_managed_with_its_token_only(backend: Backend) {
    let c = ctx(backend).await;
    let d = day(25);
    let res = c.book_public(&booking_body(&c.a.consultation, at(d, "16:00"), None, "pub@example.com")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let b: Value = res.json().await.unwrap();
    let id = b["id"].as_str().unwrap().to_owned();
    let token = b["manage_token"].as_str().expect("a manage token, once").to_owned();
    assert!(token.len() >= 40);
    // Only a hash is stored.
    let stored = c.app.db.strings(&format!("SELECT manage_token_hash FROM bookings WHERE id = '{id}'")).await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(
        !c.app
            .db
            .strings("SELECT COALESCE(manage_token_hash, '') FROM bookings")
            .await
            .iter()
            .any(|h| h.contains(&token))
    );

    let get =
        |t: &str| c.app.client.get(c.app.url(&format!("/api/v1/public/bookings/{id}?token={t}"))).send();
    let res = get(&token).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let shown: Value = res.json().await.unwrap();
    assert_eq!(shown["id"], id.as_str());
    assert!(shown.get("manage_token").is_none());
    error_of(get("wrong-token").await.unwrap(), StatusCode::NOT_FOUND).await;
    error_of(
        c.app.client.get(c.app.url(&format!("/api/v1/public/bookings/{id}"))).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;

    let res = c
        .app
        .client
        .post(c.app.url(&format!("/api/v1/public/bookings/{id}/reschedule?token={token}")))
        .json(&json!({ "start": iso(at(d, "17:00")) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["start"], iso(at(d, "17:00")));
    let res = c
        .app
        .client
        .post(c.app.url(&format!("/api/v1/public/bookings/{id}/cancel?token=nope")))
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::NOT_FOUND).await;
    let res = c
        .app
        .client
        .post(c.app.url(&format!("/api/v1/public/bookings/{id}/cancel?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");

    // An idempotent replay of a public booking issues a fresh token; the old one stops working.
    let body = booking_body(&c.a.consultation, at(d, "08:00"), None, "replay@example.com");
    let send = || {
        c.app
            .client
            .post(c.app.url("/api/v1/public/orgs/clinic-a/bookings"))
            .header("idempotency-key", "pub-1")
            .json(&body)
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let replay = send().await.unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], first["id"]);
    let (old, new) = (first["manage_token"].as_str().unwrap(), replay["manage_token"].as_str().unwrap());
    assert_ne!(old, new);
    let rid = first["id"].as_str().unwrap();
    let show =
        |t: String| c.app.client.get(c.app.url(&format!("/api/v1/public/bookings/{rid}?token={t}"))).send();
    assert_eq!(show(new.to_owned()).await.unwrap().status(), StatusCode::OK);
    assert_eq!(show(old.to_owned()).await.unwrap().status(), StatusCode::NOT_FOUND);
    c.app.stop().await;
}

async fn bookings_list_filters_and_paginates(backend: Backend) {
    let c = ctx(backend).await;
    let d = day(26);
    let [ada, ben] = c.a.practitioners.clone();
    for (i, t) in ["08:00", "09:00", "10:00", "11:00", "12:00"].iter().enumerate() {
        let p = if i % 2 == 0 { &ada } else { &ben };
        let email = if i == 4 { "find.me@example.com" } else { "other@example.com" };
        assert_eq!(
            c.book(&booking_body(&c.a.consultation, at(d, t), Some(p), email)).await.status(),
            StatusCode::CREATED
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("/api/v1/bookings?limit=2&from={d}&to={d}");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = c.api(Method::GET, &url).send().await.unwrap().json().await.unwrap();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|b| b["start"].as_str().unwrap().to_owned()));
        if page["has_more"] == json!(false) {
            assert!(page["next_cursor"].is_null());
            break;
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
    let expected: Vec<String> =
        ["08:00", "09:00", "10:00", "11:00", "12:00"].iter().map(|t| iso(at(d, t))).collect();
    assert_eq!(seen, expected, "time ascending, each once");

    let c = &c;
    let count = |q: String| async move {
        let page: Value =
            c.api(Method::GET, &format!("/api/v1/bookings?{q}")).send().await.unwrap().json().await.unwrap();
        page["data"].as_array().unwrap().len()
    };
    assert_eq!(count(format!("practitioner_id={ada}")).await, 3);
    assert_eq!(count("customer_email=FIND.ME@example.com".into()).await, 1);
    assert_eq!(count("status=cancelled".into()).await, 0);
    assert_eq!(count(format!("service_id={}", c.a.massage)).await, 0);
    let err = error_of(
        c.api(Method::GET, "/api/v1/bookings?cursor=garbage!").send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(err["code"], "invalid_cursor");
    let err = error_of(
        c.api(Method::GET, "/api/v1/bookings?limit=500").send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(err["code"], "invalid_limit");
    let err = error_of(
        c.api(Method::GET, "/api/v1/bookings?status=maybe").send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(err["field"], "status");
}

async fn another_orgs_key_sees_none_of_its_bookings(backend: Backend) {
    let c = ctx(backend).await;
    let b = seed_org(c.app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    let booked: Value = c
        .book(&booking_body(&c.a.consultation, at(day(27), "10:00"), None, "t@example.com"))
        .await
        .json()
        .await
        .unwrap();
    let id = booked["id"].as_str().unwrap();
    let as_b = |m: Method, p: String| c.org_req(&b.api_key, m, &p);
    error_of(
        as_b(Method::GET, format!("/api/v1/bookings/{id}")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    error_of(
        as_b(Method::POST, format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let res = as_b(Method::POST, format!("/api/v1/bookings/{id}/reschedule"))
        .json(&json!({"start": iso(at(day(27), "12:00"))}))
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::NOT_FOUND).await;
    let page: Value =
        as_b(Method::GET, "/api/v1/bookings".into()).send().await.unwrap().json().await.unwrap();
    assert_eq!(page["data"], json!([]));
    // Org B cannot book org A's service or practitioner.
    let res = as_b(Method::POST, "/api/v1/bookings".into())
        .json(&booking_body(&c.a.consultation, at(day(27), "12:00"), None, "t@example.com"))
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::NOT_FOUND).await;
    let res = as_b(Method::POST, "/api/v1/bookings".into())
        .json(&booking_body(
            &b.consultation,
            at(day(27), "12:00"),
            Some(&c.a.practitioners[0]),
            "t@example.com",
        ))
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::NOT_FOUND).await;
    let res = as_b(Method::GET, format!("/api/v1/availability?service_id={}", c.a.consultation))
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::NOT_FOUND).await;
    // Org A's booking is untouched.
    let mine: Value =
        c.api(Method::GET, &format!("/api/v1/bookings/{id}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mine["status"], "confirmed");
    c.app.stop().await;
}

/// NUL (which Postgres cannot store: it was a 500 there, and stored on SQLite) and other
/// control characters are refused wherever text comes in; line breaks and tabs stay
/// allowed in free text. Nothing is written.
async fn control_characters_are_refused_in_bodies_paths_and_queries(backend: Backend) {
    let c = ctx(backend).await;
    let start = at(day(12), "10:00");
    let mut bodies = Vec::new();
    for (field, value) in [("name", "A\u{0}B"), ("name", "Bell\u{7}"), ("email", "a\u{0}@example.com")] {
        let mut body = booking_body(&c.a.consultation, start, None, "ctl@example.com");
        body["customer"][field] = json!(value);
        bodies.push((body, format!("customer.{field}")));
    }
    let mut body = booking_body(&c.a.consultation, start, None, "ctl@example.com");
    body["notes"] = json!("parking?\u{0}");
    bodies.push((body, "notes".to_owned()));
    for (body, field) in bodies {
        for res in [c.book(&body).await, c.book_public(&body).await] {
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["error"]["code"], "invalid_characters", "{field}");
            assert_eq!(err["error"]["field"], field.as_str());
        }
    }
    let svc =
        c.api(Method::POST, "/api/v1/services").json(&json!({"name": "Yoga\u{0}", "duration_minutes": 30}));
    let err: Value = svc.send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (err["error"]["code"].as_str(), err["error"]["field"].as_str()),
        (Some("invalid_characters"), Some("name"))
    );
    let cancel = c.api(Method::POST, "/api/v1/bookings/bk_x/cancel").json(&json!({"reason": "\u{1b}[31m"}));
    assert_eq!(cancel.send().await.unwrap().status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM bookings").await, 0, "nothing stored");
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM customers").await, 0);
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM services WHERE name LIKE 'Yoga%'").await, 0);

    // Free text keeps its line breaks and tabs.
    let mut body = booking_body(&c.a.consultation, start, None, "ok@example.com");
    body["notes"] = json!("line one\nline two\tindented");
    let res = c.book(&body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["notes"], "line one\nline two\tindented");

    // A body must be an object: serde would read `[null, null]` as a struct's fields.
    let res = c.api(Method::PATCH, "/api/v1/org").json(&json!([null, null])).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "invalid_body");

    // Paths and queries, decoded.
    for (path, code) in [
        ("/api/v1/public/orgs/clinic%00a", "invalid_path"),
        ("/clinic%00a", "invalid_path"),
        ("/api/v1/bookings/bk%07x", "invalid_path"),
        ("/api/v1/public/orgs/clinic-a/availability?service_id=%00", "invalid_query"),
        ("/api/v1/bookings?customer_email=a%00b", "invalid_query"),
    ] {
        let res = c.api(Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], code, "{path}");
    }
    let res = c.api(Method::GET, "/api/v1/public/orgs/clinic-a").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "an ordinary path still works");
    c.app.stop().await;
}

async fn bad_input_gets_clear_4xx_envelopes(backend: Backend) {
    let c = ctx(backend).await;
    let d = day(28);
    let good = || booking_body(&c.a.consultation, at(d, "10:00"), None, "bad@example.com");
    let check = |body: Value, status: StatusCode, code: &'static str, field: Option<&'static str>| {
        let req = c.api(Method::POST, "/api/v1/bookings").json(&body);
        async move {
            let err = error_of(req.send().await.unwrap(), status).await;
            assert_eq!(err["code"], code, "{body}: {err}");
            if let Some(f) = field {
                assert_eq!(err["field"], f, "{body}: {err}");
            }
            assert!(err["request_id"].as_str().unwrap().starts_with("req_"));
        }
    };
    let mut naive = good();
    naive["start"] = json!(format!("{d}T10:00:00"));
    check(naive, StatusCode::UNPROCESSABLE_ENTITY, "missing_offset", Some("start")).await;
    let mut garbage = good();
    garbage["start"] = json!("next tuesday");
    check(garbage, StatusCode::UNPROCESSABLE_ENTITY, "invalid_time", Some("start")).await;
    let mut unknown = good();
    unknown["service_id"] = json!("svc_doesnotexist");
    check(unknown, StatusCode::NOT_FOUND, "resource_not_found", None).await;
    let mut unknown_prac = good();
    unknown_prac["practitioner_id"] = json!("prac_nobody");
    check(unknown_prac, StatusCode::NOT_FOUND, "resource_not_found", None).await;
    let mut not_offering =
        booking_body(&c.a.massage, at(d, "10:00"), Some(&c.a.practitioners[1]), "x@example.com");
    check(
        not_offering.take(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "practitioner_not_offering_service",
        Some("practitioner_id"),
    )
    .await;
    check(
        booking_body(&c.a.consultation, at(d, "10:15"), None, "x@example.com"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "slot_not_open",
        Some("start"),
    )
    .await;
    check(
        booking_body(&c.a.consultation, at(d, "19:00"), None, "x@example.com"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "slot_not_open",
        Some("start"),
    )
    .await;
    check(
        booking_body(&c.a.consultation, at(day(-2), "10:00"), None, "x@example.com"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "slot_not_open",
        Some("start"),
    )
    .await;
    check(
        booking_body(&c.a.consultation, at(day(500), "10:00"), None, "x@example.com"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "slot_not_open",
        Some("start"),
    )
    .await;
    let mut nameless = good();
    nameless["customer"]["name"] = json!("  ");
    check(nameless, StatusCode::UNPROCESSABLE_ENTITY, "missing_field", Some("customer.name")).await;
    let mut unreachable = good();
    unreachable["customer"] = json!({ "name": "Ada" });
    check(unreachable, StatusCode::UNPROCESSABLE_ENTITY, "missing_contact", Some("customer.email")).await;
    let mut no_service = good();
    no_service.as_object_mut().unwrap().remove("service_id");
    check(no_service, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", Some("service_id")).await;
    let mut extra = good();
    extra["colour"] = json!("blue");
    check(extra, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", Some("colour")).await;
    let res = c
        .api(Method::POST, "/api/v1/bookings")
        .header("content-type", "application/json")
        .body("{\"service_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res, StatusCode::BAD_REQUEST).await["code"], "malformed_json");
    let res = c
        .api(Method::POST, "/api/v1/bookings")
        .header("idempotency-key", "")
        .json(&good())
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res, StatusCode::BAD_REQUEST).await["code"], "invalid_idempotency_key");

    // Availability queries.
    let avail = |q: String| {
        c.app.client.get(c.app.url(&format!("/api/v1/public/orgs/clinic-a/availability?{q}"))).send()
    };
    let err = error_of(
        avail(format!("service_id={}&from=2027-01-01&to=2027-03-15", c.a.consultation)).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(err["code"], "range_too_large");
    let err =
        error_of(avail("from=2027-01-01".into()).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(err["field"], "service_id");
    let err = error_of(
        avail(format!("service_id={}&from=2027-01-01T10:00:00", c.a.consultation)).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(err["code"], "missing_offset");
    let err = error_of(
        avail(format!("service_id={}&from=2027-01-05&to=2027-01-01", c.a.consultation)).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(err["code"], "invalid_range");
    error_of(avail("service_id=svc_nope".into()).await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM bookings").await, 0, "nothing half-written");
    c.app.stop().await;
}

async fn missing_or_weak_credentials_are_refused(backend: Backend) {
    let c = ctx(backend).await;
    let res = c.app.client.get(c.app.url("/api/v1/bookings")).send().await.unwrap();
    let err = error_of(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        (err["type"].as_str(), err["code"].as_str()),
        (Some("authentication_error"), Some("unauthorized"))
    );
    let res = c.org_req("ck_live_not-a-real-key", Method::GET, "/api/v1/bookings").send().await.unwrap();
    assert_eq!(error_of(res, StatusCode::UNAUTHORIZED).await["code"], "unauthorized");
    let reader = key_with_scopes(c.app.store.as_ref(), &c.a.org.id, &["bookings:read"]).await;
    let res = c.org_req(&reader, Method::GET, "/api/v1/bookings").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = c
        .org_req(&reader, Method::POST, "/api/v1/bookings")
        .json(&booking_body(&c.a.consultation, at(day(29), "10:00"), None, "s@example.com"))
        .send()
        .await
        .unwrap();
    let err = error_of(res, StatusCode::FORBIDDEN).await;
    assert_eq!(err["type"], "permission_error");
    assert_eq!(err["code"], "missing_scope");
    assert_eq!(err["required_scope"], "bookings:write");
    let nobody = key_with_scopes(c.app.store.as_ref(), &c.a.org.id, &["org:read"]).await;
    let res = c
        .org_req(&nobody, Method::GET, &format!("/api/v1/availability?service_id={}", c.a.consultation))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res, StatusCode::FORBIDDEN).await["required_scope"], "bookings:read");
    c.app.stop().await;
}

async fn inactive_service_is_invisible_on_the_public_surface(backend: Backend) {
    let c = ctx(backend).await;
    let sql_false = if backend == Backend::Sqlite { "0" } else { "FALSE" };
    let store_url = c.app.db.url.clone();
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&store_url).await.unwrap();
            sqlx::query(&format!("UPDATE services SET active = {sql_false} WHERE id = '{}'", c.a.massage))
                .execute(&pool)
                .await
                .unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&store_url).await.unwrap();
            sqlx::query(&format!("UPDATE services SET active = {sql_false} WHERE id = '{}'", c.a.massage))
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    let list: Value = c
        .app
        .client
        .get(c.app.url("/api/v1/public/orgs/clinic-a/services"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list["data"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [c.a.consultation.as_str()]);
    let res = c
        .app
        .client
        .get(c.app.url(&format!("/api/v1/public/orgs/clinic-a/availability?service_id={}", c.a.massage)))
        .send()
        .await
        .unwrap();
    error_of(res, StatusCode::NOT_FOUND).await;
    error_of(
        c.book_public(&booking_body(&c.a.massage, at(day(30), "10:00"), None, "i@example.com")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Practitioners of the public surface, by service.
    let pracs: Value = c
        .app
        .client
        .get(
            c.app.url(&format!("/api/v1/public/orgs/clinic-a/practitioners?service_id={}", c.a.consultation)),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pracs["data"].as_array().unwrap().len(), 2);
    assert!(pracs["data"][0].get("email").is_none(), "no e-mail addresses on the public surface");
    c.app.stop().await;
}

async fn new_york_org_availability_follows_wall_clock_across_dst(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ny = seed_org(app.store.as_ref(), "nyc-studio", "America/New_York").await;
    // US clocks spring forward on 2027-03-14: 08:00 local is 13:00Z before, 12:00Z after.
    let url = |d: &str| {
        app.url(&format!(
            "/api/v1/public/orgs/nyc-studio/availability?service_id={}&from={d}&to={d}",
            ny.consultation
        ))
    };
    let before: Value = app.client.get(url("2027-03-13")).send().await.unwrap().json().await.unwrap();
    let after: Value = app.client.get(url("2027-03-14")).send().await.unwrap().json().await.unwrap();
    assert_eq!(before["timezone"], "America/New_York");
    assert_eq!(before["slots"][0]["start"], "2027-03-13T13:00:00Z");
    assert_eq!(after["slots"][0]["start"], "2027-03-14T12:00:00Z");
    assert_eq!(before["slots"].as_array().unwrap().len(), 20);
    assert_eq!(after["slots"].as_array().unwrap().len(), 20);
    app.stop().await;
}

async fn every_booking_change_writes_its_outbox_event(backend: Backend) {
    let c = ctx(backend).await;
    c.listen().await;
    let d = day(31);
    let b: Value = c
        .book(&booking_body(&c.a.consultation, at(d, "10:00"), None, "evt@example.com"))
        .await
        .json()
        .await
        .unwrap();
    let id = b["id"].as_str().unwrap();
    c.api(Method::POST, &format!("/api/v1/bookings/{id}/reschedule"))
        .json(&json!({"start": iso(at(d, "11:00"))}))
        .send()
        .await
        .unwrap();
    c.api(Method::POST, &format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap();
    c.api(Method::POST, &format!("/api/v1/bookings/{id}/cancel")).send().await.unwrap();
    let types = c
        .app
        .db
        .strings(&format!("SELECT type FROM webhook_events WHERE booking_id = '{id}' ORDER BY id"))
        .await;
    assert_eq!(
        types,
        ["booking.created", "booking.rescheduled", "booking.cancelled"],
        "a repeated cancel writes nothing"
    );
    let payloads = c
        .app
        .db
        .strings(&format!(
            "SELECT CAST(payload AS TEXT) FROM webhook_events WHERE booking_id = '{id}' ORDER BY id"
        ))
        .await;
    let moved: Value = serde_json::from_str(&payloads[1]).unwrap();
    assert_eq!(moved["type"], "booking.rescheduled");
    assert!(moved["id"].as_str().unwrap().starts_with("evt_"));
    assert_eq!(moved["data"]["booking"]["id"], id);
    assert_eq!(moved["data"]["booking"]["start"], iso(at(d, "11:00")));
    assert_eq!(moved["data"]["previous_start"], iso(at(d, "10:00")));
    assert_eq!(moved["data"]["previous_end"], iso(at(d, "10:30")));
    // Customers are recorded from bookings, one per e-mail.
    c.book(&booking_body(&c.a.consultation, at(d, "14:00"), None, "EVT@example.com")).await;
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM customers WHERE email = 'evt@example.com'").await, 1);
    c.app.stop().await;
}

async fn date_overrides_reach_availability(backend: Backend) {
    use cadence_server::model::{NewPractitioner, NewService};
    use cadence_shared::{DateOverride, Interval, WeeklyHours};
    let c = ctx(backend).await;
    let (off, short) = (day(32), day(33));
    let nine_to_five = vec![Interval { start: "09:00".parse().unwrap(), end: "17:00".parse().unwrap() }];
    let week = WeeklyHours {
        monday: nine_to_five.clone(),
        tuesday: nine_to_five.clone(),
        wednesday: nine_to_five.clone(),
        thursday: nine_to_five.clone(),
        friday: nine_to_five.clone(),
        saturday: nine_to_five.clone(),
        sunday: nine_to_five,
    };
    let p = NewPractitioner {
        name: "Cleo".into(),
        email: Some("cleo@example.com".into()),
        timezone: None,
        weekly_hours: week,
        date_overrides: vec![
            DateOverride { date: off, intervals: vec![] },
            DateOverride {
                date: short,
                intervals: vec![Interval { start: "12:00".parse().unwrap(), end: "13:00".parse().unwrap() }],
            },
        ],
        active: true,
    };
    let cleo = c.app.store.create_practitioner(&c.a.org.id, &p).await.unwrap();
    let svc = NewService {
        name: "Solo".into(),
        duration_minutes: 60,
        buffer_after_minutes: 0,
        slot_interval_minutes: 60,
        booking_window_days: 90,
        practitioner_ids: vec![cleo],
        active: true,
        ..NewService::default()
    };
    let solo = c.app.store.create_service(&c.a.org.id, &svc).await.unwrap();
    assert!(c.slots(&solo, None, off).await.is_empty(), "a day off");
    assert_eq!(starts(&c.slots(&solo, None, short).await), [iso(at(short, "12:00"))]);
    assert_eq!(c.slots(&solo, None, day(34)).await.len(), 8, "the weekly hours otherwise");
    c.app.stop().await;
}

/// Anyone can sign up and configure a 1-minute grid with practitioners working around the
/// clock; a 62-day question about such a service would be millions of entries. It is
/// refused (422, saying how to narrow it) before any slot is computed; narrower questions
/// about the same service are answered.
async fn availability_that_could_be_huge_is_refused_before_it_is_computed(backend: Backend) {
    let c = ctx(backend).await;
    let all_day = json!([{"start": "00:00", "end": "24:00"}]);
    let hours = json!({"monday": all_day, "tuesday": all_day, "wednesday": all_day, "thursday": all_day,
                       "friday": all_day, "saturday": all_day, "sunday": all_day});
    let mut ids = Vec::new();
    for i in 0..3 {
        let res = c
            .api(Method::POST, "/api/v1/practitioners")
            .json(&json!({"name": format!("Night {i}"), "weekly_hours": hours}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let res = c
        .api(Method::POST, "/api/v1/services")
        .json(&json!({"name": "Minute", "duration_minutes": 1, "slot_interval_minutes": 1,
                      "booking_window_days": 730, "practitioner_ids": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let svc = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let ask = |query: String| {
        let path = format!("/api/v1/public/orgs/clinic-a/availability?service_id={svc}&{query}");
        c.app.client.get(c.app.url(&path)).send()
    };
    let res = ask(format!("from={}&to={}", day(1), day(62))).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "too_many_slots");
    assert_eq!(err["error"]["field"], "to");
    assert!(err["error"]["message"].as_str().unwrap().contains("fewer days"));
    // One practitioner for three days: about 4,300 entries, answered.
    let res = ask(format!("practitioner_id={}&from={}&to={}", ids[0], day(1), day(3))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let slots: Value = res.json().await.unwrap();
    let n = slots["slots"].as_array().unwrap().len();
    assert!((4_000..=4_400).contains(&n), "three whole days of minutes: {n}");
    c.app.stop().await;
}
