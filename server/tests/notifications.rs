//! Notification mails through a real SMTP server (`testing::mail_sink`), read back with
//! independent parsers: what the customer and the practitioner receive when a booking is
//! made, moved (across the EU's change to summer time) and cancelled on the public surface,
//! the calendar invitation in each (UID, SEQUENCE, METHOD, UTC times), the manage link
//! working; mails waiting while the SMTP server is down and arriving once each after; the
//! practitioner's calendar feed. Each on SQLite and Postgres.

use cadence_server::config::{Config, MailConfig, MailTransport};
use cadence_server::testing::mail_sink::{Calendar, Mail, MailSink, silent_smtp};
use cadence_server::testing::{Backend, SeededOrg, TestApp, seed_org};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::time::Duration as StdDuration;

cadence_server::both_backends!(
    booking_moving_and_cancelling_mail_the_customer_and_the_practitioner,
    mails_wait_while_the_smtp_server_is_down_and_arrive_once_each,
    a_mail_server_that_stops_talking_costs_one_timeout_per_attempt,
    a_practitioners_feed_lists_exactly_their_confirmed_bookings_in_range,
);

const PUBLIC_URL: &str = "https://book.example";

fn config(smtp_url: &str, retry: StdDuration) -> Config {
    Config {
        mail: MailConfig {
            transport: Some(MailTransport::Smtp(smtp_url.into())),
            from: "Clinic Bookings <bookings@clinic.example>".into(),
            public_url: PUBLIC_URL.into(),
            poll_interval: StdDuration::from_millis(50),
            retry_schedule: vec![retry; 20],
            timeout: StdDuration::from_secs(5),
            ..MailConfig::default()
        },
        ..Config::default()
    }
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn give_email(app: &TestApp, org: &SeededOrg, practitioner: &str, email: &str) {
    let path = format!("/api/v1/practitioners/{practitioner}");
    let (status, body) =
        send(app, reqwest::Method::PATCH, &path, Some(&org.api_key), Some(json!({"email": email}))).await;
    assert_eq!(status, 200, "{body}");
}

/// The mails that arrived after the first `seen`, `n` of them, by recipient.
async fn next_mails(sink: &MailSink, seen: usize, n: usize) -> Vec<Mail> {
    let all = sink.wait_for(seen + n, StdDuration::from_secs(20)).await;
    assert_eq!(all.len(), seen + n, "{n} new mails after {seen}");
    let mut mails: Vec<Mail> = all[seen..].iter().map(|r| r.mail()).collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    mails
}

fn invitation(mail: &Mail) -> (&str, &Calendar) {
    let (method, cal) =
        mail.calendar.as_ref().unwrap_or_else(|| panic!("no invitation in {:?}", mail.subject));
    (method.as_str(), cal)
}

/// The manage link in a customer's mail: (booking id, token).
fn manage_link(mail: &Mail, slug: &str) -> (String, String) {
    let line = mail.text.lines().find(|l| l.contains("/clinic?booking=")).expect("a manage link");
    let url = line.split_whitespace().last().unwrap();
    let url = url::Url::parse(url).unwrap();
    assert_eq!(
        format!("{}://{}{}", url.scheme(), url.host_str().unwrap(), url.path()),
        format!("{PUBLIC_URL}/{slug}")
    );
    let get = |k: &str| url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned()).unwrap();
    (get("booking"), get("token"))
}

fn utc(text: &str) -> String {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string()
}

