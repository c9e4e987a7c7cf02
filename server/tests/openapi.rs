//! The OpenAPI document: it parses as OpenAPI 3.1 with an independent parser, every
//! operation in it is served by the router, and every API route of the router is in it.

use cadence_server::testing::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

async fn document(app: &TestApp) -> Value {
    let res = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// (METHOD, path) of every operation in the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn document_parses_as_openapi_3_1_with_schemas_and_errors() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = document(&app).await;
    let parsed = oas3::from_json(doc.to_string()).expect("an OpenAPI 3.1 document oas3 can read");
    assert!(parsed.openapi.starts_with("3.1"), "{}", parsed.openapi);
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["api_key"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["scheme"], "bearer");
    for name in [
        "Booking",
        "CreateBookingRequest",
        "AvailabilityResponse",
        "Service",
        "Practitioner",
        "ErrorBody",
        "WeeklyHours",
    ] {
        assert!(doc["components"]["schemas"].get(name).is_some(), "schema {name} missing");
    }
    let create = &doc["paths"]["/api/v1/bookings"]["post"];
    for status in ["201", "200", "401", "403", "404", "409", "422", "429"] {
        assert!(create["responses"].get(status).is_some(), "POST /bookings documents {status}");
    }
    assert!(create["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "Idempotency-Key"));
    assert_eq!(doc["paths"]["/api/v1/bookings"]["get"]["security"][0]["api_key"], serde_json::json!([]));
    app.stop().await;
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = document(&app).await;
    let ops = operations(&doc);
    assert!(ops.len() >= 35, "{} operations", ops.len());
    for (method, path) in &ops {
        let concrete = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let res = app.client.request(method.clone(), app.url(&concrete)).send().await.unwrap();
        assert_ne!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_ne!(body["error"]["code"], "route_not_found", "{method} {path} is documented but not routed");
    }
    app.stop().await;
}

/// Handlers registered through `routes!(…)` in the server's HTTP modules, and the plain
/// `.route(…)` calls (allowed only for pages, which are not API).
fn registrations() -> (usize, Vec<String>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let (mut handlers, mut plain) = (0, Vec::new());
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, _) in text.match_indices("routes!(") {
            let args = &text[i + 8..i + 8 + text[i + 8..].find(')').unwrap()];
            handlers += args.split(',').filter(|a| !a.trim().is_empty()).count();
        }
        for (i, _) in text.match_indices(".route(\"") {
            let route = &text[i + 8..i + 8 + text[i + 8..].find('"').unwrap()];
            plain.push(format!("{name}: {route}"));
        }
    }
    (handlers, plain)
}

#[tokio::test]
async fn every_api_route_is_documented() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = document(&app).await;
    let (handlers, plain) = registrations();
    assert_eq!(
        plain,
        ["pages.rs: /{slug}"],
        "API routes must be registered with routes!(…) so they are documented"
    );
    assert_eq!(operations(&doc).len(), handlers, "one documented operation per registered handler");
    app.stop().await;
}

/// Generators name methods after operationIds (OpenAPI requires them unique).
#[tokio::test]
async fn operation_ids_are_unique() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = document(&app).await;
    let mut seen = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values().filter(|op| op.get("responses").is_some()) {
            let id = op["operationId"].as_str().expect("every operation has an operationId");
            assert!(seen.insert(id.to_string()), "operationId {id} appears twice");
        }
    }
    app.stop().await;
}

/// The SDKs' types are generated from `sdk/openapi.json`; it must be the served document.
#[tokio::test]
async fn sdk_copy_of_the_document_is_current() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let served = document(&app).await;
    let committed: Value = serde_json::from_str(include_str!("../../sdk/openapi.json")).unwrap();
    assert!(
        committed == served,
        "sdk/openapi.json is stale: run `bash scripts/sdk-generate.sh` and commit what it changes"
    );
    app.stop().await;
}
