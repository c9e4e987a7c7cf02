//! The Bookings screen: the week agenda (`agenda`) or a list with the org API's filters,
//! both in the org's timezone, reloaded whenever the tab is shown again.

use crate::agenda::Agenda;
use crate::api;
use crate::booking_rows::{Catalog, booking_row, reload_when_shown};
use crate::nav::{BASE, Link};
use crate::session::me;
use crate::time;
use crate::ui::{Paged, failed, loading};
use cadence_shared::Booking;
use leptos::prelude::*;

#[component]
pub fn Bookings() -> impl IntoView {
    let week = RwSignal::new(true);
    let catalog = LocalResource::new(Catalog::load);
    let tab = move |is_week: bool, label: &'static str| {
        view! {
            <button type="button" role="tab" aria-selected=move || (week.get() == is_week).to_string()
                on:click=move |_| week.set(is_week)>{label}</button>
        }
    };
    let body = move || match catalog.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || catalog.refetch()),
        Some(Ok(cat)) if week.get() => view! { <Agenda catalog=cat/> }.into_any(),
        Some(Ok(cat)) => view! { <BookingList catalog=cat/> }.into_any(),
    };
    view! {
        <section data-testid="bookings">
            <div class="title-row">
                <h1>"Bookings"</h1>
                <Link to=format!("{BASE}/bookings/new") class="button" testid="new-booking">"New booking"</Link>
            </div>
            <div role="tablist" aria-label="View" class="tabs">{tab(true, "Week")}{tab(false, "List")}</div>
            {body}
        </section>
    }
}

/// The bookings the filters select, by start time, a page at a time.
#[component]
fn BookingList(catalog: Catalog) -> impl IntoView {
    let tz = me().timezone();
    let status = RwSignal::new("confirmed".to_owned());
    let practitioner = RwSignal::new(String::new());
    let service = RwSignal::new(String::new());
    let from = RwSignal::new(time::today(&tz).to_string());
    let to = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let query = move || {
        let mut q = String::from("/api/v1/bookings?limit=50");
        for (name, value) in [
            ("status", status.get_untracked()),
            ("practitioner_id", practitioner.get_untracked()),
            ("service_id", service.get_untracked()),
            ("from", from.get_untracked()),
            ("to", to.get_untracked()),
            ("customer_email", email.get_untracked()),
        ] {
            if !value.trim().is_empty() {
                q.push_str(&format!("&{name}={}", api::encode(value.trim())));
            }
        }
        q
    };
    let list = Paged::<Booking>::new(query);
    list.fetch(false);
    reload_when_shown(move || list.fetch(false));
    let options = |items: Vec<(String, String)>| {
        items.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()
    };
    let services: Vec<_> = catalog.services.iter().map(|s| (s.id.clone(), s.name.clone())).collect();
    let people: Vec<_> = catalog.practitioners.iter().map(|p| (p.id.clone(), p.name.clone())).collect();
    let cat = StoredValue::new(catalog);
    let list_tz = tz.clone();
    let select = move |label: &'static str, id: &'static str, value: RwSignal<String>, opts: AnyView| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id prop:value=move || value.get() on:change=move |ev| value.set(event_target_value(&ev))>
                    {opts}
                </select>
            </div>
        }
    };
    let input = move |label: &'static str, id: &'static str, kind: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </div>
        }
    };
    view! {
        <form class="filters" on:submit=move |ev| { ev.prevent_default(); list.fetch(false); }>
            {select("Status", "filter-status", status, view! {
                <option value="confirmed">"Confirmed"</option>
                <option value="cancelled">"Cancelled"</option>
                <option value="">"All"</option>
            }.into_any())}
            {select("Practitioner", "filter-practitioner", practitioner, view! {
                <option value="">"Anyone"</option>{options(people)}
            }.into_any())}
            {select("Service", "filter-service", service, view! {
                <option value="">"Any service"</option>{options(services)}
            }.into_any())}
            {input("From", "filter-from", "date", from)}
            {input("To", "filter-to", "date", to)}
            {input("Customer e-mail", "filter-email", "email", email)}
            <button type="submit">"Show"</button>
        </form>
        {list.status()}
        <ul class="bookings" data-testid="booking-list">
            {move || cat.with_value(|cat| {
                list.rows.get().iter().map(|b| booking_row(b, cat, &list_tz, true)).collect_view()
            })}
        </ul>
        {move || (list.loaded.get() && list.rows.with(Vec::is_empty))
            .then(|| view! { <p class="empty">"No bookings match."</p> })}
        {list.more()}
    }
}
