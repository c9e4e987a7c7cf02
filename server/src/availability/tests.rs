//! Engine tests: fixed expectations on DST transition days in several zones, the rules one
//! by one, and properties over random schedules, bookings and clocks (proptest).

use super::*;
use cadence_shared::ClockTime;
use chrono::TimeZone;
use proptest::prelude::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn iv(a: &str, b: &str) -> Interval {
    Interval { start: a.parse().unwrap(), end: b.parse().unwrap() }
}

fn rules(duration_min: i64, interval_min: i64) -> ServiceRules {
    ServiceRules {
        duration: Duration::minutes(duration_min),
        buffer_before: Duration::zero(),
        buffer_after: Duration::zero(),
        slot_interval: Duration::minutes(interval_min),
        min_notice: Duration::zero(),
        booking_window: Duration::days(3650),
    }
}

fn every_day(id: &str, tz: Tz, intervals: &[Interval]) -> Schedule {
    let v = intervals.to_vec();
    Schedule {
        practitioner_id: id.into(),
        timezone: tz,
        weekly_hours: WeeklyHours {
            monday: v.clone(),
            tuesday: v.clone(),
            wednesday: v.clone(),
            thursday: v.clone(),
            friday: v.clone(),
            saturday: v.clone(),
            sunday: v,
        },
        date_overrides: BTreeMap::new(),
    }
}

const LONG_AGO: &str = "2020-01-01T00:00:00Z";

/// Slot starts (UTC, minute precision) over the whole local date `day` in `tz`.
fn day_starts(rules: &ServiceRules, schedule: &Schedule, day: &str) -> Vec<String> {
    let tz = schedule.timezone;
    let date: NaiveDate = day.parse().unwrap();
    let from = tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap();
    let to =
        tz.from_local_datetime(&date.succ_opt().unwrap().and_hms_opt(0, 0, 0).unwrap()).earliest().unwrap();
    let cal = Calendar { schedule, busy: &[] };
    find_open_slots(rules, &[cal], from.with_timezone(&Utc), to.with_timezone(&Utc), t(LONG_AGO))
        .into_iter()
        .map(|s| s.start.format("%Y-%m-%dT%H:%MZ").to_string())
        .collect()
}

#[test]
fn berlin_spring_forward_skips_the_missing_hour() {
    let s = every_day("p", chrono_tz::Europe::Berlin, &[iv("00:00", "04:00")]);
    // 02:00 and 02:30 do not exist on 2026-03-29; before it UTC+1, after it UTC+2.
    assert_eq!(
        day_starts(&rules(30, 30), &s, "2026-03-29"),
        [
            "2026-03-28T23:00Z",
            "2026-03-28T23:30Z",
            "2026-03-29T00:00Z",
            "2026-03-29T00:30Z",
            "2026-03-29T01:00Z",
            "2026-03-29T01:30Z"
        ]
    );
}

#[test]
fn berlin_fall_back_does_not_repeat_the_doubled_hour() {
    let s = every_day("p", chrono_tz::Europe::Berlin, &[iv("00:00", "04:00")]);
    // 02:00–02:59 happen twice on 2026-10-25; each label once, at its first (UTC+2) occurrence.
    assert_eq!(
        day_starts(&rules(30, 30), &s, "2026-10-25"),
        [
            "2026-10-24T22:00Z",
            "2026-10-24T22:30Z",
            "2026-10-24T23:00Z",
            "2026-10-24T23:30Z",
            "2026-10-25T00:00Z",
            "2026-10-25T00:30Z",
            "2026-10-25T02:00Z",
            "2026-10-25T02:30Z"
        ]
    );
}

#[test]
fn berlin_office_hours_stay_wall_clock_across_dst() {
    let s = every_day("p", chrono_tz::Europe::Berlin, &[iv("09:00", "17:00")]);
    let before = day_starts(&rules(60, 60), &s, "2026-03-28");
    let after = day_starts(&rules(60, 60), &s, "2026-03-30");
    assert_eq!(before.len(), 8);
    assert_eq!(after.len(), 8);
    assert_eq!(before[0], "2026-03-28T08:00Z");
    assert_eq!(after[0], "2026-03-30T07:00Z");
    assert_eq!(after[7], "2026-03-30T14:00Z");
}

