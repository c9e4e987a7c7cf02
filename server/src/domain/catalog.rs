//! What an org offers: services and practitioners, created, changed (PATCH merges into
//! what is stored) and deleted. Invalid input is refused naming the field at fault;
//! deleting what upcoming bookings still need is refused too (deactivate it instead).

use crate::domain::validation::check_timezone;
use crate::domain::{DomainError, input};
use crate::model::{MAX_SERVICE_MINUTES, NewPractitioner, NewService, PractitionerRecord, ServiceRecord};
use crate::store::{Store, StoreError};
use cadence_shared::schedule::first_invalid_interval;
use cadence_shared::{
    CreatePractitionerRequest, CreateServiceRequest, DateOverride, UpdatePractitionerRequest,
    UpdateServiceRequest, WeeklyHours,
};

/// A service before validation; numbers as sent (they may be negative or huge).
struct ServiceDraft {
    name: String,
    description: String,
    duration: i64,
    before: i64,
    after: i64,
    interval: Option<i64>,
    notice: i64,
    window: i64,
    reminder: i64,
    practitioner_ids: Vec<String>,
    active: bool,
}

fn within(field: &str, value: i64, min: i64, max: i64) -> Result<u32, DomainError> {
    if (min..=max).contains(&value) {
        Ok(u32::try_from(value).unwrap_or(0))
    } else {
        Err(DomainError::invalid(
            "out_of_range",
            field,
            format!("'{field}' must be between {min} and {max}."),
        ))
    }
}

fn name(field: &str, raw: &str, max: usize) -> Result<String, DomainError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(DomainError::invalid("missing_field", field, format!("'{field}' must not be empty.")));
    }
    if name.chars().count() > max {
        return Err(DomainError::invalid(
            "too_long",
            field,
            format!("'{field}' is longer than {max} characters."),
        ));
    }
    Ok(name.to_owned())
}

impl ServiceDraft {
    /// `practitioners`: the ids of the org's (not deleted) practitioners.
    fn validate(self, practitioners: &[String]) -> Result<NewService, DomainError> {
        let duration = within("duration_minutes", self.duration, 1, MAX_SERVICE_MINUTES.into())?;
        let mut ids: Vec<String> = Vec::new();
        for id in self.practitioner_ids {
            if !practitioners.contains(&id) {
                return Err(DomainError::invalid(
                    "unknown_practitioner",
                    "practitioner_ids",
                    format!("There is no practitioner {id} in this org."),
                ));
            }
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(NewService {
            name: name("name", &self.name, 200)?,
            description: input::text("description", Some(&self.description), 2000)?.unwrap_or_default(),
            duration_minutes: duration,
            buffer_before_minutes: within(
                "buffer_before_minutes",
                self.before,
                0,
                MAX_SERVICE_MINUTES.into(),
            )?,
            buffer_after_minutes: within("buffer_after_minutes", self.after, 0, MAX_SERVICE_MINUTES.into())?,
            slot_interval_minutes: within(
                "slot_interval_minutes",
                self.interval.unwrap_or(duration.into()),
                1,
                1440,
            )?,
            min_notice_minutes: within("min_notice_minutes", self.notice, 0, 525_600)?,
            booking_window_days: within("booking_window_days", self.window, 1, 730)?,
            reminder_minutes_before: within("reminder_minutes_before", self.reminder, 0, 40_320)?,
            practitioner_ids: ids,
            active: self.active,
        })
    }
}

fn new_service(req: &CreateServiceRequest, practitioners: &[String]) -> Result<NewService, DomainError> {
    ServiceDraft {
        name: req.name.clone(),
        description: req.description.clone(),
        duration: req.duration_minutes,
        before: req.buffer_before_minutes,
        after: req.buffer_after_minutes,
        interval: req.slot_interval_minutes,
        notice: req.min_notice_minutes,
        window: req.booking_window_days,
        reminder: req.reminder_minutes_before,
        practitioner_ids: req.practitioner_ids.clone(),
        active: req.active,
    }
    .validate(practitioners)
}

fn patched_service(
    current: &ServiceRecord,
    p: &UpdateServiceRequest,
    practitioners: &[String],
) -> Result<NewService, DomainError> {
    ServiceDraft {
        name: p.name.clone().unwrap_or_else(|| current.name.clone()),
        description: p.description.clone().unwrap_or_else(|| current.description.clone()),
        duration: p.duration_minutes.unwrap_or(current.duration_minutes.into()),
        before: p.buffer_before_minutes.unwrap_or(current.buffer_before_minutes.into()),
        after: p.buffer_after_minutes.unwrap_or(current.buffer_after_minutes.into()),
        interval: Some(p.slot_interval_minutes.unwrap_or(current.slot_interval_minutes.into())),
        notice: p.min_notice_minutes.unwrap_or(current.min_notice_minutes.into()),
        window: p.booking_window_days.unwrap_or(current.booking_window_days.into()),
        reminder: p.reminder_minutes_before.unwrap_or(current.reminder_minutes_before.into()),
        practitioner_ids: p.practitioner_ids.clone().unwrap_or_else(|| current.practitioner_ids.clone()),
        active: p.active.unwrap_or(current.active),
    }
    .validate(practitioners)
}

fn weekly_hours(hours: &WeeklyHours) -> Result<(), DomainError> {
    for (day, intervals) in hours.days() {
        if let Some(i) = first_invalid_interval(intervals) {
            return Err(DomainError::invalid(
                "invalid_interval",
                &format!("weekly_hours.{day}[{i}]"),
                "Intervals need start < end and must not overlap.",
            ));
        }
    }
    Ok(())
}

fn date_overrides(overrides: &[DateOverride]) -> Result<(), DomainError> {
    if overrides.len() > MAX_DATE_OVERRIDES {
        return Err(DomainError::invalid(
            "too_many",
            "date_overrides",
            format!("At most {MAX_DATE_OVERRIDES} date overrides; remove past ones."),
        ));
    }
    for (i, o) in overrides.iter().enumerate() {
        if overrides[..i].iter().any(|earlier| earlier.date == o.date) {
            return Err(DomainError::invalid(
                "duplicate_date",
                &format!("date_overrides[{i}].date"),
                "Each date once.",
            ));
        }
        if let Some(j) = first_invalid_interval(&o.intervals) {
            return Err(DomainError::invalid(
                "invalid_interval",
                &format!("date_overrides[{i}].intervals[{j}]"),
                "Intervals need start < end and must not overlap.",
            ));
        }
    }
    Ok(())
}

fn practitioner(
    name_raw: &str,
    email: Option<&str>,
    timezone: Option<&str>,
    hours: &WeeklyHours,
    overrides: &[DateOverride],
    active: bool,
) -> Result<NewPractitioner, DomainError> {
    let name = name("name", name_raw, 200)?;
    let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(input::email("email", e)?),
        None => None,
    };
    if let Some(tz) = timezone {
        check_timezone(tz).map_err(|m| DomainError::invalid("invalid_timezone", "timezone", m))?;
    }
    weekly_hours(hours)?;
    date_overrides(overrides)?;
    Ok(NewPractitioner {
        name,
        email,
        timezone: timezone.map(str::to_owned),
        weekly_hours: hours.clone(),
        date_overrides: overrides.to_vec(),
        active,
    })
}

