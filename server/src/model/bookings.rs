//! Bookings, the customers recorded from them, and the questions the domain asks about
//! them (filters, cursors, loads).

use cadence_shared::{Booking, BookingCustomer, BookingStatus, Customer};
use chrono::{DateTime, Utc};

/// The first and last instants a stored time may have, for open ends of a time window:
/// 0001-01-01 and 9999-12-31, within both backends' ranges (Postgres timestamptz, SQLite
/// unix seconds).
pub const FIRST_INSTANT: DateTime<Utc> = DateTime::from_timestamp(-62_135_596_800, 0).unwrap();
pub const LAST_INSTANT: DateTime<Utc> = DateTime::from_timestamp(253_402_214_400, 0).unwrap();

/// A booking.
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
    /// The iCalendar SEQUENCE of the booking's event (grows with each move and cancel).
    pub sequence: u32,
    /// The customer's IANA timezone for their mails, when they gave one.
    pub customer_timezone: Option<String>,
}

/// The wire shape every surface shows (without a manage token: only the public create
/// response carries one, once).
impl From<&BookingRecord> for Booking {
    fn from(b: &BookingRecord) -> Self {
        Booking {
            id: b.id.clone(),
            service_id: b.service_id.clone(),
            practitioner_id: b.practitioner_id.clone(),
            start: b.start,
            end: b.end,
            status: b.status,
            customer: BookingCustomer {
                id: b.customer_id.clone(),
                name: b.customer_name.clone(),
                email: b.customer_email.clone(),
                phone: b.customer_phone.clone(),
                timezone: b.customer_timezone.clone(),
            },
            notes: b.notes.clone(),
            cancel_reason: b.cancel_reason.clone(),
            cancelled_at: b.cancelled_at,
            created_at: b.created_at,
            updated_at: b.updated_at,
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
    pub customer_timezone: Option<String>,
    pub now: DateTime<Utc>,
    /// Messages to write with it (none when mail is off).
    pub mail: Vec<crate::model::NewMail>,
    /// Set when the booking was computed from a cached API key and org: the write itself
    /// checks the guard and writes nothing unless it holds.
    pub guard: Option<KeyGuard>,
}

/// What a booking made with a cached API key must still find in the database when it is
/// written: the key neither revoked nor expired, and its org as it was cached (the
/// catalogue version, timezone and name the booking was computed with). When the guard
/// fails the store answers [`crate::store::StoreError::Overlap`], as for a taken time; the
/// caller then asks the database which of the two it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGuard {
    pub key_id: String,
    pub catalog_version: i64,
    pub org_timezone: String,
    pub org_name: String,
}

impl NewBooking {
    /// The booking as it will be stored, with these customer and practitioner ids.
    pub fn record(&self, customer_id: &str, practitioner_id: &str) -> BookingRecord {
        BookingRecord {
            id: self.id.clone(),
            org_id: self.org_id.clone(),
            service_id: self.service_id.clone(),
            practitioner_id: practitioner_id.to_owned(),
            customer_id: customer_id.to_owned(),
            start: self.start,
            end: self.end,
            blocked_start: self.blocked_start,
            blocked_end: self.blocked_end,
            status: BookingStatus::Confirmed,
            customer_name: self.customer_name.clone(),
            customer_email: self.customer_email.clone(),
            customer_phone: self.customer_phone.clone(),
            notes: self.notes.clone(),
            manage_token_hash: self.manage_token_hash.clone(),
            cancel_reason: None,
            cancelled_at: None,
            created_at: self.now,
            updated_at: self.now,
            sequence: 0,
            customer_timezone: self.customer_timezone.clone(),
        }
    }
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
    /// Messages to write with it; pending reminders of the booking are dropped first.
    pub mail: Vec<crate::model::NewMail>,
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
    /// Starts of their confirmed bookings around the requested time (at least its local day).
    pub nearby_starts: Vec<DateTime<Utc>>,
    /// When they were last booked (creation time of their newest confirmed booking).
    pub last_booked_at: Option<DateTime<Utc>>,
}

/// A practitioner who could take a booking (its start is one of their slots), with the
/// bounds of the booking's local day in their timezone, `[from, to)`: least-loaded
/// selection counts their confirmed bookings starting in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub practitioner_id: String,
    pub day: (DateTime<Utc>, DateTime<Utc>),
}

/// The candidates least loaded first (PRODUCT.md, "Bookings"): fewest confirmed bookings
/// starting on their local day, then least recently booked (never booked first), then by
/// id. Postgres orders the same way inside the booking write (`store/postgres/book.rs`).
pub fn least_loaded(mut candidates: Vec<Candidate>, loads: &[PractitionerLoad]) -> Vec<Candidate> {
    candidates.sort_by_cached_key(|c| {
        let load = loads.iter().find(|l| l.practitioner_id == c.practitioner_id);
        let (from, to) = c.day;
        let same_day = load.map_or(0, |l| l.nearby_starts.iter().filter(|s| **s >= from && **s < to).count());
        (same_day, load.and_then(|l| l.last_booked_at), c.practitioner_id.clone())
    });
    candidates
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

impl From<&CustomerRecord> for Customer {
    fn from(c: &CustomerRecord) -> Self {
        Customer {
            id: c.id.clone(),
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            booking_count: c.booking_count,
            last_booking_at: c.last_booking_at,
            created_at: c.created_at,
        }
    }
}