#[test]
fn new_york_spring_forward_and_fall_back() {
    let ny = chrono_tz::America::New_York;
    let night = every_day("p", ny, &[iv("01:00", "04:00")]);
    assert_eq!(
        day_starts(&rules(30, 30), &night, "2026-03-08"),
        ["2026-03-08T06:00Z", "2026-03-08T06:30Z", "2026-03-08T07:00Z", "2026-03-08T07:30Z"]
    );
    let late = every_day("p", ny, &[iv("00:00", "03:00")]);
    assert_eq!(
        day_starts(&rules(30, 30), &late, "2026-11-01"),
        [
            "2026-11-01T04:00Z",
            "2026-11-01T04:30Z",
            "2026-11-01T05:00Z",
            "2026-11-01T05:30Z",
            "2026-11-01T07:00Z",
            "2026-11-01T07:30Z"
        ]
    );
    let office = every_day("p", ny, &[iv("09:00", "17:00")]);
    assert_eq!(day_starts(&rules(60, 60), &office, "2026-03-07")[0], "2026-03-07T14:00Z");
    assert_eq!(day_starts(&rules(60, 60), &office, "2026-03-08")[0], "2026-03-08T13:00Z");
    assert_eq!(day_starts(&rules(60, 60), &office, "2026-03-08").len(), 8);
}

#[test]
fn lord_howe_half_hour_dst() {
    let lh = chrono_tz::Australia::Lord_Howe;
    // 2026-10-04: 02:00 (+10:30) jumps to 02:30 (+11:00); 02:00 does not exist.
    let spring = every_day("p", lh, &[iv("01:00", "04:00")]);
    assert_eq!(
        day_starts(&rules(30, 30), &spring, "2026-10-04"),
        [
            "2026-10-03T14:30Z",
            "2026-10-03T15:00Z",
            "2026-10-03T15:30Z",
            "2026-10-03T16:00Z",
            "2026-10-03T16:30Z"
        ]
    );
    // 2026-04-05: 02:00 (+11:00) falls back to 01:30 (+10:30); 01:30 once, first occurrence.
    let autumn = every_day("p", lh, &[iv("01:00", "03:00")]);
    assert_eq!(
        day_starts(&rules(30, 30), &autumn, "2026-04-05"),
        ["2026-04-04T14:00Z", "2026-04-04T14:30Z", "2026-04-04T15:30Z", "2026-04-04T16:00Z"]
    );
}

#[test]
fn kolkata_half_hour_offset() {
    let s = every_day("p", chrono_tz::Asia::Kolkata, &[iv("09:00", "17:00")]);
    let starts = day_starts(&rules(60, 60), &s, "2026-06-01");
    assert_eq!(starts.len(), 8);
    assert_eq!(starts[0], "2026-06-01T03:30Z");
    assert_eq!(starts[7], "2026-06-01T10:30Z");
}

#[test]
fn grid_counts_from_each_interval_start_and_slots_must_fit() {
    let s = every_day("p", chrono_tz::UTC, &[iv("09:10", "10:30"), iv("13:00", "14:00")]);
    assert_eq!(
        day_starts(&rules(30, 20), &s, "2026-06-01"),
        [
            "2026-06-01T09:10Z",
            "2026-06-01T09:30Z",
            "2026-06-01T09:50Z",
            "2026-06-01T13:00Z",
            "2026-06-01T13:20Z"
        ]
    );
}

#[test]
fn interval_may_run_to_midnight() {
    let s = every_day("p", chrono_tz::UTC, &[iv("22:00", "24:00")]);
    assert_eq!(day_starts(&rules(60, 60), &s, "2026-06-01"), ["2026-06-01T22:00Z", "2026-06-01T23:00Z"]);
}

#[test]
fn date_overrides_replace_the_weekday() {
    let mut s = every_day("p", chrono_tz::UTC, &[iv("09:00", "11:00")]);
    s.date_overrides.insert("2026-06-01".parse().unwrap(), vec![]);
    s.date_overrides.insert("2026-06-02".parse().unwrap(), vec![iv("15:00", "16:00")]);
    assert!(day_starts(&rules(60, 60), &s, "2026-06-01").is_empty());
    assert_eq!(day_starts(&rules(60, 60), &s, "2026-06-02"), ["2026-06-02T15:00Z"]);
    assert_eq!(day_starts(&rules(60, 60), &s, "2026-06-03").len(), 2);
}

