//! Notification mails from real `cadence` processes: two processes on one database send
//! each message once, to a real SMTP server; the demo with `--mail-dir` writes a booking's
//! confirmation there as an `.eml` file; SIGTERM while the mail server hangs exits at once
//! and leaves the mails to the next process. Both backends.

use cadence_server::testing::mail_sink::{MailSink, Received, silent_smtp};
use cadence_server::testing::{Backend, TestDb};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

mod support;
use support::{Demo, bookable, start_demo, terminate};

cadence_server::both_backends!(
    two_processes_send_each_mail_once,
    the_demo_writes_confirmations_into_its_mail_dir,
    a_stop_does_not_wait_for_a_hanging_mail_server,
);

async fn book(server: &Demo, service: &str, start: &str, practitioner: &str, i: usize) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/public/orgs/movela/bookings", server.base_url))
        .json(&json!({"service_id": service, "start": start, "practitioner_id": practitioner,
                      "customer": {"name": format!("Pat {i}"), "email": format!("p{i}@example.com")}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

async fn two_processes_send_each_mail_once(backend: Backend) {
    let db = TestDb::create(backend).await;
    let sink = MailSink::start();
    let url = sink.url();
    let flags = ["--smtp-url", url.as_str(), "--mail-poll-ms", "20", "--booking-rate-limit", "1000"];
    let a = start_demo(&db.url, &flags).await;
    let b = start_demo(&db.url, &flags).await;
    let (service, pairs) = bookable(&a, 10).await;
    let mut ids = Vec::new();
    for (i, (start, prac)) in pairs.iter().enumerate() {
        let server = if i % 2 == 0 { &a } else { &b };
        ids.push(book(server, &service, start, prac, i).await["id"].as_str().unwrap().to_owned());
    }
    // Each booking: a confirmation to the customer and one to the practitioner.
    sink.wait_for(20, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got: Vec<Received> = sink.all();
    let mut per_message: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *per_message.entry(r.mail().message_id).or_default() += 1;
    }
    assert_eq!(got.len(), 20, "two mails per booking");
    assert!(per_message.values().all(|n| *n == 1), "each once: {per_message:?}");
    let to_customers =
        got.iter().filter(|r| r.to[0].starts_with('p') && r.to[0].ends_with("@example.com")).count();
    assert_eq!(to_customers, 10);
    terminate(a.child).await;
    terminate(b.child).await;
}

async fn the_demo_writes_confirmations_into_its_mail_dir(backend: Backend) {
    let db = TestDb::create(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let flags = ["--mail-dir", mail_dir.to_str().unwrap(), "--mail-poll-ms", "50"];
    let demo = start_demo(&db.url, &flags).await;
    let (service, pairs) = bookable(&demo, 1).await;
    let booking = book(&demo, &service, &pairs[0].0, &pairs[0].1, 0).await;
    let mut files = Vec::new();
    for _ in 0..200 {
        files = std::fs::read_dir(&mail_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        if files.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(files.len(), 2, "the customer's and the practitioner's: {files:?}");
    let mails: Vec<_> =
        files.iter().map(|f| Received { to: vec![], raw: std::fs::read(f).unwrap() }.mail()).collect();
    let customer = mails
        .iter()
        .find(|m| m.subject.starts_with("Confirmed: Initial consultation on "))
        .expect("a confirmation");
    assert!(customer.subject.ends_with("(Europe/Berlin)"), "{}", customer.subject);
    assert!(customer.text.contains(&format!("/movela?booking={}&token=", booking["id"].as_str().unwrap())));
    assert_eq!(customer.calendar.as_ref().unwrap().0, "REQUEST");
    terminate(demo.child).await;
}

async fn a_stop_does_not_wait_for_a_hanging_mail_server(backend: Backend) {
    let db = TestDb::create(backend).await;
    let (hanging_url, held) = silent_smtp().await;
    let first = start_demo(&db.url, &["--smtp-url", &hanging_url, "--mail-poll-ms", "20"]).await;
    let (service, pairs) = bookable(&first, 1).await;
    book(&first, &service, &pairs[0].0, &pairs[0].1, 0).await;
    let locked = "SELECT COUNT(*) FROM mail_outbox WHERE locked_until IS NOT NULL";
    for _ in 0..100 {
        if db.scalar(locked).await == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(db.scalar(locked).await, 2, "both mails claimed, the first one being sent");
    let stopping = std::time::Instant::now();
    terminate(first.child).await; // exits 0 within 15 s, or the test fails
    assert!(stopping.elapsed() < Duration::from_secs(5), "took {:?}", stopping.elapsed());
    assert_eq!(db.scalar(locked).await, 0, "unlocked for the next process");
    assert_eq!(db.scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'pending'").await, 2);

    let sink = MailSink::start();
    let url = sink.url();
    let second = start_demo(&db.url, &["--smtp-url", url.as_str(), "--mail-poll-ms", "20"]).await;
    assert_eq!(sink.wait_for(2, Duration::from_secs(20)).await.len(), 2, "sent by the next process at once");
    terminate(second.child).await;
    held.abort();
}
