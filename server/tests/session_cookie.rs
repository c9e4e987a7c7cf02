//! The dashboard's session cookie, on both backends: signing up or in with `"cookie": true`
//! sets an `HttpOnly`, `SameSite=Strict` cookie and no token in the body; the account API
//! and the org API accept it (the owner may do what any scope allows); a change from
//! another origin is refused; logging out ends it; another org's owner gets 404.

use cadence_server::testing::{Backend, TestApp, seed_org};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

cadence_server::both_backends!(
    a_cookie_session_runs_the_account_and_org_apis,
    a_cross_site_change_with_the_cookie_is_refused_and_changes_nothing,
    logging_out_ends_the_cookie_session,
    another_orgs_owner_gets_404_for_this_orgs_objects,
);

/// The cookie of `res`'s `Set-Cookie` (`cadence_session=…`) and the whole header.
fn cookie_of(res: &reqwest::Response) -> (String, String) {
    let header = res.headers().get("set-cookie").expect("Set-Cookie").to_str().unwrap().to_owned();
    (header.split(';').next().unwrap().to_owned(), header)
}

async fn sign_up(app: &TestApp, email: &str, org: &str) -> (String, Value) {
    let body = json!({ "email": email, "password": "correct horse battery", "display_name": "Ada Park",
        "org_name": org, "timezone": "Europe/Berlin", "cookie": true });
    let res = app.client.post(app.url("/api/v1/auth/signup")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (cookie, header) = cookie_of(&res);
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(header.contains(part), "{header}");
    }
    assert!(!header.contains("Secure"), "the test server's public URL is http: {header}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body.get("token"), None, "the token is not in the body: scripts cannot read it");
    (cookie, body)
}

/// This server's own origin, as a browser on its pages sends it.
fn origin(app: &TestApp) -> String {
    app.url("").trim_end_matches('/').to_owned()
}

/// `GET path` with the cookie: the JSON answer.
async fn read(app: &TestApp, cookie: &str, path: &str) -> Value {
    with_cookie(app, cookie, Method::GET, path).send().await.unwrap().json().await.unwrap()
}

fn with_cookie(app: &TestApp, cookie: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, app.url(path)).header("cookie", cookie).header("origin", origin(app))
}

async fn a_cookie_session_runs_the_account_and_org_apis(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (cookie, body) = sign_up(&app, "ada@example.com", "Park Physio").await;
    let me = read(&app, &cookie, "/api/v1/auth/me").await;
    assert_eq!(me["user"]["email"], "ada@example.com");

    // The org API, as the owner: a practitioner and a service, then read back with a key
    // the same session made.
    let res = with_cookie(&app, &cookie, Method::POST, "/api/v1/practitioners")
        .json(&json!({ "name": "Dr. Ada Park" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let prac: Value = res.json().await.unwrap();
    let res = with_cookie(&app, &cookie, Method::POST, "/api/v1/services")
        .json(&json!({ "name": "Consultation", "duration_minutes": 30, "practitioner_ids": [prac["id"]] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = with_cookie(&app, &cookie, Method::POST, "/api/v1/api-keys")
        .json(&json!({ "name": "backend" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let key: Value = res.json().await.unwrap();
    let listed: Value = app
        .client
        .get(app.url("/api/v1/services"))
        .bearer_auth(key["plain_key"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"][0]["name"], "Consultation");
    assert_eq!(listed["data"][0]["practitioner_ids"], json!([prac["id"]]));

    // Logging in again with the cookie gives a second, separate session.
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ada@example.com", "password": "correct horse battery", "cookie": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (second, _) = cookie_of(&res);
    assert_ne!(second, cookie);
    let org = read(&app, &second, "/api/v1/org").await;
    assert_eq!(org["id"], body["org"]["id"]);
    // Only hashes of the session tokens are stored.
    let token = cookie.split_once('=').unwrap().1;
    assert!(!app.db.strings("SELECT token_hash FROM sessions").await.iter().any(|h| h == token));
    app.stop().await;
}

async fn a_cross_site_change_with_the_cookie_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (cookie, _) = sign_up(&app, "ada@example.com", "Park Physio").await;
    let forged = |origin: Option<&str>, path: &str| {
        let mut req = app.client.post(app.url(path)).header("cookie", &cookie);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req
    };
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let res =
            forged(origin, "/api/v1/practitioners").json(&json!({ "name": "Mallory" })).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin:?}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "csrf_refused");
        let res = forged(origin, "/api/v1/api-keys").json(&json!({ "name": "stolen" })).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "account API too, {origin:?}");
    }
    assert_eq!(app.db.strings("SELECT name FROM practitioners").await, Vec::<String>::new());
    assert_eq!(app.db.strings("SELECT name FROM api_keys").await, Vec::<String>::new());
    // Reading needs no Origin (a cross-site page cannot read the answer anyway).
    let res =
        app.client.get(app.url("/api/v1/practitioners")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

async fn logging_out_ends_the_cookie_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (cookie, _) = sign_up(&app, "ada@example.com", "Park Physio").await;
    let res = with_cookie(&app, &cookie, Method::POST, "/api/v1/auth/logout").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (cleared, header) = cookie_of(&res);
    assert_eq!(cleared, "cadence_session=");
    assert!(header.contains("Max-Age=0"), "{header}");
    for path in ["/api/v1/auth/me", "/api/v1/services"] {
        let res = with_cookie(&app, &cookie, Method::GET, path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    app.stop().await;
}

async fn another_orgs_owner_gets_404_for_this_orgs_objects(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let a = seed_org(app.store.as_ref(), "clinic-a", "Europe/Berlin").await;
    let (cookie, _) = sign_up(&app, "mallory@example.com", "Other Practice").await;
    for path in [
        format!("/api/v1/services/{}", a.consultation),
        format!("/api/v1/practitioners/{}", a.practitioners[0]),
    ] {
        let res = with_cookie(&app, &cookie, Method::GET, &path).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let res = with_cookie(&app, &cookie, Method::PATCH, &path)
            .json(&json!({ "name": "taken over" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let services = read(&app, &cookie, "/api/v1/services").await;
    assert_eq!(services["data"], json!([]), "only its own org's");
    app.stop().await;
}
