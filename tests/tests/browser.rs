//! The widget in a real browser (Debian's chromium through chromedriver, driven by
//! fantoccini), against the real `cadence` binary serving the built widget: booking by
//! clicking on the public page, the embed on another origin, a time taken meanwhile,
//! times shown in the browser's timezone, and the layout from 320 to 1280 px.

use fantoccini::Locator;
use std::time::Duration;

mod support;
use support::browser::*;

#[tokio::test]
async fn a_customer_books_by_clicking_and_the_org_api_has_the_booking() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    let (start, _) = pick_first_time(c, &demo.base_url).await;
    wait(c, "[data-testid=name]").await.send_keys("Grace Hopper").await.unwrap();
    // Sending without a way to reach the customer is stopped before any request.
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    let notice = wait(c, "[data-testid=notice]").await.text().await.unwrap();
    assert!(notice.contains("e-mail address or a phone number"), "{notice}");
    let email = wait(c, "[data-testid=email]").await;
    assert_eq!(email.attr("aria-invalid").await.unwrap().as_deref(), Some("true"), "the field is marked");
    email.send_keys("grace@example.com").await.unwrap();
    let js = "return document.querySelector('[data-testid=notice]').textContent";
    assert_eq!(poll_text(c, js, str::is_empty).await, "", "the message goes once the customer acts on it");
    assert_eq!(email.attr("aria-invalid").await.unwrap().as_deref(), Some("false"));
    screenshot(c, "booking-form-1280").await;
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    let confirmation = wait(c, "[data-testid=confirmation]").await.text().await.unwrap();
    assert!(confirmation.contains("You're booked"), "{confirmation}");
    assert!(confirmation.contains("Europe/Berlin"), "{confirmation}");
    screenshot(c, "confirmation-1280").await;

    let booked = assert_booked_once_at(demo, "grace@example.com", &start).await;
    assert_eq!(booked["customer"]["timezone"], "Europe/Berlin", "the browser's zone, for the mails");

    // "Add to calendar" is the booking as an iCalendar event.
    let href = wait(c, "[data-testid=calendar-link]").await.attr("href").await.unwrap().unwrap();
    let res = reqwest::get(format!("{}{href}", demo.base_url)).await.unwrap();
    assert_eq!(res.status(), 200);
    let ics = cadence_server::testing::mail_sink::Calendar::parse(&res.text().await.unwrap());
    let uid = ics.event(0, "UID").unwrap();
    assert!(uid.starts_with(booked["id"].as_str().unwrap()), "{uid}");
    assert_eq!(ics.event(0, "DTSTART").unwrap(), instant(&start).format("%Y%m%dT%H%M%SZ").to_string());

    // The confirmation's link manages the booking: cancel it there.
    wait(c, "[data-testid=manage-link]").await.click().await.unwrap();
    assert_eq!(wait(c, "[data-testid=manage-status]").await.text().await.unwrap(), "Confirmed");
    wait(c, "[data-testid=cancel-booking]").await.click().await.unwrap();
    let mut status = String::new();
    for _ in 0..100 {
        status = c.find(Locator::Css("[data-testid=manage-status]")).await.unwrap().text().await.unwrap();
        if status == "Cancelled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "Cancelled");
    let id = booked["id"].as_str().unwrap();
    let after = org_get(demo, &format!("/api/v1/bookings/{id}")).await;
    assert_eq!(after["status"], "cancelled");

    // A manage link whose token was cut off or changed finds nothing, and says so.
    c.goto(&format!("{}/movela?booking={id}&token=not-the-token", demo.base_url)).await.unwrap();
    let wrong = wait(c, "[data-testid=widget-error]").await.text().await.unwrap();
    assert_eq!(
        wrong,
        "We could not find this booking. Please open the link from your confirmation as it is."
    );

    // An unknown booking page says so.
    c.goto(&format!("{}/no-such-practice", demo.base_url)).await.unwrap();
    let missing = wait(c, "[data-testid=widget-error]").await.text().await.unwrap();
    assert_eq!(missing, "This booking page does not exist.");

    // The same page on a phone-sized screen.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    wait(c, "[data-testid=service]").await.click().await.unwrap();
    wait(c, "[data-testid=day]").await;
    screenshot(c, "calendar-360").await;
    let width: f64 =
        c.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap().as_f64().unwrap();
    assert!(width <= 360.0, "no horizontal scrolling at 360 px: {width}");
    // The day's times and the form fit too.
    click_last_day(c).await;
    click_until(c, "[data-testid=time]", "[data-testid=name]").await;
    c.execute("document.getElementById('times-title').scrollIntoView()", vec![]).await.unwrap();
    screenshot(c, "times-and-form-360").await;
    let width: f64 =
        c.execute("return document.documentElement.scrollWidth", vec![]).await.unwrap().as_f64().unwrap();
    assert!(width <= 360.0, "no horizontal scrolling with the form open at 360 px: {width}");
    s.finish().await;
}

