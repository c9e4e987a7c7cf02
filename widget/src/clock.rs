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

/// The browser's language, for labels.
fn locale() -> String {
    web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en".into())
}

/// The calendar date of an instant in `tz`.
pub fn local_date(at: DateTime<Utc>, tz: &str) -> Option<NaiveDate> {
    let text: String = date(at).to_locale_date_string("en-CA", &options(&[("timeZone", tz)])).into();
    crate::calendar::parse_ymd(&text)
}

/// "14:30" / "2:30 PM", as the customer's browser writes times.
pub fn time_label(at: DateTime<Utc>, tz: &str) -> String {
    date(at)
        .to_locale_time_string_with_options(
            &locale(),
            &options(&[("timeZone", tz), ("hour", "2-digit"), ("minute", "2-digit")]),
        )
        .into()
}

/// "Tuesday, 1 December 2026".
pub fn date_label(at: DateTime<Utc>, tz: &str) -> String {
    let o = options(&[
        ("timeZone", tz),
        ("weekday", "long"),
        ("day", "numeric"),
        ("month", "long"),
        ("year", "numeric"),
    ]);
    date(at).to_locale_date_string(&locale(), &o).into()
}

/// The timezones offered in the switcher: the browser's, the org's, and some common ones.
pub fn timezone_choices(browser: &str, org: &str) -> Vec<String> {
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
