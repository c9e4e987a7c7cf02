//! The widget in the customer's language, in a real browser against the real binary: a
//! German booking with `?locale=de` through every step (with axe-core on each, and
//! screenshots at 1280, 900 and 360 px), a French one through the embed's `data-locale`,
//! and the order in which a language is chosen (page, org default, browser languages).

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

mod support;
use support::Demo;
use support::axe::{assert_accessible, violations};
use support::browser::*;

const DE_MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const DE_WEEKDAYS: [&str; 7] =
    ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

async fn text(c: &Client, css: &str) -> String {
    wait(c, css).await.text().await.unwrap()
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// The month the calendar opens on (today's, UTC) and, after `n` clicks on "next", later ones.
fn month_after(n: u32) -> (i32, usize) {
    use chrono::Datelike;
    let d = chrono::Utc::now().date_naive() + chrono::Months::new(n);
    (d.year(), d.month0() as usize)
}

/// Picks the service and a month with open days; returns how many months it moved on.
async fn open_a_month(c: &Client) -> u32 {
    click_until(c, "[data-testid=service]", "[data-testid=month-title]").await;
    for moved in 0..3 {
        let day = c
            .wait()
            .at_most(std::time::Duration::from_secs(8))
            .for_element(Locator::Css("[data-testid=day]"));
        if day.await.is_ok() {
            return moved;
        }
        wait(c, "[data-testid=next-month]").await.click().await.unwrap();
    }
    panic!("no open day in three months");
}

/// Sets the org's default language through the org API.
async fn set_org_locale(demo: &Demo, locale: Value) {
    let res = reqwest::Client::new()
        .patch(format!("{}/api/v1/org", demo.base_url))
        .bearer_auth(&demo.api_key)
        .json(&json!({ "locale": locale }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_visitor_books_in_german_with_locale_de_and_every_step_passes_axe() {
    // An English browser: the German comes from the page's `?locale=de` alone.
    let s = Session::start("Europe/Berlin").await;
    let (c, demo) = (&s.c, &s.demo);
    c.goto(&format!("{}/movela?locale=de", demo.base_url)).await.unwrap();
    assert_eq!(text(c, "#services-title").await, "Leistung");
    assert_eq!(js(c, "return document.documentElement.lang").await, "de");
    assert_eq!(js(c, "return document.title").await, "Termin buchen");
    assert!(text(c, "[data-testid=service]").await.contains(" Min."));
    assert_accessible(c, "services").await;

    let moved = open_a_month(c).await;
    let (year, month) = month_after(moved);
    assert_eq!(text(c, "[data-testid=month-title]").await, format!("{} {year}", DE_MONTHS[month]));
    let heads: Vec<String> = serde_json::from_value(
        js(c, "return [...document.querySelectorAll('thead th')].map(t => t.textContent)").await,
    )
    .unwrap();
    assert_eq!(heads, ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]);
    let next = wait(c, "[data-testid=next-month]").await.attr("aria-label").await.unwrap();
    assert_eq!(next.as_deref(), Some("Nächster Monat"));
    let day = wait(c, "[data-testid=day]").await.attr("aria-label").await.unwrap().unwrap();
    assert!(day.ends_with(", freie Zeiten") && DE_WEEKDAYS.iter().any(|w| day.starts_with(w)), "{day}");
    assert_accessible(c, "calendar").await;

    click_last_day(c).await;
    let times_title = text(c, "#times-title").await;
    assert!(DE_WEEKDAYS.iter().any(|w| times_title.starts_with(&format!("{w}, "))), "{times_title}");
    assert!(DE_MONTHS.iter().any(|m| times_title.ends_with(&format!(". {m}"))), "{times_title}");
    assert_accessible(c, "times").await;
    screenshot(c, "de-calendar-and-times-1280").await;

    let time = wait(c, "[data-testid=time]").await;
    let start = time.attr("data-start").await.unwrap().unwrap();
    click_until(c, &format!("[data-testid=time][data-start='{start}']"), "[data-testid=submit]").await;
    let labels: Vec<String> = serde_json::from_value(
        js(c, "return [...document.querySelectorAll('form.details label')].map(l => l.firstChild.textContent.trim())").await,
    )
    .unwrap();
    assert_eq!(labels, ["Name", "E-Mail", "Telefon", "Anmerkungen (optional)"]);
    assert_eq!(text(c, "[data-testid=submit]").await, "Diesen Termin buchen");
    wait(c, "[data-testid=submit]").await.click().await.unwrap();
    assert_eq!(text(c, "[data-testid=notice]").await, "Bitte geben Sie Ihren Namen ein.");
    assert_accessible(c, "form, with its error").await;
    c.set_window_size(900, 900).await.unwrap();
    screenshot(c, "de-form-900").await;
    c.set_window_size(1280, 900).await.unwrap();

    type_details(c, "Greta Gärtner", "greta@example.com").await;
    click_until(c, "[data-testid=submit]", "[data-testid=confirmation]").await;
    let confirmation = text(c, "[data-testid=confirmation]").await;
    assert!(confirmation.contains("Ihr Termin ist gebucht"), "{confirmation}");
    assert!(confirmation.contains("Zeiten in Europe/Berlin"), "{confirmation}");
    assert!(text(c, "[data-testid=confirmation-practitioner]").await.starts_with("Bei "));
    let when = text(c, "[data-testid=confirmation-when]").await;
    assert!(DE_WEEKDAYS.iter().any(|w| when.starts_with(w)), "{when}");
    assert_eq!(text(c, "[data-testid=calendar-link]").await, "Zum Kalender hinzufügen");
    assert_accessible(c, "confirmation").await;
    screenshot(c, "de-confirmation-1280").await;
    let booked = assert_booked_once_at(demo, "greta@example.com", &start).await;
    assert_eq!(booked["customer"]["name"], "Greta Gärtner");

    // The confirmation's link keeps the language on the manage page.
    wait(c, "[data-testid=manage-link]").await.click().await.unwrap();
    assert_eq!(text(c, "[data-testid=manage-status]").await, "Bestätigt");
    assert_eq!(text(c, "[data-testid=cancel-booking]").await, "Termin absagen");
    assert_eq!(text(c, "[data-testid=reschedule-booking]").await, "Neue Zeit wählen");
    assert_eq!(js(c, "return document.documentElement.lang").await, "de");
    assert_accessible(c, "manage page").await;
    wait(c, "[data-testid=cancel-booking]").await.click().await.unwrap();
    let cancelled =
        poll_text(c, "return document.querySelector('[data-testid=manage-status]').textContent", |t| {
            t == "Abgesagt"
        })
        .await;
    assert_eq!(cancelled, "Abgesagt");
    assert_accessible(c, "manage page, cancelled").await;
    let id = booked["id"].as_str().unwrap();
    assert_eq!(org_get(demo, &format!("/api/v1/bookings/{id}")).await["status"], "cancelled");

    // A phone-sized screen, in German.
    c.set_window_size(360, 800).await.unwrap();
    c.goto(&format!("{}/movela?locale=de", demo.base_url)).await.unwrap();
    open_a_month(c).await;
    click_last_day(c).await;
    screenshot(c, "de-calendar-360").await;
    let width = js(c, "return document.documentElement.scrollWidth").await.as_f64().unwrap();
    assert!(width <= 360.0, "no sideways scrolling at 360 px in German: {width}");
    assert_accessible(c, "calendar at 360 px").await;
    s.finish().await;
}

#[tokio::test]
async fn an_embed_with_data_locale_fr_books_in_french() {
    let s = Session::start("Europe/Paris").await;
    let (c, demo) = (&s.c, &s.demo);
    let html = format!(
        r#"<!doctype html><html lang="fr"><head><title>Cabinet</title></head><body><main><h1>Cabinet Movela</h1>
        <div data-cadence-org="movela" data-locale="fr"></div></main>
        <script src="{}/widget/embed.js" async></script></body></html>"#,
        demo.base_url
    );
    let (host_url, server_task) = host_page(html).await;
    c.goto(&host_url).await.unwrap();
    let frame = wait(c, "iframe").await;
    assert_eq!(frame.attr("title").await.unwrap().as_deref(), Some("Prendre rendez-vous"));
    frame.enter_frame().await.unwrap();
    assert_eq!(text(c, "#services-title").await, "Prestation");
    assert_eq!(js(c, "return document.documentElement.lang").await, "fr");
    let moved = open_a_month(c).await;
    let (year, month) = month_after(moved);
    assert_eq!(text(c, "[data-testid=month-title]").await, format!("{} {year}", FR_MONTHS[month]));
    click_last_day(c).await;
    click_until(c, "[data-testid=time]", "[data-testid=name]").await;
    assert_eq!(text(c, "[data-testid=submit]").await, "Réserver ce créneau");
    type_details(c, "Françoise Dupont", "francoise@example.com").await;
    click_until(c, "[data-testid=submit]", "[data-testid=confirmation]").await;
    let confirmation = text(c, "[data-testid=confirmation]").await;
    assert!(confirmation.contains("Votre rendez-vous est réservé"), "{confirmation}");
    assert!(text(c, "[data-testid=confirmation-practitioner]").await.starts_with("Avec "));
    assert_accessible(c, "embedded confirmation").await;
    c.enter_parent_frame().await.unwrap();
    js(c, "window.scrollTo(0, 0)").await;
    screenshot(c, "fr-embed-confirmation-1280").await;
    let booked = bookings_of(demo, "francoise@example.com").await;
    assert_eq!(booked.len(), 1, "{booked:?}");
    assert_eq!(booked[0]["customer"]["timezone"], "Europe/Paris");
    server_task.abort();
    s.finish().await;
}

#[tokio::test]
async fn the_page_then_the_orgs_default_then_the_browsers_languages_choose() {
    // A Belgian visitor whose browser asks for Dutch first.
    let s = Session::start_in("Europe/Brussels", "nl-BE,nl,en").await;
    let (c, demo) = (&s.c, &s.demo);
    let page = format!("{}/movela", demo.base_url);
    let open = |url: String| async move {
        c.goto(&url).await.unwrap();
        let title = text(c, "#services-title").await;
        let lang = js(c, "return document.documentElement.lang").await;
        (title, lang.as_str().unwrap().to_owned())
    };
    assert_eq!(open(page.clone()).await, ("Behandeling".into(), "nl-BE".into()), "the browser's language");

    set_org_locale(demo, json!("es")).await;
    assert_eq!(open(page.clone()).await, ("Servicio".into(), "es".into()), "the org's default wins");
    assert_eq!(open(format!("{page}?locale=de")).await, ("Leistung".into(), "de".into()), "the page's wins");
    assert_eq!(
        open(format!("{page}?locale=it")).await,
        ("Servicio".into(), "es".into()),
        "an unspoken one is passed over"
    );
    assert_accessible(c, "services, in Spanish").await;

    set_org_locale(demo, Value::Null).await;
    assert_eq!(open(page).await, ("Behandeling".into(), "nl-BE".into()), "cleared: the browser again");
    s.finish().await;
}

/// The checker itself finds what it is there to find: a page with faint text and an
/// unlabelled field fails it (so its silence on the widget's pages means something).
#[tokio::test]
async fn axe_finds_faint_text_and_an_unlabelled_field() {
    let s = Session::start("UTC").await;
    let html = r#"<!doctype html><html lang="en"><head><title>Bad</title></head><body><main>
        <h1>Bad page</h1><p style="color:#bbb;background:#fff">faint words</p><input type="text">
        </main></body></html>"#;
    let (url, server_task) = host_page(html.into()).await;
    s.c.goto(&url).await.unwrap();
    let ids: Vec<String> =
        violations(&s.c).await.iter().map(|v| v["id"].as_str().unwrap().to_owned()).collect();
    assert!(ids.contains(&"color-contrast".to_owned()), "{ids:?}");
    assert!(ids.contains(&"label".to_owned()), "{ids:?}");
    server_task.abort();
    s.finish().await;
}
