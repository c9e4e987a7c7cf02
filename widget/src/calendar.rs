//! The month grid: which dates fill which cells, Monday first. Pure, so it is unit-tested;
//! the names of months and days come from Intl (`clock`).

use chrono::{Datelike, Months, NaiveDate};

/// "2026-12-01" → that date (without chrono's parser, which is large in wasm).
pub fn parse_ymd(text: &str) -> Option<NaiveDate> {
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
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

    pub fn contains(self, date: NaiveDate) -> bool {
        date.year() == self.year && date.month() == self.month
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

/// Where a key moves the focus in the month grid, among the days with open times:
/// Left/Right to the previous/next open day, Up/Down to a week earlier/later (or the nearest
/// open day beyond), Home/End to the month's first/last open day. `None`: not a moving key,
/// or nowhere to go (the focus stays).
pub fn step_day(open: &[NaiveDate], from: NaiveDate, key: &str) -> Option<NaiveDate> {
    let week = chrono::Days::new(7);
    match key {
        "ArrowLeft" => open.iter().rev().find(|d| **d < from).copied(),
        "ArrowRight" => open.iter().find(|d| **d > from).copied(),
        "ArrowUp" => open.iter().rev().find(|d| **d <= from - week).copied(),
        "ArrowDown" => open.iter().find(|d| **d >= from + week).copied(),
        "Home" => open.first().copied(),
        "End" => open.last().copied(),
        _ => None,
    }
    .filter(|d| *d != from)
}

/// Where a key moves the focus in a list of `len` items (the day's times), from `at`.
pub fn step_index(len: usize, at: usize, key: &str) -> Option<usize> {
    let last = len.checked_sub(1)?;
    match key {
        "ArrowLeft" | "ArrowUp" => at.checked_sub(1),
        "ArrowRight" | "ArrowDown" => Some(at + 1).filter(|i| *i <= last),
        "Home" => Some(0),
        "End" => Some(last),
        _ => None,
    }
    .filter(|i| *i != at)
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

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap()
    }

    #[test]
    fn dates_parse_from_iso_text() {
        assert_eq!(parse_ymd("2026-12-01"), Some(d(1)));
        assert_eq!(parse_ymd(&d(31).to_string()), Some(d(31)));
        assert_eq!(parse_ymd("2026-02-30"), None);
        assert_eq!(parse_ymd("2026-12"), None);
        assert_eq!(parse_ymd("2026-12-x"), None);
        assert_eq!(parse_ymd(""), None);
    }

    #[test]
    fn arrow_keys_move_between_open_days() {
        // Open: Tue 1, Wed 2, Fri 4, Tue 8, Tue 15, Thu 31.
        let open = [d(1), d(2), d(4), d(8), d(15), d(31)];
        assert_eq!(step_day(&open, d(2), "ArrowRight"), Some(d(4)), "skips the closed Thursday");
        assert_eq!(step_day(&open, d(2), "ArrowLeft"), Some(d(1)));
        assert_eq!(step_day(&open, d(1), "ArrowLeft"), None, "nothing before the first");
        assert_eq!(step_day(&open, d(31), "ArrowRight"), None, "nothing after the last");
        assert_eq!(step_day(&open, d(1), "ArrowDown"), Some(d(8)), "same weekday, next week");
        assert_eq!(
            step_day(&open, d(2), "ArrowDown"),
            Some(d(15)),
            "Wed 9 is closed: the next open day after it"
        );
        assert_eq!(step_day(&open, d(15), "ArrowUp"), Some(d(8)));
        assert_eq!(step_day(&open, d(4), "ArrowUp"), None, "no open day a week or more before");
        assert_eq!(step_day(&open, d(8), "Home"), Some(d(1)));
        assert_eq!(step_day(&open, d(8), "End"), Some(d(31)));
        assert_eq!(step_day(&open, d(31), "End"), None, "already there");
        assert_eq!(step_day(&open, d(8), "Enter"), None, "not a moving key");
        assert_eq!(step_day(&[], d(8), "ArrowRight"), None);
    }

    #[test]
    fn arrow_keys_move_along_the_times() {
        assert_eq!(step_index(4, 0, "ArrowRight"), Some(1));
        assert_eq!(step_index(4, 0, "ArrowDown"), Some(1));
        assert_eq!(step_index(4, 3, "ArrowRight"), None);
        assert_eq!(step_index(4, 0, "ArrowLeft"), None);
        assert_eq!(step_index(4, 2, "ArrowUp"), Some(1));
        assert_eq!(step_index(4, 2, "Home"), Some(0));
        assert_eq!(step_index(4, 2, "End"), Some(3));
        assert_eq!(step_index(0, 0, "End"), None);
        assert_eq!(step_index(4, 1, "Tab"), None);
    }
}
