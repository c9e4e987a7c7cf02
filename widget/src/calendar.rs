//! The month grid: which dates fill which cells, Monday first. Pure, so it is unit-tested.

use chrono::{Datelike, Months, NaiveDate};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// "Tuesday 1 December" (without chrono's strftime, which is large in wasm).
pub fn day_label(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        WEEKDAYS[d.weekday().num_days_from_monday() as usize],
        d.day(),
        MONTHS[d.month0() as usize]
    )
}

/// A month shown by the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month { year: date.year(), month: date.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("a day before")
    }

    pub fn next(self) -> Month {
        Month::of(self.first_day() + Months::new(1))
    }

    pub fn previous(self) -> Month {
        Month::of(self.first_day() - Months::new(1))
    }

    /// "December 2026".
    pub fn title(self) -> String {
        format!("{} {}", MONTHS[self.month as usize - 1], self.year)
    }

    /// Weeks of seven cells, Monday first; `None` pads before the 1st and after the last.
    pub fn weeks(self) -> Vec<[Option<NaiveDate>; 7]> {
        let first = self.first_day();
        let lead = first.weekday().num_days_from_monday() as usize;
        let days = self.last_day().day() as usize;
        let cells = (lead + days).div_ceil(7) * 7;
        (0..cells / 7)
            .map(|w| {
                std::array::from_fn(|d| {
                    let i = w * 7 + d;
                    (i >= lead && i < lead + days).then(|| first + chrono::Days::new((i - lead) as u64))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn december_2026_starts_on_a_tuesday_and_fills_five_weeks() {
        let m = Month { year: 2026, month: 12 };
        let weeks = m.weeks();
        assert_eq!(weeks.len(), 5);
        assert_eq!(weeks[0][0], None, "Monday 30 November is padding");
        assert_eq!(weeks[0][1], NaiveDate::from_ymd_opt(2026, 12, 1));
        assert_eq!(weeks[4][3], NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(weeks[4][4], None);
        assert_eq!(weeks.iter().flatten().flatten().count(), 31);
        assert_eq!(m.title(), "December 2026");
        assert_eq!(day_label(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()), "Tuesday 1 December");
    }

    #[test]
    fn months_step_across_years_and_leap_februaries() {
        let jan = Month { year: 2027, month: 1 };
        assert_eq!(Month { year: 2026, month: 12 }.next(), jan);
        assert_eq!(jan.previous(), Month { year: 2026, month: 12 });
        assert_eq!(Month { year: 2028, month: 2 }.last_day(), NaiveDate::from_ymd_opt(2028, 2, 29).unwrap());
        // February 2027 starts on a Monday: exactly four full weeks.
        assert_eq!(Month { year: 2027, month: 2 }.weeks().len(), 4);
    }
}
