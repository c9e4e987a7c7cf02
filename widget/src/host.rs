//! Talking to the page around the widget.
//!
//! On a successful booking the widget dispatches a DOM `CustomEvent("cadence:booked")` on
//! its own window with `detail = { id, start, end, service_id, practitioner_id }`; when it
//! runs inside the embed iframe it also posts `{ type: "cadence:booked", booking: detail }`
//! to the parent, and `{ type: "cadence:resize", height }` whenever its height changes, which
//! `embed.js` turns into an iframe height and a `cadence:booked` event on the placeholder
//! element. The manage token is never sent to the host page.

use cadence_shared::Booking;
use wasm_bindgen::JsValue;

fn set(o: &js_sys::Object, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

fn embedded() -> Option<web_sys::Window> {
    let window = web_sys::window()?;
    let parent = window.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &window)).then_some(parent)
}

/// Tells the host page a booking was made.
pub fn booked(b: &Booking) {
    let detail = js_sys::Object::new();
    set(&detail, "id", &JsValue::from_str(&b.id));
    set(&detail, "start", &JsValue::from_str(&b.start.to_rfc3339()));
    set(&detail, "end", &JsValue::from_str(&b.end.to_rfc3339()));
    set(&detail, "service_id", &JsValue::from_str(&b.service_id));
    set(&detail, "practitioner_id", &JsValue::from_str(&b.practitioner_id));
    if let Some(window) = web_sys::window() {
        let init = web_sys::CustomEventInit::new();
        init.set_detail(&detail);
        if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("cadence:booked", &init) {
            let _ = window.dispatch_event(&event);
        }
    }
    if let Some(parent) = embedded() {
        let msg = js_sys::Object::new();
        set(&msg, "type", &JsValue::from_str("cadence:booked"));
        set(&msg, "booking", &detail);
        let _ = parent.post_message(&msg, "*");
    }
}

/// In the embed iframe: reports the page height to the parent when it changes.
pub fn report_height(last: &mut i32) {
    let Some(parent) = embedded() else { return };
    let height = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .map(|e| e.scroll_height())
        .unwrap_or(0);
    if height != *last {
        *last = height;
        let msg = js_sys::Object::new();
        set(&msg, "type", &JsValue::from_str("cadence:resize"));
        set(&msg, "height", &JsValue::from_f64(f64::from(height)));
        let _ = parent.post_message(&msg, "*");
    }
}
