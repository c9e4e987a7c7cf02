//! One booking: its detail, cancel (with a reason) and reschedule (to a free time picked
//! from availability); and a new booking for a customer who phoned.

use crate::api::{self, Failure};
use crate::booking_rows::Catalog;
use crate::nav::{self, BASE, Link};
use crate::session::me;
use crate::time;
use crate::ui::{Field, FormState, failed, form_alert, loading};
use cadence_shared::{
    AvailabilityResponse, Booking, BookingStatus, CancelRequest, CreateBookingRequest, CustomerInput,
    RescheduleRequest,
};
use gloo_net::http::Method;
use leptos::prelude::*;

/// A date field and that day's free times of `service` (for `practitioner`, or anyone);
/// the chosen start goes to `chosen`.
#[component]
fn SlotPicker(
    service: Signal<String>,
    practitioner: Signal<String>,
    chosen: RwSignal<Option<String>>,
) -> impl IntoView {
    let tz = me().timezone();
    let day = RwSignal::new(time::today(&tz).to_string());
    let slots = LocalResource::new(move || {
        let (service, practitioner, day) = (service.get(), practitioner.get(), day.get());
        async move {
            if service.is_empty() || day.is_empty() {
                return Ok(None);
            }
            let mut url = format!("/api/v1/availability?service_id={service}&from={day}&to={day}");
            if !practitioner.is_empty() {
                url.push_str(&format!("&practitioner_id={practitioner}"));
            }
            api::get::<AvailabilityResponse>(&url).await.map(Some)
        }
    });
    let times = move || {
        let tz = tz.clone();
        match slots.get() {
            None => loading(),
            Some(Ok(None)) => ().into_any(),
            Some(Err(f)) => failed(&f, move || slots.refetch()),
            Some(Ok(Some(a))) if a.slots.is_empty() => {
                view! { <p class="empty" data-testid="no-times">"No free times that day."</p> }.into_any()
            }
            Some(Ok(Some(a))) => a
                .slots
                .into_iter()
                .map(|slot| {
                    let start = slot.start.to_rfc3339();
                    let value = start.clone();
                    let pressed = move || (chosen.get().as_deref() == Some(value.as_str())).to_string();
                    let pick = start.clone();
                    view! {
                        <button type="button" class="time" data-testid="time" data-start=start
                            aria-pressed=pressed on:click=move |_| chosen.set(Some(pick.clone()))>
                            {time::time_label(slot.start, &tz)}
                        </button>
                    }
                })
                .collect_view()
                .into_any(),
        }
    };
    view! {
        <div class="field">
            <label for="pick-day">"Day"</label>
            <input id="pick-day" type="date" prop:value=move || day.get()
                on:input=move |ev| { day.set(event_target_value(&ev)); chosen.set(None); }/>
        </div>
        <div class="times" role="group" aria-label="Free times">{times}</div>
    }
}

#[component]
pub fn BookingDetail(id: String) -> impl IntoView {
    let id = StoredValue::new(id);
    let booking = LocalResource::new(move || {
        let id = id.get_value();
        async move {
            let b = api::get::<Booking>(&format!("/api/v1/bookings/{id}")).await?;
            Ok::<_, Failure>((b, Catalog::load().await?))
        }
    });
    let body = move || match booking.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || booking.refetch()),
        Some(Ok((b, cat))) => view! { <Detail b cat on_change=move || booking.refetch()/> }.into_any(),
    };
    view! {
        <section data-testid="booking-detail">
            <p><Link to=format!("{BASE}/bookings")>"‹ Bookings"</Link></p>
            {body}
        </section>
    }
}

