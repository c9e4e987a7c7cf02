//! The availability engine: schedules, bookings and "now" in; open slots out.
//!
//! Pure on purpose (no database, no HTTP, no clock): the calendar (`find_open_slots`) and
//! the booking check (`check_start`) run the same code on the same inputs, so what a
//! customer is shown and what booking accepts cannot disagree; and it can be tested
//! exhaustively and benchmarked.
//!
//! Semantics (see PRODUCT.md, "Availability model"):
//! - Working hours are wall-clock intervals in the practitioner's timezone, per weekday, or
//!   from a date override (an empty override is a day off).
//! - Candidate starts lie on the grid `interval.start + k × slot_interval` in wall-clock
//!   time. A grid time that does not exist (DST spring-forward gap) yields no slot; one that
//!   exists twice (fall-back fold) yields one slot, at its first occurrence.
//! - A candidate is a slot when `[start, start + duration)` ends no later than the interval's
//!   end (as an instant), `start >= now + min_notice`, `start < now + booking_window`, and its
//!   blocked range `[start − buffer_before, end + buffer_after)` overlaps no busy range of the
//!   practitioner (the blocked ranges of their confirmed bookings).

mod local_time;
#[cfg(test)]
mod tests;

use cadence_shared::{Interval, Slot, WeeklyHours};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// The timing rules of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRules {
    pub duration: Duration,
    pub buffer_before: Duration,
    pub buffer_after: Duration,
    pub slot_interval: Duration,
    pub min_notice: Duration,
    pub booking_window: Duration,
}

/// When one practitioner works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub practitioner_id: String,
    pub timezone: Tz,
    pub weekly_hours: WeeklyHours,
    pub date_overrides: BTreeMap<NaiveDate, Vec<Interval>>,
}

/// A blocked time range `[start, end)` of a confirmed booking (buffers included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A practitioner's schedule with their busy ranges (any order).
#[derive(Debug, Clone, Copy)]
pub struct Calendar<'a> {
    pub schedule: &'a Schedule,
    pub busy: &'a [Busy],
}

/// The answer to "may this start be booked?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartCheck {
    /// Not a slot whatever the bookings: off the grid, outside working hours, too soon,
    /// beyond the booking window (→ 422 `slot_not_open`).
    NotASlot,
    /// A slot, but every practitioner who could take it is busy (→ 409 `slot_taken`).
    Taken,
    /// Free for these practitioners, in the order given.
    Open(Vec<String>),
}

/// Open slots with a start in `[from, to)`, ordered by start, each listing the free
/// practitioners (sorted by id).
pub fn find_open_slots(
    rules: &ServiceRules,
    calendars: &[Calendar<'_>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    let mut by_start: BTreeMap<DateTime<Utc>, Vec<&str>> = BTreeMap::new();
    for cal in calendars {
        let busy = normalise(cal.busy);
        for start in candidate_starts(rules, cal.schedule, from, to, now) {
            if is_free(rules, &busy, start) {
                by_start.entry(start).or_default().push(&cal.schedule.practitioner_id);
            }
        }
    }
    by_start
        .into_iter()
        .map(|(start, mut ids)| {
            ids.sort_unstable();
            Slot {
                start,
                end: start + rules.duration,
                practitioner_ids: ids.into_iter().map(str::to_owned).collect(),
            }
        })
        .collect()
}

/// Whether `start` can be booked now, and with whom.
pub fn check_start(
    rules: &ServiceRules,
    calendars: &[Calendar<'_>],
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StartCheck {
    let mut is_slot = false;
    let mut free = Vec::new();
    for cal in calendars {
        let on_grid = candidate_starts(rules, cal.schedule, start, start + Duration::seconds(1), now)
            .any(|candidate| candidate == start);
        if on_grid {
            is_slot = true;
            if is_free(rules, &normalise(cal.busy), start) {
                free.push(cal.schedule.practitioner_id.clone());
            }
        }
    }
    match (is_slot, free.is_empty()) {
        (false, _) => StartCheck::NotASlot,
        (true, true) => StartCheck::Taken,
        (true, false) => StartCheck::Open(free),
    }
}

/// The blocked range a booking at `start` occupies.
pub fn blocked_range(rules: &ServiceRules, start: DateTime<Utc>) -> Busy {
    Busy { start: start - rules.buffer_before, end: start + rules.duration + rules.buffer_after }
}

/// Grid starts of one practitioner inside working hours, notice and window, and `[from, to)`,
/// ignoring bookings. Ascending.
fn candidate_starts<'a>(
    rules: &'a ServiceRules,
    schedule: &'a Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> impl Iterator<Item = DateTime<Utc>> + 'a {
    let lower = from.max(now + rules.min_notice);
    let upper = to.min(now + rules.booking_window);
    let tz = schedule.timezone;
    // A working day can start on the previous local date in UTC terms; one day either side
    // covers every offset (-12..+14 h).
    let first_day = lower.with_timezone(&tz).date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
    let last_day = upper.with_timezone(&tz).date_naive();
    let step = rules.slot_interval.num_minutes().max(1);
    let duration = rules.duration;
    let days = first_day.iter_days().take_while(move |d| lower < upper && *d <= last_day);
    days.flat_map(move |day| {
        let intervals = schedule
            .date_overrides
            .get(&day)
            .map(Vec::as_slice)
            .unwrap_or_else(|| schedule.weekly_hours.day(day.weekday()));
        let mut sorted: Vec<Interval> = intervals.to_vec();
        sorted.sort_by_key(|iv| iv.start);
        sorted.into_iter().flat_map(move |iv| {
            let end = local_time::interval_end(tz, day, iv.end);
            let (first, last) = (i64::from(iv.start.minutes()), i64::from(iv.end.minutes()));
            (first..last).step_by(step as usize).filter_map(move |minute| {
                let start = local_time::grid_instant(tz, day, minute)?;
                (start + duration <= end && start >= lower && start < upper).then_some(start)
            })
        })
    })
}

/// Busy ranges sorted by start with overlapping ones merged, so ends ascend too.
fn normalise(busy: &[Busy]) -> Vec<Busy> {
    let mut sorted = busy.to_vec();
    if !sorted.is_sorted() {
        sorted.sort_unstable();
    }
    let mut merged: Vec<Busy> = Vec::with_capacity(sorted.len());
    for b in sorted {
        match merged.last_mut() {
            Some(last) if b.start <= last.end => last.end = last.end.max(b.end),
            _ => merged.push(b),
        }
    }
    merged
}

/// Whether a booking at `start` overlaps none of the (normalised) busy ranges.
fn is_free(rules: &ServiceRules, busy: &[Busy], start: DateTime<Utc>) -> bool {
    let blocked = blocked_range(rules, start);
    let i = busy.partition_point(|b| b.end <= blocked.start);
    busy.get(i).is_none_or(|b| b.start >= blocked.end)
}
