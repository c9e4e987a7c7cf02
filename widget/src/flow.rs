//! The booking flow: service → practitioner → day → time → details → confirmation. With
//! `reschedule` it moves an existing booking to the chosen time instead.

use crate::api::{self, Failure};
use crate::app::{failed, loading};
use crate::calendar::Month;
use crate::clock;
use crate::form::CustomerForm;
use crate::host;
use crate::pick::{Choice, calendar, times};
use crate::remote::{Remote, request};
use cadence_shared::{
    Booking, CreateBookingRequest, CustomerInput, PublicOrg, PublicPractitioner, PublicService,
    RescheduleRequest, Slot,
};
use chrono::{NaiveDate, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// Moving an existing booking instead of making one: its id and manage token, and what to
/// do with the booking once moved.
#[derive(Clone)]
pub struct Reschedule {
    pub id: String,
    pub token: String,
    pub moved: Arc<dyn Fn(Booking) + Send + Sync>,
}

/// What the customer typed and how the last submission went.
#[derive(Clone, Copy)]
struct Submission {
    form: RwSignal<CustomerForm>,
    /// A validation message or the server's answer, in words.
    notice: RwSignal<Option<String>>,
    /// The field the notice is about.
    invalid: RwSignal<Option<&'static str>>,
    /// Whether "Try again" makes sense (429, network, a 422 about a field; not a time that
    /// is gone).
    retry: RwSignal<bool>,
    pending: RwSignal<bool>,
    /// Kept across retries after a network failure, renewed once the server answered.
    key: RwSignal<String>,
    confirmed: RwSignal<Option<Booking>>,
}

/// The customer form, filled with what was typed before (it outlives a 409 or a retry).
fn details(sub: Submission, rescheduling: bool) -> impl IntoView {
    let typed = sub.form.get_untracked();
    let flag =
        move |field: &'static str| move || if sub.invalid.get() == Some(field) { "true" } else { "false" };
    // Typing keeps the form, and clears a validation message once the customer acts on it.
    let edit = move |set: fn(&mut CustomerForm, String)| {
        move |ev: leptos::ev::Event| {
            sub.form.update(|f| set(f, event_target_value(&ev)));
            if sub.invalid.get_untracked().is_some() {
                sub.invalid.set(None);
                sub.notice.set(None);
                sub.retry.set(false);
            }
        }
    };
    let fields = (!rescheduling).then(|| {
        view! {
            <h2>"Your details"</h2>
            <label>"Name" <input data-testid="name" autocomplete="name" aria-invalid=flag("name")
                prop:value=typed.name on:input=edit(|f, v| f.name = v)/></label>
            <label>"E-mail" <input data-testid="email" type="email" autocomplete="email" aria-invalid=flag("email")
                prop:value=typed.email on:input=edit(|f, v| f.email = v)/></label>
            <label>"Phone" <input data-testid="phone" type="tel" autocomplete="tel" aria-invalid=flag("phone")
                prop:value=typed.phone on:input=edit(|f, v| f.phone = v)/></label>
            <label>"Notes (optional)" <textarea data-testid="notes" aria-invalid=flag("notes") prop:value=typed.notes
                on:input=edit(|f, v| f.notes = v)></textarea></label>
        }
    });
    let label = match rescheduling {
        true => "Move my appointment here",
        false => "Book this time",
    };
    view! {
        {fields}
        <button type="submit" class="primary" data-testid="submit" disabled=move || sub.pending.get()>
            {move || if sub.pending.get() { "Sending…" } else { label }}
        </button>
    }
}

/// The confirmation after booking an appointment.
fn confirmation(b: Booking, zone: String, with: String, slug: &str) -> impl IntoView + use<> {
    let links = b.manage_token.clone().map(|token| {
        let href = format!("/{slug}?booking={}&token={token}", b.id);
        view! {
            <p class="links">
                <a href=href data-testid="manage-link">"Cancel or reschedule this booking"</a>
            </p>
        }
    });
    view! {
        <section class="confirmation" data-testid="confirmation" aria-live="polite">
            <h2>"You're booked"</h2>
            <p data-testid="confirmation-when">{clock::date_label(b.start, &zone)}", "{clock::time_label(b.start, &zone)}</p>
            <p>"Times in "{zone}</p>
            <p data-testid="confirmation-practitioner">"With "{with}</p>
            {links}
        </section>
    }
}

/// Choose a service, practitioner, day and time, then book (or, with `reschedule`, move
/// that booking there).
#[component]
pub fn BookingFlow(
    org: PublicOrg,
    preselect: Option<String>,
    reschedule: Option<Reschedule>,
) -> impl IntoView {
    let slug = StoredValue::new(org.slug.clone());
    let browser_tz = clock::browser_timezone();
    let choice = Choice {
        tz: RwSignal::new(browser_tz.clone()),
        month: RwSignal::new(Month::of(Utc::now().date_naive())),
        day: RwSignal::new(None::<NaiveDate>),
        slot: RwSignal::new(None::<Slot>),
    };
    let service = RwSignal::new(None::<PublicService>);
    let practitioner = RwSignal::new(None::<String>);
    let sub = Submission {
        form: RwSignal::new(CustomerForm::default()),
        notice: RwSignal::new(None),
        invalid: RwSignal::new(None),
        retry: RwSignal::new(false),
        pending: RwSignal::new(false),
        key: RwSignal::new(clock::idempotency_key()),
        confirmed: RwSignal::new(None),
    };
    let reschedule = StoredValue::new(reschedule);
    let rescheduling = reschedule.with_value(Option::is_some);

    // Services, then the chosen service's practitioners and its open times: each loads
    // again when what it depends on changes (see `choose_service` and `pick`).
    let practitioners = Remote::<Vec<PublicPractitioner>>::new(move || {
        let s = service.get_untracked()?;
        request(async move { api::practitioners(&slug.get_value(), &s.id).await })
    });
    let slots = Remote::<Vec<Slot>>::new(move || {
        let (s, p, m) =
            (service.get_untracked()?, practitioner.get_untracked(), choice.month.get_untracked());
        request(async move {
            let answer =
                api::availability(&slug.get_value(), &s.id, p.as_deref(), m.first_day(), m.last_day()).await;
            answer.map(|a| a.slots)
        })
    });
    // A new service starts over from "any available" (the practitioner picked before may
    // not offer it); the pickers below are rebuilt with the select reset.
    let choose_service = move |s: Option<PublicService>| {
        service.set(s);
        practitioner.set(None);
        choice.day.set(None);
        choice.slot.set(None);
        practitioners.reload();
        slots.reload();
    };
    let preselect = StoredValue::new(preselect);
    let services = Remote::<Vec<PublicService>>::new(move || {
        request(async move {
            let answer = api::services(&slug.get_value()).await;
            if let (Ok(list), None) = (&answer, service.get_untracked()) {
                let wanted = preselect.get_value();
                let pick = list
                    .iter()
                    .find(|s| Some(&s.id) == wanted.as_ref())
                    .or(list.first().filter(|_| list.len() == 1));
                if pick.is_some() {
                    choose_service(pick.cloned());
                }
            }
            answer
        })
    });
    services.reload();
    let calendar = move || calendar(choice, slots);

    let send = move || {
        let form = sub.form.get_untracked();
        if let (false, Some(err)) = (rescheduling, form.validate()) {
            sub.invalid.set(Some(err.field));
            sub.notice.set(Some(err.message.to_owned()));
            sub.retry.set(false);
            return;
        }
        let (Some(s), Some(chosen)) = (service.get_untracked(), choice.slot.get_untracked()) else { return };
        sub.invalid.set(None);
        sub.notice.set(None);
        sub.retry.set(false);
        sub.pending.set(true);
        let key = sub.key.get_untracked();
        let start = chosen.start.to_rfc3339();
        let practitioner_id = practitioner.get_untracked();
        spawn_local(async move {
            let moving = reschedule.get_value();
            let answer = match &moving {
                Some(r) => {
                    let req = RescheduleRequest { start, practitioner_id };
                    api::reschedule(&r.id, &r.token, &req, &key).await
                }
                None => {
                    let req = CreateBookingRequest {
                        service_id: s.id,
                        start,
                        practitioner_id,
                        customer: CustomerInput {
                            name: form.name.trim().to_owned(),
                            email: Some(form.email.trim().to_owned()).filter(|e| !e.is_empty()),
                            phone: Some(form.phone.trim().to_owned()).filter(|p| !p.is_empty()),
                        },
                        notes: Some(form.notes.trim().to_owned()).filter(|n| !n.is_empty()),
                    };
                    api::book(&slug.get_value(), &req, &key).await
                }
            };
            sub.pending.set(false);
            match (answer, moving) {
                (Ok(booking), Some(r)) => (r.moved)(booking),
                (answer, _) => settle(sub, choice, slots, answer),
            }
        });
    };

    let zones = StoredValue::new(clock::timezone_choices(&browser_tz, &org.timezone, clock::known_zone));
    let services_view = move || match services.get() {
        None => loading("Loading services…"),
        Some(Err(f)) => failed(&f, move || services.reload()),
        Some(Ok(list)) => list
            .into_iter()
            .map(|s| {
                let id = s.id.clone();
                let pressed = move || {
                    if service.with(|x| x.as_ref().is_some_and(|x| x.id == id)) { "true" } else { "false" }
                };
                let chosen = s.clone();
                view! {
                    <button type="button" class="choice" data-testid="service" aria-pressed=pressed
                        on:click=move |_| choose_service(Some(chosen.clone()))>
                        <strong>{s.name}</strong>
                        <span>{format!(" · {} min", s.duration_minutes)}</span>
                        <small>{s.description}</small>
                    </button>
                }
            })
            .collect_view()
            .into_any(),
    };
    let practitioner_options = move || {
        practitioners
            .ok()
            .unwrap_or_default()
            .into_iter()
            .map(|p| view! { <option value=p.id>{p.name}</option> })
            .collect_view()
    };
    let zone_options = move || {
        let current = choice.tz.get_untracked();
        zones.get_value().into_iter().map(move |z| {
            let selected = z == current;
            view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
        })
    };
    let has_slot = Memo::new(move |_| choice.slot.with(Option::is_some));
    let pickers = move || {
        service.with(Option::is_some).then(|| {
            view! {
                <section class="options">
                    <label>"Practitioner "
                        <select data-testid="practitioner-select" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            practitioner.set((!v.is_empty()).then_some(v));
                            choice.slot.set(None);
                            slots.reload();
                        }>
                            <option value="">"Any available"</option>
                            {practitioner_options}
                        </select>
                    </label>
                    <label>"Times shown in "
                        <select data-testid="timezone-select" on:change=move |ev| choice.tz.set(event_target_value(&ev))>
                            {zone_options().collect_view()}
                        </select>
                    </label>
                </section>
                {calendar()}
                {times(choice, slots)}
            }
        })
    };
    let form = move || {
        has_slot.get().then(|| {
            view! {
                <form class="details" on:submit=move |ev| { ev.prevent_default(); send(); }>
                    {details(sub, rescheduling)}
                </form>
            }
        })
    };
    let steps = move || {
        view! {
            <section aria-labelledby="services-title">
                <h2 id="services-title">"Service"</h2>
                {services_view}
            </section>
            {pickers}
            {form}
            <p role="alert" class="notice" data-testid="notice">
                {move || sub.notice.get()}
                {move || sub.retry.get().then(|| view! {
                    " "<button type="button" data-testid="retry-submit" on:click=move |_| send()>"Try again"</button>
                })}
            </p>
        }
    };
    // The steps until a booking is confirmed, then the confirmation.
    move || match sub.confirmed.get() {
        None => steps().into_any(),
        Some(b) => {
            let with = practitioners
                .ok()
                .unwrap_or_default()
                .into_iter()
                .find(|p| p.id == b.practitioner_id)
                .map(|p| p.name)
                .unwrap_or_default();
            confirmation(b, choice.tz.get_untracked(), with, &slug.get_value()).into_any()
        }
    }
}

/// What the server's answer to a submission means for the screen.
fn settle(sub: Submission, choice: Choice, slots: Remote<Vec<Slot>>, answer: Result<Booking, Failure>) {
    match answer {
        Ok(booking) => {
            host::booked(&booking);
            sub.notice.set(None);
            sub.confirmed.set(Some(booking));
        }
        Err(failure) => {
            sub.notice.set(Some(failure.message()));
            if failure.status().is_some() {
                // The server answered: this key now stands for that answer; a new attempt
                // needs a new key. (After a network failure the same key makes a retry safe.)
                sub.key.set(clock::idempotency_key());
            }
            if let Some(field) = failure.form_field() {
                sub.invalid.set(Some(field));
            }
            let gone = failure.time_gone();
            sub.retry.set(!gone);
            if gone {
                choice.slot.set(None);
                slots.reload();
            }
        }
    }
}
