//! The dashboard in a real browser (Debian's chromium through chromedriver) against the real
//! binary: a business signs up and sets itself up, a customer books on the public page, the
//! business sees it in the agenda at the org's local time, moves it and cancels it; API keys
//! are made, used and revoked; webhook endpoints get a test event; a failed log-in, a field
//! error, a session that ended and a request from another origin. Every step checks what
//! the server stored through the org API, not only the page. Screenshots of every screen at
//! 360 and 1280 px go to target/screenshots/dashboard-*.png.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

mod support;
use support::axe::assert_accessible;
use support::browser::*;

const PASSWORD: &str = "correct horse battery";

/// The input the label reading `label` is for (the label must exist and name it).
async fn by_label(c: &Client, label: &str) -> Element {
    let xpath = format!("//label[normalize-space(.)=\"{label}\"]");
    let l = c
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("label {label:?}: {e}"));
    let id = l.attr("for").await.unwrap().unwrap_or_else(|| panic!("label {label:?} names no control"));
    c.find(Locator::Id(&id)).await.unwrap()
}

/// Types `text` into the field labelled `label`, replacing what was there.
async fn fill(c: &Client, label: &str, text: &str) {
    let el = by_label(c, label).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Sets a date or time input (whose typing depends on the browser's locale) as a person's
/// picking it would: the value, then an `input` event.
async fn set_value(c: &Client, el: &Element, value: &str) {
    let js =
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));";
    c.execute(js, vec![serde_json::to_value(el).unwrap(), json!(value)]).await.unwrap();
}

async fn button(c: &Client, text: &str) -> Element {
    let xpath = format!("//button[normalize-space(.)=\"{text}\"]");
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("button {text:?}: {e}"))
}

async fn wait_x(c: &Client, xpath: &str) -> Element {
    c.wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
}

async fn click_button(c: &Client, text: &str) {
    button(c, text).await.click().await.unwrap();
}

/// Follows the navigation link named `name` (clicking "Menu" first when it is collapsed).
async fn nav_to(c: &Client, name: &str) {
    let link = c.find(Locator::XPath(&format!("//nav//a[normalize-space(.)=\"{name}\"]"))).await.unwrap();
    if !link.is_displayed().await.unwrap() {
        click_button(c, "Menu").await;
    }
    link.click().await.unwrap();
}

/// The page's path.
async fn path(c: &Client) -> String {
    c.current_url().await.unwrap().path().to_owned()
}