async fn booking_moving_and_cancelling_mail_the_customer_and_the_practitioner(backend: Backend) {
    let sink = MailSink::start();
    let app = TestApp::spawn_with(backend, config(&sink.url(), StdDuration::from_secs(1))).await;
    let org = seed_org(app.store.as_ref(), "clinic", "Europe/Berlin").await;
    let ada = &org.practitioners[0];
    give_email(&app, &org, ada, "ada@clinic.example").await;

    // The Saturday before Berlin moves to summer time (28 March 2027): UTC+1, so 09:00Z.
    let first = "2027-03-27T10:00:00+01:00";
    let (status, booking) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/public/orgs/clinic/bookings",
        None,
        Some(json!({"service_id": org.consultation, "practitioner_id": ada, "start": first,
                    "customer": {"name": "Pat Doe", "email": "pat@example.com", "timezone": "America/New_York"}})),
    )
    .await;
    assert_eq!(status, 201, "{booking}");
    assert_eq!(booking["customer"]["timezone"], "America/New_York");
    let id = booking["id"].as_str().unwrap().to_owned();

    let mails = next_mails(&sink, 0, 2).await;
    let (practitioner, customer) = (&mails[0], &mails[1]);
    assert_eq!(customer.to, ["pat@example.com"]);
    assert_eq!(practitioner.to, ["ada@clinic.example"]);
    // The customer's zone: 09:00Z is 05:00 in New York (already on summer time there).
    assert_eq!(customer.subject, "Confirmed: Consultation on Sat 27 Mar at 05:00 (America/New_York)");
    assert!(customer.text.contains("With: Ada"), "{}", customer.text);
    assert!(customer.text.contains("Where: Org clinic"), "{}", customer.text);
    assert!(customer.html.contains("Reschedule or cancel"), "{}", customer.html);
    assert_eq!(
        practitioner.subject,
        "New booking: Consultation with Pat Doe on Sat 27 Mar at 10:00 (Europe/Berlin)"
    );
    assert!(!practitioner.text.contains("token="), "no manage link for the practitioner");
    let uid = format!("{id}@clinic.example");
    for mail in &mails {
        let (method, cal) = invitation(mail);
        assert_eq!(method, "REQUEST");
        assert_eq!(cal.get("METHOD"), Some("REQUEST"));
        assert_eq!((cal.get("VERSION"), cal.get("PRODID")), (Some("2.0"), Some("-//Cadence//Bookings//EN")));
        assert_eq!(cal.event(0, "UID"), Some(uid.as_str()));
        assert_eq!(cal.event(0, "SEQUENCE"), Some("0"));
        assert_eq!(cal.event(0, "DTSTART"), Some(utc(first).as_str()));
        assert_eq!(cal.event(0, "DTEND"), Some("20270327T093000Z"));
        assert!(cal.event(0, "ORGANIZER").unwrap().ends_with("bookings@clinic.example"));
    }

    // The mailed manage link works on the public surface (its own token, not the response's).
    let (link_id, token) = manage_link(customer, "clinic");
    assert_eq!(link_id, id);
    assert_ne!(Some(token.as_str()), booking["manage_token"].as_str());
    let (status, shown) =
        send(&app, reqwest::Method::GET, &format!("/api/v1/public/bookings/{id}?token={token}"), None, None)
            .await;
    assert_eq!(status, 200, "{shown}");
    let (status, _) =
        send(&app, reqwest::Method::GET, &format!("/api/v1/public/bookings/{id}?token=x{token}"), None, None)
            .await;
    assert_eq!(status, 404, "a changed token is refused");

    // Moved with that link to the Monday after the change: UTC+2, so 08:00Z.
    let moved = "2027-03-29T10:00:00+02:00";
    let path = format!("/api/v1/public/bookings/{id}/reschedule?token={token}");
    let (status, body) = send(&app, reqwest::Method::POST, &path, None, Some(json!({"start": moved}))).await;
    assert_eq!(status, 200, "{body}");
    let mails = next_mails(&sink, 2, 2).await;
    let (practitioner, customer) = (&mails[0], &mails[1]);
    assert_eq!(customer.subject, "Rescheduled: Consultation now on Mon 29 Mar at 04:00 (America/New_York)");
    assert!(customer.text.contains("Previously: Sat 27 Mar, 05:00 (America/New_York)"), "{}", customer.text);
    assert_eq!(
        practitioner.subject,
        "Moved: Consultation with Pat Doe to Mon 29 Mar at 10:00 (Europe/Berlin)"
    );
    for mail in &mails {
        let (method, cal) = invitation(mail);
        assert_eq!(method, "REQUEST");
        assert_eq!(cal.event(0, "UID"), Some(uid.as_str()), "the same event");
        assert_eq!(cal.event(0, "SEQUENCE"), Some("1"), "a newer version of it");
        assert_eq!(cal.event(0, "DTSTART"), Some(utc(moved).as_str()));
        assert_eq!(cal.event(0, "DTSTART"), Some("20270329T080000Z"));
    }

    // Cancelled by the customer: CANCEL for the same UID, SEQUENCE grown again.
    let path = format!("/api/v1/public/bookings/{id}/cancel?token={token}");
    let (status, body) =
        send(&app, reqwest::Method::POST, &path, None, Some(json!({"reason": "Feeling better"}))).await;
    assert_eq!(status, 200, "{body}");
    let mails = next_mails(&sink, 4, 2).await;
    let (practitioner, customer) = (&mails[0], &mails[1]);
    assert_eq!(customer.subject, "Cancelled: Consultation on Mon 29 Mar at 04:00 (America/New_York)");
    assert!(customer.text.contains("you cancelled your booking"), "{}", customer.text);
    assert!(!customer.text.contains("token="), "no manage link for a cancelled booking");
    assert!(practitioner.text.contains("Pat Doe cancelled their booking"), "{}", practitioner.text);
    assert!(practitioner.text.contains("Reason: Feeling better"), "{}", practitioner.text);
    for mail in &mails {
        let (method, cal) = invitation(mail);
        assert_eq!((method, cal.get("METHOD")), ("CANCEL", Some("CANCEL")));
        assert_eq!(cal.event(0, "UID"), Some(uid.as_str()));
        assert_eq!(cal.event(0, "SEQUENCE"), Some("2"));
        assert_eq!(cal.event(0, "STATUS"), Some("CANCELLED"));
    }

    // Six messages, each its own Message-ID; nothing more arrives.
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    let all: Vec<Mail> = sink.all().iter().map(|r| r.mail()).collect();
    let mut ids: Vec<&str> = all.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((all.len(), ids.len()), (6, 6));

    // The customer's own calendar file says the same.
    let path = format!("/api/v1/public/bookings/{id}/calendar.ics?token={token}");
    let res = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let cal = Calendar::parse(&res.text().await.unwrap());
    assert_eq!(cal.event(0, "UID"), Some(uid.as_str()));
    assert_eq!(cal.event(0, "STATUS"), Some("CANCELLED"));
    assert_eq!(cal.event(0, "SUMMARY"), Some("Consultation with Ada"));
    let (status, _) = send(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/public/bookings/{id}/calendar.ics?token=nope"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    app.stop().await;
}

