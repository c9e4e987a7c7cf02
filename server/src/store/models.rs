//! Records the store reads and writes. Inputs are `New…`; what comes back has an id.

use cadence_shared::{Booking, BookingCustomer, BookingStatus, Branding, DateOverride, WeeklyHours};
use chrono::{DateTime, Utc};

/// An org (tenant) as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// IANA timezone name, validated before it is stored.
    pub timezone: String,
    pub branding: Branding,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub slug: String,
    pub name: String,
    pub timezone: String,
    pub branding: Branding,
}

#[derive(Debug, Clone)]
pub struct NewPractitioner {
    pub name: String,
    pub email: Option<String>,
    /// `None`: the org's timezone.
    pub timezone: Option<String>,
    pub weekly_hours: WeeklyHours,
    pub date_overrides: Vec<DateOverride>,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct NewService {
    pub name: String,
    pub description: String,
    pub duration_minutes: u32,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub slot_interval_minutes: u32,
    pub min_notice_minutes: u32,
    pub booking_window_days: u32,
    pub practitioner_ids: Vec<String>,
    pub active: bool,
}

/// A key to store: only the hash of the plain key ever reaches the database.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub org_id: String,
    pub name: String,
    pub key_hash: String,
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub created_by: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A stored API key, without anything secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// One finished request: metadata only, never bodies or query strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLogEntry {
    pub request_id: String,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The matched route pattern (`/api/v1/public/orgs/{slug}`), not the raw path.
    pub route: String,
    pub status: u16,
    pub latency_ms: u32,
    pub org_id: Option<String>,
    pub key_id: Option<String>,
}

/// A service as stored, with the practitioners who offer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: u32,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub slot_interval_minutes: u32,
    pub min_notice_minutes: u32,
    pub booking_window_days: u32,
    pub practitioner_ids: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A practitioner as stored, with their schedule and the services they offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PractitionerRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    /// `None`: the org's timezone.
    pub timezone: Option<String>,
    pub weekly_hours: WeeklyHours,
    pub date_overrides: Vec<DateOverride>,
    pub service_ids: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A booking as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRecord {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub practitioner_id: String,
    pub customer_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub blocked_start: DateTime<Utc>,
    pub blocked_end: DateTime<Utc>,
    pub status: BookingStatus,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub notes: Option<String>,
    /// SHA-256 of the public manage token, for bookings made on the public surface.
    pub manage_token_hash: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BookingRecord {
    /// The wire shape every surface shows (without a manage token).
    pub fn to_wire(&self) -> Booking {
        Booking {
            id: self.id.clone(),
            service_id: self.service_id.clone(),
            practitioner_id: self.practitioner_id.clone(),
            start: self.start,
            end: self.end,
            status: self.status,
            customer: BookingCustomer {
                id: self.customer_id.clone(),
                name: self.customer_name.clone(),
                email: self.customer_email.clone(),
                phone: self.customer_phone.clone(),
            },
            notes: self.notes.clone(),
            cancel_reason: self.cancel_reason.clone(),
            cancelled_at: self.cancelled_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            manage_token: None,
        }
    }
}

/// A booking to insert: id and times decided by the caller, the customer normalised
/// (e-mail lower-cased) and matched to a customer record by the store.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub practitioner_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub blocked_start: DateTime<Utc>,
    pub blocked_end: DateTime<Utc>,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub notes: Option<String>,
    pub manage_token_hash: Option<String>,
    pub now: DateTime<Utc>,
}

/// New times (and maybe practitioner) for a booking.
#[derive(Debug, Clone)]
pub struct BookingMove {
    pub practitioner_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub blocked_start: DateTime<Utc>,
    pub blocked_end: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// Filters of `GET /bookings`; every field optional.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    pub status: Option<BookingStatus>,
    pub practitioner_id: Option<String>,
    pub service_id: Option<String>,
    /// Bookings starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Bookings starting before.
    pub to: Option<DateTime<Utc>>,
    pub customer_email: Option<String>,
    pub customer_id: Option<String>,
}

/// Where a page of bookings (ordered by start, then id) continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingCursor {
    pub start: DateTime<Utc>,
    pub id: String,
}

/// How busy a practitioner is, for choosing "any practitioner".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PractitionerLoad {
    pub practitioner_id: String,
    /// Starts of their confirmed bookings near the requested time (±2 days).
    pub nearby_starts: Vec<DateTime<Utc>>,
    /// When they were last booked (creation time of their newest confirmed booking).
    pub last_booked_at: Option<DateTime<Utc>>,
}

/// The idempotency record a write should complete in its own transaction.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyRef<'a> {
    pub scope: &'a str,
    pub key: &'a str,
}

/// What `idempotency_begin` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First time: go ahead (the key is now marked in flight).
    Started,
    /// Finished before with the same request: answer with this.
    Replay { status: u16, body: String },
    /// Used before with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// A person who can log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    /// Lower-cased.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
}

/// A login session; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    pub expires_at: DateTime<Utc>,
}

/// Someone who has booked, with a summary of their bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub booking_count: u32,
    /// Start of their latest booking.
    pub last_booking_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A webhook endpoint as stored (its secret is kept: it signs every delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpointRecord {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewWebhookEndpoint {
    pub org_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
}

/// A delivery a worker has claimed (locked until `locked_until`).
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    /// Attempts made before this one.
    pub attempts: u32,
    pub event_id: String,
    pub event_type: String,
    pub payload: serde_json::Value,
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    /// False when the endpoint was disabled or deleted since the event was written.
    pub endpoint_usable: bool,
}

/// What became of a delivery after one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryNext {
    Succeeded,
    RetryAt(DateTime<Utc>),
    Failed,
}

/// One attempt, as recorded.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub next: DeliveryNext,
    /// Disable the endpoint, with this reason (it answered 410 Gone).
    pub disable_endpoint: Option<(String, String)>,
}

/// An attempt as listed for an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptView {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub delivery_state: String,
    pub attempted_at: DateTime<Utc>,
    pub response_status: Option<u16>,
    pub latency_ms: u32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}
