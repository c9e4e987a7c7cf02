//! The account API and API key lifecycle, on both backends.

use cadence_server::config::Config;
use cadence_server::testing::{Backend, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

cadence_server::both_backends!(
    signup_creates_person_org_and_session_and_login_works,
    signup_refuses_bad_input_and_duplicates,
    password_change_ends_other_sessions,
    the_profile_changes_and_a_new_email_needs_the_password,
    api_key_lifecycle_create_use_revoke_expire,
    api_keys_need_a_session_not_an_api_key,
    key_scopes_are_enforced,
    failed_logins_are_throttled_per_account_without_telling_which_exist,
);

async fn signup(app: &TestApp, email: &str, slug: Option<&str>) -> reqwest::Response {
    let mut body = json!({
        "email": email, "password": "correct horse battery", "display_name": "Ada Park",
        "org_name": "Park Physio", "timezone": "Europe/Berlin",
    });
    if let Some(s) = slug {
        body["org_slug"] = json!(s);
    }
    app.client.post(app.url("/api/v1/auth/signup")).json(&body).send().await.unwrap()
}

async fn session(app: &TestApp, email: &str) -> (String, Value) {
    let res = signup(app, email, None).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    (body["token"].as_str().unwrap().to_owned(), body)
}

async fn error(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    res.json::<Value>().await.unwrap()["error"].clone()
}

fn req(app: &TestApp, token: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.client.request(method, app.url(path)).bearer_auth(token)
}

async fn signup_creates_person_org_and_session_and_login_works(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (token, body) = session(&app, "Ada@Example.com").await;
    assert!(token.starts_with("cs_"));
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert!(body["user"]["id"].as_str().unwrap().starts_with("usr_"));
    assert_eq!(body["org"]["slug"], "park-physio", "derived from the org name");
    assert_eq!(body["org"]["timezone"], "Europe/Berlin");
    assert!(body["user"].get("password_hash").is_none());
    // Only an Argon2id hash is stored.
    let hashes = app.db.strings("SELECT password_hash FROM users").await;
    assert!(hashes[0].starts_with("$argon2id$"));
    assert!(!hashes[0].contains("correct horse"));
    assert!(!app.db.strings("SELECT token_hash FROM sessions").await.contains(&token));

    let me: Value =
        req(&app, &token, Method::GET, "/api/v1/auth/me").send().await.unwrap().json().await.unwrap();
    assert_eq!(me["user"]["display_name"], "Ada Park");
    assert_eq!(me["org"]["id"], body["org"]["id"]);

    let login = |pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "ADA@example.com", "password": pw}))
            .send()
    };
    let res = login("correct horse battery").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let second = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    assert_ne!(second, token);
    let wrong = error(login("wrong horse battery").await.unwrap(), StatusCode::UNAUTHORIZED).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "nobody@example.com", "password": "x"}))
        .send()
        .await
        .unwrap();
    let unknown = error(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong["code"], "unauthorized");
    assert_eq!(wrong["message"], unknown["message"], "no hint whether the e-mail exists");

    // A second org with the same name gets another slug.
    let other = signup(&app, "ben@example.com", None).await.json::<Value>().await.unwrap();
    assert_eq!(other["org"]["slug"], "park-physio-2");

    // Logout ends the session.
    assert_eq!(
        req(&app, &token, Method::POST, "/api/v1/auth/logout").send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    error(req(&app, &token, Method::GET, "/api/v1/auth/me").send().await.unwrap(), StatusCode::UNAUTHORIZED)
        .await;
    assert_eq!(
        req(&app, &second, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    app.stop().await;
}

async fn signup_refuses_bad_input_and_duplicates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(signup(&app, "ada@example.com", Some("park")).await.status(), StatusCode::CREATED);
    let err = error(signup(&app, "ADA@example.com", None).await, StatusCode::CONFLICT).await;
    assert_eq!(err["code"], "email_taken");
    let err = error(signup(&app, "ben@example.com", Some("park")).await, StatusCode::CONFLICT).await;
    assert_eq!(err["code"], "slug_taken");
    let base = json!({"email": "c@example.com", "password": "correct horse battery", "display_name": "C",
                      "org_name": "C Org", "timezone": "Europe/Berlin"});
    let cases = [
        ("timezone", json!("Mars/Olympus"), "invalid_timezone"),
        ("timezone", json!("+02:00"), "invalid_timezone"),
        ("email", json!("not-an-email"), "invalid_email"),
        ("password", json!("short"), "weak_password"),
        ("org_slug", json!("API"), "invalid_slug"),
        ("org_slug", json!("api"), "invalid_slug"),
        ("display_name", json!("   "), "missing_field"),
    ];
    for (field, value, code) in cases {
        let mut body = base.clone();
        body[field] = value;
        let res = app.client.post(app.url("/api/v1/auth/signup")).json(&body).send().await.unwrap();
        let err = error(res, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some(code), Some(field)), "{body}");
    }
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM users").await, 1, "nothing half-written");
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM orgs").await, 1);
    app.stop().await;
}

