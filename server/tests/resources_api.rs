//! The org API's resources on both backends: services, practitioners, customers, the org;
//! validation that names the field; deletion rules; tenant isolation on every id route.

use cadence_server::model::{NewPractitioner, NewService, NewWebhookEndpoint};
use cadence_server::testing::{Backend, SeededOrg, TestApp, seed_org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

cadence_server::both_backends!(
    services_crud_with_defaults_and_pagination,
    practitioners_crud_with_schedule,
    bad_resource_input_names_the_field,
    delete_with_upcoming_bookings_is_409_and_deactivation_works,
    customers_list_counts_bookings_and_detail_shows_them,
    customers_are_found_by_part_of_their_name_or_email,
    org_can_be_read_and_updated,
    org_default_language_is_set_shown_publicly_and_cleared,
    another_orgs_key_gets_404_on_every_id_route,
    unknown_ids_are_404_naming_what_is_missing,
    per_org_quotas_are_clear_refusals,
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

impl Ctx {
    fn call(&self, key: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.app.client.request(method, self.app.url(path)).bearer_auth(key)
    }

    async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut r = self.call(&self.a.api_key, method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
    }
}

fn in_days(n: i64, hour: u32) -> String {
    let d = (chrono::Utc::now().with_timezone(&chrono_tz::Europe::Berlin) + chrono::Duration::days(n))
        .date_naive();
    let local = chrono::TimeZone::from_local_datetime(
        &chrono_tz::Europe::Berlin,
        &d.and_hms_opt(hour, 0, 0).unwrap(),
    )
    .single()
    .unwrap();
    local.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn services_crud_with_defaults_and_pagination(backend: Backend) {
    let c = ctx(backend).await;
    let ada = &c.a.practitioners[0];
    let (status, s) = c
        .json(
            Method::POST,
            "/api/v1/services",
            Some(json!({"name": "Check-up", "duration_minutes": 45, "practitioner_ids": [ada]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(s["id"].as_str().unwrap().starts_with("svc_"));
    assert_eq!(s["slot_interval_minutes"], 45, "defaults to the duration");
    assert_eq!(s["booking_window_days"], 60);
    assert_eq!(s["buffer_before_minutes"], 0);
    assert_eq!(s["active"], true);
    assert_eq!(s["practitioner_ids"], json!([ada]));
    let id = s["id"].as_str().unwrap();
    let (status, patched) = c
        .json(
            Method::PATCH,
            &format!("/api/v1/services/{id}"),
            Some(json!({"buffer_after_minutes": 15, "name": "Check-up (long)"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["buffer_after_minutes"], 15);
    assert_eq!(patched["duration_minutes"], 45, "untouched fields stay");
    assert_eq!(patched["name"], "Check-up (long)");
    let (_, fetched) = c.json(Method::GET, &format!("/api/v1/services/{id}"), None).await;
    assert_eq!(fetched, patched);
    // Three services now, newest first, two per page.
    let (_, page1) = c.json(Method::GET, "/api/v1/services?limit=2", None).await;
    assert_eq!(page1["data"][0]["id"], id);
    assert_eq!(page1["has_more"], true);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = c.json(Method::GET, &format!("/api/v1/services?limit=2&cursor={cursor}"), None).await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert_eq!(page2["has_more"], false);
    let (status, _) = c.json(Method::DELETE, &format!("/api/v1/services/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = c.json(Method::GET, &format!("/api/v1/services/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    c.app.stop().await;
}

async fn practitioners_crud_with_schedule(backend: Backend) {
    let c = ctx(backend).await;
    let body = json!({
        "name": "Dr. Cleo Li", "email": "Cleo@Example.com", "timezone": "Asia/Kolkata",
        "weekly_hours": { "monday": [ { "start": "09:00", "end": "12:00" }, { "start": "13:00", "end": "17:00" } ] },
        "date_overrides": [ { "date": "2027-01-01", "intervals": [] } ]
    });
    let (status, p) = c.json(Method::POST, "/api/v1/practitioners", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(p["email"], "cleo@example.com");
    assert_eq!(p["timezone"], "Asia/Kolkata");
    assert_eq!(p["weekly_hours"]["monday"][1], json!({"start": "13:00", "end": "17:00"}));
    assert_eq!(p["weekly_hours"]["tuesday"], json!([]));
    assert_eq!(p["date_overrides"], json!([{"date": "2027-01-01", "intervals": []}]));
    let id = p["id"].as_str().unwrap();
    let (status, p2) = c
        .json(
            Method::PATCH,
            &format!("/api/v1/practitioners/{id}"),
            Some(json!({"timezone": null, "active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(p2["timezone"].is_null(), "null resets to the org's timezone");
    assert_eq!(p2["active"], false);
    assert_eq!(p2["weekly_hours"], p["weekly_hours"]);
    // Linking it to a service shows on both sides.
    let (_, s) = c
        .json(
            Method::PATCH,
            &format!("/api/v1/services/{}", c.a.massage),
            Some(json!({"practitioner_ids": [id]})),
        )
        .await;
    assert_eq!(s["practitioner_ids"], json!([id]));
    let (_, p3) = c.json(Method::GET, &format!("/api/v1/practitioners/{id}"), None).await;
    assert_eq!(p3["service_ids"], json!([c.a.massage]));
    let (_, list) = c.json(Method::GET, "/api/v1/practitioners", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    c.app.stop().await;
}

async fn bad_resource_input_names_the_field(backend: Backend) {
    let c = ctx(backend).await;
    let svc = |extra: Value| {
        let mut b = json!({"name": "S", "duration_minutes": 30});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let service_cases = [
        (svc(json!({"duration_minutes": 0})), "duration_minutes"),
        (svc(json!({"duration_minutes": -30})), "duration_minutes"),
        (svc(json!({"buffer_before_minutes": -5})), "buffer_before_minutes"),
        (svc(json!({"slot_interval_minutes": 0})), "slot_interval_minutes"),
        (svc(json!({"booking_window_days": 0})), "booking_window_days"),
        (svc(json!({"name": "  "})), "name"),
        (svc(json!({"practitioner_ids": ["prac_unknown"]})), "practitioner_ids"),
        (svc(json!({"duration_minutes": "long"})), "duration_minutes"),
    ];
    for (body, field) in service_cases {
        let (status, err) = c.json(Method::POST, "/api/v1/services", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    let prac = |hours: Value, extra: Value| {
        let mut b = json!({"name": "P", "weekly_hours": hours});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let iv = |a: &str, b: &str| json!({"start": a, "end": b});
    let practitioner_cases = [
        (
            prac(json!({"monday": [iv("09:00", "12:00"), iv("11:00", "13:00")]}), json!({})),
            "weekly_hours.monday[1]",
        ),
        (prac(json!({"tuesday": [iv("17:00", "09:00")]}), json!({})), "weekly_hours.tuesday[0]"),
        (prac(json!({}), json!({"timezone": "Atlantis/Capital"})), "timezone"),
        (prac(json!({}), json!({"email": "nope"})), "email"),
        (
            prac(
                json!({}),
                json!({"date_overrides": [{"date": "2027-01-01", "intervals": []}, {"date": "2027-01-01", "intervals": []}]}),
            ),
            "date_overrides[1].date",
        ),
        (prac(json!({"monday": [iv("09:00", "25:00")]}), json!({})), "weekly_hours.monday[0].end"),
        (prac(json!({"funday": []}), json!({})), "weekly_hours.funday"),
    ];
    for (body, field) in practitioner_cases {
        let (status, err) = c.json(Method::POST, "/api/v1/practitioners", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM practitioners").await, 2, "nothing half-written");
    assert_eq!(c.app.db.scalar("SELECT COUNT(*) FROM services").await, 2);
    c.app.stop().await;
}

async fn delete_with_upcoming_bookings_is_409_and_deactivation_works(backend: Backend) {
    let c = ctx(backend).await;
    let ada = c.a.practitioners[0].clone();
    let booking = json!({"service_id": c.a.massage, "start": in_days(5, 10), "practitioner_id": ada,
                         "customer": {"name": "G", "email": "g@example.com"}});
    let (status, b) = c.json(Method::POST, "/api/v1/bookings", Some(booking)).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    for path in [format!("/api/v1/services/{}", c.a.massage), format!("/api/v1/practitioners/{ada}")] {
        let (status, err) = c.json(Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(err["error"]["code"], "has_upcoming_bookings");
    }
    let (status, s) = c
        .json(Method::PATCH, &format!("/api/v1/services/{}", c.a.massage), Some(json!({"active": false})))
        .await;
    assert_eq!((status, s["active"].clone()), (StatusCode::OK, json!(false)));
    let public = c
        .app
        .client
        .get(c.app.url("/api/v1/public/orgs/clinic-a/services"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(public["data"].as_array().unwrap().iter().all(|s| s["id"] != c.a.massage.as_str()));
    // Once the booking is cancelled, deletion goes through; the booking keeps its service.
    let id = b["id"].as_str().unwrap();
    c.json(Method::POST, &format!("/api/v1/bookings/{id}/cancel"), None).await;
    let (status, _) = c.json(Method::DELETE, &format!("/api/v1/services/{}", c.a.massage), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, kept) = c.json(Method::GET, &format!("/api/v1/bookings/{id}"), None).await;
    assert_eq!(kept["service_id"], c.a.massage.as_str());
    c.app.stop().await;
}

async fn customers_list_counts_bookings_and_detail_shows_them(backend: Backend) {
    let c = ctx(backend).await;
    for (i, email) in ["ann@example.com", "ann@example.com", "bob@example.com"].iter().enumerate() {
        let body = json!({"service_id": c.a.consultation, "start": in_days(6, 9 + i as u32),
                          "customer": {"name": "Customer", "email": email}});
        assert_eq!(c.json(Method::POST, "/api/v1/bookings", Some(body)).await.0, StatusCode::CREATED);
    }
    let (status, list) = c.json(Method::GET, "/api/v1/customers", None).await;
    assert_eq!(status, StatusCode::OK);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["email"], "bob@example.com", "newest first");
    let ann = &data[1];
    assert_eq!(ann["booking_count"], 2);
    assert_eq!(ann["last_booking_at"], in_days(6, 10));
    let (_, detail) =
        c.json(Method::GET, &format!("/api/v1/customers/{}", ann["id"].as_str().unwrap()), None).await;
    assert_eq!(detail["email"], "ann@example.com");
    let starts: Vec<&str> =
        detail["bookings"].as_array().unwrap().iter().map(|b| b["start"].as_str().unwrap()).collect();
    assert_eq!(starts, [in_days(6, 9), in_days(6, 10)]);
    let (_, page) = c.json(Method::GET, "/api/v1/customers?limit=1", None).await;
    assert_eq!(page["has_more"], true);
    c.app.stop().await;
}

async fn customers_are_found_by_part_of_their_name_or_email(backend: Backend) {
    let c = ctx(backend).await;
    let people = [
        ("Ann Lee", "ann@example.com"),
        ("Bob Stone", "bob@work.example"),
        ("Cleo 100%", "cleo@example.com"),
    ];
    for (i, (name, email)) in people.iter().enumerate() {
        let body = json!({"service_id": c.a.consultation, "start": in_days(6, 9 + i as u32),
                          "customer": {"name": name, "email": email}});
        assert_eq!(c.json(Method::POST, "/api/v1/bookings", Some(body)).await.0, StatusCode::CREATED);
    }
    let names = |list: &serde_json::Value| -> Vec<String> {
        list["data"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect()
    };
    for (q, want) in [
        ("ann", vec!["Ann Lee"]),
        ("STONE", vec!["Bob Stone"]),
        ("%40example.com", vec!["Cleo 100%", "Ann Lee"]),
        ("0%25", vec!["Cleo 100%"]),
        ("_", vec![]),
        ("nobody", vec![]),
        ("", vec!["Cleo 100%", "Bob Stone", "Ann Lee"]),
    ] {
        let (status, list) = c.json(Method::GET, &format!("/api/v1/customers?q={q}"), None).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(names(&list), want, "q={q}");
    }
    let (_, first) = c.json(Method::GET, "/api/v1/customers?q=example.com&limit=1", None).await;
    assert_eq!((names(&first), first["has_more"].clone()), (vec!["Cleo 100%".to_owned()], json!(true)));
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, next) =
        c.json(Method::GET, &format!("/api/v1/customers?q=example.com&limit=1&cursor={cursor}"), None).await;
    assert_eq!(names(&next), ["Ann Lee"], "the search holds across pages");
    let long = "x".repeat(201);
    let (status, err) = c.json(Method::GET, &format!("/api/v1/customers?q={long}"), None).await;
    assert_eq!((status, err["error"]["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("q")));
    c.app.stop().await;
}

async fn org_can_be_read_and_updated(backend: Backend) {
    let c = ctx(backend).await;
    let (_, org) = c.json(Method::GET, "/api/v1/org", None).await;
    assert_eq!(org["slug"], "clinic-a");
    let (status, updated) = c
        .json(
            Method::PATCH,
            "/api/v1/org",
            Some(json!({"name": "Clinic A+", "branding": {"primary_color": "#112233"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["name"], "Clinic A+");
    assert_eq!(updated["timezone"], "Europe/Berlin");
    assert_eq!(updated["branding"]["primary_color"], "#112233");
    let public = c
        .app
        .client
        .get(c.app.url("/api/v1/public/orgs/clinic-a"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(public["name"], "Clinic A+");
    for (body, field) in [
        (json!({"timezone": "Nowhere/City"}), "timezone"),
        (json!({"branding": {"primary_color": "red"}}), "branding.primary_color"),
        (json!({"branding": {"logo_url": "http://insecure.example/logo.png"}}), "branding.logo_url"),
        (json!({"branding": {"logo_url": "https://example.com]/logo.png"}}), "branding.logo_url"),
        (json!({"branding": {"logo_url": "https://user:pw@example.com/logo.png"}}), "branding.logo_url"),
        (json!({"name": ""}), "name"),
    ] {
        let (status, err) = c.json(Method::PATCH, "/api/v1/org", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err["error"]["field"], field);
    }
    c.app.stop().await;
}

async fn org_default_language_is_set_shown_publicly_and_cleared(backend: Backend) {
    let c = ctx(backend).await;
    let public = |c: &Ctx| {
        let req = c.app.client.get(c.app.url("/api/v1/public/orgs/clinic-a"));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let (_, org) = c.json(Method::GET, "/api/v1/org", None).await;
    assert_eq!(org["locale"], Value::Null, "a new org has none: the visitor's browser decides");
    assert_eq!(public(&c).await["locale"], Value::Null);

    let (status, updated) = c.json(Method::PATCH, "/api/v1/org", Some(json!({"locale": "de"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["locale"], "de");
    assert_eq!(public(&c).await["locale"], "de", "the booking page reads it");
    let (_, renamed) = c.json(Method::PATCH, "/api/v1/org", Some(json!({"name": "Praxis A"}))).await;
    assert_eq!(renamed["locale"], "de", "a patch without it keeps it");

    for bad in [json!("DE"), json!("de-AT"), json!("it"), json!(""), json!(7)] {
        let (status, err) = c.json(Method::PATCH, "/api/v1/org", Some(json!({"locale": bad}))).await;
        assert!(status.is_client_error(), "{bad}: {status}");
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!(err["error"]["field"], "locale", "{bad}");
        }
    }
    let (_, org) = c.json(Method::GET, "/api/v1/org", None).await;
    assert_eq!(org["locale"], "de", "refused patches changed nothing");

    let (_, cleared) = c.json(Method::PATCH, "/api/v1/org", Some(json!({"locale": null}))).await;
    assert_eq!(cleared["locale"], Value::Null);
    assert_eq!(public(&c).await["locale"], Value::Null);
    c.app.stop().await;
}

async fn another_orgs_key_gets_404_on_every_id_route(backend: Backend) {
    let c = ctx(backend).await;
    let b = seed_org(c.app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    let booking = json!({"service_id": c.a.consultation, "start": in_days(7, 10), "customer": {"name": "T", "email": "t@example.com"}});
    let (_, bk) = c.json(Method::POST, "/api/v1/bookings", Some(booking)).await;
    let customer = bk["customer"]["id"].as_str().unwrap().to_owned();
    let (svc, prac) = (&c.a.consultation, &c.a.practitioners[0]);
    let routes = [
        (Method::GET, format!("/api/v1/services/{svc}"), None),
        (Method::PATCH, format!("/api/v1/services/{svc}"), Some(json!({"name": "stolen"}))),
        (Method::DELETE, format!("/api/v1/services/{svc}"), None),
        (Method::GET, format!("/api/v1/practitioners/{prac}"), None),
        (Method::PATCH, format!("/api/v1/practitioners/{prac}"), Some(json!({"name": "stolen"}))),
        (Method::DELETE, format!("/api/v1/practitioners/{prac}"), None),
        (Method::GET, format!("/api/v1/customers/{customer}"), None),
        (Method::GET, format!("/api/v1/bookings/{}", bk["id"].as_str().unwrap()), None),
        (Method::POST, format!("/api/v1/bookings/{}/cancel", bk["id"].as_str().unwrap()), None),
        (Method::GET, format!("/api/v1/availability?service_id={svc}"), None),
    ];
    for (method, path, body) in routes {
        let mut r = c.call(&b.api_key, method.clone(), &path);
        if let Some(body) = body {
            r = r.json(&body);
        }
        let res = r.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    for list in ["/api/v1/services", "/api/v1/practitioners", "/api/v1/customers", "/api/v1/bookings"] {
        let page: Value = c.call(&b.api_key, Method::GET, list).send().await.unwrap().json().await.unwrap();
        let leaked: Vec<&Value> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| {
                let id = x["id"].as_str().unwrap();
                [svc.as_str(), prac.as_str(), &customer, bk["id"].as_str().unwrap()].contains(&id)
                    || c.a.practitioners.iter().any(|p| p == id)
            })
            .collect();
        assert!(leaked.is_empty(), "{list} shows org A's rows: {leaked:?}");
    }
    // B cannot attach A's practitioner to its own service.
    let res = c
        .call(&b.api_key, Method::POST, "/api/v1/services")
        .json(&json!({"name": "x", "duration_minutes": 30, "practitioner_ids": [prac]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A's rows are unchanged.
    let (_, s) = c.json(Method::GET, &format!("/api/v1/services/{svc}"), None).await;
    assert_eq!(s["name"], "Consultation");
    let (_, bk2) =
        c.json(Method::GET, &format!("/api/v1/bookings/{}", bk["id"].as_str().unwrap()), None).await;
    assert_eq!(bk2["status"], "confirmed");
    c.app.stop().await;
}

/// Each refusal names the kind of thing that is missing, whichever floor noticed it (the
/// handler's lookup, the domain's, or the store's write that found no row).
async fn unknown_ids_are_404_naming_what_is_missing(backend: Backend) {
    let c = ctx(backend).await;
    let cases = [
        (Method::PATCH, "/api/v1/services/svc_nope", Some(json!({"name": "X"})), "Service not found."),
        (Method::DELETE, "/api/v1/services/svc_nope", None, "Service not found."),
        (
            Method::PATCH,
            "/api/v1/practitioners/prac_nope",
            Some(json!({"name": "X"})),
            "Practitioner not found.",
        ),
        (Method::DELETE, "/api/v1/practitioners/prac_nope", None, "Practitioner not found."),
        (Method::POST, "/api/v1/bookings/bk_nope/cancel", None, "Booking not found."),
        (
            Method::POST,
            "/api/v1/bookings/bk_nope/reschedule",
            Some(json!({"start": in_days(3, 10)})),
            "Booking not found.",
        ),
        (Method::DELETE, "/api/v1/webhooks/wh_nope", None, "Webhook not found."),
        (Method::GET, "/api/v1/customers/cus_nope", None, "Customer not found."),
    ];
    for (method, path, body, message) in cases {
        let (status, err) = c.json(method.clone(), path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {err}");
        assert_eq!(err["error"]["code"], "resource_not_found", "{method} {path}");
        assert_eq!(err["error"]["message"], message, "{method} {path}");
    }
    let res = c
        .app
        .client
        .get(c.app.url("/api/v1/public/orgs/clinic-a/practitioners?service_id=svc_nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["message"], "Service svc_nope not found.");
    c.app.stop().await;
}

/// An org has at most 200 services, 200 practitioners and 20 webhook endpoints (409
/// `quota_exceeded`, freed by deleting one) and a practitioner at most 400 date overrides
/// (422): every page and every availability question reads them all.
async fn per_org_quotas_are_clear_refusals(backend: Backend) {
    let c = ctx(backend).await;
    let (store, org) = (c.app.store.as_ref(), c.a.org.id.as_str());
    let have = |n: usize| 200 - n;
    for i in 0..have(c.a.practitioners.len()) {
        let p = NewPractitioner { name: format!("P{i}"), active: true, ..NewPractitioner::default() };
        store.create_practitioner(org, &p).await.unwrap();
    }
    for i in 0..have(2) {
        let s = NewService {
            name: format!("S{i}"),
            duration_minutes: 30,
            slot_interval_minutes: 30,
            booking_window_days: 60,
            active: true,
            ..NewService::default()
        };
        store.create_service(org, &s).await.unwrap();
    }
    for i in 0..20 {
        let e = NewWebhookEndpoint {
            org_id: org.to_owned(),
            url: format!("https://hooks{i}.example.com/cadence"),
            events: vec!["*".into()],
            description: None,
            secret: "whsec_x".into(),
        };
        store.create_webhook_endpoint(&e).await.unwrap();
    }
    let refused = [
        ("/api/v1/practitioners", json!({"name": "One too many"})),
        ("/api/v1/services", json!({"name": "One too many", "duration_minutes": 30})),
        ("/api/v1/webhooks", json!({"url": "https://more.example.com/cadence", "events": ["*"]})),
    ];
    for (path, body) in &refused {
        let (status, err) = c.json(Method::POST, path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {err}");
        assert_eq!(err["error"]["code"], "quota_exceeded", "{path}");
    }
    // Deleting one makes room again.
    let (_, list) = c.json(Method::GET, "/api/v1/services?limit=1", None).await;
    let id = list["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = c.json(Method::DELETE, &format!("/api/v1/services/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = c.json(Method::POST, refused[1].0, Some(refused[1].1.clone())).await;
    assert_eq!(status, StatusCode::CREATED);

    let overrides: Vec<Value> = (0..401)
        .map(|d| json!({"date": (chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Duration::days(d)).to_string(), "intervals": []}))
        .collect();
    let (_, list) = c.json(Method::GET, "/api/v1/practitioners?limit=1", None).await;
    let id = list["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, err) = c
        .json(
            Method::PATCH,
            &format!("/api/v1/practitioners/{id}"),
            Some(json!({"date_overrides": overrides})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        (err["error"]["code"].as_str(), err["error"]["field"].as_str()),
        (Some("too_many"), Some("date_overrides"))
    );
    c.app.stop().await;
}
