//! What an org offers: validation of services and practitioners, and PATCH merging.
//! Every refusal is a 422 naming the field at fault.

use crate::domain::validation::check_timezone;
use crate::domain::{DomainError, input};
use crate::model::{NewPractitioner, NewService, PractitionerRecord, ServiceRecord};
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
        let duration = within("duration_minutes", self.duration, 1, 1440)?;
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
            buffer_before_minutes: within("buffer_before_minutes", self.before, 0, 1440)?,
            buffer_after_minutes: within("buffer_after_minutes", self.after, 0, 1440)?,
            slot_interval_minutes: within(
                "slot_interval_minutes",
                self.interval.unwrap_or(duration.into()),
                1,
                1440,
            )?,
            min_notice_minutes: within("min_notice_minutes", self.notice, 0, 525_600)?,
            booking_window_days: within("booking_window_days", self.window, 1, 730)?,
            practitioner_ids: ids,
            active: self.active,
        })
    }
}

pub fn new_service(req: &CreateServiceRequest, practitioners: &[String]) -> Result<NewService, DomainError> {
    ServiceDraft {
        name: req.name.clone(),
        description: req.description.clone(),
        duration: req.duration_minutes,
        before: req.buffer_before_minutes,
        after: req.buffer_after_minutes,
        interval: req.slot_interval_minutes,
        notice: req.min_notice_minutes,
        window: req.booking_window_days,
        practitioner_ids: req.practitioner_ids.clone(),
        active: req.active,
    }
    .validate(practitioners)
}

pub fn patched_service(
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

pub fn new_practitioner(r: &CreatePractitionerRequest) -> Result<NewPractitioner, DomainError> {
    practitioner(
        &r.name,
        r.email.as_deref(),
        r.timezone.as_deref(),
        &r.weekly_hours,
        &r.date_overrides,
        r.active,
    )
}

pub fn patched_practitioner(
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
