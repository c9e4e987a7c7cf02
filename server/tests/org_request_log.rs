//! The org's own request log (`GET /api/v1/request-log`) on both backends: what its keys
//! asked, newest first, field for field with the answers they got, paged; never another
//! org's requests; `org:read` needed.

use cadence_server::testing::{Backend, TestApp, seed_org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

cadence_server::both_backends!(an_org_reads_its_own_requests_newest_first_in_pages);

async fn an_org_reads_its_own_requests_newest_first_in_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let b = seed_org(app.store.as_ref(), "clinic-b", "Europe/Berlin").await;
    let call = |key: &str, method: Method, path: &str| {
        app.client.request(method, app.url(path)).bearer_auth(key).send()
    };
    // Three requests of org A (remember their ids and statuses), one of org B.
    let mut mine = Vec::new();
    for (method, path) in [
        (Method::GET, "/api/v1/services".to_owned()),
        (Method::GET, format!("/api/v1/services/{}", a.consultation)),
        (Method::GET, "/api/v1/services/svc_nope".to_owned()),
    ] {
        let res = call(&a.api_key, method.clone(), &path).await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        mine.push((id, method.to_string(), res.status().as_u16()));
    }
    let theirs = call(&b.api_key, Method::GET, "/api/v1/practitioners").await.unwrap();
    let their_id = theirs.headers()["x-request-id"].to_str().unwrap().to_owned();

    // The log is written in batches: wait until A's three are there.
    let read = |key: &str, query: &str| {
        let req = app.client.get(app.url(&format!("/api/v1/request-log{query}"))).bearer_auth(key);
        async move { req.send().await.unwrap() }
    };
    let mut page = Value::Null;
    for _ in 0..100 {
        page = read(&a.api_key, "?limit=100").await.json().await.unwrap();
        let ids: Vec<&str> =
            page["data"].as_array().unwrap().iter().filter_map(|e| e["request_id"].as_str()).collect();
        if mine.iter().all(|(id, _, _)| ids.contains(&id.as_str())) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let entries = page["data"].as_array().unwrap();
    let find =
        |id: &str| entries.iter().find(|e| e["request_id"] == id).unwrap_or_else(|| panic!("{id} in {page}"));
    for (id, method, status) in &mine {
        let e = find(id);
        assert_eq!(
            (e["method"].as_str().unwrap(), e["status"].as_u64().unwrap()),
            (method.as_str(), u64::from(*status))
        );
        assert!(e["key_id"].as_str().unwrap().starts_with("key_"), "{e}");
        assert!(e["at"].is_string() && e["latency_ms"].is_u64(), "{e}");
    }
    assert_eq!(find(&mine[2].0)["route"], "/api/v1/services/{id}", "the route pattern, not the raw path");
    assert_eq!(find(&mine[2].0)["status"], 404);
    assert!(entries.iter().all(|e| e["request_id"] != their_id.as_str()), "never another org's requests");
    let positions: Vec<usize> = mine
        .iter()
        .map(|(id, _, _)| entries.iter().position(|e| e["request_id"] == id.as_str()).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] > w[1]), "newest first: {positions:?}");

    // Pages: two at a time, following the cursor.
    let mut paged = Vec::new();
    let mut query = "?limit=2".to_owned();
    for _ in 0..50 {
        let p: Value = read(&a.api_key, &query).await.json().await.unwrap();
        paged.extend(p["data"].as_array().unwrap().iter().map(|e| e["request_id"].clone()));
        match p["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=2&cursor={c}"),
            None => break,
        }
    }
    // (Reading the log is logged too: newer entries may lead the pages.)
    let all: Vec<Value> = entries.iter().map(|e| e["request_id"].clone()).collect();
    let seen: Vec<Value> = paged.iter().filter(|id| all.contains(id)).cloned().collect();
    assert_eq!(seen, all, "paging reaches every entry, in the same order, each once");

    // Org B sees its own, a bad cursor is 400, and a key without org:read is 403.
    let mut seen_b = false;
    for _ in 0..100 {
        let p: Value = read(&b.api_key, "").await.json().await.unwrap();
        seen_b = p["data"].as_array().unwrap().iter().any(|e| e["request_id"] == their_id.as_str());
        if seen_b {
            assert!(
                p["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| !mine.iter().any(|(id, _, _)| e["request_id"] == id.as_str()))
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen_b);
    let bad = read(&a.api_key, "?cursor=zzz").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.unwrap()["error"]["field"], "cursor");
    let key =
        cadence_server::testing::key_with_scopes(app.store.as_ref(), &a.org.id, &["bookings:read"]).await;
    let res = read(&key, "").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["required_scope"], json!("org:read"));
    app.stop().await;
}
