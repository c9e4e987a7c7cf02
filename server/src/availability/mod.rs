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

/// At most how many (slot, practitioner) entries [`find_open_slots`] can return for starts
/// in `[from, to)` at `now`, computed from the schedules alone (no slot is made): for each
/// practitioner, the grid starts of their fullest day, on every day the bookable part of
/// the range touches (plus one, for timezones). Cheap enough to ask before the real work.
pub fn entry_bound(
    rules: &ServiceRules,
    schedules: &[Schedule],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> u64 {
    let from = from.max(now + rules.min_notice);
    let to = to.min(now + rules.booking_window);
    if to <= from {
        return 0;
    }
    let days = u64::try_from((to - from).num_days() + 2).unwrap_or(u64::MAX);
    let step = u64::try_from(rules.slot_interval.num_minutes().max(1)).unwrap_or(1);
    // Grid starts of one day's intervals: each interval starts at most len / step + 1 slots.
    let starts = |intervals: &[Interval]| -> u64 {
        intervals
            .iter()
            .map(|i| u64::from(i.end.minutes().saturating_sub(i.start.minutes())) / step + 1)
            .sum()
    };
    schedules
        .iter()
        .map(|s| {
            let weekly = s.weekly_hours.days().iter().map(|(_, day)| starts(day)).max().unwrap_or(0);
            let overrides = s.date_overrides.values().map(|day| starts(day)).max().unwrap_or(0);
            weekly.max(overrides).saturating_mul(days)
        })
        .fold(0, u64::saturating_add)
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
    open_slots(rules, calendars, from, to, now, true)
}

/// The same slots with empty `practitioner_ids`: what an answer without
/// `include=practitioner_ids` needs, without copying an id per slot and practitioner.
pub fn find_open_times(
    rules: &ServiceRules,
    calendars: &[Calendar<'_>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Slot> {
    open_slots(rules, calendars, from, to, now, false)
}

fn open_slots(
    rules: &ServiceRules,
    calendars: &[Calendar<'_>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    with_ids: bool,
) -> Vec<Slot> {
    let r = Rules::of(rules);
    let (from, to, now) = (from.timestamp(), to.timestamp(), now.timestamp());
    // Calendars in practitioner id order, so each slot lists its practitioners sorted.
    let mut by_id: Vec<&Calendar<'_>> = calendars.iter().collect();
    by_id.sort_unstable_by(|a, b| a.schedule.practitioner_id.cmp(&b.schedule.practitioner_id));
    // (start, rank of the calendar) for every free candidate, then grouped by start.
    let mut free: Vec<(Secs, usize)> = Vec::new();
    for (rank, cal) in by_id.iter().enumerate() {
        let busy = relevant_busy(&r, cal.busy, from, to);
        let starts = candidate_starts(&r, cal.schedule, from, to, now).filter(|s| is_free(&r, &busy, *s));
        free.extend(starts.map(|s| (s, rank)));
    }
    free.sort_unstable();
    let mut slots: Vec<Slot> = Vec::new();
    let mut last_start = None;
    for (start, rank) in free {
        if last_start != Some(start) {
            let at = instant(start);
            slots.push(Slot { start: at, end: at + rules.duration, practitioner_ids: Vec::new() });
            last_start = Some(start);
        }
        if with_ids && let Some(last) = slots.last_mut() {
            last.practitioner_ids.push(by_id[rank].schedule.practitioner_id.clone());
        }
    }
    slots
}

/// Whether `start` can be booked now, and with whom.
pub fn check_start(
    rules: &ServiceRules,
    calendars: &[Calendar<'_>],
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StartCheck {
    let r = Rules::of(rules);
    let (start, now) = (start.timestamp_subsec_nanos().eq(&0).then_some(start.timestamp()), now.timestamp());
    // Slots are whole minutes; an instant with a fraction of a second is never one.
    let Some(start) = start else { return StartCheck::NotASlot };
    let mut is_slot = false;
    let mut free = Vec::new();
    for cal in calendars {
        if candidate_starts(&r, cal.schedule, start, start + 1, now).any(|candidate| candidate == start) {
            is_slot = true;
            if is_free(&r, &relevant_busy(&r, cal.busy, start, start + 1), start) {
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

/// Instants inside the engine are unix seconds: chrono's calendar arithmetic dominated the
/// profile of the hot loop, plain integers do not.
type Secs = i64;

fn instant(secs: Secs) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// [`ServiceRules`] in seconds.
struct Rules {
    duration: Secs,
    before: Secs,
    after: Secs,
    step_minutes: i64,
    min_notice: Secs,
    window: Secs,
}

impl Rules {
    fn of(r: &ServiceRules) -> Rules {
        Rules {
            duration: r.duration.num_seconds(),
            before: r.buffer_before.num_seconds(),
            after: r.buffer_after.num_seconds(),
            step_minutes: r.slot_interval.num_minutes().max(1),
            min_notice: r.min_notice.num_seconds(),
            window: r.booking_window.num_seconds(),
        }
    }
}

/// Grid starts of one practitioner inside working hours, notice and window, and `[from, to)`,
/// ignoring bookings. Ascending.
fn candidate_starts<'a>(
    r: &'a Rules,
    schedule: &'a Schedule,
    from: Secs,
    to: Secs,
    now: Secs,
) -> impl Iterator<Item = Secs> + 'a {
    let lower = from.max(now + r.min_notice);
    let upper = to.min(now + r.window);
    let tz = schedule.timezone;
    // A working day can start on the previous local date in UTC terms; one day either side
    // covers every offset (-12..+14 h).
    let first_day = instant(lower).with_timezone(&tz).date_naive().pred_opt().unwrap_or(NaiveDate::MIN);
    let last_day = instant(upper).with_timezone(&tz).date_naive();
    let days = first_day.iter_days().take_while(move |d| lower < upper && *d <= last_day);
    days.flat_map(move |day| {
        let intervals = schedule
            .date_overrides
            .get(&day)
            .map(Vec::as_slice)
            .unwrap_or_else(|| schedule.weekly_hours.day(day.weekday()));
        let mut sorted: Vec<Interval> = intervals.to_vec();
        if !sorted.is_sorted_by_key(|iv| iv.start) {
            sorted.sort_by_key(|iv| iv.start);
        }
        // On a day without a DST change the wall-clock grid is a UTC grid: one timezone
        // lookup for the day instead of one per candidate.
        let base = local_time::uniform_offset(tz, day).map(|offset| local_time::midnight_secs(day) - offset);
        sorted.into_iter().flat_map(move |iv| {
            let (first, last) = (i64::from(iv.start.minutes()), i64::from(iv.end.minutes()));
            let end = match base {
                Some(base) => base + last * 60,
                None => local_time::interval_end(tz, day, iv.end).timestamp(),
            };
            (first..last).step_by(r.step_minutes as usize).filter_map(move |minute| {
                let start = match base {
                    Some(base) => base + minute * 60,
                    None => local_time::grid_instant(tz, day, minute)?.timestamp(),
                };
                (start + r.duration <= end && start >= lower && start < upper).then_some(start)
            })
        })
    })
}

/// The busy ranges that can touch a slot starting in `[from, to)`, sorted by start with
/// overlapping ones merged (so their ends ascend too, which `is_free` relies on).
fn relevant_busy(r: &Rules, busy: &[Busy], from: Secs, to: Secs) -> Vec<(Secs, Secs)> {
    // Filter on the DateTimes (cheap comparisons), convert only what is near.
    let (lo, hi) = (instant(from - r.before), instant(to + r.duration + r.after));
    let mut near: Vec<(Secs, Secs)> = busy
        .iter()
        .filter(|b| b.end > lo && b.start < hi)
        .map(|b| (b.start.timestamp(), b.end.timestamp()))
        .collect();
    near.sort_unstable();
    let mut merged: Vec<(Secs, Secs)> = Vec::with_capacity(near.len());
    for b in near {
        match merged.last_mut() {
            Some(last) if b.0 <= last.1 => last.1 = last.1.max(b.1),
            _ => merged.push(b),
        }
    }
    merged
}

/// Whether a booking at `start` overlaps none of the (merged, sorted) busy ranges.
fn is_free(r: &Rules, busy: &[(Secs, Secs)], start: Secs) -> bool {
    let (blocked_start, blocked_end) = (start - r.before, start + r.duration + r.after);
    let i = busy.partition_point(|b| b.1 <= blocked_start);
    busy.get(i).is_none_or(|b| b.0 >= blocked_end)
}
