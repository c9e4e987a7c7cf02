//! Weekly working hours as wall-clock times (`"09:00"`), parsed once at the edge.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A local wall-clock time of day with minute precision, `00:00` to `24:00`
/// (`24:00` only makes sense as the end of an interval that runs to midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    /// Builds a time from hours and minutes; `None` when out of range.
    pub fn new(hours: u16, minutes: u16) -> Option<Self> {
        let total = hours.checked_mul(60)?.checked_add(minutes)?;
        (minutes < 60 && total <= 24 * 60).then_some(ClockTime(total))
    }

    /// Minutes since local midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

/// Why a `"HH:MM"` string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockTimeError(String);

impl fmt::Display for ClockTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a time of day in HH:MM form (00:00 to 24:00)", self.0)
    }
}

impl std::error::Error for ClockTimeError {}

impl FromStr for ClockTime {
    type Err = ClockTimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ClockTimeError(s.to_owned());
        let (h, m) = s.split_once(':').ok_or_else(err)?;
        if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        ClockTime::new(h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?).ok_or_else(err)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"))
            .description(Some("Local wall-clock time HH:MM (24:00 only as an interval end)."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ClockTime {}

/// A working interval `[start, end)` in local wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Interval {
    pub start: ClockTime,
    pub end: ClockTime,
}

/// `Interval`, `WeeklyHours` and `DateOverride` are read from JSON objects only, as the
/// OpenAPI document says: serde's derived `Deserialize` would also take a sequence of the
/// fields in order (`["09:00", "12:00"]`). Each reads its fields through a derived twin and
/// [`crate::object::only`].
macro_rules! objects_only {
    ($($ty:ident from $twin:ident { $($(#[$attr:meta])* $field:ident: $t:ty),* $(,)? })*) => {$(
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $twin { $($(#[$attr])* $field: $t),* }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let $twin { $($field),* } = crate::object::only(d)?;
                Ok($ty { $($field),* })
            }
        }
    )*};
}

objects_only! {
    Interval from IntervalFields { start: ClockTime, end: ClockTime }
    WeeklyHours from WeeklyHoursFields {
        #[serde(default)] monday: Vec<Interval>,
        #[serde(default)] tuesday: Vec<Interval>,
        #[serde(default)] wednesday: Vec<Interval>,
        #[serde(default)] thursday: Vec<Interval>,
        #[serde(default)] friday: Vec<Interval>,
        #[serde(default)] saturday: Vec<Interval>,
        #[serde(default)] sunday: Vec<Interval>,
    }
    DateOverride from DateOverrideFields { date: chrono::NaiveDate, intervals: Vec<Interval> }
}

/// Working intervals per weekday; a missing day means no hours that day.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default)]
    pub monday: Vec<Interval>,
    #[serde(default)]
    pub tuesday: Vec<Interval>,
    #[serde(default)]
    pub wednesday: Vec<Interval>,
    #[serde(default)]
    pub thursday: Vec<Interval>,
    #[serde(default)]
    pub friday: Vec<Interval>,
    #[serde(default)]
    pub saturday: Vec<Interval>,
    #[serde(default)]
    pub sunday: Vec<Interval>,
}

impl WeeklyHours {
    /// The intervals of one weekday.
    pub fn day(&self, weekday: chrono::Weekday) -> &[Interval] {
        use chrono::Weekday::*;
        match weekday {
            Mon => &self.monday,
            Tue => &self.tuesday,
            Wed => &self.wednesday,
            Thu => &self.thursday,
            Fri => &self.friday,
            Sat => &self.saturday,
            Sun => &self.sunday,
        }
    }

    /// All seven days with their names, Monday first, for validation messages.
    pub fn days(&self) -> [(&'static str, &[Interval]); 7] {
        [
            ("monday", &self.monday),
            ("tuesday", &self.tuesday),
            ("wednesday", &self.wednesday),
            ("thursday", &self.thursday),
            ("friday", &self.friday),
            ("saturday", &self.saturday),
            ("sunday", &self.sunday),
        ]
    }
}

/// A date with its own working intervals (an empty list is a day off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DateOverride {
    /// Local date in the practitioner's timezone.
    pub date: chrono::NaiveDate,
    pub intervals: Vec<Interval>,
}

/// Checks a day's intervals: each `start < end`, none overlapping.
/// Returns the index of the first offending interval.
pub fn first_invalid_interval(intervals: &[Interval]) -> Option<usize> {
    let mut sorted: Vec<(usize, Interval)> = intervals.iter().copied().enumerate().collect();
    sorted.sort_by_key(|(_, iv)| iv.start);
    if let Some((i, _)) = sorted.iter().find(|(_, iv)| iv.start >= iv.end) {
        return Some(*i);
    }
    sorted.windows(2).find(|w| w[1].1.start < w[0].1.end).map(|w| w[1].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: &str, b: &str) -> Interval {
        Interval { start: a.parse().unwrap(), end: b.parse().unwrap() }
    }

    #[test]
    fn clock_time_round_trips_and_rejects_nonsense() {
        assert_eq!("09:30".parse::<ClockTime>().unwrap().minutes(), 570);
        assert_eq!("24:00".parse::<ClockTime>().unwrap(), ClockTime::END_OF_DAY);
        assert_eq!("07:05".parse::<ClockTime>().unwrap().to_string(), "07:05");
        for bad in ["9:30", "24:01", "12:60", "ab:cd", "", "12:3", "+1:00", "12-30"] {
            assert!(bad.parse::<ClockTime>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn weekly_hours_parse_contract_shape_and_refuse_unknown_days() {
        let h: WeeklyHours = serde_json::from_str(
            r#"{"monday":[{"start":"09:00","end":"12:00"},{"start":"13:00","end":"17:00"}]}"#,
        )
        .unwrap();
        assert_eq!(h.monday.len(), 2);
        assert!(h.sunday.is_empty());
        assert!(serde_json::from_str::<WeeklyHours>(r#"{"funday":[]}"#).is_err());
    }

    #[test]
    fn schedules_are_objects_not_positional_arrays() {
        assert!(serde_json::from_str::<Interval>(r#"["09:00","12:00"]"#).is_err());
        assert!(serde_json::from_str::<Interval>(r#"{"start":"09:00","end":"12:00","x":1}"#).is_err());
        assert!(serde_json::from_str::<WeeklyHours>(r#"{"monday":[["09:00","12:00"]]}"#).is_err());
        assert!(serde_json::from_str::<WeeklyHours>(r#"[[],[],[],[],[],[],[]]"#).is_err());
        assert!(serde_json::from_str::<DateOverride>(r#"["2026-12-24",[]]"#).is_err());
        let day_off: DateOverride = serde_json::from_str(r#"{"date":"2026-12-24","intervals":[]}"#).unwrap();
        assert!(day_off.intervals.is_empty());
    }

    #[test]
    fn invalid_intervals_are_found() {
        assert_eq!(first_invalid_interval(&[iv("09:00", "12:00"), iv("13:00", "17:00")]), None);
        assert_eq!(first_invalid_interval(&[iv("12:00", "09:00")]), Some(0));
        assert_eq!(first_invalid_interval(&[iv("13:00", "17:00"), iv("09:00", "13:30")]), Some(0));
        assert_eq!(first_invalid_interval(&[iv("09:00", "10:00"), iv("10:00", "11:00")]), None);
    }
}
