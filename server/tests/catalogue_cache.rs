//! Each process caches an org's catalogue (services, practitioners, hours, overrides) for
//! availability and bookings. A change made anywhere else — another server process on the
//! same database, or SQL typed by hand — must show in the very next request. Here the app
//! under test (process A) answers over HTTP while a second store on the same database
//! (what process B would hold, with its own pool and cache) and raw SQL change the
//! catalogue. On both backends.

use cadence_server::model::NewService;
use cadence_server::testing::{Backend, TestApp, TestDb, seed_org};
use cadence_shared::DateOverride;
use chrono::{Days, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

cadence_server::both_backends!(catalogue_changes_elsewhere_show_in_the_next_request);

async fn exec(db: &TestDb, sql: &str) {
    match db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

async fn catalogue_changes_elsewhere_show_in_the_next_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "cached", "Europe/Berlin").await;
    let other_process = app.db.connect().await;
    let day = Utc::now().date_naive() + Days::new(2);
    let slots = || async {
        let res = app
            .client
            .get(app.url(&format!(
                "/api/v1/public/orgs/cached/availability?service_id={}&from={day}&to={day}",
                org.consultation
            )))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        (status, body["slots"].as_array().map_or(0, Vec::len))
    };
    // 08:00–18:00 on a 30-minute grid, 30 minutes each: 20 slots (fills A's cache).
    assert_eq!(slots().await, (StatusCode::OK, 20));
    assert_eq!(slots().await, (StatusCode::OK, 20));

    // Process B gives both practitioners the day off.
    for id in &org.practitioners {
        let mut p = other_process.get_practitioner(&org.org.id, id).await.unwrap().unwrap();
        p.date_overrides = vec![DateOverride { date: day, intervals: vec![] }];
        let changed = cadence_server::model::NewPractitioner {
            name: p.name,
            email: p.email,
            timezone: p.timezone,
            weekly_hours: p.weekly_hours,
            date_overrides: p.date_overrides,
            active: p.active,
        };
        other_process.update_practitioner(&org.org.id, id, &changed).await.unwrap();
    }
    assert_eq!(slots().await, (StatusCode::OK, 0), "a day off set by another process");

    // A hand-written fix removes the overrides again.
    exec(&app.db, "DELETE FROM practitioner_date_overrides").await;
    assert_eq!(slots().await, (StatusCode::OK, 20), "overrides deleted by hand");

    // Hours changed by hand: 08:00–10:00 every day for one practitioner, the other unlinked.
    let short = r#"{"monday":[{"start":"08:00","end":"10:00"}],"tuesday":[{"start":"08:00","end":"10:00"}],"wednesday":[{"start":"08:00","end":"10:00"}],"thursday":[{"start":"08:00","end":"10:00"}],"friday":[{"start":"08:00","end":"10:00"}],"saturday":[{"start":"08:00","end":"10:00"}],"sunday":[{"start":"08:00","end":"10:00"}]}"#;
    exec(&app.db, &format!("UPDATE practitioners SET weekly_hours = '{short}'")).await;
    assert_eq!(slots().await, (StatusCode::OK, 4), "weekly hours changed by hand");
    exec(&app.db, &format!("DELETE FROM service_practitioners WHERE service_id = '{}'", org.consultation))
        .await;
    assert_eq!(slots().await, (StatusCode::OK, 0), "practitioners unlinked by hand");

    // Process B deactivates the service: the public surface no longer knows it, and the
    // org API refuses to book it.
    let service = other_process.get_service(&org.org.id, &org.consultation).await.unwrap().unwrap();
    let inactive = NewService {
        name: service.name,
        description: service.description,
        duration_minutes: service.duration_minutes,
        buffer_before_minutes: service.buffer_before_minutes,
        buffer_after_minutes: service.buffer_after_minutes,
        slot_interval_minutes: service.slot_interval_minutes,
        min_notice_minutes: service.min_notice_minutes,
        booking_window_days: service.booking_window_days,
        reminder_minutes_before: service.reminder_minutes_before,
        practitioner_ids: org.practitioners.to_vec(),
        active: false,
    };
    other_process.update_service(&org.org.id, &org.consultation, &inactive).await.unwrap();
    assert_eq!(slots().await.0, StatusCode::NOT_FOUND, "a service deactivated by another process");
    let res = app
        .client
        .post(app.url("/api/v1/bookings"))
        .bearer_auth(&org.api_key)
        .json(&json!({"service_id": org.consultation, "start": format!("{day}T08:00:00+01:00"),
            "customer": {"name": "Pat", "email": "pat@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "service_inactive");
    app.stop().await;
}