fn new_practitioner(r: &CreatePractitionerRequest) -> Result<NewPractitioner, DomainError> {
    practitioner(
        &r.name,
        r.email.as_deref(),
        r.timezone.as_deref(),
        &r.weekly_hours,
        &r.date_overrides,
        r.active,
    )
}

fn patched_practitioner(
    current: &PractitionerRecord,
    p: &UpdatePractitionerRequest,
) -> Result<NewPractitioner, DomainError> {
    let email = p.email.clone().unwrap_or_else(|| current.email.clone());
    let timezone = p.timezone.clone().unwrap_or_else(|| current.timezone.clone());
    practitioner(
        p.name.as_deref().unwrap_or(&current.name),
        email.as_deref(),
        timezone.as_deref(),
        p.weekly_hours.as_ref().unwrap_or(&current.weekly_hours),
        p.date_overrides.as_deref().unwrap_or(&current.date_overrides),
        p.active.unwrap_or(current.active),
    )
}

/// Creates a service; the practitioners it names must be the org's.
/// Most services, and most practitioners, one org may have (each page of the booking flow
/// and each availability question reads them all).
pub const MAX_PER_ORG: usize = 200;

/// Most date overrides one practitioner may have.
pub const MAX_DATE_OVERRIDES: usize = 400;

fn quota_exceeded(what: &str) -> DomainError {
    DomainError::conflict(
        "quota_exceeded",
        format!("An org has at most {MAX_PER_ORG} {what}; delete one you no longer need first."),
    )
}

pub async fn create_service(
    store: &dyn Store,
    org_id: &str,
    req: &CreateServiceRequest,
) -> Result<ServiceRecord, DomainError> {
    if store.list_services(org_id).await?.len() >= MAX_PER_ORG {
        return Err(quota_exceeded("services"));
    }
    let new = new_service(req, &practitioner_ids(store, org_id).await?)?;
    let id = store.create_service(org_id, &new).await?;
    store.get_service(org_id, &id).await?.ok_or_else(|| DomainError::not_found("Service"))
}