/// Where the month and the chosen day's times stand, and whether the page scrolls sideways.
struct Layout {
    calendar: [f64; 4],
    times: [f64; 4],
    scroll_width: f64,
    width: f64,
}

async fn layout(c: &fantoccini::Client) -> Layout {
    let js = "const r = s => { const b = document.querySelector(s).getBoundingClientRect(); \
              return [b.left, b.right, b.top, b.bottom]; }; \
              return [...r('section.calendar'), ...r('section.times'), \
              document.documentElement.scrollWidth, window.innerWidth];";
    let v: Vec<f64> = c
        .execute(js, vec![])
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    Layout {
        calendar: [v[0], v[1], v[2], v[3]],
        times: [v[4], v[5], v[6], v[7]],
        scroll_width: v[8],
        width: v[9],
    }
}

#[tokio::test]
async fn from_900_px_the_month_and_the_days_times_stand_side_by_side() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    pick_first_time(c, &demo.base_url).await;
    for (width, side_by_side) in [(1280, true), (900, true), (899, false), (360, false), (320, false)] {
        c.set_window_size(width, 900).await.unwrap();
        // The window's outer size includes no chrome in headless mode; wait for the reflow.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let l = layout(c).await;
        assert!(
            l.scroll_width <= l.width,
            "no sideways scroll at {width} px: {} > {}",
            l.scroll_width,
            l.width
        );
        let ([cl, cr, ct, cb], [tl, _, tt, _]) = (l.calendar, l.times);
        if side_by_side {
            assert!(
                tl >= cr,
                "at {width} px the times stand right of the month: {l:?}",
                l = (l.calendar, l.times)
            );
            assert!((tt - ct).abs() < 40.0, "and at its height: {:?}", (l.calendar, l.times));
        } else {
            assert!(tt >= cb, "at {width} px the times come below the month: {:?}", (l.calendar, l.times));
            assert!((tl - cl).abs() < 1.0, "in the same column: {:?}", (l.calendar, l.times));
        }
        if [1280, 900, 360].contains(&width) {
            c.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
            screenshot(c, &format!("calendar-and-times-{width}")).await;
        }
    }
    s.finish().await;
}

