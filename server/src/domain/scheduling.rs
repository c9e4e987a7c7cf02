//! Feeds the availability engine from the store: a service's rules, the schedules of the
//! practitioners who offer it, and their busy ranges. Both the calendar (availability) and
//! the booking check go through [`Offer`], so they always see the same inputs.

use crate::availability::{self, Busy, Calendar, Schedule, ServiceRules, StartCheck};
use crate::domain::DomainError;
use crate::model::{Candidate, Org, PractitionerLoad, PractitionerRecord, ServiceRecord};
use crate::store::Store;
use cadence_shared::Slot;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Who is asking: the public surface must not see inactive services or practitioners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    OrgApi,
    Public,
}

/// The org's timezone (validated when the org was created).
pub fn org_timezone(org: &Org) -> Tz {
    org.timezone.parse().unwrap_or(chrono_tz::UTC)
}

/// The service with this id in this org: 404 when unknown, another org's, or (on the
/// public surface) inactive. Read from the org's catalogue (cached per process).
pub async fn find_service(
    store: &dyn Store,
    org: &Org,
    id: &str,
    surface: Surface,
) -> Result<ServiceRecord, DomainError> {
    match store.catalogue(org).await?.service(id) {
        Some(s) if s.active || surface == Surface::OrgApi => Ok(s.clone()),
        _ => Err(DomainError::not_found("Service")),
    }
}

/// A service with the practitioners who can perform it.
pub struct Offer {
    pub service: ServiceRecord,
    pub rules: ServiceRules,
    pub schedules: Vec<Schedule>,
    practitioners: Vec<PractitionerRecord>,
}

impl Offer {
    /// Loads the active practitioners offering `service`, or just `only` (404 when it is not
    /// the org's, or inactive on the public surface; 422 when it does not offer the service).
    pub async fn load(
        store: &dyn Store,
        org: &Org,
        service: ServiceRecord,
        only: Option<&str>,
        surface: Surface,
    ) -> Result<Offer, DomainError> {
        let catalogue = store.catalogue(org).await?;
        let all = &catalogue.practitioners;
        if let Some(id) = only {
            match all.iter().find(|p| p.id == id) {
                Some(p) if p.active || surface == Surface::OrgApi => {}
                _ => return Err(DomainError::not_found("Practitioner")),
            }
            if !service.practitioner_ids.iter().any(|p| p == id) {
                return Err(DomainError::invalid(
                    "practitioner_not_offering_service",
                    "practitioner_id",
                    "This practitioner does not offer this service.",
                ));
            }
        }
        let org_tz = org_timezone(org);
        let practitioners: Vec<PractitionerRecord> = all
            .iter()
            .filter(|p| {
                p.active && service.practitioner_ids.contains(&p.id) && only.is_none_or(|id| p.id == id)
            })
            .cloned()
            .collect();
        let schedules = practitioners.iter().map(|p| p.schedule(org_tz)).collect();
        Ok(Offer { rules: ServiceRules::from(&service), service, schedules, practitioners })
    }

    /// Open slots starting in `[from, to)`.
    /// `with_practitioners`: list each slot's free practitioners (else left empty).
    pub async fn slots(
        &self,
        store: &dyn Store,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
        with_practitioners: bool,
    ) -> Result<Vec<Slot>, DomainError> {
        // A slot's blocked range reaches `duration + buffers` beyond its start; a day either
        // side is more than enough and keeps the query simple.
        let margin =
            Duration::days(1) + self.rules.duration + self.rules.buffer_before + self.rules.buffer_after;
        // Admission: at most `slots_gate()` computations at once, the rest wait in turn.
        let _turn = slots_gate().acquire().await.map_err(anyhow::Error::from)?;
        let busy = self.busy(store, from - margin, to + margin, None).await?;
        // The engine is pure CPU work: on the blocking pool it cannot hold up the async
        // workers that serve every other request.
        let (rules, schedules) = (self.rules, self.schedules.clone());
        let slots = tokio::task::spawn_blocking(move || {
            let calendars = calendars(&schedules, &busy);
            if with_practitioners {
                availability::find_open_slots(&rules, &calendars, from, to, now)
            } else {
                availability::find_open_times(&rules, &calendars, from, to, now)
            }
        });
        Ok(slots.await.map_err(anyhow::Error::from)?)
    }

