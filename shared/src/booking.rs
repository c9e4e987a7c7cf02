//! Bookings on the wire: what callers send and what they get back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who a booking is for, as given by the caller: a name and at least one of email or phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The customer's IANA timezone (e.g. `Europe/Berlin`), for the times in their mails;
    /// without it the org's timezone is used. The widget sends the zone its page shows
    /// times in (the browser's unless the customer switched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Berlin"))]
    pub timezone: Option<String>,
}

/// `POST /bookings` (org API) and `POST /public/orgs/{slug}/bookings`.
/// `start` is kept as text so a time without an offset gets its own precise error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBookingRequest {
    pub service_id: String,
    pub start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practitioner_id: Option<String>,
    #[serde(deserialize_with = "crate::object::only")]
    pub customer: CustomerInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// `POST /bookings/{id}/reschedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    pub start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practitioner_id: Option<String>,
}

/// `POST /bookings/{id}/cancel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Cancelled,
}

/// The customer of a booking, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingCustomer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The timezone the customer's mails use, when they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

/// A booking as every surface shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Booking {
    pub id: String,
    pub service_id: String,
    pub practitioner_id: String,
    #[serde(deserialize_with = "crate::instant::rfc3339")]
    pub start: DateTime<Utc>,
    #[serde(deserialize_with = "crate::instant::rfc3339")]
    pub end: DateTime<Utc>,
    pub status: BookingStatus,
    pub customer: BookingCustomer,
    pub notes: Option<String>,
    pub cancel_reason: Option<String>,
    #[serde(default, deserialize_with = "crate::instant::rfc3339_opt")]
    pub cancelled_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "crate::instant::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::instant::rfc3339")]
    pub updated_at: DateTime<Utc>,
    /// Only in the response to a public booking's creation: lets the customer read, cancel
    /// and reschedule this one booking. Never stored in plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_token: Option<String>,
}
