//! The Bookings screen: the week agenda (`agenda`) or a list with the org API's filters,
//! both in the org's timezone, reloaded whenever the tab is shown again. Also the catalogue
//! (services and practitioners by id) the booking screens name things with.

use crate::agenda::Agenda;
use crate::api::{self, Failure};
use crate::nav::{BASE, Link};
use crate::session::me;
use crate::time;
use crate::ui::{Paged, failed, loading};
use cadence_shared::{Booking, BookingStatus, Page, Practitioner, Service};
use leptos::prelude::*;

/// The org's services and practitioners, for names and choices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub services: Vec<Service>,
    pub practitioners: Vec<Practitioner>,
}

impl Catalog {
    pub async fn load() -> Result<Catalog, Failure> {
        let services = api::get::<Page<Service>>("/api/v1/services?limit=100").await?.data;
        let practitioners = api::get::<Page<Practitioner>>("/api/v1/practitioners?limit=100").await?.data;
        Ok(Catalog { services, practitioners })
    }

    pub fn service(&self, id: &str) -> String {
        self.services.iter().find(|s| s.id == id).map_or_else(|| id.to_owned(), |s| s.name.clone())
    }

    pub fn practitioner(&self, id: &str) -> String {
        self.practitioners.iter().find(|p| p.id == id).map_or_else(|| id.to_owned(), |p| p.name.clone())
    }
}

/// Calls `reload` whenever the browser tab becomes visible again (a booking made meanwhile
/// on the public page shows without a manual refresh).
pub fn reload_when_shown(reload: impl Fn() + 'static) {
    let reload = send_wrapper::SendWrapper::new(reload);
    // `visibilitychange` is fired at the document and bubbles to the window.
    let handle = window_event_listener_untyped("visibilitychange", move |_| {
        let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
        if visible {
            reload();
        }
    });
    on_cleanup(move || handle.remove());
}

/// Every page of `url` (a list query without `cursor`), up to `max` pages of 100.
pub async fn all_pages(url: &str, max: usize) -> Result<Vec<Booking>, Failure> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..max {
        let page_url = match &cursor {
            Some(c) => format!("{url}&cursor={}", api::encode(c)),
            None => url.to_owned(),
        };
        let page: Page<Booking> = api::get(&page_url).await?;
        rows.extend(page.data);
        match page.next_cursor.filter(|_| page.has_more) {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    Ok(rows)
}

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

/// One booking as a row: local time, customer, service, practitioner, status.
pub fn booking_row(b: &Booking, cat: &Catalog, tz: &str, with_date: bool) -> AnyView {
    let when = if with_date {
        time::date_time_label(b.start, tz)
    } else {
        format!("{}–{}", time::time_label(b.start, tz), time::time_label(b.end, tz))
    };
    let cancelled = b.status == BookingStatus::Cancelled;
    let (href, who) = (format!("{BASE}/bookings/{}", b.id), b.customer.name.clone());
    let what = format!("{} · {}", cat.service(&b.service_id), cat.practitioner(&b.practitioner_id));
    view! {
        <li class="booking" class:cancelled=cancelled data-testid="booking" data-id=b.id.clone()>
            <Link to=href>
                <span class="when" data-testid="booking-time">{when}</span>" "
                <span class="who">{who}</span>
            </Link>
            <span class="what">{what}</span>
            {cancelled.then(|| view! { <span class="badge">"Cancelled"</span> })}
        </li>
    }
    .into_any()
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