    /// Whether `start` can be booked, and the loads of the org's practitioners around it
    /// (for least-loaded selection), read together; `except` is a booking being moved (its
    /// own time does not block it).
    pub async fn check(
        &self,
        store: &dyn Store,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        except: Option<&str>,
    ) -> Result<(StartCheck, Vec<PractitionerLoad>), DomainError> {
        // Only bookings that overlap this start's own blocked range can make it taken.
        let blocked = availability::blocked_range(&self.rules, start);
        let ids = self.practitioner_ids();
        // Same-day counts need the local day of `start` for each practitioner.
        let near = self
            .schedules
            .iter()
            .map(|s| local_day_window(start, s.timezone))
            .fold((start, start), |(lo, hi), (from, to)| (lo.min(from), hi.max(to)));
        let (busy, loads) =
            store.booking_reads(&self.service.org_id, &ids, blocked.start, blocked.end, except, near).await?;
        let busy: HashMap<String, Vec<Busy>> = busy.into_iter().collect();
        Ok((availability::check_start(&self.rules, &calendars(&self.schedules, &busy), start, now), loads))
    }

    /// Who could take a booking at `start`: the practitioners for whom it is a slot
    /// (bookings aside; the store checks who is free as it writes), each with the local day
    /// of `start` in their timezone. Empty when `start` is no slot at all.
    pub fn candidates(&self, start: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Candidate> {
        let no_bookings = HashMap::new();
        let free_of_bookings = calendars(&self.schedules, &no_bookings);
        match availability::check_start(&self.rules, &free_of_bookings, start, now) {
            StartCheck::Open(ids) => ids.into_iter().map(|id| self.candidate(id, start)).collect(),
            StartCheck::NotASlot | StartCheck::Taken => Vec::new(),
        }
    }

    /// A practitioner of this offer as a candidate for a booking at `start`.
    pub fn candidate(&self, practitioner_id: String, start: DateTime<Utc>) -> Candidate {
        let tz = self.timezone_of(&practitioner_id).unwrap_or(chrono_tz::UTC);
        Candidate { practitioner_id, day: local_day(start, tz) }
    }

    /// The ids of the practitioners this offer was loaded with.
    fn practitioner_ids(&self) -> Vec<String> {
        self.schedules.iter().map(|s| s.practitioner_id.clone()).collect()
    }

    /// The practitioner's timezone.
    pub fn timezone_of(&self, practitioner_id: &str) -> Option<Tz> {
        self.schedules.iter().find(|s| s.practitioner_id == practitioner_id).map(|s| s.timezone)
    }

    /// Whether `id` is one of the practitioners this offer was loaded with.
    pub fn has_practitioner(&self, id: &str) -> bool {
        self.practitioners.iter().any(|p| p.id == id)
    }

    async fn busy(
        &self,
        store: &dyn Store,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        except: Option<&str>,
    ) -> Result<HashMap<String, Vec<Busy>>, DomainError> {
        let busy =
            store.busy_ranges(&self.service.org_id, &self.practitioner_ids(), from, to, except).await?;
        Ok(busy.into_iter().collect())
    }
}

/// How many availability computations (the busy-ranges read and the engine) run at once in
/// this process: two per core. Beyond that they only take turns on the same cores (and
/// Postgres's), so each waits longer; queued in arrival order (tokio's semaphore is fair),
/// every request waits about as long as the others instead of some much longer. Measured
/// with the load bench (a 20-practitioner month at 16 connections): see the README.
fn slots_gate() -> &'static tokio::sync::Semaphore {
    static GATE: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    GATE.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores * 2)
    })
}

