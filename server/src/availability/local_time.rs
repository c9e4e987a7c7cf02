//! Wall-clock times to instants, with the DST rules of the engine.

use cadence_shared::ClockTime;
use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant of a grid time (`minute` after local midnight of `day`): `None` inside a
/// spring-forward gap, the first occurrence inside a fall-back fold.
pub fn grid_instant(tz: Tz, day: NaiveDate, minute: i64) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&at_minute(day, minute)) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// The instant a working interval ends: its wall-clock end (`24:00` is the next midnight);
/// an end inside a gap means the moment the gap ends, one inside a fold its second
/// occurrence (the later wall-clock reading is what "until 02:30" means after fall-back).
pub fn interval_end(tz: Tz, day: NaiveDate, end: ClockTime) -> DateTime<Utc> {
    let mut local = at_minute(day, i64::from(end.minutes()));
    // Gaps are at most a few hours; walk forward minute by minute to the first valid time.
    for _ in 0..=24 * 60 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(_, second) => return second.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    // Unreachable for real zones; fall back to treating the wall time as UTC.
    local.and_utc()
}

/// The UTC offset (seconds east) of `day` when it is the same at its start and at the next
/// midnight (a day without a DST change); `None` on transition days and where midnight is
/// ambiguous or missing.
pub fn uniform_offset(tz: Tz, day: NaiveDate) -> Option<i64> {
    let at = |d: NaiveDate| match tz.offset_from_local_datetime(&at_minute(d, 0)) {
        LocalResult::Single(o) => Some(i64::from(o.fix().local_minus_utc())),
        _ => None,
    };
    let offset = at(day)?;
    (at(day.succ_opt()?)? == offset).then_some(offset)
}

/// Unix seconds of `day`'s midnight as if it were UTC.
pub fn midnight_secs(day: NaiveDate) -> i64 {
    at_minute(day, 0).and_utc().timestamp()
}

fn at_minute(day: NaiveDate, minute: i64) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).expect("midnight exists as a naive time") + Duration::minutes(minute)
}
