//! Availability engine timings: a week and a month of slots for 1 and for 20 practitioners
//! with 5,000 existing bookings. `cargo bench -p cadence-server --bench engine`; prints
//! figures, asserts nothing.

use cadence_server::availability::{Busy, Calendar, Schedule, ServiceRules, check_start, find_open_slots};
use cadence_shared::{Interval, WeeklyHours};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

fn schedule(i: usize) -> Schedule {
    let day = vec![
        Interval { start: "08:00".parse().unwrap(), end: "12:30".parse().unwrap() },
        Interval { start: "13:30".parse().unwrap(), end: "18:00".parse().unwrap() },
    ];
    Schedule {
        practitioner_id: format!("prac_{i:02}"),
        timezone: chrono_tz::Europe::Berlin,
        weekly_hours: WeeklyHours {
            monday: day.clone(),
            tuesday: day.clone(),
            wednesday: day.clone(),
            thursday: day.clone(),
            friday: day.clone(),
            saturday: vec![Interval { start: "09:00".parse().unwrap(), end: "13:00".parse().unwrap() }],
            sunday: vec![],
        },
        date_overrides: BTreeMap::new(),
    }
}

/// `total` bookings spread round-robin over the practitioners, 40 minutes apart each
/// (30-minute visits plus buffers), from `start` on: dense calendars.
fn bookings(practitioners: usize, total: usize, start: DateTime<Utc>) -> Vec<Vec<Busy>> {
    let mut per: Vec<Vec<Busy>> = vec![Vec::new(); practitioners];
    for n in 0..total {
        let p = n % practitioners;
        let k = (n / practitioners) as i64;
        // Skip nights: 12 bookings a day per practitioner from 08:00 UTC.
        let at = start + Duration::days(k / 12) + Duration::hours(8) + Duration::minutes(40 * (k % 12));
        per[p].push(Busy { start: at - Duration::minutes(5), end: at + Duration::minutes(40) });
    }
    per
}

fn time<T>(label: &str, iterations: u32, mut f: impl FnMut() -> T) {
    for _ in 0..iterations / 10 {
        black_box(f());
    }
    let mut samples: Vec<f64> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!("{label:<58} p50 {:>9.1} µs   p99 {:>9.1} µs", p(0.5), p(0.99));
}

fn main() {
    let rules = ServiceRules {
        duration: Duration::minutes(30),
        buffer_before: Duration::minutes(5),
        buffer_after: Duration::minutes(10),
        slot_interval: Duration::minutes(15),
        min_notice: Duration::hours(2),
        booking_window: Duration::days(365),
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap();
    for practitioners in [1usize, 20] {
        let schedules: Vec<Schedule> = (0..practitioners).map(schedule).collect();
        let busy = bookings(practitioners, 5_000, now);
        let calendars: Vec<Calendar<'_>> =
            schedules.iter().zip(&busy).map(|(schedule, busy)| Calendar { schedule, busy }).collect();
        for (span, days) in [("week", 7), ("month", 30)] {
            let slots = find_open_slots(&rules, &calendars, now, now + Duration::days(days), now);
            let label = format!(
                "find_open_slots {practitioners:>2} practitioner(s), a {span} ({} slots)",
                slots.len()
            );
            time(&label, 300, || find_open_slots(&rules, &calendars, now, now + Duration::days(days), now));
        }
        let probe = now + Duration::days(3) + Duration::hours(9);
        time(&format!("check_start     {practitioners:>2} practitioner(s)"), 1000, || {
            check_start(&rules, &calendars, probe, now)
        });
    }
}