/// A window that holds the whole local day of `at` in `tz`: from the local midnight as the
/// clock counts it, an hour earlier (a day that began with a DST change has an hour more or
/// less behind it than its clock says), for 26 hours (a day is 23 to 25).
fn local_day_window(at: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let since_midnight = i64::from(at.with_timezone(&tz).num_seconds_from_midnight());
    let from = at - Duration::seconds(since_midnight) - Duration::hours(1);
    (from, from + Duration::hours(26))
}

/// The local day of `at` in `tz` as instants `[from, to)`, from its first instant to the
/// next day's: 23, 24 or 25 hours (or other lengths where a zone's offset changed by other
/// amounts), and where a DST change skips midnight the day begins when the clock resumes.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let date = at.with_timezone(&tz).date_naive();
    (day_start(date, tz), day_start(date.succ_opt().unwrap_or(date), tz))
}

/// The first instant of a local date: its midnight, or the first quarter hour after it
/// that exists (gaps begin and end on quarter hours in every zone of the tz database).
fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    (0..=16)
        .find_map(|quarter| tz.from_local_datetime(&(midnight + Duration::minutes(15 * quarter))).earliest())
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// Each schedule with its practitioner's busy ranges.
fn calendars<'a>(schedules: &'a [Schedule], busy: &'a HashMap<String, Vec<Busy>>) -> Vec<Calendar<'a>> {
    schedules
        .iter()
        .map(|schedule| Calendar {
            schedule,
            busy: busy.get(&schedule.practitioner_id).map(Vec::as_slice).unwrap_or(&[]),
        })
        .collect()
}

/// Longest availability range one request may ask for.
pub const MAX_RANGE: Duration = Duration::days(62);

/// Most (slot, practitioner) entries one availability answer may hold (about 2.5 MB of
/// JSON); a query that could exceed it is refused before any slot is computed. A month of
/// 20 practitioners on a 15-minute grid, 9 hours a day, is about 22,000.
pub const MAX_ENTRIES: u64 = 50_000;

/// What `GET …/availability` asks: the query's raw values, checked by [`availability`].
#[derive(Debug, Default, Clone, Copy)]
pub struct AvailabilityAsk<'a> {
    pub service_id: Option<&'a str>,
    pub practitioner_id: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    /// `practitioner_ids`: list each slot's free practitioners (otherwise left out: a
    /// month of a 20-practitioner service is then ~40 KB instead of ~470 KB).
    pub include: Option<&'a str>,
}

