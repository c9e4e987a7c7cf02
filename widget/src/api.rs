//! Calls to the public surface (same origin: the page and the embed iframe are served by
//! the cadence server), with failures kept apart so the UI can say what happened.

use crate::i18n::t;
use cadence_shared::{
    AvailabilityResponse, Booking, CancelRequest, CreateBookingRequest, ErrorBody, Page, PublicOrg,
    PublicPractitioner, PublicService, RescheduleRequest,
};
use chrono::NaiveDate;
use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No answer (offline, server down).
    Network,
    /// An answer with an error status and the server's envelope.
    Status { status: u16, code: String, message: String, field: Option<String>, retry_after: Option<u64> },
}

impl Failure {
    /// What the widget says when the page's slug names no org.
    pub fn no_such_page() -> Failure {
        Failure::Status {
            status: 404,
            code: String::new(),
            message: String::new(),
            field: None,
            retry_after: None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Network => None,
            Failure::Status { status, .. } => Some(*status),
        }
    }

    /// The chosen time cannot be booked any more: taken meanwhile (409 `slot_taken`), or no
    /// longer open (422 `slot_not_open`: its minimum notice passed while the page was open,
    /// or the hours changed). Trying again cannot help; another time can.
    pub fn time_gone(&self) -> bool {
        let Failure::Status { status, code, .. } = self else { return false };
        matches!((status, code.as_str()), (409, "slot_taken") | (422, "slot_not_open"))
    }

    /// The form field a 422 is about (`customer.email` → `email`), to mark it.
    pub fn form_field(&self) -> Option<&'static str> {
        let Failure::Status { field: Some(field), .. } = self else { return None };
        ["name", "email", "phone", "notes"]
            .into_iter()
            .find(|f| field.strip_prefix("customer.").unwrap_or(field) == *f)
    }

    /// In plain words for the customer.
    pub fn message(&self) -> String {
        match self {
            Failure::Network => t().unreachable.into(),
            Failure::Status { status: 404, .. } => t().no_page.into(),
            Failure::Status { status: 409, code, .. } if code == "slot_taken" => t().taken.into(),
            Failure::Status { status: 422, code, .. } if code == "slot_not_open" => t().gone.into(),
            Failure::Status { status: 429, retry_after, .. } => {
                t().too_many.replacen('#', &retry_after.unwrap_or(30).to_string(), 1)
            }
            // The server's own words (English), for what the widget has no words of its own.
            Failure::Status { message, .. } => message.clone(),
        }
    }
}

/// Sends `req` and reads the answer's body. Not generic, so the wasm holds one copy of it;
/// only `parse` is per type.
async fn call(req: Result<Request, gloo_net::Error>) -> Result<String, Failure> {
    let res = req.map_err(|_| Failure::Network)?.send().await.map_err(|_| Failure::Network)?;
    let body = res.text().await.map_err(|_| Failure::Network)?;
    if res.ok() {
        return Ok(body);
    }
    let retry_after = res.headers().get("retry-after").and_then(|v| v.parse().ok());
    let (code, message, field) = match parse::<ErrorBody>(&body) {
        Some(body) => (body.error.code, body.error.message, body.error.field),
        None => (String::new(), t().went_wrong.into(), None),
    };
    Err(Failure::Status { status: res.status(), code, message, field, retry_after })
}

async fn send<T: DeserializeOwned>(req: Result<Request, gloo_net::Error>) -> Result<T, Failure> {
    // Boxed: one shared `call` state machine instead of a copy inlined per `T`.
    let body = Box::pin(call(req)).await?;
    // A 2xx whose body is not what the contract says: as good as no answer.
    parse(&body).ok_or(Failure::Network)
}

/// JSON through the browser's own parser (`JSON.parse`) into `T`: the wasm carries no JSON
/// parser of its own.
fn parse<T: DeserializeOwned>(body: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(body).ok()?).ok()
}

fn get(url: &str) -> Result<Request, gloo_net::Error> {
    RequestBuilder::new(url).method(gloo_net::http::Method::GET).build()
}

pub async fn org(slug: &str) -> Result<PublicOrg, Failure> {
    send(get(&format!("/api/v1/public/orgs/{slug}"))).await
}

