//! Driving the widget in a real browser: Debian's chromium through chromedriver, with
//! fantoccini, against the real `cadence` binary serving the built widget.

use super::{Demo, start_demo_with_env, terminate};
use cadence_server::testing::{Backend, TestDb};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::time::Duration;

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

    /// A chromium whose browser languages (`navigator.languages`) are `languages`, e.g. `en-US,en`.
    async fn browser(&self, width: u32, height: u32, languages: &str) -> Client {
        // Two rustls providers are compiled into this test binary; pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let caps = json!({ "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", format!("--window-size={width},{height}"),
                     format!("--lang={languages}"), format!("--accept-lang={languages}")],
            "prefs": { "intl.accept_languages": languages },
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

/// `cadence serve --demo` with the built widget and dashboard, on `addr` (`127.0.0.1:0` for
/// any port).
pub async fn server_on(db: &TestDb, addr: &str, extra: &[&str]) -> Demo {
    server_with_env(db, addr, extra, &[]).await
}

/// `server_on` with extra environment variables for the server.
pub async fn server_with_env(db: &TestDb, addr: &str, extra: &[&str], env: &[(&str, &str)]) -> Demo {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (dist, dashboard) = (root.join("dist"), root.join("dashboard/dist"));
    assert!(dist.join("index.html").exists(), "build the widget first: trunk build --release");
    assert!(
        dashboard.join("index.html").exists(),
        "build the dashboard first: trunk build --release --config dashboard/Trunk.toml"
    );
    let mut args =
        vec!["--widget-dir", dist.to_str().unwrap(), "--dashboard-dir", dashboard.to_str().unwrap()];
    args.extend_from_slice(extra);
    start_demo_with_env(addr, &db.url, &args, env).await
}