/// Changes the fields `patch` names; the rest stay as stored.
pub async fn update_service(
    store: &dyn Store,
    org_id: &str,
    id: &str,
    patch: &UpdateServiceRequest,
) -> Result<ServiceRecord, DomainError> {
    let current = store.get_service(org_id, id).await?.ok_or_else(|| DomainError::not_found("Service"))?;
    let new = patched_service(&current, patch, &practitioner_ids(store, org_id).await?)?;
    store.update_service(org_id, id, &new).await.map_err(|e| refused("service", "Service", e))
}

/// Hides a service; refused while it has upcoming confirmed bookings.
pub async fn delete_service(store: &dyn Store, org_id: &str, id: &str) -> Result<(), DomainError> {
    let now = crate::clock::now();
    store.delete_service(org_id, id, now).await.map_err(|e| refused("service", "Service", e))
}

pub async fn create_practitioner(
    store: &dyn Store,
    org_id: &str,
    req: &CreatePractitionerRequest,
) -> Result<PractitionerRecord, DomainError> {
    let new = new_practitioner(req)?;
    if store.list_practitioners(org_id).await?.len() >= MAX_PER_ORG {
        return Err(quota_exceeded("practitioners"));
    }
    let id = store.create_practitioner(org_id, &new).await?;
    store.get_practitioner(org_id, &id).await?.ok_or_else(|| DomainError::not_found("Practitioner"))
}

/// Changes the fields `patch` names; the rest stay as stored.
pub async fn update_practitioner(
    store: &dyn Store,
    org_id: &str,
    id: &str,
    patch: &UpdatePractitionerRequest,
) -> Result<PractitionerRecord, DomainError> {
    let not_found = || DomainError::not_found("Practitioner");
    let current = store.get_practitioner(org_id, id).await?.ok_or_else(not_found)?;
    let new = patched_practitioner(&current, patch)?;
    store.update_practitioner(org_id, id, &new).await.map_err(|e| refused("practitioner", "Practitioner", e))
}

/// Hides a practitioner and unlinks them from services; refused while they have upcoming
/// confirmed bookings.
pub async fn delete_practitioner(store: &dyn Store, org_id: &str, id: &str) -> Result<(), DomainError> {
    let now = crate::clock::now();
    store.delete_practitioner(org_id, id, now).await.map_err(|e| refused("practitioner", "Practitioner", e))
}

/// Ids of the org's practitioners, for checking `practitioner_ids`.
async fn practitioner_ids(store: &dyn Store, org_id: &str) -> Result<Vec<String>, DomainError> {
    Ok(store.list_practitioners(org_id).await?.into_iter().map(|p| p.id).collect())
}

/// What a refused change of a `what` (`Service` in messages) means to the caller.
fn refused(what: &str, title: &str, err: StoreError) -> DomainError {
    match err {
        StoreError::NotFound => DomainError::not_found(title),
        StoreError::InUse => DomainError::conflict(
            "has_upcoming_bookings",
            format!("This {what} has upcoming confirmed bookings; deactivate it (active: false) instead."),
        ),
        other => other.into(),
    }
}

/// The services customers can book: active ones, each with only its active practitioners.
pub async fn bookable_services(store: &dyn Store, org_id: &str) -> Result<Vec<ServiceRecord>, DomainError> {
    let active: Vec<String> =
        store.list_practitioners(org_id).await?.into_iter().filter(|p| p.active).map(|p| p.id).collect();
    let mut services: Vec<ServiceRecord> =
        store.list_services(org_id).await?.into_iter().filter(|s| s.active).collect();
    for s in &mut services {
        s.practitioner_ids.retain(|p| active.contains(p));
    }
    Ok(services)
}

/// The practitioners customers can book: active ones (only those offering `service_id`, which
/// must be an active service), each with only their active services.
pub async fn bookable_practitioners(
    store: &dyn Store,
    org_id: &str,
    service_id: Option<&str>,
) -> Result<Vec<PractitionerRecord>, DomainError> {
    let active: Vec<String> =
        store.list_services(org_id).await?.into_iter().filter(|s| s.active).map(|s| s.id).collect();
    if let Some(id) = service_id.filter(|id| !active.iter().any(|s| s == id)) {
        return Err(DomainError::NotFound { message: format!("Service {id} not found.") });
    }
    let mut practitioners: Vec<PractitionerRecord> = store
        .list_practitioners(org_id)
        .await?
        .into_iter()
        .filter(|p| p.active && service_id.is_none_or(|id| p.service_ids.iter().any(|s| s == id)))
        .collect();
    for p in &mut practitioners {
        p.service_ids.retain(|s| active.contains(s));
    }
    Ok(practitioners)
}
