//! The widget in a real browser, beyond the happy path: booking with the keyboard alone,
//! what a customer sees when the network or the rate limiter says no (and that "Try again"
//! keeps what they typed), and moving a booking from its manage link.

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

mod support;
use support::browser::*;
use support::stop;

/// An attribute of the focused element.
async fn focused(c: &Client, attr: &str) -> String {
    c.active_element().await.unwrap().attr(attr).await.unwrap().unwrap_or_default()
}

async fn press(c: &Client, key: Key) {
    c.active_element().await.unwrap().send_keys(&key.to_string()).await.unwrap();
}

/// The current value of the input `css` selects.
async fn value(c: &Client, css: &str) -> String {
    wait(c, css).await.prop("value").await.unwrap().unwrap_or_default()
}

#[tokio::test]
async fn the_calendar_and_times_work_from_the_keyboard_alone() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    click_until(c, "[data-testid=service]", "[data-testid=next-month]").await;
    // Next month has open days whatever today is.
    wait(c, "[data-testid=next-month]").await.click().await.unwrap();
    let open = settled_list(c, "[data-testid=day]", "date").await;
    assert!(open.len() >= 3, "{open:?}");

    // One tab stop in the grid: the first open day.
    let stops = settled_list(c, "[data-testid=day][tabindex='0']", "date").await;
    assert_eq!(stops, [open[0].clone()]);
    let first = c.find(Locator::Css(&format!("[data-testid=day][data-date='{}']", open[0]))).await.unwrap();
    first.send_keys(&Key::Right.to_string()).await.unwrap();
    assert_eq!(focused(c, "data-date").await, open[1], "→ moves to the next open day");
    press(c, Key::Left).await;
    assert_eq!(focused(c, "data-date").await, open[0], "← moves back");
    press(c, Key::End).await;
    let last = open.last().unwrap().clone();
    assert_eq!(focused(c, "data-date").await, last, "End: the month's last open day");
    press(c, Key::Home).await;
    assert_eq!(focused(c, "data-date").await, open[0], "Home: the first");
    press(c, Key::Down).await;
    let down = focused(c, "data-date").await;
    assert!(down > open[0] && open.contains(&down), "↓ a week on, or the next open day after: {down}");
    press(c, Key::End).await;
    screenshot(c, "keyboard-focus-1280").await;

    // Enter picks the day; Tab goes on to its times (one tab stop there too).
    press(c, Key::Enter).await;
    let times = settled_list(c, "[data-testid=time]", "start").await;
    let day = c.find(Locator::Css(&format!("[data-testid=day][data-date='{last}']"))).await.unwrap();
    assert_eq!(day.attr("aria-pressed").await.unwrap().as_deref(), Some("true"));
    press(c, Key::Tab).await;
    assert_eq!(focused(c, "data-start").await, times[0], "Tab from the day lands on its first time");
    let chosen = if times.len() > 1 {
        press(c, Key::Right).await;
        assert_eq!(focused(c, "data-start").await, times[1]);
        times[1].clone()
    } else {
        times[0].clone()
    };
    press(c, Key::Enter).await;
    wait(c, "[data-testid=name]").await;
    assert_eq!(focused(c, "aria-pressed").await, "true", "the time is picked");

    // The form follows the times; Enter in a field sends it.
    press(c, Key::Tab).await;
    assert_eq!(focused(c, "data-testid").await, "name");
    c.active_element().await.unwrap().send_keys("Kim Keys").await.unwrap();
    press(c, Key::Tab).await;
    assert_eq!(focused(c, "data-testid").await, "email");
    c.active_element().await.unwrap().send_keys("kim@example.com").await.unwrap();
    press(c, Key::Enter).await;
    wait(c, "[data-testid=confirmation]").await;
    assert_booked_once_at(demo, "kim@example.com", &chosen).await;
    s.finish().await;
}

#[tokio::test]
async fn a_network_failure_keeps_the_form_and_try_again_books_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut s = Session::start_with("Europe/Berlin", &addr, &[]).await;
    let c = &s.c;
    let (start, _) = pick_first_time(c, &s.demo.base_url).await;
    type_details(c, "Nia Network", "nia@example.com").await;

    // The server goes away; the customer sends.
    stop(&mut s.demo.child).await;
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    let js = "return document.querySelector('[data-testid=notice]').textContent";
    let notice = poll_text(c, js, |t| !t.is_empty()).await;
    assert!(notice.contains("could not reach the booking service"), "{notice}");
    assert_eq!(value(c, "[data-testid=name]").await, "Nia Network", "what was typed stays");
    assert_eq!(value(c, "[data-testid=email]").await, "nia@example.com");

    // It comes back; "Try again" books, once.
    s.demo = server_on(&s.db, &addr, &[]).await;
    click_until(&s.c, "[data-testid=retry-submit]", "[data-testid=confirmation]").await;
    assert_booked_once_at(&s.demo, "nia@example.com", &start).await;
    s.finish().await;
}