#[component]
fn Detail(b: Booking, cat: Catalog, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let tz = me().timezone();
    let confirmed = b.status == BookingStatus::Confirmed;
    let reason = RwSignal::new(String::new());
    let cancel = FormState::new();
    let do_cancel = {
        let id = b.id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let url = format!("/api/v1/bookings/{id}/cancel");
            let req = CancelRequest { reason: Some(reason.get_untracked()).filter(|r| !r.trim().is_empty()) };
            cancel.run(async move { api::send::<Booking>(Method::POST, &url, &req).await }, move |_| {
                on_change()
            });
        }
    };
    let chosen = RwSignal::new(None::<String>);
    let move_form = FormState::new();
    let do_move = {
        let id = b.id.clone();
        let practitioner = b.practitioner_id.clone();
        move |_| {
            let Some(start) = chosen.get_untracked() else { return };
            let url = format!("/api/v1/bookings/{id}/reschedule");
            let req = RescheduleRequest { start, practitioner_id: Some(practitioner.clone()) };
            move_form.run(async move { api::send::<Booking>(Method::POST, &url, &req).await }, move |_| {
                on_change()
            });
        }
    };
    let service = Signal::derive({
        let s = b.service_id.clone();
        move || s.clone()
    });
    let practitioner = Signal::derive({
        let p = b.practitioner_id.clone();
        move || p.clone()
    });
    let contact =
        [b.customer.email.clone(), b.customer.phone.clone()].into_iter().flatten().collect::<Vec<_>>();
    view! {
        <h1>{b.customer.name.clone()}</h1>
        <dl class="facts" data-testid="booking-facts">
            <dt>"When"</dt><dd data-testid="detail-when">{time::date_time_label(b.start, &tz)}" – "{time::time_label(b.end, &tz)}</dd>
            <dt>"Service"</dt><dd>{cat.service(&b.service_id)}</dd>
            <dt>"Practitioner"</dt><dd>{cat.practitioner(&b.practitioner_id)}</dd>
            <dt>"Customer"</dt><dd>
                <Link to=format!("{BASE}/customers/{}", b.customer.id)>{b.customer.name.clone()}</Link>
                " "{contact.join(" · ")}
            </dd>
            <dt>"Status"</dt><dd data-testid="detail-status">{if confirmed { "Confirmed" } else { "Cancelled" }}</dd>
            {b.cancel_reason.clone().map(|r| view! { <dt>"Reason"</dt><dd>{r}</dd> })}
            {b.notes.clone().map(|n| view! { <dt>"Notes"</dt><dd>{n}</dd> })}
        </dl>
        {confirmed.then(|| view! {
            <h2>"Reschedule"</h2>
            <SlotPicker service practitioner chosen/>
            {form_alert(move_form.general_error(&[]))}
            <button type="button" data-testid="reschedule" on:click=do_move
                disabled=move || chosen.with(Option::is_none) || move_form.pending.get()>"Move to this time"</button>
            <form on:submit=do_cancel.clone() class="cancel" novalidate>
                <h2>"Cancel"</h2>
                <Field label="Reason (the customer is told)" name="reason" value=reason form=cancel/>
                {form_alert(cancel.general_error(&["reason"]))}
                <button type="submit" class="danger" data-testid="cancel" disabled=move || cancel.pending.get()>"Cancel booking"</button>
            </form>
        })}
    }
}

/// A booking made by the business (a customer on the phone): any or a named practitioner.
#[component]
pub fn NewBooking() -> impl IntoView {
    let catalog = LocalResource::new(Catalog::load);
    view! {
        <section data-testid="new-booking-form">
            <p><Link to=format!("{BASE}/bookings")>"‹ Bookings"</Link></p>
            <h1>"New booking"</h1>
            {move || match catalog.get() {
                None => loading(),
                Some(Err(f)) => failed(&f, move || catalog.refetch()),
                Some(Ok(cat)) => view! { <NewBookingForm cat/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn NewBookingForm(cat: Catalog) -> impl IntoView {
    let service =
        RwSignal::new(cat.services.iter().find(|s| s.active).map(|s| s.id.clone()).unwrap_or_default());
    let practitioner = RwSignal::new(String::new());
    let chosen = RwSignal::new(None::<String>);
    let (name, email, phone, notes) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let form = FormState::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let optional = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let req = CreateBookingRequest {
            service_id: service.get_untracked(),
            start: chosen.get_untracked().unwrap_or_default(),
            practitioner_id: optional(practitioner),
            customer: CustomerInput {
                name: name.get_untracked(),
                email: optional(email),
                phone: optional(phone),
                timezone: None,
            },
            notes: optional(notes),
        };
        form.run(async move { api::send::<Booking>(Method::POST, "/api/v1/bookings", &req).await }, |b| {
            nav::go(&format!("{BASE}/bookings/{}", b.id))
        });
    };
    let services = cat
        .services
        .iter()
        .filter(|s| s.active)
        .map(|s| view! { <option value=s.id.clone()>{s.name.clone()}</option> })
        .collect_view();
    let people = cat
        .practitioners
        .iter()
        .map(|p| view! { <option value=p.id.clone()>{p.name.clone()}</option> })
        .collect_view();
    const FIELDS: &[&str] = &["customer.name", "customer.email", "customer.phone", "notes"];
    view! {
        <form on:submit=submit novalidate>
            <div class="field">
                <label for="nb-service">"Service"</label>
                <select id="nb-service" prop:value=move || service.get()
                    on:change=move |ev| { service.set(event_target_value(&ev)); chosen.set(None); }>{services}</select>
            </div>
            <div class="field">
                <label for="nb-practitioner">"Practitioner"</label>
                <select id="nb-practitioner" prop:value=move || practitioner.get()
                    on:change=move |ev| { practitioner.set(event_target_value(&ev)); chosen.set(None); }>
                    <option value="">"Any practitioner"</option>{people}
                </select>
            </div>
            <SlotPicker service=service.into() practitioner=practitioner.into() chosen/>
            <Field label="Customer name" name="customer.name" value=name form required=true/>
            <Field label="Customer e-mail" name="customer.email" value=email form kind="email"/>
            <Field label="Customer phone" name="customer.phone" value=phone form kind="tel"/>
            <Field label="Notes" name="notes" value=notes form/>
            {form_alert(form.general_error(FIELDS))}
            <button type="submit" disabled=move || chosen.with(Option::is_none) || form.pending.get()>"Book"</button>
        </form>
    }
}
