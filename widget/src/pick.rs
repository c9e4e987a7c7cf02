//! Picking a day and a time: the month calendar and the day's times, keyboard-navigable.
//!
//! Both use a roving tab stop: Tab enters the calendar on the chosen (or first open) day and
//! leaves it with the next Tab; the arrow keys, Home and End move between open days
//! (`calendar::step_day`) or times (`calendar::step_index`); Enter or Space picks.

use crate::calendar::{Month, parse_ymd, step_day, step_index};
use crate::clock;
use crate::i18n::t;
use crate::remote::Remote;
use crate::status::failed;
use cadence_shared::Slot;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// What the customer has picked so far, shared by the flow's parts.
#[derive(Clone, Copy)]
pub struct Choice {
    /// The timezone times are shown in.
    pub tz: RwSignal<String>,
    pub month: RwSignal<Month>,
    pub day: RwSignal<Option<NaiveDate>>,
    pub slot: RwSignal<Option<Slot>>,
}

/// Open times grouped by the customer's local date, in order.
pub type Days = Vec<(NaiveDate, Vec<Slot>)>;

pub fn local_days(slots: Vec<Slot>, zone: &str) -> Days {
    let mut days: Days = Vec::new();
    for s in slots {
        if let Some(d) = clock::local_date(s.start, zone) {
            match days.last_mut() {
                Some((last, v)) if *last == d => v.push(s),
                _ => days.push((d, vec![s])),
            }
        }
    }
    days
}

/// The open times by local day (tracked: the times and the timezone).
fn days(choice: Choice, slots: Remote<Vec<Slot>>) -> Days {
    local_days(slots.ok().unwrap_or_default(), &choice.tz.get())
}

/// The shown month's days with open times (tracked).
fn open_days(choice: Choice, slots: Remote<Vec<Slot>>) -> Vec<NaiveDate> {
    let m = choice.month.get();
    days(choice, slots).into_iter().map(|(d, _)| d).filter(|d| m.contains(*d)).collect()
}