#[tokio::test]
async fn too_many_attempts_says_how_long_to_wait_and_keeps_the_form() {
    let s = Session::start_with("Europe/Berlin", "127.0.0.1:0", &["--booking-rate-limit", "1"]).await;
    let (c, demo) = (&s.c, &s.demo);
    pick_first_time(c, &demo.base_url).await;
    wait(c, "[data-testid=name]").await.send_keys("Rae Rate").await.unwrap();
    wait(c, "[data-testid=phone]").await.send_keys("+49 30 1234567").await.unwrap();
    // This address's one booking attempt a minute is used up behind the widget's back.
    let url = format!("{}/api/v1/public/orgs/movela/bookings", demo.base_url);
    let client = reqwest::Client::new();
    let first = client.post(&url).header("Idempotency-Key", "k1").json(&json!({})).send().await.unwrap();
    assert_ne!(first.status(), 429);
    let second = client.post(&url).header("Idempotency-Key", "k2").json(&json!({})).send().await.unwrap();
    assert_eq!(second.status(), 429);

    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    let js = "return document.querySelector('[data-testid=notice]').textContent";
    let notice = poll_text(c, js, |t| !t.is_empty()).await;
    assert!(notice.contains("Too many attempts. Please wait"), "{notice}");
    assert!(notice.contains("seconds"), "{notice}");
    wait(c, "[data-testid=retry-submit]").await;
    assert_eq!(value(c, "[data-testid=name]").await, "Rae Rate");
    assert_eq!(value(c, "[data-testid=phone]").await, "+49 30 1234567");
    assert!(c.find(Locator::Css("[data-testid=confirmation]")).await.is_err());
    s.finish().await;
}