pub async fn services(slug: &str) -> Result<Vec<PublicService>, Failure> {
    send::<Page<PublicService>>(get(&format!("/api/v1/public/orgs/{slug}/services"))).await.map(|p| p.data)
}

pub async fn practitioners(slug: &str, service_id: &str) -> Result<Vec<PublicPractitioner>, Failure> {
    let url = format!("/api/v1/public/orgs/{slug}/practitioners?service_id={service_id}");
    send::<Page<PublicPractitioner>>(get(&url)).await.map(|p| p.data)
}

/// Slots from the day before `from` to the day after `to` (dates in the org's zone), so
/// every local day of a customer anywhere is covered.
pub async fn availability(
    slug: &str,
    service_id: &str,
    practitioner_id: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<AvailabilityResponse, Failure> {
    let (from, to) = (from.pred_opt().unwrap_or(from), to.succ_opt().unwrap_or(to));
    let mut url =
        format!("/api/v1/public/orgs/{slug}/availability?service_id={service_id}&from={from}&to={to}");
    if let Some(p) = practitioner_id {
        url.push_str(&format!("&practitioner_id={p}"));
    }
    send(get(&url)).await
}

fn post_json(
    url: &str,
    body: &impl serde::Serialize,
    idempotency_key: &str,
) -> Result<Request, gloo_net::Error> {
    // As JSON.stringify writes it: maps as objects, `None` as null.
    let value = body.serialize(&serde_wasm_bindgen::Serializer::json_compatible());
    let json = value.ok().and_then(|v| js_sys::JSON::stringify(&v).ok()).and_then(|s| s.as_string());
    let json = json.ok_or_else(|| gloo_net::Error::GlooError("the request body is not JSON".into()))?;
    RequestBuilder::new(url)
        .method(gloo_net::http::Method::POST)
        .header("Idempotency-Key", idempotency_key)
        .header("Content-Type", "application/json")
        .body(json)
}

pub async fn book(slug: &str, req: &CreateBookingRequest, idempotency_key: &str) -> Result<Booking, Failure> {
    send(post_json(&format!("/api/v1/public/orgs/{slug}/bookings"), req, idempotency_key)).await
}

pub async fn booking(id: &str, token: &str) -> Result<Booking, Failure> {
    send(get(&format!("/api/v1/public/bookings/{id}?token={token}"))).await
}

pub async fn cancel(id: &str, token: &str, idempotency_key: &str) -> Result<Booking, Failure> {
    let url = format!("/api/v1/public/bookings/{id}/cancel?token={token}");
    send(post_json(&url, &CancelRequest::default(), idempotency_key)).await
}

pub async fn reschedule(
    id: &str,
    token: &str,
    req: &RescheduleRequest,
    idempotency_key: &str,
) -> Result<Booking, Failure> {
    send(post_json(&format!("/api/v1/public/bookings/{id}/reschedule?token={token}"), req, idempotency_key))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, code: &str, field: Option<&str>) -> Failure {
        Failure::Status {
            status,
            code: code.into(),
            message: format!("server says {code}"),
            field: field.map(Into::into),
            retry_after: None,
        }
    }

    #[test]
    fn a_taken_or_closed_time_means_choose_another_not_try_again() {
        assert!(status(409, "slot_taken", None).time_gone());
        let closed = status(422, "slot_not_open", Some("start"));
        assert!(closed.time_gone());
        assert_eq!(closed.message(), "Sorry, that time is no longer available. Please choose another time.");
        assert_eq!(closed.form_field(), None, "no form field to mark");
        // A retry can help with these.
        assert!(!status(409, "idempotency_key_in_flight", None).time_gone());
        assert!(!status(429, "rate_limited", None).time_gone());
        assert!(!Failure::Network.time_gone());
    }

    #[test]
    fn a_422_about_a_field_keeps_the_servers_words_and_names_the_field() {
        let phone = status(422, "invalid_phone", Some("customer.phone"));
        assert!(!phone.time_gone());
        assert_eq!(phone.form_field(), Some("phone"));
        assert_eq!(phone.message(), "server says invalid_phone");
        assert_eq!(status(422, "too_long", Some("notes")).form_field(), Some("notes"));
        assert_eq!(status(422, "x", Some("customer.unknown")).form_field(), None);
    }
}
