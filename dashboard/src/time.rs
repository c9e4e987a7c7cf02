//! Times in the org's timezone, through the browser's Intl API (the wasm carries no
//! timezone database), and the week arithmetic of the agenda.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use wasm_bindgen::JsValue;

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    o.into()
}

fn js_date(at: DateTime<Utc>) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64))
}

/// The calendar date of `at` in `tz`.
pub fn local_date(at: DateTime<Utc>, tz: &str) -> Option<NaiveDate> {
    let text: String = js_date(at).to_locale_date_string("en-CA", &options(&[("timeZone", tz)])).into();
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// "14:30" in `tz` (24-hour clock, as a business's calendar reads).
pub fn time_label(at: DateTime<Utc>, tz: &str) -> String {
    let o = options(&[("timeZone", tz), ("hour", "2-digit"), ("minute", "2-digit"), ("hourCycle", "h23")]);
    js_date(at).to_locale_time_string_with_options("en-GB", &o).into()
}

/// "Tue 1 Dec 2026, 14:30" in `tz`.
pub fn date_time_label(at: DateTime<Utc>, tz: &str) -> String {
    let o = options(&[
        ("timeZone", tz),
        ("weekday", "short"),
        ("day", "numeric"),
        ("month", "short"),
        ("year", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
    ]);
    js_date(at).to_locale_string("en-GB", &o).into()
}

/// "Monday 7 December": a calendar day's heading.
pub fn day_label(d: NaiveDate) -> String {
    let o = options(&[("timeZone", "UTC"), ("weekday", "long"), ("day", "numeric"), ("month", "long")]);
    js_date(d.and_time(chrono::NaiveTime::MIN).and_utc()).to_locale_date_string("en-GB", &o).into()
}

/// Today in `tz`.
pub fn today(tz: &str) -> NaiveDate {
    local_date(Utc::now(), tz).unwrap_or_else(|| Utc::now().date_naive())
}

/// The Monday of `d`'s week.
pub fn week_start(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The seven days from `monday`.
pub fn week_days(monday: NaiveDate) -> Vec<NaiveDate> {
    (0..7).map(|i| monday + Duration::days(i)).collect()
}

/// The browser's IANA timezone, e.g. `Europe/Berlin` (the sign-up form's default).
pub fn browser_timezone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into())
}

/// A fresh idempotency key for one write (the same click retried keeps its key).
pub fn random_key() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("dash-{}", js_sys::Date::now()))
}
