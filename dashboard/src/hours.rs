//! The weekly-hours editor (several intervals a day) and date overrides (a day off, or
//! special hours), as the rows a person edits, turned into the API's `WeeklyHours` and
//! `DateOverride` on save.

use cadence_shared::{ClockTime, DateOverride, Interval, WeeklyHours};
use leptos::prelude::*;

/// One interval as typed (`"09:00"`, `"12:00"`).
pub type Row = (String, String);

/// A change to one day's rows.
type Edit = Box<dyn FnOnce(&mut Vec<Row>)>;

pub const DAYS: [(&str, &str); 7] = [
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];

/// The week as rows, Monday first.
pub fn rows_of(hours: &WeeklyHours) -> Vec<Vec<Row>> {
    hours
        .days()
        .iter()
        .map(|(_, ivs)| ivs.iter().map(|iv| (iv.start.to_string(), iv.end.to_string())).collect())
        .collect()
}

/// Rows → intervals; the index of the first row that is not two times of day.
pub fn intervals(rows: &[Row]) -> Result<Vec<Interval>, usize> {
    rows.iter()
        .enumerate()
        .map(|(i, (a, b))| {
            let start: ClockTime = a.trim().parse().map_err(|_| i)?;
            let end: ClockTime = b.trim().parse().map_err(|_| i)?;
            Ok(Interval { start, end })
        })
        .collect()
}

/// The week's rows → `WeeklyHours`, or the field (`weekly_hours.monday[0]`) that is wrong.
pub fn weekly(rows: &[Vec<Row>]) -> Result<WeeklyHours, String> {
    let mut days = Vec::with_capacity(7);
    for ((key, _), day) in DAYS.iter().zip(rows) {
        days.push(intervals(day).map_err(|i| format!("weekly_hours.{key}[{i}]"))?);
    }
    let mut d = days.into_iter();
    let mut next = || d.next().unwrap_or_default();
    Ok(WeeklyHours {
        monday: next(),
        tuesday: next(),
        wednesday: next(),
        thursday: next(),
        friday: next(),
        saturday: next(),
        sunday: next(),
    })
}

/// An override as typed: its date and intervals (none: the day off).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverrideRow {
    pub date: String,
    pub intervals: Vec<Row>,
}

pub fn override_rows(overrides: &[DateOverride]) -> Vec<OverrideRow> {
    overrides
        .iter()
        .map(|o| OverrideRow {
            date: o.date.to_string(),
            intervals: o.intervals.iter().map(|iv| (iv.start.to_string(), iv.end.to_string())).collect(),
        })
        .collect()
}

/// Override rows → `DateOverride`s, or the field (`date_overrides[1].date`) that is wrong.
pub fn overrides(rows: &[OverrideRow]) -> Result<Vec<DateOverride>, String> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let date = row.date.parse().map_err(|_| format!("date_overrides[{i}].date"))?;
            let intervals =
                intervals(&row.intervals).map_err(|j| format!("date_overrides[{i}].intervals[{j}]"))?;
            Ok(DateOverride { date, intervals })
        })
        .collect()
}

/// The intervals of one day (or one override) with add and remove buttons; `what` names
/// the day for the inputs' accessible names ("Monday from, interval 1").
fn interval_list(
    what: String,
    get: impl Fn() -> Vec<Row> + Copy + Send + Sync + 'static,
    set: impl Fn(Edit) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let what = StoredValue::new(what);
    let rows = move || {
        let n = get().len();
        (0..n)
            .map(|i| {
                let value = move |end: bool| {
                    move || get().get(i).map(|r| if end { r.1.clone() } else { r.0.clone() }).unwrap_or_default()
                };
                let edit = move |end: bool| {
                    move |ev: leptos::ev::Event| {
                        let v = event_target_value(&ev);
                        set(Box::new(move |rows| {
                            if let Some(r) = rows.get_mut(i) {
                                if end { r.1 = v } else { r.0 = v }
                            }
                        }))
                    }
                };
                let label = move |part: &str| format!("{} {part}, interval {}", what.get_value(), i + 1);
                view! {
                    <div class="interval">
                        <input type="time" aria-label=label("from") prop:value=value(false) on:input=edit(false)/>
                        "–"
                        <input type="time" aria-label=label("until") prop:value=value(true) on:input=edit(true)/>
                        <button type="button" class="link" aria-label=label("remove")
                            on:click=move |_| set(Box::new(move |rows| { if i < rows.len() { rows.remove(i); } }))>"Remove"</button>
                    </div>
                }
            })
            .collect_view()
    };
    let add = move |_| {
        set(Box::new(|rows| {
            let start = rows.last().map_or_else(|| "09:00".to_owned(), |r| r.1.clone());
            rows.push((start, "17:00".into()))
        }))
    };
    view! {
        {rows}
        <button type="button" class="link" on:click=add aria-label=move || format!("{} add hours", what.get_value())>"+ Add hours"</button>
    }
}

