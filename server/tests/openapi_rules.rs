//! The OpenAPI document is no looser than the server (schemathesis checks that at large in
//! `scripts/schemathesis.sh`; these pin the rules found by it): request objects refuse
//! arrays and unknown fields as the document says, and the document carries the server's
//! limits, alphabets, enums and links.

use cadence_server::testing::{Backend, TestApp, seed_org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

cadence_server::both_backends!(request_objects_are_objects_with_only_their_fields);

async fn request_objects_are_objects_with_only_their_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = seed_org(app.store.as_ref(), "rules-a", "Europe/Berlin").await;
    let call = |method: Method, path: &str, body: Value| {
        app.client.request(method, app.url(path)).bearer_auth(&a.api_key).json(&body).send()
    };
    let refused = |res: reqwest::Response| async move {
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        (status, body["error"]["field"].clone())
    };

    // serde would read `[null, null]` as a Branding (a struct from a sequence).
    let (status, _) =
        refused(call(Method::PATCH, "/api/v1/org", json!({ "branding": [null, null] })).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = refused(
        call(
            Method::PATCH,
            "/api/v1/org",
            json!({ "branding": { "primary_color": "#112233", "font": "x" } }),
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let org: Value = call(Method::GET, "/api/v1/org", json!({})).await.unwrap().json().await.unwrap();
    assert_eq!(org["branding"]["primary_color"], Value::Null, "nothing of the refused bodies was stored");

    // Nor a schedule from positional arrays.
    let prac = &a.practitioners[0];
    for body in [
        json!({ "weekly_hours": { "monday": [["09:00", "12:00"]] } }),
        json!({ "weekly_hours": [[], [], [], [], [], [], []] }),
        json!({ "date_overrides": [["2026-12-24", []]] }),
    ] {
        let res = call(Method::PATCH, &format!("/api/v1/practitioners/{prac}"), body.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let stored: Value = call(Method::GET, &format!("/api/v1/practitioners/{prac}"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(stored["weekly_hours"]["monday"], json!([{ "start": "09:00", "end": "12:00" }]), "not stored");

    let start = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%dT10:00:00Z").to_string();
    for customer in
        [json!(["Pat", "pat@example.com"]), json!({ "name": "Pat", "email": "pat@example.com", "vip": true })]
    {
        let body = json!({ "service_id": a.consultation, "start": start, "customer": customer });
        let res = call(Method::POST, "/api/v1/bookings", body).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "customer {customer}");
    }
    let bookings: Value =
        call(Method::GET, "/api/v1/bookings", json!({})).await.unwrap().json().await.unwrap();
    assert_eq!(bookings["data"], json!([]), "no booking was made from a refused body");
    app.stop().await;
}

async fn document() -> Value {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    app.stop().await;
    doc
}

fn param<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
    let params = doc["paths"][path][method]["parameters"].as_array().unwrap();
    &params.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("{method} {path}: no {name}"))["schema"]
}

#[tokio::test]
async fn the_document_carries_the_servers_limits() {
    let doc = document().await;
    let limit = param(&doc, "/api/v1/bookings", "get", "limit");
    assert_eq!((limit["minimum"].as_u64(), limit["maximum"].as_u64()), (Some(1), Some(100)));
    assert_eq!(param(&doc, "/api/v1/bookings", "post", "Idempotency-Key")["pattern"], "^[!-~]{1,255}$");
    let service_id = &doc["paths"]["/api/v1/availability"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "service_id")
        .unwrap()["required"];
    assert_eq!(service_id, true);

    let schemas = &doc["components"]["schemas"];
    let zones = schemas["Timezone"]["enum"].as_array().unwrap();
    assert!(zones.contains(&json!("Europe/Berlin")) && !zones.contains(&json!("Mars/Olympus")));
    for closed in ["CreateBookingRequest", "CustomerInput", "Branding", "UpdateOrgRequest", "Interval"] {
        assert_eq!(schemas[closed]["additionalProperties"], false, "{closed} is closed to unknown fields");
    }
    let service = &schemas["CreateServiceRequest"]["properties"];
    assert_eq!(service["duration_minutes"]["minimum"], 1);
    assert_eq!(service["buffer_before_minutes"]["minimum"], 0);
    assert!(service["name"]["pattern"].is_string(), "names must not be blank");
    for schema in ["UpdateOrgRequest", "PublicOrg", "Org"] {
        let locale = &schemas[schema]["properties"]["locale"]["enum"];
        assert_eq!(locale, &json!(["en", "de", "fr", "es", "nl", null]), "{schema}: the languages, or none");
    }
    let scopes = &schemas["CreateApiKeyRequest"]["properties"]["scopes"];
    assert!(scopes.to_string().contains("bookings:write"), "{scopes}");

    // The optional cancel body is an object or nothing, not the JSON `null`.
    let cancel = &doc["paths"]["/api/v1/bookings/{id}/cancel"]["post"]["requestBody"];
    assert_eq!(cancel["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/CancelRequest");
    assert_ne!(cancel["required"], true);
}

#[tokio::test]
async fn links_lead_from_created_objects_to_their_routes() {
    let doc = document().await;
    let links = &doc["paths"]["/api/v1/services"]["post"]["responses"]["201"]["links"];
    let targets: Vec<&str> =
        links.as_object().unwrap().values().map(|l| l["operationRef"].as_str().unwrap()).collect();
    assert!(targets.contains(&"#/paths/~1api~1v1~1services~1{id}/get"), "{targets:?}");
    assert!(targets.contains(&"#/paths/~1api~1v1~1availability/get"), "{targets:?}");
    let manage = &doc["paths"]["/api/v1/public/orgs/{slug}/bookings"]["post"]["responses"]["201"]["links"];
    assert!(manage.to_string().contains("$response.body#/manage_token"), "{manage}");

    // Every link names an operation that exists, with parameters that operation has.
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    let pointer = link["operationRef"].as_str().unwrap().trim_start_matches('#');
                    let target =
                        doc.pointer(pointer).unwrap_or_else(|| panic!("{method} {path} {status} {name}"));
                    let names: Vec<&Value> =
                        target["parameters"].as_array().unwrap().iter().map(|p| &p["name"]).collect();
                    for key in link["parameters"].as_object().unwrap().keys() {
                        assert!(
                            names.contains(&&json!(key)),
                            "{name}: {key} is not a parameter of {pointer}"
                        );
                    }
                    count += 1;
                }
            }
        }
    }
    assert!(count >= 30, "{count} links");
}