#[test]
fn bookings_and_buffers_block_slots() {
    let s = every_day("p", chrono_tz::UTC, &[iv("09:00", "13:00")]);
    let r = ServiceRules {
        buffer_before: Duration::minutes(15),
        buffer_after: Duration::minutes(15),
        ..rules(60, 30)
    };
    // Another booking's blocked range 11:00–12:15.
    let busy = [Busy { start: t("2026-06-01T11:00:00Z"), end: t("2026-06-01T12:15:00Z") }];
    let cal = Calendar { schedule: &s, busy: &busy };
    let starts: Vec<_> =
        find_open_slots(&r, &[cal], t("2026-06-01T00:00:00Z"), t("2026-06-02T00:00:00Z"), t(LONG_AGO))
            .into_iter()
            .map(|s| s.start)
            .collect();
    // 09:00 blocks 08:45–10:15 (free); 09:30 blocks to 10:45 (free); 10:00 blocks to 11:15 (taken);
    // 12:00 blocks from 11:45 (taken); 12:30 would end 13:30 (outside hours).
    assert_eq!(starts, [t("2026-06-01T09:00:00Z"), t("2026-06-01T09:30:00Z")]);
}

#[test]
fn notice_and_window_bound_the_slots() {
    let s = every_day("p", chrono_tz::UTC, &[iv("09:00", "17:00")]);
    let r = ServiceRules {
        min_notice: Duration::minutes(120),
        booking_window: Duration::days(2),
        ..rules(60, 60)
    };
    let now = t("2026-06-01T10:30:00Z");
    let cal = Calendar { schedule: &s, busy: &[] };
    let slots = find_open_slots(&r, &[cal], t("2026-06-01T00:00:00Z"), t("2026-06-10T00:00:00Z"), now);
    assert_eq!(slots.first().unwrap().start, t("2026-06-01T13:00:00Z"), "12:30 is the earliest allowed");
    assert!(slots.iter().all(|s| s.start < now + Duration::days(2)));
    assert_eq!(slots.last().unwrap().start, t("2026-06-03T10:00:00Z"));
}

#[test]
fn slots_list_every_free_practitioner() {
    let a = every_day("prac_a", chrono_tz::UTC, &[iv("09:00", "11:00")]);
    let b = every_day("prac_b", chrono_tz::UTC, &[iv("10:00", "12:00")]);
    let busy_b = [Busy { start: t("2026-06-01T10:00:00Z"), end: t("2026-06-01T11:00:00Z") }];
    let cals = [Calendar { schedule: &b, busy: &busy_b }, Calendar { schedule: &a, busy: &[] }];
    let slots = find_open_slots(
        &rules(60, 60),
        &cals,
        t("2026-06-01T00:00:00Z"),
        t("2026-06-02T00:00:00Z"),
        t(LONG_AGO),
    );
    let got: Vec<(String, Vec<String>)> =
        slots.into_iter().map(|s| (s.start.format("%H:%M").to_string(), s.practitioner_ids)).collect();
    assert_eq!(
        got,
        [
            ("09:00".to_string(), vec!["prac_a".to_string()]),
            ("10:00".to_string(), vec!["prac_a".to_string()]),
            ("11:00".to_string(), vec!["prac_b".to_string()]),
        ]
    );
}

#[test]
fn check_start_tells_not_a_slot_from_taken() {
    let s = every_day("p", chrono_tz::UTC, &[iv("09:00", "12:00")]);
    let busy = [Busy { start: t("2026-06-01T10:00:00Z"), end: t("2026-06-01T10:30:00Z") }];
    let cal = [Calendar { schedule: &s, busy: &busy }];
    let r = rules(30, 30);
    let now = t("2026-06-01T08:00:00Z");
    assert_eq!(check_start(&r, &cal, t("2026-06-01T09:00:00Z"), now), StartCheck::Open(vec!["p".into()]));
    assert_eq!(check_start(&r, &cal, t("2026-06-01T10:00:00Z"), now), StartCheck::Taken);
    assert_eq!(check_start(&r, &cal, t("2026-06-01T09:10:00Z"), now), StartCheck::NotASlot, "off the grid");
    assert_eq!(check_start(&r, &cal, t("2026-06-01T12:00:00Z"), now), StartCheck::NotASlot, "after hours");
    assert_eq!(check_start(&r, &cal, t("2026-06-01T07:00:00Z"), now), StartCheck::NotASlot, "in the past");
    assert_eq!(check_start(&r, &cal, t("2026-06-01T09:00:30Z"), now), StartCheck::NotASlot, "seconds off");
}

