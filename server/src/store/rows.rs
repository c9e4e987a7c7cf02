//! Database rows as sqlx reads them (the same on both backends, thanks to [`Ts`] and
//! [`Json`]), and their conversion into the records of `models`.

use super::StoreError;
use super::models::*;
use super::ts::Ts;
use cadence_shared::{BookingStatus, Branding, DateOverride, WeeklyHours};
use sqlx::types::Json;

#[derive(sqlx::FromRow)]
pub struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub timezone: String,
    pub branding: Json<Branding>,
    pub created_at: Ts,
}

impl From<OrgRow> for Org {
    fn from(r: OrgRow) -> Self {
        Org {
            id: r.id,
            slug: r.slug,
            name: r.name,
            timezone: r.timezone,
            branding: r.branding.0,
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ServiceRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: i32,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub slot_interval_minutes: i32,
    pub min_notice_minutes: i32,
    pub booking_window_days: i32,
    pub active: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
    /// Aggregated from service_practitioners.
    pub practitioner_ids: Json<Vec<String>>,
}

/// Columns are CHECKed non-negative; a negative one would be a corrupt row.
fn count(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

impl ServiceRow {
    pub fn into_record(self) -> ServiceRecord {
        let mut practitioner_ids = self.practitioner_ids.0;
        practitioner_ids.sort();
        ServiceRecord {
            id: self.id,
            org_id: self.org_id,
            name: self.name,
            description: self.description,
            duration_minutes: count(self.duration_minutes),
            buffer_before_minutes: count(self.buffer_before_minutes),
            buffer_after_minutes: count(self.buffer_after_minutes),
            slot_interval_minutes: count(self.slot_interval_minutes),
            min_notice_minutes: count(self.min_notice_minutes),
            booking_window_days: count(self.booking_window_days),
            practitioner_ids,
            active: self.active,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct PractitionerRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    pub timezone: Option<String>,
    pub weekly_hours: Json<WeeklyHours>,
    pub active: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
    /// Aggregated from practitioner_date_overrides.
    pub date_overrides: Json<Vec<DateOverride>>,
    /// Aggregated from service_practitioners.
    pub service_ids: Json<Vec<String>>,
}

impl PractitionerRow {
    pub fn into_record(self) -> PractitionerRecord {
        let mut date_overrides = self.date_overrides.0;
        date_overrides.sort_by_key(|o| o.date);
        let mut service_ids = self.service_ids.0;
        service_ids.sort();
        PractitionerRecord {
            id: self.id,
            org_id: self.org_id,
            name: self.name,
            email: self.email,
            timezone: self.timezone,
            weekly_hours: self.weekly_hours.0,
            date_overrides,
            service_ids,
            active: self.active,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct BookingRow {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub practitioner_id: String,
    pub customer_id: String,
    pub start_at: Ts,
    pub end_at: Ts,
    pub blocked_start: Ts,
    pub blocked_end: Ts,
    pub status: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub notes: Option<String>,
    pub manage_token_hash: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl TryFrom<BookingRow> for BookingRecord {
    type Error = StoreError;

    fn try_from(r: BookingRow) -> Result<Self, StoreError> {
        let status = match r.status.as_str() {
            "confirmed" => BookingStatus::Confirmed,
            "cancelled" => BookingStatus::Cancelled,
            other => return Err(StoreError::Corrupt(format!("booking status {other:?}"))),
        };
        Ok(BookingRecord {
            id: r.id,
            org_id: r.org_id,
            service_id: r.service_id,
            practitioner_id: r.practitioner_id,
            customer_id: r.customer_id,
            start: r.start_at.0,
            end: r.end_at.0,
            blocked_start: r.blocked_start.0,
            blocked_end: r.blocked_end.0,
            status,
            customer_name: r.customer_name,
            customer_email: r.customer_email,
            customer_phone: r.customer_phone,
            notes: r.notes,
            manage_token_hash: r.manage_token_hash,
            cancel_reason: r.cancel_reason,
            cancelled_at: r.cancelled_at.map(|t| t.0),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub key_prefix: String,
    pub scopes: Json<Vec<String>>,
    pub created_at: Ts,
    pub expires_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
    pub last_used_at: Option<Ts>,
}

impl From<ApiKeyRow> for ApiKeyRecord {
    fn from(r: ApiKeyRow) -> Self {
        ApiKeyRecord {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            key_prefix: r.key_prefix,
            scopes: r.scopes.0,
            created_at: r.created_at.0,
            expires_at: r.expires_at.map(|t| t.0),
            revoked_at: r.revoked_at.map(|t| t.0),
            last_used_at: r.last_used_at.map(|t| t.0),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct RequestLogRow {
    pub request_id: String,
    pub at: Ts,
    pub method: String,
    pub route: String,
    pub status: i32,
    pub latency_ms: i32,
    pub org_id: Option<String>,
    pub key_id: Option<String>,
}

impl From<RequestLogRow> for RequestLogEntry {
    fn from(r: RequestLogRow) -> Self {
        RequestLogEntry {
            request_id: r.request_id,
            at: r.at.0,
            method: r.method,
            route: r.route,
            status: u16::try_from(r.status).unwrap_or(0),
            latency_ms: u32::try_from(r.latency_ms).unwrap_or(0),
            org_id: r.org_id,
            key_id: r.key_id,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub state: String,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
}

#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub created_at: Ts,
}

impl From<UserRow> for UserRecord {
    fn from(r: UserRow) -> Self {
        UserRecord {
            id: r.id,
            email: r.email,
            password_hash: r.password_hash,
            display_name: r.display_name,
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct CustomerRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub booking_count: i64,
    pub last_booking_at: Option<Ts>,
    pub created_at: Ts,
}

impl From<CustomerRow> for CustomerRecord {
    fn from(r: CustomerRow) -> Self {
        CustomerRecord {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            booking_count: u32::try_from(r.booking_count).unwrap_or(u32::MAX),
            last_booking_at: r.last_booking_at.map(|t| t.0),
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct WebhookEndpointRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub events: Json<Vec<String>>,
    pub description: Option<String>,
    pub secret: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Ts,
}

impl From<WebhookEndpointRow> for WebhookEndpointRecord {
    fn from(r: WebhookEndpointRow) -> Self {
        WebhookEndpointRecord {
            id: r.id,
            org_id: r.org_id,
            url: r.url,
            events: r.events.0,
            description: r.description,
            secret: r.secret,
            active: r.active,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ClaimRow {
    pub id: String,
    pub attempts: i32,
    pub event_id: String,
    pub event_type: String,
    pub payload: Json<serde_json::Value>,
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    pub active: bool,
    pub deleted_at: Option<Ts>,
}

impl From<ClaimRow> for ClaimedDelivery {
    fn from(r: ClaimRow) -> Self {
        ClaimedDelivery {
            id: r.id,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            event_id: r.event_id,
            event_type: r.event_type,
            payload: r.payload.0,
            endpoint_id: r.endpoint_id,
            url: r.url,
            secret: r.secret,
            endpoint_usable: r.active && r.deleted_at.is_none(),
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct AttemptRow {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub delivery_state: String,
    pub attempted_at: Ts,
    pub response_status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

impl From<AttemptRow> for AttemptView {
    fn from(r: AttemptRow) -> Self {
        AttemptView {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            delivery_state: r.delivery_state,
            attempted_at: r.attempted_at.0,
            response_status: r.response_status.and_then(|s| u16::try_from(s).ok()),
            latency_ms: u32::try_from(r.latency_ms).unwrap_or(0),
            error: r.error,
            response_excerpt: r.response_excerpt,
        }
    }
}