/// `GET …/availability`: open slots of a service, for one practitioner or any.
/// `from`/`to` are dates in the org's timezone (`to` inclusive) or instants; the default is
/// from now for 7 days.
pub async fn availability(
    store: &dyn Store,
    org: &Org,
    surface: Surface,
    ask: AvailabilityAsk<'_>,
) -> Result<cadence_shared::AvailabilityResponse, DomainError> {
    use crate::domain::input::{RangeEnd, date_or_instant};
    let AvailabilityAsk { service_id, practitioner_id, from, to, include } = ask;
    let with_practitioners = match include {
        None | Some("") => false,
        Some("practitioner_ids") => true,
        Some(_) => {
            return Err(DomainError::invalid(
                "invalid_include",
                "include",
                "'include' may only be 'practitioner_ids'.",
            ));
        }
    };
    let service_id = service_id.filter(|s| !s.is_empty()).ok_or_else(|| {
        DomainError::invalid("missing_field", "service_id", "The query parameter 'service_id' is required.")
    })?;
    let tz = org_timezone(org);
    let now = crate::clock::now();
    let from = match from {
        Some(raw) => date_or_instant("from", raw, tz, RangeEnd::From)?,
        None => now,
    };
    let to = match to {
        Some(raw) => date_or_instant("to", raw, tz, RangeEnd::To)?,
        None => from + Duration::days(7),
    };
    if to <= from {
        return Err(DomainError::invalid("invalid_range", "to", "'to' must be after 'from'."));
    }
    if to - from > MAX_RANGE {
        return Err(DomainError::invalid("range_too_large", "to", "Ask for at most 62 days at a time."));
    }
    let service = find_service(store, org, service_id, surface).await?;
    let slots = if service.active {
        let offer = Offer::load(store, org, service, practitioner_id, surface).await?;
        if availability::entry_bound(&offer.rules, &offer.schedules, from, to, now) > MAX_ENTRIES {
            return Err(DomainError::invalid(
                "too_many_slots",
                "to",
                format!(
                    "This query could return more than {MAX_ENTRIES} times; ask for fewer days (from, to) \
                     or one practitioner (practitioner_id)."
                ),
            ));
        }
        offer.slots(store, from, to, now, with_practitioners).await?
    } else {
        Vec::new()
    };
    Ok(cadence_shared::AvailabilityResponse {
        service_id: service_id.to_owned(),
        timezone: org.timezone.clone(),
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::{local_day, local_day_window};
    use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
    use chrono_tz::Tz;

    /// Every instant of a local day, in zones with and without DST, on their change days
    /// and ordinary ones, lies in the window computed from any instant of that day.
    #[test]
    fn the_window_holds_the_whole_local_day() {
        let zones =
            ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Kiritimati"];
        let days = [
            (2026, 3, 29),
            (2026, 10, 25),
            (2026, 3, 8),
            (2026, 11, 1),
            (2026, 4, 5),
            (2026, 10, 4),
            (2026, 7, 1),
        ];
        for zone in zones {
            let tz: Tz = zone.parse().unwrap();
            for (y, m, d) in days {
                let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
                let first = tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap();
                let next = tz
                    .from_local_datetime(&day.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap())
                    .earliest()
                    .unwrap();
                let (first, next): (DateTime<Utc>, DateTime<Utc>) =
                    (first.with_timezone(&Utc), next.with_timezone(&Utc));
                let mut at = first;
                while at < next {
                    let (from, to) = local_day_window(at, tz);
                    assert!(
                        from <= first && next <= to,
                        "{zone} {day} at {at}: window {from}..{to}, day {first}..{next}"
                    );
                    at += Duration::minutes(30);
                }
            }
        }
    }

    /// `local_day` is exactly the local date's instants: on DST days (23 and 25 hours),
    /// where the change skips midnight (Havana), by half an hour (Lord Howe), and without.
    #[test]
    fn local_day_is_exactly_the_local_date() {
        let cases = [
            ("Europe/Berlin", (2026, 3, 29), 23 * 60),
            ("Europe/Berlin", (2026, 10, 25), 25 * 60),
            ("America/New_York", (2026, 11, 1), 25 * 60),
            ("America/Havana", (2026, 3, 8), 23 * 60),
            ("Australia/Lord_Howe", (2026, 10, 4), 23 * 60 + 30),
            ("Asia/Kolkata", (2026, 7, 1), 24 * 60),
        ];
        for (zone, (y, m, d), minutes) in cases {
            let tz: Tz = zone.parse().unwrap();
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let noon =
                tz.from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap()).unwrap().with_timezone(&Utc);
            let (from, to) = local_day(noon, tz);
            assert_eq!((to - from).num_minutes(), minutes, "{zone} {day}: {from}..{to}");
            let date = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
            assert_eq!((date(from), date(from - Duration::seconds(1))), (day, day.pred_opt().unwrap()));
            assert_eq!((date(to - Duration::seconds(1)), date(to)), (day, day.succ_opt().unwrap()));
            let mut at = from;
            while at < to {
                assert_eq!(local_day(at, tz), (from, to), "{zone} at {at}");
                at += Duration::minutes(15);
            }
        }
    }
}
