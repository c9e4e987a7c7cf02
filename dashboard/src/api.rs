//! Calls to this server's account and org APIs. The session is the `cadence_session`
//! cookie (HttpOnly: this code never sees it); the browser sends it with every same-origin
//! request and adds the `Origin` header the server's CSRF check reads on writes.

use cadence_shared::ErrorBody;
use gloo_net::http::{Method, Request, RequestBuilder};
use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No answer: offline, or the server is down.
    Network,
    /// An error status with the server's envelope.
    Status { status: u16, code: String, message: String, field: Option<String> },
}

impl Failure {
    /// The request field the envelope names (`customer.email`, `weekly_hours.monday[0]`).
    pub fn field(&self) -> Option<&str> {
        match self {
            Failure::Status { field, .. } => field.as_deref(),
            Failure::Network => None,
        }
    }

    /// In words for the person at the screen: the server's own message, or what went wrong
    /// on the way (what was typed stays in the form either way).
    pub fn message(&self) -> String {
        match self {
            Failure::Network => "Cannot reach the server. Check the connection and try again; \
                                 what you typed is kept."
                .into(),
            Failure::Status { status, message, .. } if *status >= 500 => {
                format!("The server had a problem ({status}): {message} Try again; what you typed is kept.")
            }
            Failure::Status { message, .. } => message.clone(),
        }
    }
}

thread_local! {
    /// Set when any call answers 401 (`App` watches it): the app shows the log-in form and
    /// comes back afterwards.
    static SIGNED_OUT: std::cell::OnceCell<RwSignal<bool>> = const { std::cell::OnceCell::new() };
}

/// The flag a 401 sets.
pub fn signed_out_flag() -> RwSignal<bool> {
    SIGNED_OUT.with(|f| *f.get_or_init(|| RwSignal::new(false)))
}

fn signed_out() {
    signed_out_flag().set(true);
}

/// Sends `req`; the body of a 2xx answer, or why not.
async fn call(req: Result<Request, gloo_net::Error>) -> Result<String, Failure> {
    let res = req.map_err(|_| Failure::Network)?.send().await.map_err(|_| Failure::Network)?;
    let body = res.text().await.map_err(|_| Failure::Network)?;
    if res.ok() {
        return Ok(body);
    }
    if res.status() == 401 {
        signed_out();
    }
    let (code, message, field) = match parse::<ErrorBody>(&body) {
        Some(body) => (body.error.code, body.error.message, body.error.field),
        None => (String::new(), "Something went wrong.".into(), None),
    };
    Err(Failure::Status { status: res.status(), code, message, field })
}

/// JSON through the browser's `JSON.parse`: the wasm carries no JSON parser of its own.
fn parse<T: DeserializeOwned>(body: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(body).ok()?).ok()
}

fn json(body: &impl Serialize) -> Option<String> {
    let value = body.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

fn request(method: Method, url: &str, body: Option<String>) -> Result<Request, gloo_net::Error> {
    let builder = RequestBuilder::new(url).method(method);
    match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &crate::time::random_key())
            .body(body),
        None => builder.build(),
    }
}

/// `GET url` → `T`.
pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, Failure> {
    let body = Box::pin(call(request(Method::GET, url, None))).await?;
    parse(&body).ok_or(Failure::Network)
}

/// A write with a JSON body (`POST`, `PATCH`, `PUT`) → `T`.
pub async fn send<T: DeserializeOwned>(
    method: Method,
    url: &str,
    body: &impl Serialize,
) -> Result<T, Failure> {
    let body = Box::pin(call(request(method, url, json(body)))).await?;
    parse(&body).ok_or(Failure::Network)
}

/// A write whose answer has no body (`204`): `DELETE`, logout, password change.
pub async fn send_empty(method: Method, url: &str, body: Option<&dyn ErasedJson>) -> Result<(), Failure> {
    Box::pin(call(request(method, url, body.and_then(|b| b.to_json())))).await.map(|_| ())
}

/// A request body behind a `dyn` (so `send_empty` is one function).
pub trait ErasedJson {
    fn to_json(&self) -> Option<String>;
}

impl<T: Serialize> ErasedJson for T {
    fn to_json(&self) -> Option<String> {
        json(self)
    }
}

/// `value` written for a query string.
pub fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}
