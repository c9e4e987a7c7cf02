//! Stored records in the shapes the API shows.

use crate::store::{ApiKeyRecord, CustomerRecord, Org, PractitionerRecord, ServiceRecord, UserRecord};
use cadence_shared::{ApiKey, Customer, Practitioner, Service, User};

pub fn org(o: &Org) -> cadence_shared::account::Org {
    cadence_shared::account::Org {
        id: o.id.clone(),
        slug: o.slug.clone(),
        name: o.name.clone(),
        timezone: o.timezone.clone(),
        branding: o.branding.clone(),
        created_at: o.created_at,
    }
}

pub fn user(u: &UserRecord) -> User {
    User {
        id: u.id.clone(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        created_at: u.created_at,
    }
}

pub fn api_key(k: &ApiKeyRecord) -> ApiKey {
    ApiKey {
        id: k.id.clone(),
        name: k.name.clone(),
        key_prefix: k.key_prefix.clone(),
        scopes: k.scopes.clone(),
        created_at: k.created_at,
        expires_at: k.expires_at,
        revoked_at: k.revoked_at,
        last_used_at: k.last_used_at,
        plain_key: None,
    }
}

pub fn service(s: &ServiceRecord) -> Service {
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
        practitioner_ids: s.practitioner_ids.clone(),
        active: s.active,
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

pub fn practitioner(p: &PractitionerRecord) -> Practitioner {
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

pub fn customer(c: &CustomerRecord) -> Customer {
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