/// Browser tests run one at a time: four browsers on two cores make clicks land on
/// half-rendered pages.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Clicks `click` until `expect` appears (a click can hit an element being re-rendered).
pub async fn click_until(c: &Client, click: &str, expect: &str) {
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
pub async fn click_last_day(c: &Client) {
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

pub async fn wait(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Opens the booking page and picks the first service, day and time; returns the chosen
/// start (ISO) and its label.
pub async fn pick_first_time(c: &Client, base: &str) -> (String, String) {
    pick_first_time_of(c, base, "movela").await
}

/// `pick_first_time` on the booking page of the org `slug`.
pub async fn pick_first_time_of(c: &Client, base: &str, slug: &str) -> (String, String) {
    c.goto(&format!("{base}/{slug}")).await.unwrap();
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

/// Types the customer's name and e-mail address into the booking form.
pub async fn type_details(c: &Client, name: &str, email: &str) {
    wait(c, "[data-testid=name]").await.send_keys(name).await.unwrap();
    wait(c, "[data-testid=email]").await.send_keys(email).await.unwrap();
}

pub async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), c.screenshot().await.unwrap()).unwrap();
}

/// Books `start` for every practitioner free then, through the org API (behind the widget's back).
pub async fn take_slot(demo: &Demo, start: &str) {
    let client = reqwest::Client::new();
    let services = public_get(&demo.base_url, "/services").await;
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

/// `GET path` on the org API with the demo key: the JSON answer.
pub async fn org_get(demo: &Demo, path: &str) -> Value {
    org_get_with(&demo.base_url, &demo.api_key, path).await
}

/// `GET path` on the org API of the server at `base` with `key`: the JSON answer (a 2xx).
pub async fn org_get_with(base: &str, key: &str, path: &str) -> Value {
    let res = reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(key).send().await.unwrap();
    assert!(res.status().is_success(), "GET {path}: {}", res.status());
    res.json().await.unwrap()
}

/// `GET /api/v1/public/orgs/movela{path}`: the JSON answer.
pub async fn public_get(base: &str, path: &str) -> Value {
    let res = reqwest::get(format!("{base}/api/v1/public/orgs/movela{path}")).await.unwrap();
    assert!(res.status().is_success(), "GET {path}: {}", res.status());
    res.json().await.unwrap()
}

/// Parses an RFC 3339 instant.
pub fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The customer with `email` has exactly one confirmed booking, and it starts at `start`.
pub async fn assert_booked_once_at(demo: &Demo, email: &str, start: &str) -> Value {
    let booked = bookings_of(demo, email).await;
    assert_eq!(booked.len(), 1, "{booked:?}");
    assert_eq!(instant(booked[0]["start"].as_str().unwrap()), instant(start), "booked at the chosen time");
    booked[0].clone()
}

/// The org's confirmed bookings for the customer with `email`, from the org API.
pub async fn bookings_of(demo: &Demo, email: &str) -> Vec<Value> {
    let page = org_get(demo, "/api/v1/bookings?status=confirmed").await;
    page["data"].as_array().unwrap().iter().filter(|b| b["customer"]["email"] == email).cloned().collect()
}

/// The `data-<name>` values of the elements `css` selects, read in one script call (the
/// list may be re-rendering), once two reads 300 ms apart agree and are not empty.
pub async fn settled_list(c: &Client, css: &str, name: &str) -> Vec<String> {
    let js = format!("return [...document.querySelectorAll(\"{css}\")].map(e => e.dataset.{name})");
    let mut last: Vec<String> = Vec::new();
    for _ in 0..60 {
        let now: Vec<String> = serde_json::from_value(c.execute(&js, vec![]).await.unwrap()).unwrap();
        if !now.is_empty() && now == last {
            return now;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("{css} never settled: {last:?}");
}

/// Serves `html` at `/` on another origin (a port of its own): a web site that embeds the
/// widget. Returns the page's URL and the server's task.
pub async fn host_page(html: String) -> (String, tokio::task::JoinHandle<()>) {
    let page = move || async move { axum::response::Html(html) };
    let host = axum::Router::new().route("/", axum::routing::get(page));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    (url, tokio::spawn(async move { axum::serve(listener, host).await.unwrap() }))
}

/// Waits until the script's answer (a string) satisfies `done`; returns the last answer.
pub async fn poll_text(c: &Client, js: &str, done: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = c.execute(js, vec![]).await.unwrap().as_str().unwrap_or_default().to_owned();
        if done(&text) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    text
}

/// One browser test's world: the browser lock, a fresh SQLite database, the demo server
/// with the built widget, and a 1280×900 chromium in timezone `tz`.
pub struct Session {
    pub c: Client,
    pub demo: Demo,
    pub db: TestDb,
    _driver: Driver,
    _one: tokio::sync::MutexGuard<'static, ()>,
}

impl Session {
    pub async fn start(tz: &str) -> Session {
        Session::start_with(tz, "127.0.0.1:0", &[]).await
    }

    /// With the server on `addr` and `extra` flags for `cadence serve`.
    pub async fn start_with(tz: &str, addr: &str, extra: &[&str]) -> Session {
        Session::open(tz, "en-US,en", addr, extra).await
    }

    /// A browser whose visitor reads `languages` (`navigator.languages`, e.g. `nl-BE,nl`).
    pub async fn start_in(tz: &str, languages: &str) -> Session {
        Session::open(tz, languages, "127.0.0.1:0", &[]).await
    }

    /// With `env` for the server process (e.g. `CADENCE_LOG`).
    pub async fn start_env(tz: &str, env: &[(&str, &str)]) -> Session {
        Session::open_env(tz, "en-US,en", "127.0.0.1:0", &[], env).await
    }

    async fn open(tz: &str, languages: &str, addr: &str, extra: &[&str]) -> Session {
        Session::open_env(tz, languages, addr, extra, &[]).await
    }

    async fn open_env(
        tz: &str,
        languages: &str,
        addr: &str,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Session {
        let one = ONE_BROWSER.lock().await;
        let db = TestDb::create(Backend::Sqlite).await;
        let demo = server_with_env(&db, addr, extra, env).await;
        let driver = Driver::start(tz);
        let c = driver.browser(1280, 900, languages).await;
        Session { c, demo, db, _driver: driver, _one: one }
    }

    /// Closes the browser and stops the server (which must exit cleanly).
    pub async fn finish(self) {
        self.c.close().await.unwrap();
        terminate(self.demo.child).await;
    }
}