/// Waits until the page's path is `want`.
async fn wait_path(c: &Client, want: &str) {
    for _ in 0..100 {
        if path(c).await == want {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never at {want}; at {}", path(c).await);
}

/// Text of the element `css` once `done` holds for it.
async fn text_when(c: &Client, css: &str, done: impl Fn(&str) -> bool) -> String {
    let js = format!("const e = document.querySelector(\"{css}\"); return e ? e.textContent : ''");
    poll_text(c, &js, done).await
}

/// An account API session token (a log-in by the test, as the SDKs do it).
async fn session_token(base: &str, email: &str, password: &str) -> String {
    let session: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    session["token"].as_str().expect("a session token").to_owned()
}

/// An all-scopes API key of the owner's org, to check what the server stored.
async fn owner_key(base: &str, email: &str, password: &str) -> String {
    let http = reqwest::Client::new();
    let token = session_token(base, email, password).await;
    let key: Value = http
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"name": "test checks"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    key["plain_key"].as_str().unwrap().to_owned()
}

/// The page does not scroll sideways (else: the elements reaching past the right edge).
async fn assert_fits(c: &Client, name: &str, width: u32) {
    let js = "return document.documentElement.scrollWidth > window.innerWidth ? \
              [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1) \
              .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)) : []";
    let past = c.execute(js, vec![]).await.unwrap();
    assert_eq!(past, json!([]), "{name} at {width} px scrolls sideways");
}

/// Screenshots of every screen of the navigation (and the account) at 1280 and 360 px, each
/// also checked with axe.
async fn every_screen(c: &Client, tag: &str) {
    let screens = [
        ("Bookings", "bookings"),
        ("Services", "services"),
        ("Practitioners", "practitioners"),
        ("Customers", "customers"),
        ("API keys", "api-keys"),
        ("Webhooks", "webhooks"),
        ("Settings", "settings"),
        ("Account", "account"),
    ];
    for (width, height) in [(1280, 900), (360, 800)] {
        c.set_window_size(width, height).await.unwrap();
        if width == 360 {
            // The navigation is collapsed behind "Menu", which says whether it is open.
            let menu = button(c, "Menu").await;
            assert_eq!(menu.attr("aria-expanded").await.unwrap().as_deref(), Some("false"));
            menu.click().await.unwrap();
            wait(c, "nav.open").await;
            assert_eq!(menu.attr("aria-expanded").await.unwrap().as_deref(), Some("true"));
            screenshot(c, &format!("dashboard-{tag}menu-360")).await;
        }
        for (name, testid) in screens {
            nav_to(c, name).await;
            wait(c, &format!("[data-testid={testid}]")).await;
            tokio::time::sleep(std::time::Duration::from_millis(700)).await; // its data arrives
            assert_fits(c, name, width).await;
            screenshot(c, &format!("dashboard-{tag}{testid}-{width}")).await;
            if width == 1280 {
                assert_accessible(c, name).await;
            }
        }
    }
    c.set_window_size(1280, 900).await.unwrap();
}

/// The next `weekday` at least three days after `from`.
fn next_weekday(from: NaiveDate, weekday: Weekday) -> NaiveDate {
    let mut d = from + Duration::days(3);
    while d.weekday() != weekday {
        d += Duration::days(1);
    }
    d
}

#[tokio::test]
async fn a_business_signs_up_sets_up_and_runs_a_booking_from_the_dashboard() {
    let s = Session::start("Europe/Berlin").await; // the browser's zone; the org's differs
    let (c, base) = (&s.c, s.demo.base_url.clone());
    let org_tz: chrono_tz::Tz = "America/New_York".parse().unwrap();

    // Signing up: from the log-in form the dashboard sends a newcomer to.
    c.goto(&format!("{base}/dashboard/")).await.unwrap();
    wait(c, "[data-testid=login]").await;
    assert_accessible(c, "log-in form").await;
    screenshot(c, "dashboard-login-1280").await;
    c.set_window_size(360, 800).await.unwrap();
    assert_fits(c, "log-in", 360).await;
    screenshot(c, "dashboard-login-360").await;
    c.set_window_size(1280, 900).await.unwrap();
    c.find(Locator::LinkText("Create an account")).await.unwrap().click().await.unwrap();
    wait(c, "[data-testid=signup]").await;
    fill(c, "Your name", "Rosa Diaz").await;
    fill(c, "Business name", "Harbor Physio").await;
    fill(c, "Timezone", "America/New_York").await;
    fill(c, "Email", "rosa@harbor.example").await;
    fill(c, "Password", PASSWORD).await;
    assert_accessible(c, "sign-up form").await;
    screenshot(c, "dashboard-signup-1280").await;
    click_button(c, "Create account").await;
    wait(c, "[data-testid=bookings]").await;
    wait_path(c, "/dashboard/bookings").await;
    let cookie_visible: bool = c
        .execute("return document.cookie.includes('cadence_session')", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(!cookie_visible, "the session cookie is not readable by page scripts");
    let key = owner_key(&base, "rosa@harbor.example", PASSWORD).await;
    let org = org_get_with(&base, &key, "/api/v1/org").await;
    assert_eq!(org["name"], "Harbor Physio");
    assert_eq!(org["timezone"], "America/New_York");
    let slug = org["slug"].as_str().unwrap().to_owned();

    // A practitioner with weekday hours and a day off.
    nav_to(c, "Practitioners").await;
    click_button(c, "Add practitioner").await;
    fill(c, "Name", "Dana Weiss").await;
    for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"] {
        c.find(Locator::Css(&format!("[aria-label='{day} add hours']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let today = Utc::now().with_timezone(&org_tz).date_naive();
    let day_off = next_weekday(today, Weekday::Wed);
    click_button(c, "Add a date (day off or special hours)").await;
    set_value(c, &by_label(c, "Date").await, &day_off.to_string()).await;
    wait(c, "[data-testid=override] .closed").await; // "Day off": no hours that date
    screenshot(c, "dashboard-practitioner-form-1280").await;
    click_button(c, "Save practitioner").await;
    text_when(c, "[data-testid=practitioner-list]", |t| t.contains("Dana Weiss")).await;
    let people = org_get_with(&base, &key, "/api/v1/practitioners").await;
    let dana = &people["data"][0];
    assert_eq!(dana["name"], "Dana Weiss");
    assert_eq!(dana["weekly_hours"]["monday"], json!([{"start": "09:00", "end": "17:00"}]));
    assert_eq!(dana["weekly_hours"]["friday"], json!([{"start": "09:00", "end": "17:00"}]));
    assert_eq!(dana["weekly_hours"]["saturday"], json!([]));
    assert_eq!(dana["date_overrides"], json!([{"date": day_off.to_string(), "intervals": []}]));
    let dana_id = dana["id"].as_str().unwrap().to_owned();

    // A service she performs.
    nav_to(c, "Services").await;
    click_button(c, "Add service").await;
    fill(c, "Name", "Assessment").await;
    fill(c, "Duration (minutes)", "45").await;
    fill(c, "Start every (minutes)", "60").await;
    c.find(Locator::XPath("//label[contains(., 'Dana Weiss')]/input")).await.unwrap().click().await.unwrap();
    click_button(c, "Save service").await;
    text_when(c, "[data-testid=service-list]", |t| t.contains("Assessment")).await;
    let services = org_get_with(&base, &key, "/api/v1/services").await;
    let service = &services["data"][0];
    assert_eq!(
        (service["name"].clone(), service["duration_minutes"].clone()),
        (json!("Assessment"), json!(45))
    );
    assert_eq!(service["slot_interval_minutes"], 60);
    assert_eq!(service["practitioner_ids"], json!([dana_id]));
    let service_id = service["id"].as_str().unwrap().to_owned();
    let off = org_get_with(
        &base,
        &key,
        &format!("/api/v1/availability?service_id={service_id}&from={day_off}&to={day_off}"),
    )
    .await;
    assert_eq!(off["slots"], json!([]), "nothing open on the day off");

    // A customer books on the public page.
    let (start, _) = pick_first_time_of(c, &base, &slug).await;
    type_details(c, "Chris Customer", "chris@example.com").await;
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    wait(c, "[data-testid=confirmation]").await;
    let start = instant(&start);

    // The agenda shows it at New York time (the browser is in Berlin).
    c.goto(&format!("{base}/dashboard/bookings")).await.unwrap();
    wait(c, "[data-testid=agenda]").await;
    let local = start.with_timezone(&org_tz);
    let end = (start + Duration::minutes(45)).with_timezone(&org_tz);
    let label = format!("{}–{}", local.format("%H:%M"), end.format("%H:%M"));
    let day_css =
        format!("[data-testid=agenda-day][data-date='{}'] [data-testid=booking-time]", local.date_naive());
    for _ in 0..10 {
        if c.find(Locator::Css(&day_css)).await.is_ok() {
            break;
        }
        c.find(Locator::Css("[aria-label='Next week']")).await.unwrap().click().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    let shown = wait(c, &day_css).await.text().await.unwrap();
    assert_eq!(shown, label, "on {} at the org's local time", local.date_naive());
    screenshot(c, "dashboard-agenda-1280").await;

    // Reschedule it to another free time that day.
    wait(c, "[data-testid=booking] a").await.click().await.unwrap();
    wait(c, "[data-testid=booking-detail] [data-testid=detail-status]").await;
    set_value(c, &by_label(c, "Day").await, &local.date_naive().to_string()).await;
    let times = settled_list(c, "[data-testid=time]", "start").await;
    let other = times.iter().find(|t| instant(t) != start).expect("another free time that day").clone();
    click_until(
        c,
        &format!("[data-testid=time][data-start='{other}']"),
        "[data-testid=time][aria-pressed=true]",
    )
    .await;
    screenshot(c, "dashboard-reschedule-1280").await;
    assert_accessible(c, "booking detail").await;
    c.set_window_size(360, 800).await.unwrap();
    assert_fits(c, "booking detail", 360).await;
    screenshot(c, "dashboard-booking-detail-360").await;
    c.set_window_size(1280, 900).await.unwrap();
    click_button(c, "Move to this time").await;
    let moved_label = start_label(instant(&other), org_tz);
    text_when(c, "[data-testid=detail-when]", |t| t.contains(&moved_label)).await;
    let bookings = org_get_with(&base, &key, "/api/v1/bookings").await;
    let booking = &bookings["data"][0];
    assert_eq!(instant(booking["start"].as_str().unwrap()), instant(&other), "moved in the store");
    assert_eq!(booking["customer"]["email"], "chris@example.com");
    let booking_id = booking["id"].as_str().unwrap().to_owned();

    // Cancel it, with a reason.
    fill(c, "Reason (the customer is told)", "Practitioner ill").await;
    click_button(c, "Cancel booking").await;
    text_when(c, "[data-testid=detail-status]", |t| t == "Cancelled").await;
    let stored = org_get_with(&base, &key, &format!("/api/v1/bookings/{booking_id}")).await;
    assert_eq!(stored["status"], "cancelled");
    assert_eq!(stored["cancel_reason"], "Practitioner ill");

    // The list view with its filters: the cancelled booking under "Cancelled", none confirmed.
    nav_to(c, "Bookings").await;
    click_button(c, "List").await;
    by_label(c, "Status").await.select_by_value("cancelled").await.unwrap();
    click_button(c, "Show").await;
    let listed = text_when(c, "[data-testid=booking-list]", |t| t.contains("Chris Customer")).await;
    assert!(listed.contains("Cancelled"), "{listed}");
    by_label(c, "Status").await.select_by_value("confirmed").await.unwrap();
    click_button(c, "Show").await;
    wait(c, "[data-testid=bookings] .empty").await;

    // The customer is listed and found by a part of their e-mail address.
    nav_to(c, "Customers").await;
    fill(c, "Search by name or e-mail", "CHRIS@").await;
    click_button(c, "Search").await;
    text_when(c, "[data-testid=customers] tbody", |t| t.contains("Chris Customer")).await;
    c.find(Locator::LinkText("Chris Customer")).await.unwrap().click().await.unwrap();
    let history = text_when(c, "[data-testid=customer-bookings]", |t| t.contains("Cancelled")).await;
    assert!(history.contains("Assessment"), "{history}");
    assert_accessible(c, "customer detail").await;
    for (w, h) in [(1280, 900), (360, 800)] {
        c.set_window_size(w, h).await.unwrap();
        assert_fits(c, "customer detail", w).await;
        screenshot(c, &format!("dashboard-customer-detail-{w}")).await;
    }
    c.set_window_size(1280, 900).await.unwrap();

    every_screen(c, "").await;
    s.finish().await;
}

/// "14:30" of `at` in `tz`, as the detail shows the start.
fn start_label(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%H:%M").to_string()
}

#[tokio::test]
async fn keys_are_shown_once_used_and_revoked_and_sessions_end_safely() {
    // The server logs every request's status (to see the forged one refused).
    let log = [("CADENCE_LOG", "warn,cadence_server::http::context=info")];
    let s = Session::start_env("Europe/Berlin", &log).await;
    let (c, base) = (&s.c, s.demo.base_url.clone());
    let owner = "owner@movela.example";

    // A deep link without a session: the log-in form, which comes back there.
    c.goto(&format!("{base}/dashboard/api-keys")).await.unwrap();
    wait(c, "[data-testid=login]").await;
    fill(c, "Email", owner).await;
    fill(c, "Password", "not the password").await;
    click_button(c, "Log in").await;
    let refused = text_when(c, "[data-testid=form-error]", |t| !t.is_empty()).await;
    assert!(refused.to_lowercase().contains("password"), "{refused}");
    screenshot(c, "dashboard-login-failed-1280").await;
    assert_accessible(c, "failed log-in").await;
    fill(c, "Password", &s.demo.owner_password).await;
    click_button(c, "Log in").await;
    wait(c, "[data-testid=api-keys]").await;
    wait_path(c, "/dashboard/api-keys").await;

    // A key with two scopes and an expiry: shown once, then only its prefix.
    fill(c, "Name", "Website backend").await;
    for scope in [
        "services:write",
        "practitioners:read",
        "practitioners:write",
        "bookings:write",
        "customers:read",
        "webhooks:manage",
        "org:read",
        "org:write",
    ] {
        c.find(Locator::XPath(&format!("//label[normalize-space(.)='{scope}']/input")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let expiry = (Utc::now() + Duration::days(30)).date_naive();
    set_value(c, &by_label(c, "Expires on (optional)").await, &expiry.to_string()).await;
    click_button(c, "Create key").await;
    let plain = wait(c, "[data-testid=plain-key]").await.text().await.unwrap();
    assert!(plain.starts_with("ck_live_"), "{plain}");
    let notice = wait(c, "[data-testid=new-key]").await.text().await.unwrap();
    assert!(notice.contains("you will not see it again"), "{notice}");
    screenshot(c, "dashboard-key-created-1280").await;
    let http = reqwest::Client::new();
    let with_key = |path: &str| http.get(format!("{base}{path}")).bearer_auth(&plain).send();
    assert_eq!(with_key("/api/v1/bookings").await.unwrap().status(), 200, "bookings:read works");
    assert_eq!(with_key("/api/v1/customers").await.unwrap().status(), 403, "customers:read was not given");
    let keys = org_get(&s.demo, "/api/v1/org").await; // the demo key still works
    assert_eq!(keys["slug"], "movela");
    click_button(c, "Done").await;
    let row_css = "[data-testid=key][data-status=Active]";
    let listed = text_when(c, "[data-testid=key-list]", |t| t.contains("Website backend")).await;
    assert!(!listed.contains(&plain), "the list shows the prefix only");
    assert!(
        listed.contains("bookings:read, services:read") || listed.contains("services:read, bookings:read"),
        "{listed}"
    );
    wait(c, row_css).await;

    // Revoked after a confirmation: refused from then on.
    let revoke = c
        .find(Locator::XPath(
            "//tr[td[normalize-space(.)='Website backend']]//button[normalize-space(.)='Revoke']",
        ))
        .await
        .unwrap();
    revoke.click().await.unwrap();
    c.accept_alert().await.unwrap();
    wait(c, "[data-testid=key][data-status=Revoked]").await;
    assert_eq!(with_key("/api/v1/bookings").await.unwrap().status(), 401, "a revoked key is refused");

    // A request from another web site (another origin; the same site, so the cookie goes
    // along) is refused: the session survives a forged log-out.
    let (page, _host) = host_page(format!(
        "<!doctype html><title>elsewhere</title><script>
           fetch('{base}/api/v1/auth/logout', {{method: 'POST', credentials: 'include', mode: 'no-cors'}})
             .then(() => document.title = 'sent', () => document.title = 'failed');
         </script>"
    ))
    .await;
    c.goto(&page).await.unwrap();
    poll_text(c, "return document.title", |t| t == "sent").await;
    c.goto(&format!("{base}/dashboard/webhooks")).await.unwrap();
    wait(c, "[data-testid=webhooks]").await;
    let refused = s.demo.log.lock().unwrap().iter().any(|l| {
        l.contains("route=/api/v1/auth/logout") && l.contains("request finished") && l.contains("status=403")
    });
    assert!(refused, "the forged log-out reached the server and was refused");

    // The session ends elsewhere (a password change ends every other session): the next
    // call answers 401, the log-in form shows, and afterwards the same screen again.
    let new_password = "a new password 2026";
    let token = session_token(&base, owner, &s.demo.owner_password).await;
    let changed = http
        .put(format!("{base}/api/v1/auth/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": s.demo.owner_password, "new_password": new_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 204);
    nav_to(c, "Customers").await;
    wait(c, "[data-testid=login]").await;
    assert_eq!(c.current_url().await.unwrap().query(), Some("next=%2Fdashboard%2Fcustomers"));
    fill(c, "Email", owner).await;
    fill(c, "Password", new_password).await;
    click_button(c, "Log in").await;
    wait(c, "[data-testid=customers]").await;
    wait_path(c, "/dashboard/customers").await;

    // A field error: the server's message at the field the envelope names, what was typed kept.
    click_button(c, "Log out").await;
    wait(c, "[data-testid=login]").await;
    c.find(Locator::LinkText("Create an account")).await.unwrap().click().await.unwrap();
    fill(c, "Your name", "Sam Short").await;
    fill(c, "Business name", "Short Studio").await;
    fill(c, "Email", "sam@short.example").await;
    fill(c, "Password", "short").await;
    click_button(c, "Create account").await;
    let error = wait(c, "[data-testid=error-password]").await.text().await.unwrap();
    assert_eq!(error, "Use a password of at least 10 characters.");
    let password = by_label(c, "Password").await;
    assert_eq!(password.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(by_label(c, "Your name").await.prop("value").await.unwrap().as_deref(), Some("Sam Short"));
    screenshot(c, "dashboard-signup-error-1280").await;
    c.set_window_size(360, 800).await.unwrap();
    screenshot(c, "dashboard-signup-error-360").await;
    let nobody = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "sam@short.example", "password": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(nobody.status(), 401, "no account was made");
    s.finish().await;
}

#[tokio::test]
async fn a_webhook_endpoint_is_added_tested_and_its_delivery_shown() {
    let rx = cadence_server::testing::Receiver::start(std::time::Duration::ZERO).await;
    let s = Session::start_with(
        "Europe/Berlin",
        "127.0.0.1:0",
        &["--webhook-allow-private", "--webhook-poll-ms", "50"],
    )
    .await;
    let (c, base) = (&s.c, s.demo.base_url.clone());
    c.goto(&format!("{base}/dashboard/login?next=%2Fdashboard%2Fwebhooks")).await.unwrap();
    fill(c, "Email", "owner@movela.example").await;
    fill(c, "Password", &s.demo.owner_password).await;
    click_button(c, "Log in").await;
    wait(c, "[data-testid=webhooks]").await;

    fill(c, "Endpoint URL", &rx.url).await;
    fill(c, "Description", "Front desk system").await;
    click_button(c, "Add endpoint").await;
    let secret = wait(c, "[data-testid=secret]").await.text().await.unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let stored = org_get(&s.demo, "/api/v1/webhooks").await;
    let endpoint = &stored["data"][0];
    assert_eq!((endpoint["url"].as_str(), endpoint["events"].clone()), (Some(rx.url.as_str()), json!(["*"])));
    assert!(endpoint.get("secret").is_none(), "the secret is not listed again");
    click_button(c, "Done").await;

    wait(c, "[data-testid=webhook] a").await.click().await.unwrap();
    wait(c, "[data-testid=webhook-url]").await;
    click_button(c, "Send test event").await;
    let got = rx.wait_for_events(1, std::time::Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "the receiver got the test event");
    assert_eq!(got[0].json()["type"], "webhook.test");
    let headers = &got[0].headers;
    let header = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert!(
        cadence_shared::verify_standard(
            &secret,
            &header("webhook-id"),
            &header("webhook-timestamp"),
            &got[0].body,
            &header("webhook-signature"),
            Utc::now().timestamp(),
            300,
        ),
        "signed with the secret the dashboard showed once"
    );
    for _ in 0..50 {
        click_button(c, "Refresh").await;
        if c.find(Locator::Css("[data-testid=delivery][data-event='webhook.test']")).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let status = wait(c, "[data-testid=delivery][data-event='webhook.test'] [data-testid=delivery-status]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(status, "200");

    // The secret is rotated: the new one shown once, both signing for a while.
    click_button(c, "Rotate secret").await;
    let rotated = text_when(c, "[data-testid=secret]", |t| t.starts_with("whsec_") && t != secret).await;
    let stored = org_get(&s.demo, "/api/v1/webhooks").await;
    assert!(stored["data"][0]["previous_secret_expires_at"].is_string(), "{stored}");
    click_button(c, "Done").await;
    click_button(c, "Send test event").await;
    let got = rx.wait_for_events(2, std::time::Duration::from_secs(20)).await;
    let last = got.last().unwrap();
    let h = |name: &str| last.headers.get(name).unwrap().to_str().unwrap().to_owned();
    for key in [&secret, &rotated] {
        let ok = cadence_shared::verify_standard(
            key,
            &h("webhook-id"),
            &h("webhook-timestamp"),
            &last.body,
            &h("webhook-signature"),
            Utc::now().timestamp(),
            300,
        );
        assert!(ok, "both the old and the new secret verify during the overlap");
    }

    // The receiver says 410 Gone: the endpoint is disabled; "Enable again" brings it back.
    rx.status.store(410, std::sync::atomic::Ordering::SeqCst);
    click_button(c, "Send test event").await;
    rx.wait_for_events(3, std::time::Duration::from_secs(20)).await;
    for _ in 0..50 {
        let now = org_get(&s.demo, "/api/v1/webhooks").await;
        if now["data"][0]["active"] == false {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    c.refresh().await.unwrap();
    text_when(c, "[data-testid=webhook-state]", |t| t.starts_with("Disabled")).await;
    click_button(c, "Enable again").await;
    text_when(c, "[data-testid=webhook-state]", |t| t == "Active").await;
    let back = org_get(&s.demo, "/api/v1/webhooks").await;
    assert_eq!(
        (back["data"][0]["active"].clone(), back["data"][0]["disabled_reason"].clone()),
        (json!(true), json!(null))
    );

    // Edited: only booking.cancelled now, another description.
    fill(c, "Description", "Reception tablet").await;
    wait_x(c, "//label[normalize-space(.)='booking.cancelled']/input").await.click().await.unwrap();
    click_button(c, "Save endpoint").await;
    for _ in 0..50 {
        if org_get(&s.demo, "/api/v1/webhooks").await["data"][0]["description"] == "Reception tablet" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let edited = org_get(&s.demo, "/api/v1/webhooks").await;
    assert_eq!(edited["data"][0]["description"], "Reception tablet", "{edited}");
    assert_eq!(edited["data"][0]["events"], json!(["booking.cancelled"]), "{edited}");
    screenshot(c, "dashboard-webhook-detail-1280").await;
    assert_accessible(c, "webhook detail").await;
    c.set_window_size(360, 800).await.unwrap();
    assert_fits(c, "webhook detail", 360).await;
    screenshot(c, "dashboard-webhook-detail-360").await;
    s.finish().await;
}

/// Logs the demo owner in from the keyboard alone: the address, Tab, the password, Enter.
async fn keyboard_log_in(c: &Client, password: &str) {
    wait(c, "[data-testid=login]").await;
    by_label(c, "Email").await.click().await.unwrap();
    let keys = format!("owner@movela.example{}{password}{}", Key::Tab, Key::Enter);
    c.active_element().await.unwrap().send_keys(&keys).await.unwrap();
}

#[tokio::test]
async fn the_front_desk_books_a_caller_edits_the_catalogue_and_brands_the_page() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut s = Session::start_with("America/Los_Angeles", &addr, &[]).await;
    let (base, password) = (s.demo.base_url.clone(), s.demo.owner_password.clone());
    let c = &s.c;
    c.goto(&format!("{base}/dashboard/bookings/new")).await.unwrap();
    keyboard_log_in(c, &password).await;
    wait(c, "[data-testid=new-booking-form] form").await;
    wait_path(c, "/dashboard/bookings/new").await;

    // A caller wants Mira, on her first open day (Berlin time; the browser is in Los Angeles).
    let people = org_get(&s.demo, "/api/v1/practitioners").await;
    let mira = people["data"].as_array().unwrap().iter().find(|p| p["name"] == "Mira Costa").unwrap();
    let mira_id = mira["id"].as_str().unwrap().to_owned();
    let services = org_get(&s.demo, "/api/v1/services").await;
    let consultation =
        services["data"].as_array().unwrap().iter().find(|s| s["name"] == "Initial consultation").unwrap();
    let service_id = consultation["id"].as_str().unwrap().to_owned();
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let from = Utc::now().with_timezone(&berlin).date_naive() + Duration::days(1);
    let open = org_get(
        &s.demo,
        &format!(
            "/api/v1/availability?service_id={service_id}&practitioner_id={mira_id}&from={from}&to={}",
            from + Duration::days(14)
        ),
    )
    .await;
    let first = instant(open["slots"][0]["start"].as_str().unwrap());
    by_label(c, "Service").await.select_by_value(&service_id).await.unwrap();
    by_label(c, "Practitioner").await.select_by_value(&mira_id).await.unwrap();
    set_value(c, &by_label(c, "Day").await, &first.with_timezone(&berlin).date_naive().to_string()).await;
    let times = settled_list(c, "[data-testid=time]", "start").await;
    assert_eq!(instant(&times[0]), first, "the day's first free time is Mira's first slot");
    let label = wait(c, "[data-testid=time]").await.text().await.unwrap();
    assert_eq!(label, first.with_timezone(&berlin).format("%H:%M").to_string(), "shown in the org's zone");
    click_until(c, "[data-testid=time]", "[data-testid=time][aria-pressed=true]").await;
    fill(c, "Customer name", "Phil Caller").await;
    fill(c, "Customer phone", "+49 30 7654321").await;
    screenshot(c, "dashboard-new-booking-1280").await;
    assert_accessible(c, "new booking").await;
    click_button(c, "Book").await;
    wait(c, "[data-testid=booking-detail] [data-testid=detail-status]").await;
    let stored = org_get(&s.demo, "/api/v1/bookings?status=confirmed").await;
    let booked =
        stored["data"].as_array().unwrap().iter().find(|b| b["customer"]["name"] == "Phil Caller").unwrap();
    assert_eq!(booked["practitioner_id"], mira_id.as_str());
    assert_eq!(booked["customer"]["phone"], "+49307654321", "stored normalised");
    assert_eq!(instant(booked["start"].as_str().unwrap()), first);

    // The agenda is live enough: a booking made elsewhere shows when the tab is shown again.
    nav_to(c, "Bookings").await;
    let on_day =
        format!("[data-testid=agenda-day][data-date='{}']", first.with_timezone(&berlin).date_naive());
    for _ in 0..4 {
        if text_when(c, &on_day, |t| t.contains("Phil Caller")).await.contains("Phil Caller") {
            break;
        }
        c.find(Locator::Css("[aria-label='Next week']")).await.unwrap().click().await.unwrap();
    }
    let later = instant(times[2].as_str());
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/bookings"))
        .bearer_auth(&s.demo.api_key)
        .json(&json!({"service_id": service_id, "start": later.to_rfc3339(), "practitioner_id": mira_id,
                      "customer": {"name": "Web Booker", "email": "web@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // As browsers fire it when the tab comes back (it bubbles to the window).
    let shown_again = "document.dispatchEvent(new Event('visibilitychange', {bubbles: true}))";
    c.execute(shown_again, vec![]).await.unwrap();
    let shown = text_when(c, &on_day, |t| t.contains("Web Booker")).await;
    assert!(shown.contains("Web Booker") && shown.contains("Phil Caller"), "{shown}");

    // Jonas works Sundays from now on.
    nav_to(c, "Practitioners").await;
    let jonas = wait_x(c, "//li[@data-testid='practitioner'][.//h2[normalize-space(.)='Jonas Weber']]").await;
    jonas.find(Locator::XPath(".//button[normalize-space(.)='Edit']")).await.unwrap().click().await.unwrap();
    wait(c, "[aria-label='Sunday add hours']").await.click().await.unwrap();
    click_button(c, "Save practitioner").await;
    text_when(c, "[data-testid=practitioner-list]", |t| t.contains("Sun 09:00–17:00")).await;
    let people = org_get(&s.demo, "/api/v1/practitioners").await;
    let jonas = people["data"].as_array().unwrap().iter().find(|p| p["name"] == "Jonas Weber").unwrap();
    assert_eq!(jonas["weekly_hours"]["sunday"], json!([{"start": "09:00", "end": "17:00"}]));
    assert_eq!(
        jonas["weekly_hours"]["tuesday"],
        json!([{"start": "10:00", "end": "18:00"}]),
        "the rest kept"
    );

    // The catalogue: a longer massage, the consultation off the booking page.
    nav_to(c, "Services").await;
    let massage = wait_x(c, "//li[@data-testid='service'][.//h2[normalize-space(.)='Sports massage']]").await;
    massage
        .find(Locator::XPath(".//button[normalize-space(.)='Edit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(c, "Duration (minutes)", "75").await;
    click_button(c, "Save service").await;
    text_when(c, "[data-testid=service-list]", |t| t.contains("75 min")).await;
    let consult_card = format!("//li[@data-testid='service'][@data-id='{service_id}']");
    wait_x(c, &format!("{consult_card}//button[normalize-space(.)='Deactivate']"))
        .await
        .click()
        .await
        .unwrap();
    wait(c, &format!("[data-testid=service][data-id='{service_id}'] .badge")).await;
    let services = org_get(&s.demo, "/api/v1/services").await;
    let by_name =
        |n: &str| services["data"].as_array().unwrap().iter().find(|s| s["name"] == n).unwrap().clone();
    assert_eq!(by_name("Sports massage")["duration_minutes"], 75);
    assert_eq!(by_name("Initial consultation")["active"], false);
    let public = public_get(&base, "/services").await;
    assert!(
        public["data"].as_array().unwrap().iter().all(|s| s["id"] != service_id.as_str()),
        "not offered publicly"
    );

    // Deleting asks first: the massage and Ada go (neither has upcoming bookings).
    let massage_id = by_name("Sports massage")["id"].as_str().unwrap().to_owned();
    wait_x(c, &format!("//li[@data-id='{massage_id}']//button[normalize-space(.)='Delete']"))
        .await
        .click()
        .await
        .unwrap();
    c.accept_alert().await.unwrap();
    for _ in 0..50 {
        if c.find(Locator::Css(&format!("[data-testid=service][data-id='{massage_id}']"))).await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let gone = reqwest::Client::new()
        .get(format!("{base}/api/v1/services/{massage_id}"))
        .bearer_auth(&s.demo.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404, "deleted in the store");
    nav_to(c, "Practitioners").await;
    wait_x(c, "//li[@data-testid='practitioner'][.//h2[normalize-space(.)='Dr. Ada Park']]//button[normalize-space(.)='Delete']")
        .await
        .click()
        .await
        .unwrap();
    c.accept_alert().await.unwrap();
    text_when(c, "[data-testid=practitioner-list]", |t| !t.contains("Dr. Ada Park")).await;
    let people = org_get(&s.demo, "/api/v1/practitioners").await;
    assert!(people["data"].as_array().unwrap().iter().all(|p| p["name"] != "Dr. Ada Park"), "{people}");

    // Branding, with the booking page's header previewed before saving.
    nav_to(c, "Settings").await;
    set_value(c, &by_label(c, "Brand colour").await, "#7c3aed").await;
    fill(c, "Logo URL", "https://example.com/logo.png").await;
    let style = wait(c, "[data-testid=brand-preview]").await.attr("style").await.unwrap().unwrap_or_default();
    assert!(style.contains("#7c3aed"), "the preview follows the colour at once: {style}");
    let snippet = wait(c, "[data-testid=embed-snippet]").await.text().await.unwrap();
    assert!(
        snippet.contains(&format!("{base}/widget/embed.js"))
            && snippet.contains("data-cadence-org=\"movela\""),
        "{snippet}"
    );
    let log = text_when(c, "[data-testid=request-log]", |t| t.contains("/api/v1/practitioners")).await;
    assert!(log.contains("GET") && log.contains("200"), "the test's own API calls are in the log: {log}");
    click_button(c, "Save settings").await;
    wait(c, "[data-testid=settings] .ok").await;
    let org = public_get(&base, "").await;
    assert_eq!(
        org["branding"],
        json!({"primary_color": "#7c3aed", "logo_url": "https://example.com/logo.png"})
    );
    screenshot(c, "dashboard-settings-branded-1280").await;

    // The profile: a new display name, stored.
    nav_to(c, "Account").await;
    fill(c, "Your name", "Front Desk").await;
    click_button(c, "Save profile").await;
    wait(c, "[data-testid=account] .ok").await;
    let token = session_token(&base, "owner@movela.example", &password).await;
    let me: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["display_name"], "Front Desk");

    // The server goes away while a form is filled in: it says so, and the form is kept.
    nav_to(c, "Services").await;
    click_button(c, "Add service").await;
    fill(c, "Name", "Hot stones").await;
    support::stop(&mut s.demo.child).await;
    click_button(c, "Save service").await;
    let said = text_when(c, "[data-testid=service-form] [data-testid=form-error]", |t| !t.is_empty()).await;
    assert!(said.contains("Cannot reach the server") && said.contains("what you typed is kept"), "{said}");
    assert_eq!(by_label(c, "Name").await.prop("value").await.unwrap().as_deref(), Some("Hot stones"));
    screenshot(c, "dashboard-offline-1280").await;
    s.demo = server_on(&s.db, &addr, &[]).await;
    s.finish().await;
}
