//! The org API's resources: services, practitioners, customers.

use crate::booking::Booking;
use crate::schedule::{DateOverride, WeeklyHours};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    pub id: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: u32,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub slot_interval_minutes: u32,
    pub min_notice_minutes: u32,
    pub booking_window_days: u32,
    /// Minutes before the start that the customer's reminder e-mail goes out; 0: none.
    pub reminder_minutes_before: u32,
    pub practitioner_ids: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /services`; omitted fields take their defaults (slot interval: the duration;
/// buffers and notice 0; window 60 days; active).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateServiceRequest {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub duration_minutes: i64,
    #[serde(default)]
    pub buffer_before_minutes: i64,
    #[serde(default)]
    pub buffer_after_minutes: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_interval_minutes: Option<i64>,
    #[serde(default)]
    pub min_notice_minutes: i64,
    #[serde(default = "default_window")]
    pub booking_window_days: i64,
    /// Minutes before the start that the customer's reminder e-mail goes out (0: none;
    /// default 1440, a day; at most 40320, four weeks).
    #[serde(default = "default_reminder")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 40320, default = 1440))]
    pub reminder_minutes_before: i64,
    #[serde(default)]
    pub practitioner_ids: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn default_window() -> i64 {
    60
}

fn default_reminder() -> i64 {
    1440
}

fn yes() -> bool {
    true
}

/// `PATCH /services/{id}`: any subset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub duration_minutes: Option<i64>,
    pub buffer_before_minutes: Option<i64>,
    pub buffer_after_minutes: Option<i64>,
    pub slot_interval_minutes: Option<i64>,
    pub min_notice_minutes: Option<i64>,
    pub booking_window_days: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 40320))]
    pub reminder_minutes_before: Option<i64>,
    pub practitioner_ids: Option<Vec<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Practitioner {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// Their own IANA timezone; the org's when `null`.
    pub timezone: Option<String>,
    pub weekly_hours: WeeklyHours,
    pub date_overrides: Vec<DateOverride>,
    pub service_ids: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePractitionerRequest {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub weekly_hours: WeeklyHours,
    #[serde(default)]
    pub date_overrides: Vec<DateOverride>,
    #[serde(default = "yes")]
    pub active: bool,
}

/// `PATCH /practitioners/{id}`: any subset; `email` and `timezone` may be set to `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePractitionerRequest {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::object::some")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::object::some")]
    pub timezone: Option<Option<String>>,
    pub weekly_hours: Option<WeeklyHours>,
    pub date_overrides: Option<Vec<DateOverride>>,
    pub active: Option<bool>,
}

/// Someone who has booked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Customer {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub booking_count: u32,
    pub last_booking_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One request to the org API, as the org's request log shows it (`GET /request-log`):
/// metadata only, never bodies or query strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestLogItem {
    /// The `request_id` of the answer's envelope and `X-Request-Id` header.
    pub request_id: String,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The route pattern matched, e.g. `/api/v1/bookings/{id}`.
    pub route: String,
    pub status: u16,
    pub latency_ms: u32,
    /// The API key that made it (`key_…`, see `GET /api-keys`); `null` for the dashboard's
    /// session.
    pub key_id: Option<String>,
}

/// `GET /customers/{id}`: the customer with their bookings (by start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetail {
    #[serde(flatten)]
    pub customer: Customer,
    pub bookings: Vec<Booking>,
}

/// `POST /practitioners/{id}/calendar-feed`: the practitioner's subscribable calendar. Each
/// call makes a new secret URL; the previous one stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    /// `<public URL>/ical/<secret>.ics`: `text/calendar` with the practitioner's confirmed
    /// bookings from 30 days back to a year ahead.
    pub url: String,
}