/// Books the last open time of the next two weeks through the public API; returns the
/// booking (with its manage token).
async fn book_through_api(base: &str) -> Value {
    let services = public_get(base, "/services").await;
    let service = services["data"][0]["id"].as_str().unwrap();
    let today = chrono::Utc::now().date_naive();
    let to = today + chrono::Days::new(14);
    let slots = public_get(base, &format!("/availability?service_id={service}&from={today}&to={to}")).await;
    let start = slots["slots"].as_array().unwrap().last().expect("open times")["start"].clone();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/public/orgs/movela/bookings"))
        .header("Idempotency-Key", "move-me")
        .json(&json!({"service_id": service, "start": start,
                      "customer": {"name": "Mo Mover", "email": "mo@example.com"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn the_manage_link_moves_a_booking_to_another_time() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    let booking = book_through_api(&demo.base_url).await;
    let (id, token) = (booking["id"].as_str().unwrap(), booking["manage_token"].as_str().unwrap());
    c.goto(&format!("{}/movela?booking={id}&token={token}", demo.base_url)).await.unwrap();
    assert_eq!(wait(c, "[data-testid=manage-status]").await.text().await.unwrap(), "Confirmed");
    // The service is preselected: the calendar shows straight away.
    click_until(c, "[data-testid=reschedule-booking]", "[data-testid=day]").await;
    click_last_day(c).await;
    let old = instant(booking["start"].as_str().unwrap());
    let times = settled_list(c, "[data-testid=time]", "start").await;
    let new = times.iter().find(|t| instant(t) != old).expect("another time").clone();
    click_until(c, &format!("[data-testid=time][data-start='{new}']"), "[data-testid=submit]").await;
    let label = wait(c, "[data-testid=submit]").await.text().await.unwrap();
    assert_eq!(label, "Move my appointment here");
    assert!(c.find(Locator::Css("[data-testid=name]")).await.is_err(), "no customer form to move");
    let before = wait(c, "[data-testid=manage-when]").await.text().await.unwrap();
    click_until(c, "[data-testid=submit]", "[data-testid=moved]").await;
    let text = wait(c, "[data-testid=moved]").await.text().await.unwrap();
    assert_eq!(text, "Your appointment was moved.");
    // The page now shows the booking at its new time, and the time picker is gone.
    let after = wait(c, "[data-testid=manage-when]").await.text().await.unwrap();
    assert_ne!(after, before);
    assert_eq!(wait(c, "[data-testid=manage-status]").await.text().await.unwrap(), "Confirmed");
    assert!(c.find(Locator::Css("[data-testid=submit]")).await.is_err());

    let stored = org_get(demo, &format!("/api/v1/bookings/{id}")).await;
    assert_eq!(stored["status"], "confirmed");
    assert_eq!(instant(stored["start"].as_str().unwrap()), instant(&new), "moved to the clicked time");
    s.finish().await;
}

#[tokio::test]
async fn another_service_starts_over_from_any_available_practitioner() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    click_until(c, "[data-testid=service]", "[data-testid=practitioner-select] option[value^=prac_]").await;
    let pick = "const s = document.querySelector('[data-testid=practitioner-select]'); \
                s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return s.value";
    let named = c.execute(pick, vec![]).await.unwrap();
    assert!(named.as_str().unwrap().starts_with("prac_"), "{named}");
    let second = c.find_all(Locator::Css("[data-testid=service]")).await.unwrap().pop().unwrap();
    second.click().await.unwrap();
    let js = "return document.querySelector('[data-testid=practitioner-select]').value";
    assert_eq!(poll_text(c, js, str::is_empty).await, "", "back to any available");
    // And the new service's times show for whoever is free.
    wait(c, "[data-testid=next-month]").await.click().await.unwrap();
    assert!(!settled_list(c, "[data-testid=day]", "date").await.is_empty());
    s.finish().await;
}

#[tokio::test]
async fn the_embed_preselects_its_service_and_takes_its_colour() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    let services = public_get(&demo.base_url, "/services").await;
    let services = services["data"].as_array().unwrap();
    assert!(services.len() >= 2, "{services:?}");
    let chosen = &services[1];
    let html = format!(
        r##"<!doctype html><html><body><h1>Physio blog</h1>
        <div data-cadence-org="movela" data-service="{}" data-color="#b91c1c"></div>
        <script src="{}/widget/embed.js" async></script></body></html>"##,
        chosen["id"].as_str().unwrap(),
        demo.base_url
    );
    let (host_url, server_task) = host_page(html).await;
    c.goto(&host_url).await.unwrap();
    wait(c, "iframe").await.enter_frame().await.unwrap();

    // Without a click, the placeholder's service is the chosen one and its calendar shows.
    wait(c, "[data-testid=next-month]").await;
    let js = "return [...document.querySelectorAll('[data-testid=service]')]\
              .map(b => b.getAttribute('aria-pressed') + ' ' + b.querySelector('strong').textContent)";
    let pressed: Vec<String> = serde_json::from_value(c.execute(js, vec![]).await.unwrap()).unwrap();
    let expected: Vec<String> = services
        .iter()
        .map(|s| format!("{} {}", s["id"] == chosen["id"], s["name"].as_str().unwrap()))
        .collect();
    assert_eq!(pressed, expected);
    // The placeholder's colour replaces the org's brand colour (#0f766e).
    let js = "return getComputedStyle(document.querySelector('[data-testid=org-header]')).borderTopColor";
    assert_eq!(c.execute(js, vec![]).await.unwrap(), "rgb(185, 28, 28)");
    server_task.abort();
    s.finish().await;
}

#[tokio::test]
async fn a_time_no_longer_open_says_so_refreshes_the_times_and_keeps_the_form() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    let (start, _) = pick_first_time(c, &demo.base_url).await;
    type_details(c, "Cleo Closed", "cleo@example.com").await;
    // Meanwhile the practice closes that day for everyone who offers the service.
    let day = instant(&start).with_timezone(&chrono_tz::Europe::Berlin).date_naive();
    let services = public_get(&demo.base_url, "/services").await;
    for p in services["data"][0]["practitioner_ids"].as_array().unwrap() {
        let res = reqwest::Client::new()
            .patch(format!("{}/api/v1/practitioners/{}", demo.base_url, p.as_str().unwrap()))
            .bearer_auth(&demo.api_key)
            .json(&json!({"date_overrides": [{"date": day, "intervals": []}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }

    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    let js = "return document.querySelector('[data-testid=notice]').textContent";
    let notice = poll_text(c, js, |t| !t.is_empty()).await;
    assert_eq!(notice, "Sorry, that time is no longer available. Please choose another time.");
    assert!(c.find(Locator::Css("[data-testid=retry-submit]")).await.is_err(), "no futile Try again");
    // The times load again (not while "Finding open times…" shows) without that day.
    let js = "return document.querySelector('[aria-busy=true]') ? 'busy' : \
              [...document.querySelectorAll('[data-testid=day]')].map(e => e.dataset.date).join(' ')";
    let day = day.to_string();
    let open = poll_text(c, js, |t| t != "busy" && !t.contains(&day)).await;
    assert!(open != "busy" && !open.contains(&day), "the closed day is no longer offered: {open}");
    assert!(c.find(Locator::Css(&format!("[data-testid=time][data-start='{start}']"))).await.is_err());

    // Another time, next month: the form comes back with what was typed, and books.
    wait(c, "[data-testid=next-month]").await.click().await.unwrap();
    click_last_day(c).await;
    let other = settled_list(c, "[data-testid=time]", "start").await[0].clone();
    click_until(c, &format!("[data-testid=time][data-start='{other}']"), "[data-testid=name]").await;
    assert_eq!(value(c, "[data-testid=name]").await, "Cleo Closed");
    assert_eq!(value(c, "[data-testid=email]").await, "cleo@example.com");
    click_until(c, "[data-testid=submit]", "[data-testid=confirmation]").await;
    assert_booked_once_at(demo, "cleo@example.com", &other).await;
    s.finish().await;
}

#[tokio::test]
async fn the_servers_422_marks_the_field_keeps_the_form_and_books_once_fixed() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    let (start, _) = pick_first_time(c, &demo.base_url).await;
    type_details(c, "Pat Plus", "pat@example.com").await;
    // The widget's own check lets a second "+" through; the server does not.
    let phone = wait(c, "[data-testid=phone]").await;
    phone.send_keys("+49 30 1234+567").await.unwrap();
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    let js = "return document.querySelector('[data-testid=notice]').textContent";
    let notice = poll_text(c, js, |t| !t.is_empty()).await;
    assert!(notice.contains("'+49 30 1234+567' is not a phone number."), "the server's words: {notice}");
    assert_eq!(phone.attr("aria-invalid").await.unwrap().as_deref(), Some("true"), "the field is marked");
    wait(c, "[data-testid=retry-submit]").await;
    assert_eq!(value(c, "[data-testid=name]").await, "Pat Plus");
    assert_eq!(value(c, "[data-testid=phone]").await, "+49 30 1234+567");
    assert!(bookings_of(demo, "pat@example.com").await.is_empty());

    // Fixing the number clears the message (and its Try again); sending books once.
    phone.clear().await.unwrap();
    phone.send_keys("+49 30 1234567").await.unwrap();
    assert_eq!(poll_text(c, js, str::is_empty).await, "");
    assert!(c.find(Locator::Css("[data-testid=retry-submit]")).await.is_err());
    click_until(c, "[data-testid=submit]", "[data-testid=confirmation]").await;
    let booked = assert_booked_once_at(demo, "pat@example.com", &start).await;
    assert_eq!(booked["customer"]["phone"], "+49301234567");
    s.finish().await;
}

#[tokio::test]
async fn the_page_shows_the_orgs_logo_and_brand_colour() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    // What the header draws above the name: the logo (decoration: screen readers get the
    // name), and the colour of its top border.
    let header = "const h = document.querySelector('[data-testid=org-header]'); \
                  const logo = getComputedStyle(h, '::before'); \
                  return [logo.backgroundImage, logo.height, getComputedStyle(h).borderTopColor]";
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    wait(c, "[data-testid=service]").await;
    let demo_colour = "rgb(15, 118, 110)";
    assert_eq!(
        c.execute(header, vec![]).await.unwrap(),
        json!(["none", "0px", demo_colour]),
        "no logo, no gap"
    );

    // A logo on a port that refuses (this machine only): the page must not wait for it.
    let logo = "https://localhost:9/movela-logo.png";
    let res = reqwest::Client::new()
        .patch(format!("{}/api/v1/org", demo.base_url))
        .bearer_auth(&demo.api_key)
        .json(&json!({"branding": {"primary_color": "#7c3aed", "logo_url": logo}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    wait(c, "[data-testid=service]").await;
    let name = wait(c, "[data-testid=org-header] h1").await.text().await.unwrap();
    assert_eq!(name, "Movela Physio & Massage");
    let drawn = c.execute(header, vec![]).await.unwrap();
    assert_eq!(drawn, json!([format!("url(\"{logo}\")"), "48px", "rgb(124, 58, 237)"]));
    s.finish().await;
}
