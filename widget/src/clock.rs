//! Times for people, through the browser's Intl API (no timezone database in the wasm).

use chrono::{DateTime, NaiveDate, Utc};
use wasm_bindgen::JsValue;

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o.into()
}

fn date(at: DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

/// The browser's IANA timezone, e.g. `America/Los_Angeles`.
pub fn browser_timezone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// The widget's language (`crate::i18n`), for Intl.
fn locale() -> String {
    crate::i18n::tag()
}

/// Midnight UTC of `d`: with `timeZone: UTC`, Intl writes that calendar day.
fn utc_day(d: NaiveDate) -> js_sys::Date {
    date(d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// "Tuesday 1 December" / "Dienstag, 1. Dezember": a calendar day, without the year.
pub fn day_label(d: NaiveDate) -> String {
    day_label_in(&locale(), d)
}

fn day_label_in(locale: &str, d: NaiveDate) -> String {
    let o = options(&[("timeZone", "UTC"), ("weekday", "long"), ("day", "numeric"), ("month", "long")]);
    utc_day(d).to_locale_date_string(locale, &o).into()
}

/// "December 2026" / "Dezember 2026": the calendar's heading.
pub fn month_title(m: crate::calendar::Month) -> String {
    month_title_in(&locale(), m)
}

fn month_title_in(locale: &str, m: crate::calendar::Month) -> String {
    let o = options(&[("timeZone", "UTC"), ("month", "long"), ("year", "numeric")]);
    utc_day(m.first_day()).to_locale_date_string(locale, &o).into()
}

/// The weekdays' short names, Monday first ("Mon" / "Mo"), for the calendar's columns.
pub fn weekday_names() -> Vec<String> {
    weekday_names_in(&locale())
}

fn weekday_names_in(locale: &str) -> Vec<String> {
    let o = options(&[("timeZone", "UTC"), ("weekday", "short")]);
    // 5 January 2026 was a Monday.
    (5..12)
        .filter_map(|day| NaiveDate::from_ymd_opt(2026, 1, day))
        .map(|d| utc_day(d).to_locale_date_string(locale, &o).into())
        .collect()
}

/// The calendar date of an instant in `tz`.
pub fn local_date(at: DateTime<Utc>, tz: &str) -> Option<NaiveDate> {
    let text: String = date(at).to_locale_date_string("en-CA", &options(&[("timeZone", tz)])).into();
    crate::calendar::parse_ymd(&text)
}

/// "14:30" / "02:30 PM", as the customer's browser writes times.
pub fn time_label(at: DateTime<Utc>, tz: &str) -> String {
    time_label_in(&locale(), at, tz)
}

/// `time_label` in the language `locale` (e.g. `en-GB`).
fn time_label_in(locale: &str, at: DateTime<Utc>, tz: &str) -> String {
    date(at)
        .to_locale_time_string_with_options(
            locale,
            &options(&[("timeZone", tz), ("hour", "2-digit"), ("minute", "2-digit")]),
        )
        .into()
}

/// "Tuesday 1 December 2026", as the customer's browser writes dates.
pub fn date_label(at: DateTime<Utc>, tz: &str) -> String {
    date_label_in(&locale(), at, tz)
}

/// `date_label` in the language `locale`.
fn date_label_in(locale: &str, at: DateTime<Utc>, tz: &str) -> String {
    let o = options(&[
        ("timeZone", tz),
        ("weekday", "long"),
        ("day", "numeric"),
        ("month", "long"),
        ("year", "numeric"),
    ]);
    date(at).to_locale_date_string(locale, &o).into()
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat(undefined, options)`, which throws for a zone it does not know.
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
    fn checked_date_time_format(locales: &JsValue, options: &JsValue) -> Result<JsValue, JsValue>;
}

/// Whether this browser's Intl knows the IANA zone `tz`. The server's tz database can be
/// newer than a customer's browser, and formatting in an unknown zone throws.
pub fn known_zone(tz: &str) -> bool {
    checked_date_time_format(&JsValue::UNDEFINED, &options(&[("timeZone", tz)])).is_ok()
}

/// The timezones offered in the switcher: the browser's, the org's, and some common ones,
/// each once, leaving out those `known` (e.g. `known_zone`) rejects.
pub fn timezone_choices(browser: &str, org: &str, known: fn(&str) -> bool) -> Vec<String> {
    let mut all: Vec<String> = vec![browser.to_owned(), org.to_owned()];
    for tz in [
        "UTC",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Chicago",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Asia/Tokyo",
        "Australia/Sydney",
    ] {
        if !all.iter().any(|t| t == tz) {
            all.push(tz.to_owned());
        }
    }
    all.dedup();
    all.retain(|tz| known(tz));
    all
}

/// A fresh random key for one submission (kept across retries of it).
pub fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switcher_offers_the_browsers_zone_first_then_the_orgs_once_each() {
        let any = |_: &str| true;
        let zones = timezone_choices("America/Los_Angeles", "Europe/Berlin", any);
        assert_eq!(zones[..2], ["America/Los_Angeles", "Europe/Berlin"]);
        assert!(zones.contains(&"Asia/Kolkata".to_owned()));
        let mut unique = zones.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), zones.len(), "no zone twice: {zones:?}");

        let same = timezone_choices("Europe/Berlin", "Europe/Berlin", any);
        assert_eq!(same.iter().filter(|z| *z == "Europe/Berlin").count(), 1, "{same:?}");
        let unlisted = timezone_choices("Pacific/Chatham", "Asia/Kolkata", any);
        assert_eq!(unlisted[..2], ["Pacific/Chatham", "Asia/Kolkata"]);
        assert_eq!(unlisted.iter().filter(|z| *z == "Asia/Kolkata").count(), 1);
    }

    #[test]
    fn the_switcher_leaves_out_zones_the_browser_does_not_know() {
        // An org zone newer than the customer's browser: offering it would break formatting.
        let old_browser = |tz: &str| tz != "America/Ciudad_Juarez";
        let zones = timezone_choices("Europe/Berlin", "America/Ciudad_Juarez", old_browser);
        assert_eq!(zones[0], "Europe/Berlin");
        assert!(!zones.iter().any(|z| z == "America/Ciudad_Juarez"), "{zones:?}");
        assert!(zones.len() > 5, "the common zones stay: {zones:?}");
    }
}

/// What the customer reads comes from the browser's Intl API, so these run in headless
/// Chromium (`wasm-bindgen-test`; `scripts/test.sh` runs them). Instants on both sides of
/// DST changes in several zones; expected wall-clock times checked against the tz database.
#[cfg(all(test, target_family = "wasm"))]
mod intl_tests {
    use super::*;
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

    wasm_bindgen_test_configure!(run_in_browser);

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn ymd(text: &str) -> NaiveDate {
        crate::calendar::parse_ymd(text).unwrap()
    }

    /// 24-hour time in `tz`, as an en-GB browser writes it.
    fn hhmm(instant: &str, tz: &str) -> String {
        time_label_in("en-GB", at(instant), tz)
    }

    /// Each (zone, instant, wall clock there) of `rows`.
    fn assert_wall_clock(rows: &[(&str, &str, &str)]) {
        for (tz, instant, expected) in rows {
            assert_eq!(hhmm(instant, tz), *expected, "{instant} in {tz}");
        }
    }

    #[wasm_bindgen_test]
    fn spring_forward_skips_the_missing_hour() {
        // Half an hour either side of the change: an hour of wall clock vanishes.
        assert_wall_clock(&[
            ("Europe/Berlin", "2026-03-29T00:30:00Z", "01:30"),
            ("Europe/Berlin", "2026-03-29T01:30:00Z", "03:30"),
            ("America/Los_Angeles", "2026-03-08T09:30:00Z", "01:30"),
            ("America/Los_Angeles", "2026-03-08T10:30:00Z", "03:30"),
            ("Australia/Sydney", "2026-10-03T15:30:00Z", "01:30"),
            ("Australia/Sydney", "2026-10-03T16:30:00Z", "03:30"),
        ]);
    }

    #[wasm_bindgen_test]
    fn fall_back_shows_the_repeated_hour_for_both_instants() {
        assert_wall_clock(&[
            ("Europe/Berlin", "2026-10-25T00:30:00Z", "02:30"),
            ("Europe/Berlin", "2026-10-25T01:30:00Z", "02:30"),
            ("America/Los_Angeles", "2026-11-01T08:30:00Z", "01:30"),
            ("America/Los_Angeles", "2026-11-01T09:30:00Z", "01:30"),
            ("Australia/Sydney", "2026-04-04T15:30:00Z", "02:30"),
            ("Australia/Sydney", "2026-04-04T16:30:00Z", "02:30"),
            // Lord Howe moves its clocks by half an hour.
            ("Australia/Lord_Howe", "2026-04-04T14:45:00Z", "01:45"),
            ("Australia/Lord_Howe", "2026-04-04T15:15:00Z", "01:45"),
        ]);
    }

    #[wasm_bindgen_test]
    fn months_and_days_are_named_in_the_widgets_language() {
        let dec = crate::calendar::Month { year: 2026, month: 12 };
        let tue = ymd("2026-12-01");
        let cases = [
            ("en-GB", "December 2026", "Tuesday 1 December", "Mon"),
            ("de", "Dezember 2026", "Dienstag, 1. Dezember", "Mo"),
            ("fr", "décembre 2026", "mardi 1 décembre", "lun."),
            ("es", "diciembre de 2026", "martes, 1 de diciembre", "lun"),
            ("nl", "december 2026", "dinsdag 1 december", "ma"),
        ];
        for (locale, month, day, monday) in cases {
            assert_eq!(month_title_in(locale, dec), month, "{locale}");
            assert_eq!(day_label_in(locale, tue), day, "{locale}");
            let names = weekday_names_in(locale);
            assert_eq!(names.len(), 7, "{locale}");
            assert_eq!(names[0], monday, "{locale}: Monday first");
        }
        // A day is named as the calendar shows it, wherever the browser is.
        assert_eq!(day_label_in("en-GB", ymd("2026-03-29")), "Sunday 29 March");
    }

    #[wasm_bindgen_test]
    fn an_instant_falls_on_the_customers_local_date() {
        assert_eq!(local_date(at("2026-03-28T23:30:00Z"), "Europe/Berlin"), Some(ymd("2026-03-29")));
        assert_eq!(local_date(at("2026-03-28T23:30:00Z"), "America/Los_Angeles"), Some(ymd("2026-03-28")));
        assert_eq!(local_date(at("2026-04-04T15:30:00Z"), "Australia/Sydney"), Some(ymd("2026-04-05")));
        // Kolkata is +05:30 all year.
        assert_eq!(local_date(at("2026-06-01T18:45:00Z"), "Asia/Kolkata"), Some(ymd("2026-06-02")));
        assert_eq!(hhmm("2026-06-01T18:45:00Z", "Asia/Kolkata"), "00:15");
    }

    #[wasm_bindgen_test]
    fn only_zones_the_browser_knows_are_accepted() {
        for tz in ["Europe/Berlin", "America/Los_Angeles", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"] {
            assert!(known_zone(tz), "{tz}");
        }
        assert!(known_zone(&browser_timezone()), "the browser's own zone");
        assert!(!known_zone("Not/A_Zone"));
        assert!(!known_zone(""));
        let offered = timezone_choices(&browser_timezone(), "Not/A_Zone", known_zone);
        assert!(!offered.iter().any(|z| z == "Not/A_Zone") && offered.len() > 5, "{offered:?}");
    }

    #[wasm_bindgen_test]
    fn labels_follow_the_language_and_the_zone() {
        let saturday_night = at("2026-03-28T23:30:00Z");
        let berlin = date_label_in("en-GB", saturday_night, "Europe/Berlin");
        assert!(berlin.contains("Sunday") && berlin.contains("29 March 2026"), "{berlin}");
        let la = date_label_in("en-GB", saturday_night, "America/Los_Angeles");
        assert!(la.contains("Saturday") && la.contains("28 March 2026"), "{la}");
        // An American browser gets 12-hour times (ICU may put a narrow space before "AM").
        let us = time_label_in("en-US", at("2026-11-01T09:30:00Z"), "America/Los_Angeles");
        assert_eq!(us.replace('\u{202f}', " "), "01:30 AM");
        assert_eq!(
            time_label_in("en-US", saturday_night, "America/Los_Angeles").replace('\u{202f}', " "),
            "04:30 PM"
        );
    }

    #[wasm_bindgen_test]
    fn each_submission_gets_its_own_random_key() {
        let (a, b) = (idempotency_key(), idempotency_key());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{a}");
        assert_ne!(a, b);
        assert_ne!(a, "0".repeat(32), "filled from crypto.getRandomValues");
    }
}