// ---- properties ----------------------------------------------------------------------

const ZONES: [Tz; 6] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Los_Angeles,
    chrono_tz::UTC,
];

fn clock(minutes: u16) -> ClockTime {
    ClockTime::new(minutes / 60, minutes % 60).unwrap()
}

/// Up to three non-overlapping intervals on a 15-minute grid.
fn day_strategy() -> impl Strategy<Value = Vec<Interval>> {
    proptest::collection::btree_set(0u16..=96, 0..=6).prop_map(|points| {
        let pts: Vec<u16> = points.into_iter().collect();
        pts.chunks_exact(2).map(|p| Interval { start: clock(p[0] * 15), end: clock(p[1] * 15) }).collect()
    })
}

prop_compose! {
    fn schedule_strategy(id: &'static str)(
        zone in 0..ZONES.len(),
        days in proptest::collection::vec(day_strategy(), 7),
        override_day in 0u32..40,
        override_hours in proptest::option::of(day_strategy()),
    ) -> Schedule {
        let mut date_overrides = BTreeMap::new();
        if let Some(hours) = override_hours {
            date_overrides.insert(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap() + Duration::days(override_day.into()), hours);
        }
        Schedule {
            practitioner_id: id.into(),
            timezone: ZONES[zone],
            weekly_hours: WeeklyHours {
                monday: days[0].clone(), tuesday: days[1].clone(), wednesday: days[2].clone(),
                thursday: days[3].clone(), friday: days[4].clone(), saturday: days[5].clone(), sunday: days[6].clone(),
            },
            date_overrides,
        }
    }
}

prop_compose! {
    fn rules_strategy()(
        duration in 1i64..=24, interval in 1i64..=12, before in 0i64..=4, after in 0i64..=4,
        notice in 0i64..=48, window_days in 1i64..=40,
    ) -> ServiceRules {
        ServiceRules {
            duration: Duration::minutes(duration * 5),
            slot_interval: Duration::minutes(interval * 5),
            buffer_before: Duration::minutes(before * 5),
            buffer_after: Duration::minutes(after * 5),
            min_notice: Duration::minutes(notice * 30),
            booking_window: Duration::days(window_days),
        }
    }
}

fn busy_strategy() -> impl Strategy<Value = Vec<Busy>> {
    // Around the March DST changes (Europe, US) and Lord Howe's April change.
    proptest::collection::vec((0i64..40 * 24 * 4, 1i64..=12), 0..30).prop_map(|v| {
        let base = t("2026-03-01T00:00:00Z");
        v.into_iter()
            .map(|(q, len)| {
                let start = base + Duration::minutes(q * 15);
                Busy { start, end: start + Duration::minutes(len * 15) }
            })
            .collect()
    })
}