async fn mails_wait_while_the_smtp_server_is_down_and_arrive_once_each(backend: Backend) {
    let port = MailSink::reserve_port();
    let app = TestApp::spawn_with(
        backend,
        config(&format!("smtp://127.0.0.1:{port}"), StdDuration::from_millis(300)),
    )
    .await;
    let org = seed_org(app.store.as_ref(), "clinic", "Europe/Berlin").await;
    give_email(&app, &org, &org.practitioners[0], "ada@clinic.example").await;
    let day = (Utc::now() + Duration::days(3)).date_naive();
    for (i, hour) in ["09", "11"].iter().enumerate() {
        let (status, body) = send(
            &app,
            reqwest::Method::POST,
            "/api/v1/bookings",
            Some(&org.api_key),
            Some(json!({"service_id": org.consultation, "practitioner_id": org.practitioners[0],
                        "start": format!("{day}T{hour}:00:00Z"),
                        "customer": {"name": "Pat", "email": format!("pat{i}@example.com")}})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    // Nobody answers: the attempts are recorded, the mails stay pending.
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    let failed = app.db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'pending' AND attempts > 0 AND last_error IS NOT NULL").await;
    let rows = app.db.strings("SELECT state || ' ' || CAST(attempts AS TEXT) || ' ' || COALESCE(last_error, '-') || ' ' || CAST(due_at AS TEXT) FROM mail_outbox").await;
    assert_eq!(failed, 4, "four mails tried and waiting: {rows:?}");

    let sink = MailSink::start_on(port);
    let mails = next_mails(&sink, 0, 4).await;
    tokio::time::sleep(StdDuration::from_millis(1000)).await;
    assert_eq!(sink.all().len(), 4, "each once");
    let mut to: Vec<String> = mails.iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["ada@clinic.example", "ada@clinic.example", "pat0@example.com", "pat1@example.com"]);
    assert_eq!(app.db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'").await, 4);
    app.stop().await;
}

async fn a_practitioners_feed_lists_exactly_their_confirmed_bookings_in_range(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let org = seed_org(app.store.as_ref(), "clinic", "Europe/Berlin").await;
    let other = seed_org(app.store.as_ref(), "other", "Europe/Berlin").await;
    let [ada, ben] = &org.practitioners;
    let at = |days: i64| {
        let day = (Utc::now() + Duration::days(days)).date_naive();
        format!("{day}T09:00:00Z")
    };
    let book = |practitioner: String, start: String| {
        let app = &app;
        let org = &org;
        async move {
            let (status, body) = send(
                app,
                reqwest::Method::POST,
                "/api/v1/bookings",
                Some(&org.api_key),
                Some(json!({"service_id": org.consultation, "practitioner_id": practitioner, "start": start,
                            "customer": {"name": "Pat", "phone": "+4917012345"}})),
            )
            .await;
            assert_eq!(status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        }
    };
    let soon = book(ada.clone(), at(2)).await;
    let cancelled = book(ada.clone(), at(3)).await;
    let (status, _) = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/bookings/{cancelled}/cancel"),
        Some(&org.api_key),
        None,
    )
    .await;
    assert_eq!(status, 200);
    book(ada.clone(), at(380)).await; // beyond a year
    book(ben.clone(), at(2)).await; // someone else's
    // History, written as it stands: 10 and 40 days ago.
    for (id, days) in [("bk_recent", -10), ("bk_old", -40)] {
        let past = (Utc::now() + Duration::days(days)).date_naive().and_hms_opt(9, 0, 0).unwrap().and_utc();
        copy_booking(&app, &soon, id, past).await;
    }

    let path = format!("/api/v1/practitioners/{ada}/calendar-feed");
    let (status, feed) = send(&app, reqwest::Method::POST, &path, Some(&org.api_key), None).await;
    assert_eq!(status, 201, "{feed}");
    let url = feed["url"].as_str().unwrap().to_owned();
    let served = |url: String| {
        let app = &app;
        async move {
            let path = url.strip_prefix("http://127.0.0.1:8080").expect("the default public URL");
            let res = app.client.get(app.url(path)).send().await.unwrap();
            let status = res.status().as_u16();
            let ctype = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
            (status, ctype, res.text().await.unwrap())
        }
    };
    let (status, ctype, text) = served(url.clone()).await;
    assert_eq!(status, 200, "{text}");
    assert!(ctype.unwrap().starts_with("text/calendar"));
    let cal = Calendar::parse(&text);
    let mut uids: Vec<String> =
        (0..cal.events.len()).map(|i| cal.event(i, "UID").unwrap().to_owned()).collect();
    uids.sort();
    let host = "cadence.invalid";
    let mut expected = vec![format!("{soon}@{host}"), format!("bk_recent@{host}")];
    expected.sort();
    assert_eq!(uids, expected, "confirmed, Ada's, 30 days back to a year ahead");
    assert_eq!(cal.event(0, "SUMMARY"), Some("Consultation: Pat"));

    // A new URL replaces the old one; another org cannot make one for Ada.
    let (status, again) = send(&app, reqwest::Method::POST, &path, Some(&org.api_key), None).await;
    assert_eq!(status, 201);
    assert_ne!(again["url"], feed["url"]);
    assert_eq!(served(url).await.0, 404, "the previous URL stops working");
    assert_eq!(served(again["url"].as_str().unwrap().to_owned()).await.0, 200);
    let (status, _) = send(&app, reqwest::Method::POST, &path, Some(&other.api_key), None).await;
    assert_eq!(status, 404, "another org's key");
    app.stop().await;
}

/// A copy of booking `from` as `id`, starting at `start` (history the API cannot write).
async fn copy_booking(app: &TestApp, from: &str, id: &str, start: DateTime<Utc>) {
    let b = app.store.find_booking(from).await.unwrap().unwrap();
    let new = cadence_server::model::NewBooking {
        id: id.into(),
        org_id: b.org_id,
        service_id: b.service_id,
        practitioner_id: b.practitioner_id,
        start,
        end: start + Duration::minutes(30),
        blocked_start: start,
        blocked_end: start + Duration::minutes(40),
        customer_name: b.customer_name,
        customer_email: None,
        customer_phone: b.customer_phone,
        notes: None,
        manage_token_hash: None,
        customer_timezone: None,
        now: start - Duration::days(1),
        mail: vec![],
        guard: None,
    };
    app.store.create_booking(&new, None).await.unwrap();
}

async fn a_mail_server_that_stops_talking_costs_one_timeout_per_attempt(backend: Backend) {
    let (url, held) = silent_smtp().await;
    let mut config = config(&url, StdDuration::from_millis(100));
    config.mail.timeout = StdDuration::from_millis(400);
    let app = TestApp::spawn_with(backend, config).await;
    let org = seed_org(app.store.as_ref(), "clinic", "Europe/Berlin").await;
    let day = (Utc::now() + Duration::days(3)).date_naive();
    let (status, body) = send(
        &app,
        reqwest::Method::POST,
        "/api/v1/bookings",
        Some(&org.api_key),
        Some(json!({"service_id": org.consultation, "start": format!("{day}T09:00:00Z"),
                    "customer": {"name": "Pat", "email": "pat@example.com"}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // Each attempt gives up after the timeout and is retried (after a second: SQLite's unit).
    let tried = "SELECT COUNT(*) FROM mail_outbox WHERE attempts >= 2 AND state = 'pending' \
                 AND last_error = 'the mail server did not finish in time'";
    let mut n = 0;
    for _ in 0..80 {
        n = app.db.scalar(tried).await;
        if n == 1 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert_eq!(n, 1, "the customer's mail tried twice and waiting");
    let skipped = app.db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'skipped'").await;
    assert_eq!(skipped, 1, "the practitioner has no e-mail: nothing to send");
    held.abort();
    app.stop().await;
}