#[tokio::test]
async fn a_browser_in_los_angeles_sees_berlin_slots_in_its_own_time() {
    use chrono_tz::{America::Los_Angeles, Europe::Berlin};
    let s = Session::start("America/Los_Angeles").await;
    let (c, demo) = (&s.c, &s.demo);
    c.goto(&format!("{}/movela", demo.base_url)).await.unwrap();
    click_until(c, "[data-testid=service]", "[data-testid=next-month]").await;
    let zone = wait(c, "[data-testid=timezone-select]").await.prop("value").await.unwrap().unwrap();
    assert_eq!(zone, "America/Los_Angeles", "the browser's zone is the default");
    // Next month is open whatever today is. Take a time on the same date in both zones
    // (Berlin 08:00 is 23:00 the evening before in LA), so it stays on the chosen day.
    wait(c, "[data-testid=next-month]").await.click().await.unwrap();
    let mut found = None;
    for date in settled_list(c, "[data-testid=day]", "date").await {
        click_until(c, &format!("[data-testid=day][data-date='{date}']"), "[data-testid=time]").await;
        let starts = settled_list(c, "[data-testid=time]", "start").await;
        let same_date = |t: &&String| {
            let at = instant(t);
            at.with_timezone(&Los_Angeles).date_naive() == at.with_timezone(&Berlin).date_naive()
        };
        if let Some(start) = starts.iter().find(same_date) {
            found = Some(start.clone());
            break;
        }
    }
    let start = found.expect("an open time on the same date in Los Angeles and Berlin");
    let (la, berlin) = (instant(&start).with_timezone(&Los_Angeles), instant(&start).with_timezone(&Berlin));
    assert_ne!(
        la.format("%H").to_string(),
        berlin.format("%H").to_string(),
        "the zones are 8-10 hours apart"
    );
    let (la12, la24) = (la.format("%I:%M").to_string(), la.format("%H:%M").to_string());
    let (b12, b24) = (berlin.format("%I:%M").to_string(), berlin.format("%H:%M").to_string());
    // The button's label, read in one script call (the list may be re-rendering).
    let js = format!(
        "const b = document.querySelector(\"[data-testid=time][data-start='{start}']\"); return b ? b.textContent : ''"
    );
    let label = poll_text(c, &js, |t| !t.is_empty()).await;
    assert!(label.contains(&la12) || label.contains(&la24), "{label:?} shows {la24}, Los Angeles time");
    assert!(!label.contains(&b12) && !label.contains(&b24), "{label:?} is not Berlin's {b24}");

    // Switching to the org's zone shows the same slot at its Berlin wall-clock time.
    c.execute(
        "const s = document.querySelector('[data-testid=timezone-select]'); s.value = 'Europe/Berlin'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    let label = poll_text(c, &js, |t| t.contains(&b12) || t.contains(&b24)).await;
    assert!(label.contains(&b12) || label.contains(&b24), "Berlin time {b24} after switching: {label:?}");
    assert!(!label.contains(&la24) && !label.contains(&la12), "no longer the LA time {la24}: {label:?}");
    s.finish().await;
}

#[tokio::test]
async fn a_time_taken_meanwhile_says_so_and_refreshes_the_times() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    let (start, _) = pick_first_time(c, &demo.base_url).await;
    type_details(c, "Late Larry", "larry@example.com").await;
    take_slot(demo, &start).await;
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
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
    s.finish().await;
}

#[tokio::test]
async fn the_embed_snippet_books_from_another_origin_and_tells_the_host_page() {
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
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
    let (host_url, server_task) = host_page(html).await;

    c.goto(&host_url).await.unwrap();
    let frame = wait(c, "iframe").await;
    frame.enter_frame().await.unwrap();
    click_until(c, "[data-testid=service]", "[data-testid=day]").await;
    click_last_day(c).await;
    click_until(c, "[data-testid=time]", "[data-testid=name]").await;
    type_details(c, "Embedded Emma", "emma@example.com").await;
    click_until(c, "[data-testid=submit]", "[data-testid=confirmation]").await;
    c.enter_parent_frame().await.unwrap();
    let booked =
        poll_text(c, "return document.getElementById('booked').textContent", |t| !t.is_empty()).await;
    assert!(booked.starts_with("bk_"), "the host page got the event: {booked:?}");
    let b = org_get(demo, &format!("/api/v1/bookings/{booked}")).await;
    assert_eq!(b["customer"]["email"], "emma@example.com");
    // The iframe grew to its content.
    let height: f64 = c
        .execute("return document.querySelector('iframe').getBoundingClientRect().height", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(height > 300.0, "iframe height {height}");
    server_task.abort();
    s.finish().await;
}