/// The working interval of the start's local day that contains the slot, if any.
fn containing_interval(s: &Schedule, start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Interval> {
    let local = start.with_timezone(&s.timezone);
    let day = local.date_naive();
    let intervals =
        s.date_overrides.get(&day).cloned().unwrap_or_else(|| s.weekly_hours.day(day.weekday()).to_vec());
    let minute =
        u16::try_from(local.time().signed_duration_since(chrono::NaiveTime::MIN).num_minutes()).ok()?;
    intervals
        .into_iter()
        .find(|iv| minute >= iv.start.minutes() && end <= local_time::interval_end(s.timezone, day, iv.end))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_entry_bound_is_never_below_what_the_engine_returns(
        rules in rules_strategy(),
        a in schedule_strategy("prac_a"),
        b in schedule_strategy("prac_b"),
        now_offset in 0i64..20 * 24,
        from_offset in -48i64..20 * 24,
        span_hours in 1i64..=10 * 24,
    ) {
        let base = t("2026-03-01T00:00:00Z");
        let now = base + Duration::hours(now_offset);
        let from = base + Duration::hours(from_offset);
        let to = from + Duration::hours(span_hours);
        // No bookings: the most the engine can return.
        let cals = [Calendar { schedule: &a, busy: &[] }, Calendar { schedule: &b, busy: &[] }];
        let entries: usize = find_open_slots(&rules, &cals, from, to, now).iter().map(|s| s.practitioner_ids.len()).sum();
        let bound = entry_bound(&rules, &[a.clone(), b.clone()], from, to, now);
        prop_assert!(entries as u64 <= bound, "{entries} entries above the bound {bound}");
    }

    #[test]
    fn every_slot_obeys_every_rule(
        rules in rules_strategy(),
        a in schedule_strategy("prac_a"),
        b in schedule_strategy("prac_b"),
        busy_a in busy_strategy(),
        busy_b in busy_strategy(),
        now_offset in 0i64..20 * 24,
        from_offset in -48i64..20 * 24,
        span_hours in 1i64..=10 * 24,
    ) {
        let base = t("2026-03-01T00:00:00Z");
        let now = base + Duration::hours(now_offset);
        let from = base + Duration::hours(from_offset);
        let to = from + Duration::hours(span_hours);
        let cals = [Calendar { schedule: &a, busy: &busy_a }, Calendar { schedule: &b, busy: &busy_b }];
        let slots = find_open_slots(&rules, &cals, from, to, now);

        // Sorted and unique by start.
        prop_assert!(slots.windows(2).all(|w| w[0].start < w[1].start));
        let mut labels = std::collections::HashSet::new();
        for slot in &slots {
            prop_assert_eq!(slot.end, slot.start + rules.duration);
            prop_assert!(slot.start >= from && slot.start < to);
            prop_assert!(slot.start >= now + rules.min_notice);
            prop_assert!(slot.start < now + rules.booking_window);
            prop_assert!(!slot.practitioner_ids.is_empty());
            for id in &slot.practitioner_ids {
                let (sched, busy) = if id == "prac_a" { (&a, &busy_a) } else { (&b, &busy_b) };
                // Inside working hours, on the wall-clock grid of its interval.
                let iv = containing_interval(sched, slot.start, slot.end);
                prop_assert!(iv.is_some(), "slot {} outside hours of {}", slot.start, id);
                let iv = iv.unwrap();
                let local = slot.start.with_timezone(&sched.timezone);
                let minute = i64::from(u16::try_from(local.time().signed_duration_since(chrono::NaiveTime::MIN).num_minutes()).unwrap());
                prop_assert_eq!((minute - i64::from(iv.start.minutes())) % rules.slot_interval.num_minutes(), 0);
                // A wall-clock label is produced once per practitioner (no fold duplicates).
                prop_assert!(labels.insert((id.clone(), local.naive_local())), "label {} twice", local);
                // The blocked range touches no booking.
                let blocked = blocked_range(&rules, slot.start);
                prop_assert!(busy.iter().all(|x| x.end <= blocked.start || x.start >= blocked.end));
            }
        }
        // Booking agrees with the calendar: every listed start is open for its practitioners.
        for slot in slots.iter().take(5) {
            prop_assert_eq!(check_start(&rules, &cals, slot.start, now), StartCheck::Open(slot.practitioner_ids.clone()));
        }
    }

    #[test]
    fn a_start_inside_a_dst_gap_is_never_a_slot(minute in 0i64..60, zone in 0usize..3) {
        // Spring-forward days: Berlin 02:00–03:00, New York 02:00–03:00, Lord Howe 02:00–02:30.
        let (tz, day, gap_minutes) = [
            (chrono_tz::Europe::Berlin, "2026-03-29", 60),
            (chrono_tz::America::New_York, "2026-03-08", 60),
            (chrono_tz::Australia::Lord_Howe, "2026-10-04", 30),
        ][zone];
        let s = every_day("p", tz, &[iv("00:00", "24:00")]);
        let date: NaiveDate = day.parse().unwrap();
        prop_assert!(local_time::grid_instant(tz, date, 120 + minute % gap_minutes).is_none());
        let slots = day_starts(&rules(5, 5), &s, day);
        for label in slots {
            let start = t(&label.replace('Z', ":00Z")).with_timezone(&tz);
            let hm = start.format("%H:%M").to_string();
            let gap_end = if gap_minutes == 60 { "03:00" } else { "02:30" };
            let in_gap = hm.as_str() >= "02:00" && hm.as_str() < gap_end;
            prop_assert!(!in_gap, "slot at {} local lies in the gap", hm);
        }
    }
}
