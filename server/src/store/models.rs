//! Records the store reads and writes. Inputs are `New…`; what comes back has an id.

use cadence_shared::{Branding, DateOverride, WeeklyHours};
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
