//! What an org offers: services and the practitioners who perform them.

use crate::availability::{Schedule, ServiceRules};
use cadence_shared::{DateOverride, Practitioner, PublicPractitioner, PublicService, Service, WeeklyHours};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// The longest a service may last, and each of its buffers, in minutes.
pub const MAX_SERVICE_MINUTES: u32 = 1440;

/// The longest blocked range a booking can have (duration and both buffers at their
/// maximum). Reads of bookings by time bound their index scans with it: a booking that
/// reaches into a window starts at most this long before it.
pub const MAX_BLOCKED: Duration = Duration::minutes(3 * MAX_SERVICE_MINUTES as i64);

/// An org's services and practitioners (not deleted) at `version` of its catalogue (see
/// [`crate::model::Org::catalog_version`]), ordered by id; shared by the requests that read it.
#[derive(Debug)]
pub struct Catalogue {
    pub version: i64,
    pub services: Vec<ServiceRecord>,
    pub practitioners: Vec<PractitionerRecord>,
}

impl Catalogue {
    pub fn service(&self, id: &str) -> Option<&ServiceRecord> {
        self.services.iter().find(|s| s.id == id)
    }
}

/// A service, validated (see `domain::catalog`), ready to store.
#[derive(Debug, Clone, Default)]
pub struct NewService {
    pub name: String,
    pub description: String,
    pub duration_minutes: u32,
    pub buffer_before_minutes: u32,
    pub buffer_after_minutes: u32,
    pub slot_interval_minutes: u32,
    pub min_notice_minutes: u32,
    pub booking_window_days: u32,
    pub reminder_minutes_before: u32,
    pub practitioner_ids: Vec<String>,
    pub active: bool,
}

/// A service with the practitioners who offer it.
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
    pub reminder_minutes_before: u32,
    pub practitioner_ids: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ServiceRecord> for Service {
    fn from(s: &ServiceRecord) -> Self {
        Service {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            duration_minutes: s.duration_minutes,
            buffer_before_minutes: s.buffer_before_minutes,
            buffer_after_minutes: s.buffer_after_minutes,
            slot_interval_minutes: s.slot_interval_minutes,
            min_notice_minutes: s.min_notice_minutes,
            booking_window_days: s.booking_window_days,
            reminder_minutes_before: s.reminder_minutes_before,
            practitioner_ids: s.practitioner_ids.clone(),
            active: s.active,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The public view of a service: its practitioners as the record lists them
/// (`domain::catalog::bookable_services` leaves only the active ones).
impl From<&ServiceRecord> for PublicService {
    fn from(s: &ServiceRecord) -> Self {
        PublicService {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            duration_minutes: s.duration_minutes,
            practitioner_ids: s.practitioner_ids.clone(),
        }
    }
}

/// The availability engine's view of a service.
impl From<&ServiceRecord> for ServiceRules {
    fn from(s: &ServiceRecord) -> Self {
        let minutes = |m: u32| Duration::minutes(i64::from(m));
        ServiceRules {
            duration: minutes(s.duration_minutes),
            buffer_before: minutes(s.buffer_before_minutes),
            buffer_after: minutes(s.buffer_after_minutes),
            slot_interval: minutes(s.slot_interval_minutes),
            min_notice: minutes(s.min_notice_minutes),
            booking_window: Duration::days(i64::from(s.booking_window_days)),
        }
    }
}

/// A practitioner, validated, ready to store.
#[derive(Debug, Clone, Default)]
pub struct NewPractitioner {
    pub name: String,
    pub email: Option<String>,
    /// `None`: the org's timezone.
    pub timezone: Option<String>,
    pub weekly_hours: WeeklyHours,
    pub date_overrides: Vec<DateOverride>,
    pub active: bool,
}

/// A practitioner with their schedule and the services they offer.
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

impl PractitionerRecord {
    /// The engine's view of their week, in their own zone (or `org_tz` when they have none).
    pub fn schedule(&self, org_tz: Tz) -> Schedule {
        Schedule {
            practitioner_id: self.id.clone(),
            timezone: self.timezone.as_deref().and_then(|tz| tz.parse().ok()).unwrap_or(org_tz),
            weekly_hours: self.weekly_hours.clone(),
            date_overrides: self.date_overrides.iter().map(|o| (o.date, o.intervals.clone())).collect(),
        }
    }
}

impl From<&PractitionerRecord> for Practitioner {
    fn from(p: &PractitionerRecord) -> Self {
        Practitioner {
            id: p.id.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            timezone: p.timezone.clone(),
            weekly_hours: p.weekly_hours.clone(),
            date_overrides: p.date_overrides.clone(),
            service_ids: p.service_ids.clone(),
            active: p.active,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// The public view of a practitioner: their services as the record lists them
/// (`domain::catalog::bookable_practitioners` leaves only the active ones).
impl From<&PractitionerRecord> for PublicPractitioner {
    fn from(p: &PractitionerRecord) -> Self {
        PublicPractitioner { id: p.id.clone(), name: p.name.clone(), service_ids: p.service_ids.clone() }
    }
}
