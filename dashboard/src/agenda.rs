//! The week agenda: Monday to Sunday in the org's timezone, each day's confirmed and
//! cancelled bookings by start time; earlier and later weeks a click away.

use crate::booking_rows::{Catalog, all_pages, booking_row, reload_when_shown};
use crate::session::me;
use crate::time;
use crate::ui::failed;
use cadence_shared::Booking;
use chrono::{Duration, NaiveDate};
use leptos::prelude::*;

#[component]
pub fn Agenda(catalog: Catalog) -> impl IntoView {
    let tz = me().timezone();
    let monday = RwSignal::new(time::week_start(time::today(&tz)));
    let rows = RwSignal::new(None::<Vec<Booking>>);
    let failure = RwSignal::new(None);
    let latest = StoredValue::new(0u32);
    let fetch = move || {
        let from: NaiveDate = monday.get_untracked();
        let to = from + Duration::days(6);
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        leptos::task::spawn_local(async move {
            // Dates in the org's timezone, `to` inclusive (the list's own reading of dates).
            let answer = all_pages(&format!("/api/v1/bookings?limit=100&from={from}&to={to}"), 10).await;
            if latest.get_value() != ticket {
                return; // a newer week was asked for meanwhile
            }
            match answer {
                Ok(list) => {
                    failure.set(None);
                    rows.set(Some(list));
                }
                Err(f) => failure.set(Some(f)),
            }
        });
    };
    fetch();
    reload_when_shown(fetch);
    let shift = move |days: i64| {
        monday.update(|m| *m += Duration::days(days));
        fetch();
    };
    let this_week = {
        let tz = tz.clone();
        move |_| {
            monday.set(time::week_start(time::today(&tz)));
            fetch();
        }
    };
    let cat = StoredValue::new(catalog);
    let today = time::today(&tz);
    let days = move || {
        let tz = tz.clone();
        let list = rows.get().unwrap_or_default();
        time::week_days(monday.get())
            .into_iter()
            .map(|day| {
                let on_day: Vec<&Booking> =
                    list.iter().filter(|b| time::local_date(b.start, &tz) == Some(day)).collect();
                let items = cat.with_value(|cat| {
                    on_day.iter().map(|b| booking_row(b, cat, &tz, false)).collect_view()
                });
                let empty = on_day.is_empty();
                view! {
                    <li class="day" class:today=day == today data-testid="agenda-day" data-date=day.to_string()>
                        <h2>{time::day_label(day)}</h2>
                        {empty.then(|| view! { <p class="empty">"No bookings"</p> })}
                        <ul class="bookings">{items}</ul>
                    </li>
                }
            })
            .collect_view()
    };
    let heading = move || {
        let m = monday.get();
        format!("Week of {}", time::day_label(m))
    };
    view! {
        <div class="week-nav">
            <button type="button" class="secondary" on:click=move |_| shift(-7) aria-label="Previous week">"‹ Previous"</button>
            <h2 aria-live="polite" data-testid="week-title">{heading}</h2>
            <button type="button" class="secondary" on:click=this_week>"This week"</button>
            <button type="button" class="secondary" on:click=move |_| shift(7) aria-label="Next week">"Next ›"</button>
        </div>
        <p class="hint">"Times in "{me().timezone()}"."</p>
        {move || failure.get().map(|f| failed(&f, fetch))}
        <ol class="agenda" data-testid="agenda" aria-busy=move || rows.with(Option::is_none).to_string()>{days}</ol>
    }
}