/// The seven days, each with its intervals (none: closed that day).
#[component]
pub fn WeekEditor(week: RwSignal<Vec<Vec<Row>>>) -> impl IntoView {
    DAYS.iter()
        .enumerate()
        .map(|(d, (_, label))| {
            let get = move || week.with(|w| w.get(d).cloned().unwrap_or_default());
            let set = move |f: Edit| {
                week.update(|w| {
                    if let Some(day) = w.get_mut(d) {
                        f(day)
                    }
                })
            };
            view! {
                <div class="weekday" data-testid=format!("hours-{}", DAYS[d].0)>
                    <span class="dayname">{*label}</span>
                    <div class="intervals">
                        {move || get().is_empty().then(|| view! { <span class="closed">"Closed"</span> })}
                        {interval_list(label.to_string(), get, set)}
                    </div>
                </div>
            }
        })
        .collect_view()
}

/// Date overrides: a date and its hours; no hours is a day off.
#[component]
pub fn OverridesEditor(list: RwSignal<Vec<OverrideRow>>) -> impl IntoView {
    let rows = move || {
        (0..list.with(Vec::len))
            .map(|i| {
                let get = move || list.with(|l| l.get(i).map(|o| o.intervals.clone()).unwrap_or_default());
                let set = move |f: Edit| list.update(|l| if let Some(o) = l.get_mut(i) { f(&mut o.intervals) });
                let date = move || list.with(|l| l.get(i).map(|o| o.date.clone()).unwrap_or_default());
                let id = format!("override-{i}");
                view! {
                    <div class="override" data-testid="override">
                        <label for=id.clone()>"Date"</label>
                        <input id=id type="date" prop:value=date
                            on:input=move |ev| { let v = event_target_value(&ev); list.update(|l| if let Some(o) = l.get_mut(i) { o.date = v }) }/>
                        {move || get().is_empty().then(|| view! { <span class="closed">"Day off"</span> })}
                        {interval_list(format!("Override {}", i + 1), get, set)}
                        <button type="button" class="link" on:click=move |_| list.update(|l| { if i < l.len() { l.remove(i); } })>
                            "Remove date"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        {rows}
        <button type="button" class="secondary" data-testid="add-override"
            on:click=move |_| list.update(|l| l.push(OverrideRow::default()))>"Add a date (day off or special hours)"</button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(a: &str, b: &str) -> Row {
        (a.into(), b.into())
    }

    #[test]
    fn rows_become_the_apis_hours_and_name_the_wrong_field() {
        let mut week = vec![Vec::new(); 7];
        week[0] = vec![row("09:00", "12:00"), row("13:00", "17:00")];
        week[4] = vec![row("10:00", "14:00")];
        let hours = weekly(&week).unwrap();
        assert_eq!(hours.monday.len(), 2);
        assert_eq!(hours.friday[0].start.to_string(), "10:00");
        assert!(hours.sunday.is_empty());
        assert_eq!(rows_of(&hours), week, "and back");
        week[2] = vec![row("09:00", "")];
        assert_eq!(weekly(&week).unwrap_err(), "weekly_hours.wednesday[0]");
    }

    #[test]
    fn an_override_without_hours_is_a_day_off() {
        let rows = vec![OverrideRow { date: "2026-12-24".into(), intervals: vec![] }];
        let o = overrides(&rows).unwrap();
        assert_eq!(o[0].date.to_string(), "2026-12-24");
        assert!(o[0].intervals.is_empty());
        assert_eq!(override_rows(&o), rows);
        let bad = vec![OverrideRow { date: "24.12.".into(), intervals: vec![] }];
        assert_eq!(overrides(&bad).unwrap_err(), "date_overrides[0].date");
    }
}