/// Moves the keyboard focus to the element `css` selects.
fn focus(css: &str) {
    if let Some(el) = document().query_selector(css).ok().flatten() {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

/// "true"/"false" for `aria-pressed`, "0"/"-1" for the roving `tabindex` of the button
/// whose key is `me` (days and times are keyed by an integer: one closure type for every
/// button, as each distinct closure costs wasm size).
fn state(
    picked: Signal<Option<i64>>,
    me: i64,
    first: Option<i64>,
    pressed: bool,
) -> impl Fn() -> &'static str {
    move || {
        let on = picked.get().or(if pressed { None } else { first }) == Some(me);
        match (pressed, on) {
            (true, true) => "true",
            (true, false) => "false",
            (false, true) => "0",
            (false, false) => "-1",
        }
    }
}

fn day_key(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

fn day_cell(
    cell: Option<NaiveDate>,
    open: &[NaiveDate],
    picked: Signal<Option<i64>>,
    choice: Choice,
) -> AnyView {
    let Some(date) = cell else { return view! { <td></td> }.into_any() };
    if !open.contains(&date) {
        return view! { <td><span class="day" aria-disabled="true">{date.day().to_string()}</span></td> }
            .into_any();
    }
    let (me, first) = (day_key(date), open.first().copied().map(day_key));
    view! {
        <td><button type="button" class="day open" data-testid="day" data-date=date.to_string()
            aria-label=format!("{}, {}", clock::day_label(date), t().open_times)
            aria-pressed=state(picked, me, first, true) tabindex=state(picked, me, first, false)
            on:click=move |_| { choice.day.set(Some(date)); choice.slot.set(None); }>
            {date.day().to_string()}</button></td>
    }
    .into_any()
}

/// The month calendar: days with open times are buttons, the others are shown greyed.
pub fn calendar(choice: Choice, slots: Remote<Vec<Slot>>) -> impl IntoView {
    let month = choice.month;
    let grid = move || {
        let open = Arc::new(open_days(choice, slots));
        let keys = open.clone();
        // The picked day, if it is open this month (one derived signal for all buttons).
        let picked = {
            let open = open.clone();
            Signal::derive(move || choice.day.get().filter(|d| open.contains(d)).map(day_key))
        };
        let on_key = move |ev: leptos::ev::KeyboardEvent| {
            let from = event_target::<web_sys::Element>(&ev).get_attribute("data-date");
            if let Some(to) = from.and_then(|t| parse_ymd(&t)).and_then(|d| step_day(&keys, d, &ev.key())) {
                ev.prevent_default();
                focus(&format!("[data-testid=day][data-date='{to}']"));
            }
        };
        let rows = month
            .get()
            .weeks()
            .into_iter()
            .map(|week| view! { <tr>{week.into_iter().map(|c| day_cell(c, &open, picked, choice)).collect_view()}</tr> })
            .collect_view();
        view! {
            <table role="grid" aria-labelledby="month-title" on:keydown=on_key>
                <thead><tr>{clock::weekday_names().into_iter().map(|d| view! { <th scope="col">{d}</th> }).collect_view()}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
    };
    let status = move || {
        if slots.loading() {
            Some(crate::status::loading(t().finding_times))
        } else if let Some(f) = slots.failure() {
            Some(failed(&f, move || slots.reload()))
        } else {
            open_days(choice, slots)
                .is_empty()
                .then(|| view! { <p data-testid="no-times">{t().no_times}</p> }.into_any())
        }
    };
    let go = move |step: fn(Month) -> Month| {
        month.update(|m| *m = step(*m));
        choice.day.set(None);
        choice.slot.set(None);
        slots.reload();
    };
    view! {
        <section class="calendar" aria-labelledby="month-title">
            <div class="month-nav">
                <button type="button" aria-label=t().previous_month data-testid="prev-month"
                    on:click=move |_| go(Month::previous)>"‹"</button>
                <h2 id="month-title" data-testid="month-title" aria-live="polite">{move || clock::month_title(month.get())}</h2>
                <button type="button" aria-label=t().next_month data-testid="next-month"
                    on:click=move |_| go(Month::next)>"›"</button>
            </div>
            {grid}
            {status}
        </section>
    }
}

/// The chosen day's times, in the customer's timezone.
pub fn times(choice: Choice, slots: Remote<Vec<Slot>>) -> impl IntoView {
    move || {
        choice.day.get().map(|date| {
            let list = move || {
                let zone = choice.tz.get_untracked();
                let slots = days(choice, slots).into_iter().find(|(d, _)| *d == date).map(|(_, v)| v);
                let slots = slots.unwrap_or_default();
                let starts: Vec<DateTime<Utc>> = slots.iter().map(|s| s.start).collect();
                let first = starts.first().map(DateTime::timestamp);
                let picked = Signal::derive(move || choice.slot.with(|s| s.as_ref().map(|s| s.start.timestamp())));
                let on_key = move |ev: leptos::ev::KeyboardEvent| {
                    let from = event_target::<web_sys::Element>(&ev).get_attribute("data-start");
                    let at = from.and_then(|f| starts.iter().position(|s| s.to_rfc3339() == f));
                    if let Some(to) = at.and_then(|i| step_index(starts.len(), i, &ev.key())) {
                        ev.prevent_default();
                        focus(&format!("[data-testid=time][data-start='{}']", starts[to].to_rfc3339()));
                    }
                };
                let buttons = slots
                    .into_iter()
                    .map(|s| {
                        let start = s.start;
                        view! {
                            <button type="button" class="time" data-testid="time" data-start=start.to_rfc3339()
                                aria-pressed=state(picked, start.timestamp(), first, true)
                                tabindex=state(picked, start.timestamp(), first, false)
                                on:click=move |_| choice.slot.set(Some(s.clone()))>{clock::time_label(start, &zone)}</button>
                        }
                    })
                    .collect_view();
                view! { <div class="time-list" role="group" aria-labelledby="times-title" on:keydown=on_key>{buttons}</div> }
            };
            view! {
                <section class="times" aria-labelledby="times-title">
                    <h2 id="times-title">{clock::day_label(date)}</h2>
                    {list}
                </section>
            }
        })
    }
}

/// Grouping depends on the browser's Intl (`clock::local_date`): runs in headless Chromium.
#[cfg(all(test, target_family = "wasm"))]
mod intl_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn slot(start: &str) -> Slot {
        let start: DateTime<Utc> = start.parse().unwrap();
        Slot { start, end: start + chrono::Duration::minutes(30), practitioner_ids: vec!["prac_1".into()] }
    }

    fn grouped(zone: &str) -> Vec<(String, usize)> {
        // 23:30 and 00:30 in Berlin (summer time began that morning), mid-afternoon in LA.
        let slots = vec![slot("2026-03-29T21:30:00Z"), slot("2026-03-29T22:30:00Z")];
        local_days(slots, zone).into_iter().map(|(d, v)| (d.to_string(), v.len())).collect()
    }

    #[wasm_bindgen_test]
    fn times_are_grouped_by_the_customers_own_day() {
        assert_eq!(grouped("Europe/Berlin"), [("2026-03-29".into(), 1), ("2026-03-30".into(), 1)]);
        assert_eq!(grouped("America/Los_Angeles"), [("2026-03-29".into(), 2)]);
        assert_eq!(grouped("UTC"), [("2026-03-29".into(), 2)]);
    }
}