async fn the_profile_changes_and_a_new_email_needs_the_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (token, _) = session(&app, "ada@example.com").await;
    session(&app, "grace@example.com").await;
    let patch = |body: Value| req(&app, &token, Method::PATCH, "/api/v1/auth/me").json(&body).send();
    let login = |email: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "correct horse battery"}))
            .send()
    };

    let res = patch(json!({"display_name": "Ada Lovelace"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(
        (me["user"]["display_name"].clone(), me["user"]["email"].clone()),
        (json!("Ada Lovelace"), json!("ada@example.com"))
    );
    for (body, status, field) in [
        (json!({"email": "ada@new.example"}), StatusCode::UNPROCESSABLE_ENTITY, "current_password"),
        (
            json!({"email": "ada@new.example", "current_password": "wrong wrong"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "current_password",
        ),
        (
            json!({"email": "not an address", "current_password": "correct horse battery"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (json!({"display_name": "  "}), StatusCode::UNPROCESSABLE_ENTITY, "display_name"),
    ] {
        let err = error(patch(body.clone()).await.unwrap(), status).await;
        assert_eq!(err["field"], field, "{body}");
    }
    let err = error(
        patch(json!({"email": "Grace@Example.com", "current_password": "correct horse battery"}))
            .await
            .unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(err["code"], "email_taken");
    assert_eq!(
        app.db.strings("SELECT email FROM users ORDER BY email").await,
        ["ada@example.com", "grace@example.com"]
    );

    let res = patch(json!({"email": "Ada@New.Example", "current_password": "correct horse battery"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["user"]["email"], "ada@new.example");
    assert_eq!(
        login("ada@new.example").await.unwrap().status(),
        StatusCode::OK,
        "logs in with the new address"
    );
    assert_eq!(login("ada@example.com").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn password_change_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (first, _) = session(&app, "ada@example.com").await;
    let login = |pw: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "ada@example.com", "password": pw}))
            .send()
    };
    let second: Value = login("correct horse battery").await.unwrap().json().await.unwrap();
    let second = second["token"].as_str().unwrap();
    let change = |current: &str, new: &str| {
        req(&app, &first, Method::PUT, "/api/v1/auth/password")
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let err = error(
        change("wrong wrong wrong", "a new long password").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(err["field"], "current_password");
    let err =
        error(change("correct horse battery", "short").await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(err["field"], "new_password");
    assert_eq!(
        change("correct horse battery", "a new long password").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        req(&app, &first, Method::GET, "/api/v1/auth/me").send().await.unwrap().status(),
        StatusCode::OK
    );
    error(req(&app, second, Method::GET, "/api/v1/auth/me").send().await.unwrap(), StatusCode::UNAUTHORIZED)
        .await;
    error(login("correct horse battery").await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(login("a new long password").await.unwrap().status(), StatusCode::OK);
    app.stop().await;
}

async fn api_key_lifecycle_create_use_revoke_expire(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (token, _) = session(&app, "ada@example.com").await;
    let res = req(&app, &token, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "backend"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let key: Value = res.json().await.unwrap();
    let plain = key["plain_key"].as_str().unwrap().to_owned();
    assert!(plain.starts_with("ck_live_") && plain.len() >= 8 + 43);
    assert_eq!(key["key_prefix"], format!("ck_live_…{}", &plain[plain.len() - 4..]));
    assert_eq!(key["scopes"].as_array().unwrap().len(), 10, "all scopes by default");
    // The plain key appears nowhere in the database.
    for table in ["api_keys"] {
        for col in ["key_hash", "key_prefix", "name", "CAST(scopes AS TEXT)"] {
            let values = app.db.strings(&format!("SELECT {col} FROM {table}")).await;
            assert!(values.iter().all(|v| !v.contains(&plain[8..])), "{col} holds the plain key");
        }
    }
    // It works, and its use is recorded.
    let res = req(&app, &plain, Method::GET, "/api/v1/org").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value =
        req(&app, &token, Method::GET, "/api/v1/api-keys").send().await.unwrap().json().await.unwrap();
    assert!(list["data"][0]["last_used_at"].is_string());
    assert!(list["data"][0].get("plain_key").is_none(), "shown once only");
    // Revoked: the next request fails.
    let id = key["id"].as_str().unwrap();
    assert_eq!(
        req(&app, &token, Method::DELETE, &format!("/api/v1/api-keys/{id}")).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let err =
        error(req(&app, &plain, Method::GET, "/api/v1/org").send().await.unwrap(), StatusCode::UNAUTHORIZED)
            .await;
    assert_eq!(err["code"], "key_revoked");
    error(
        req(&app, &token, Method::DELETE, "/api/v1/api-keys/key_nope").send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Expired keys.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let res = req(&app, &token, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "short-lived", "expires_at": soon}))
        .send()
        .await
        .unwrap();
    let short: Value = res.json().await.unwrap();
    let short_key = short["plain_key"].as_str().unwrap();
    assert_eq!(
        req(&app, short_key, Method::GET, "/api/v1/org").send().await.unwrap().status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let err = error(
        req(&app, short_key, Method::GET, "/api/v1/org").send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(err["code"], "key_expired");
    // Bad key requests.
    let res = req(&app, &token, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "x", "scopes": ["everything"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(error(res, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "scopes");
    let res = req(&app, &token, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "x", "expires_at": "2020-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error(res, StatusCode::UNPROCESSABLE_ENTITY).await["field"], "expires_at");
    app.stop().await;
}

async fn api_keys_need_a_session_not_an_api_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (token, _) = session(&app, "ada@example.com").await;
    let key: Value = req(&app, &token, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "k"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let plain = key["plain_key"].as_str().unwrap();
    for (method, path) in [(Method::GET, "/api/v1/api-keys"), (Method::POST, "/api/v1/api-keys")] {
        let res = req(&app, plain, method, path).json(&json!({"name": "escalate"})).send().await.unwrap();
        let err = error(res, StatusCode::UNAUTHORIZED).await;
        assert!(err["message"].as_str().unwrap().contains("API keys cannot"), "{err}");
    }
    error(app.client.get(app.url("/api/v1/api-keys")).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    // And a session token is no API key.
    error(req(&app, &token, Method::GET, "/api/v1/bookings").send().await.unwrap(), StatusCode::UNAUTHORIZED)
        .await;
    app.stop().await;
}

async fn key_scopes_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (token, _) = session(&app, "ada@example.com").await;
    let key: Value = req(&app, &token, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "reader", "scopes": ["services:read", "org:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let plain = key["plain_key"].as_str().unwrap();
    assert_eq!(
        req(&app, plain, Method::GET, "/api/v1/services").send().await.unwrap().status(),
        StatusCode::OK
    );
    let checks = [
        (Method::POST, "/api/v1/services", "services:write"),
        (Method::GET, "/api/v1/practitioners", "practitioners:read"),
        (Method::POST, "/api/v1/practitioners", "practitioners:write"),
        (Method::GET, "/api/v1/customers", "customers:read"),
        (Method::GET, "/api/v1/bookings", "bookings:read"),
        (Method::PATCH, "/api/v1/org", "org:write"),
    ];
    for (method, path, scope) in checks {
        let res = req(&app, plain, method, path)
            .json(&json!({"name": "x", "duration_minutes": 30}))
            .send()
            .await
            .unwrap();
        let err = error(res, StatusCode::FORBIDDEN).await;
        assert_eq!(
            (err["code"].as_str(), err["required_scope"].as_str()),
            (Some("missing_scope"), Some(scope)),
            "{path}"
        );
    }
    app.stop().await;
}

/// After its allowance of failed logins an account answers 429 (with `Retry-After`), even
/// to the right password, until an attempt comes back; an e-mail without an account
/// answers exactly the same, and other accounts are not affected.
async fn failed_logins_are_throttled_per_account_without_telling_which_exist(backend: Backend) {
    let mut config = Config::default();
    config.rate_limits.login_failures_per_15_minutes = std::num::NonZeroU32::new(3).unwrap();
    let app = TestApp::spawn_with(backend, config).await;
    assert_eq!(signup(&app, "ada@example.com", None).await.status(), StatusCode::CREATED);
    assert_eq!(signup(&app, "ben@example.com", None).await.status(), StatusCode::CREATED);
    let login = |email: &str, password: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for email in ["ada@example.com", "nobody@example.com"] {
        for _ in 0..3 {
            assert_eq!(login(email, "wrong wrong wrong").await.unwrap().status(), StatusCode::UNAUTHORIZED);
        }
        let res = login(email, "wrong wrong wrong").await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=301).contains(&wait), "one attempt back in 15 min / 3: {wait}");
        let err = error(res, StatusCode::TOO_MANY_REQUESTS).await;
        assert_eq!(err["code"], "rate_limited");
    }
    let res = login("ADA@example.com", "correct horse battery").await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "locked: the password is not even checked");
    let res = login("ben@example.com", "correct horse battery").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "other accounts log in as usual");
    app.stop().await;
}
