//! The widget in a real browser (Debian's chromium through chromedriver, driven by
//! fantoccini), against the real `cadence` binary serving the built widget: booking by
//! clicking on the public page, and times shown in the browser's timezone.

use cadence_server::testing::{Backend, TestDb};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::time::Duration;

mod support;
use support::{Demo, start_demo, terminate};

/// chromedriver in its own process group, killed with the group when dropped.
struct Driver {
    child: std::process::Child,
    url: String,
}

impl Driver {
    fn start(tz: &str) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("TZ", tz)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver on PATH (apt-get install chromium-driver; scripts/install-tools.sh does)");
        Driver { child, url: format!("http://127.0.0.1:{port}") }
    }

    async fn browser(&self, width: u32, height: u32) -> Client {
        // Two rustls providers are compiled into this test binary; pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let caps = json!({ "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--window-size={width},{height}")],
        }});
        let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
        for _ in 0..50 {
            let builder =
                ClientBuilder::rustls().expect("rustls").capabilities(caps.clone()).connect(&self.url).await;
            if let Ok(client) = builder {
                return client;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer at {}", self.url);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

async fn server(db: &TestDb) -> Demo {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(dist.join("index.html").exists(), "build the widget first: trunk build --release");
    start_demo(&db.url, &["--widget-dir", dist.to_str().unwrap()]).await
}

/// Browser tests run one at a time: four browsers on two cores make clicks land on
/// half-rendered pages.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Clicks `click` until `expect` appears (a click can hit an element being re-rendered).
async fn click_until(c: &Client, click: &str, expect: &str) {
    for _ in 0..5 {
        if let Ok(el) = c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(click)).await {
            let _ = el.click().await;
        }
        if c.wait().at_most(Duration::from_secs(3)).for_element(Locator::Css(expect)).await.is_ok() {
            return;
        }
    }
    panic!("clicking {click} never showed {expect}");
}

/// Clicks the month's last open day (never today, whose first times can pass the minimum
/// notice while a test runs) until its times show.
async fn click_last_day(c: &Client) {
    for _ in 0..5 {
        wait(c, "[data-testid=day]").await;
        if let Some(day) = c.find_all(Locator::Css("[data-testid=day]")).await.unwrap_or_default().pop() {
            let _ = day.click().await;
        }
        if c.wait()
            .at_most(Duration::from_secs(3))
            .for_element(Locator::Css("[data-testid=time]"))
            .await
            .is_ok()
        {
            return;
        }
    }
    panic!("no open day showed its times");
}

async fn wait(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Opens the booking page and picks the first service, day and time; returns the chosen
/// start (ISO) and its label.
async fn pick_first_time(c: &Client, base: &str) -> (String, String) {
    c.goto(&format!("{base}/movela")).await.unwrap();
    wait(c, "[data-testid=org-header] h1").await;
    wait(c, "[data-testid=service]").await.click().await.unwrap();
    for _ in 0..3 {
        let day =
            c.wait().at_most(Duration::from_secs(8)).for_element(Locator::Css("[data-testid=day]")).await;
        match day {
            Ok(day) => {
                day.click().await.unwrap();
                break;
            }
            Err(_) => c.find(Locator::Css("[data-testid=next-month]")).await.unwrap().click().await.unwrap(),
        }
    }
    let time = wait(c, "[data-testid=time]").await;
    let start = time.attr("data-start").await.unwrap().unwrap();
    let label = time.text().await.unwrap();
    click_until(c, &format!("[data-testid=time][data-start='{start}']"), "[data-testid=submit]").await;
    (start, label)
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
}

#[tokio::test]
async fn a_customer_books_by_clicking_and_the_org_api_has_the_booking() {
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::create(Backend::Sqlite).await;
    let demo = server(&db).await;
    let driver = Driver::start("Europe/Berlin");
    let c = driver.browser(1280, 900).await;
    let (start, _) = pick_first_time(&c, &demo.base_url).await;
    wait(&c, "[data-testid=name]").await.send_keys("Grace Hopper").await.unwrap();
    // Sending without a way to reach the customer is stopped before any request.
    wait(&c, "[data-testid=submit]").await.click().await.unwrap();
    let notice = wait(&c, "[data-testid=notice]").await.text().await.unwrap();
    assert!(notice.contains("e-mail address or a phone number"), "{notice}");
    wait(&c, "[data-testid=email]").await.send_keys("grace@example.com").await.unwrap();
    screenshot(&c, "booking-form-1280").await;
    wait(&c, "[data-testid=submit]").await.click().await.unwrap();
    let confirmation = wait(&c, "[data-testid=confirmation]").await.text().await.unwrap();
    assert!(confirmation.contains("You're booked"), "{confirmation}");
    assert!(confirmation.contains("Europe/Berlin"), "{confirmation}");
    screenshot(&c, "confirmation-1280").await;

    let page: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/bookings?status=confirmed", demo.base_url))
        .bearer_auth(&demo.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let booked: Vec<&Value> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["customer"]["email"] == "grace@example.com")
        .collect();
    assert_eq!(booked.len(), 1, "{page}");
    let chosen: chrono::DateTime<chrono::Utc> = start.parse().unwrap();
    let stored: chrono::DateTime<chrono::Utc> = booked[0]["start"].as_str().unwrap().parse().unwrap();
    assert_eq!(stored, chosen, "the time clicked is the time booked");

    // The confirmation's link manages the booking: cancel it there.
    wait(&c, "[data-testid=manage-link]").await.click().await.unwrap();
    assert_eq!(wait(&c, "[data-testid=manage-status]").await.text().await.unwrap(), "Confirmed");
    wait(&c, "[data-testid=cancel-booking]").await.click().await.unwrap();
    let mut status = String::new();
    for _ in 0..100 {
        status = c.find(Locator::Css("[data-testid=manage-status]")).await.unwrap().text().await.unwrap();
        if status == "Cancelled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "Cancelled");
    let id = booked[0]["id"].as_str().unwrap();
    let after: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/bookings/{id}", demo.base_url))
        .bearer_auth(&demo.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["status"], "cancelled");

    // An unknown booking page says so.
    c.goto(&format!("{}/no-such-practice", demo.base_url)).await.unwrap();
    let missing = wait(&c, "[data-testid=widget-error]").await.text().await.unwrap();
    assert_eq!(missing, "This booking page does not exist.");

    // The same page on a phone-sized screen.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    wait(&c, "[data-testid=service]").await.click().await.unwrap();
    wait(&c, "[data-testid=day]").await;
    screenshot(&c, "calendar-360").await;
    let width: f64 =
        c.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap().as_f64().unwrap();
    assert!(width <= 360.0, "no horizontal scrolling at 360 px: {width}");
    c.close().await.unwrap();
    terminate(demo.child).await;
}

#[tokio::test]
async fn a_browser_in_los_angeles_sees_berlin_slots_in_its_own_time() {
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::create(Backend::Sqlite).await;
    let demo = server(&db).await;
    let driver = Driver::start("America/Los_Angeles");
    let c = driver.browser(1280, 900).await;
    let (start, label) = pick_first_time(&c, &demo.base_url).await;
    let zone = wait(&c, "[data-testid=timezone-select]").await.prop("value").await.unwrap().unwrap();
    assert_eq!(zone, "America/Los_Angeles", "the browser's zone is the default");
    let at: chrono::DateTime<chrono::Utc> = start.parse().unwrap();
    let la = at.with_timezone(&chrono_tz::America::Los_Angeles);
    let berlin = at.with_timezone(&chrono_tz::Europe::Berlin);
    let (la12, la24) = (la.format("%I:%M").to_string(), la.format("%H:%M").to_string());
    assert!(label.contains(&la12) || label.contains(&la24), "label {label:?} shows {la24} in Los Angeles");
    assert_ne!(la.format("%H").to_string(), berlin.format("%H").to_string(), "the zones differ by 9 hours");
    // Switching to the org's zone shows the Berlin wall-clock time.
    c.execute(
        "const s = document.querySelector('[data-testid=timezone-select]'); s.value = 'Europe/Berlin'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let label =
        wait(&c, &format!("[data-testid=time][data-start='{start}']")).await.text().await.unwrap_or_default();
    let (b12, b24) = (berlin.format("%I:%M").to_string(), berlin.format("%H:%M").to_string());
    let any_label: Vec<String> = {
        let mut v = Vec::new();
        for el in c.find_all(Locator::Css("[data-testid=time]")).await.unwrap() {
            v.push(el.text().await.unwrap());
        }
        v
    };
    assert!(
        label.contains(&b12)
            || label.contains(&b24)
            || any_label.iter().any(|l| l.contains(&b24) || l.contains(&b12)),
        "Berlin time {b24} shown after switching: {label:?} {any_label:?}"
    );
    c.close().await.unwrap();
    terminate(demo.child).await;
}

/// Books `start` for every practitioner free then, through the org API (behind the widget's back).
async fn take_slot(demo: &Demo, start: &str) {
    let client = reqwest::Client::new();
    let services: Value = client
        .get(format!("{}/api/v1/public/orgs/movela/services", demo.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let service = services["data"][0]["id"].as_str().unwrap().to_owned();
    for p in services["data"][0]["practitioner_ids"].as_array().unwrap() {
        let res = client
            .post(format!("{}/api/v1/bookings", demo.base_url))
            .bearer_auth(&demo.api_key)
            .json(&json!({"service_id": service, "start": start, "practitioner_id": p,
                          "customer": {"name": "Someone Else", "email": "else@example.com"}}))
            .send()
            .await
            .unwrap();
        // 201, or 422 where that practitioner does not work then.
        assert!(res.status() == 201 || res.status() == 422, "{}", res.status());
    }
}

#[tokio::test]
async fn a_time_taken_meanwhile_says_so_and_refreshes_the_times() {
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::create(Backend::Sqlite).await;
    let demo = server(&db).await;
    let driver = Driver::start("Europe/Berlin");
    let c = driver.browser(1280, 900).await;
    let (start, _) = pick_first_time(&c, &demo.base_url).await;
    wait(&c, "[data-testid=name]").await.send_keys("Late Larry").await.unwrap();
    wait(&c, "[data-testid=email]").await.send_keys("larry@example.com").await.unwrap();
    take_slot(&demo, &start).await;
    wait(&c, "[data-testid=submit]").await.click().await.unwrap();
    let mut notice = String::new();
    for _ in 0..100 {
        let js = "const n = document.querySelector('[data-testid=notice]'); return n ? n.textContent : ''";
        notice = c.execute(js, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned();
        if !notice.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(notice.contains("just taken"), "{notice}");
    // The times were fetched again: the taken one is gone, others remain.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // One script call reads the list atomically (it may be re-rendering).
    let js = "return [...document.querySelectorAll('[data-testid=time]')].map(e => e.dataset.start)";
    let starts: Vec<String> = serde_json::from_value(c.execute(js, vec![]).await.unwrap()).unwrap();
    assert!(!starts.contains(&start), "{start} still offered: {starts:?}");
    assert!(c.find(Locator::Css("[data-testid=confirmation]")).await.is_err());
    c.close().await.unwrap();
    terminate(demo.child).await;
}

#[tokio::test]
async fn the_embed_snippet_books_from_another_origin_and_tells_the_host_page() {
    let _one = ONE_BROWSER.lock().await;
    let db = TestDb::create(Backend::Sqlite).await;
    let demo = server(&db).await;
    // The host page lives on another origin (another port) and embeds with one snippet.
    let html = format!(
        r#"<!doctype html><html><body><h1>Physio blog</h1>
        <p id="booked" data-testid="host-booked"></p>
        <div data-cadence-org="movela"></div>
        <script src="{}/widget/embed.js" async></script>
        <script>document.addEventListener("cadence:booked", e => {{
            document.getElementById("booked").textContent = e.detail.id; }});</script>
        </body></html>"#,
        demo.base_url
    );
    let host =
        axum::Router::new().route("/", axum::routing::get(move || async move { axum::response::Html(html) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host_url = format!("http://{}/", listener.local_addr().unwrap());
    let server_task = tokio::spawn(async move { axum::serve(listener, host).await.unwrap() });

    let driver = Driver::start("Europe/Berlin");
    let c = driver.browser(1280, 900).await;
    c.goto(&host_url).await.unwrap();
    let frame = wait(&c, "iframe").await;
    frame.enter_frame().await.unwrap();
    click_until(&c, "[data-testid=service]", "[data-testid=day]").await;
    click_last_day(&c).await;
    click_until(&c, "[data-testid=time]", "[data-testid=name]").await;
    wait(&c, "[data-testid=name]").await.send_keys("Embedded Emma").await.unwrap();
    wait(&c, "[data-testid=email]").await.send_keys("emma@example.com").await.unwrap();
    click_until(&c, "[data-testid=submit]", "[data-testid=confirmation]").await;
    c.enter_parent_frame().await.unwrap();
    let mut booked = String::new();
    for _ in 0..100 {
        booked = c.find(Locator::Css("#booked")).await.unwrap().text().await.unwrap();
        if !booked.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(booked.starts_with("bk_"), "the host page got the event: {booked:?}");
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/bookings/{booked}", demo.base_url))
        .bearer_auth(&demo.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["customer"]["email"], "emma@example.com");
    // The iframe grew to its content.
    let height: f64 = c
        .execute("return document.querySelector('iframe').getBoundingClientRect().height", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(height > 300.0, "iframe height {height}");
    c.close().await.unwrap();
    server_task.abort();
    terminate(demo.child).await;
}
