//! The booking flow: service → practitioner → day → time → details → confirmation. With
//! `reschedule` it moves an existing booking to the chosen time instead.
//!
//! [`BookingFlow`] holds the flow's state in one [`Flow`] value; each part of the screen is
//! a function named after what the customer sees: [`service_list`], [`options`] (who and
//! which timezone), the calendar and times (`pick`), [`booking_form`] and the notice.

use crate::api;
use crate::calendar::Month;
use crate::clock;
use crate::details::{Submission, confirmation, details, settle};
use crate::i18n::t;
use crate::pick::{Choice, calendar, times};
use crate::remote::{Remote, request};
use crate::status::{failed, loading};
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

/// Everything the flow's parts share: what was chosen, what was loaded, what was typed.
#[derive(Clone, Copy)]
struct Flow {
    slug: StoredValue<String>,
    choice: Choice,
    service: RwSignal<Option<PublicService>>,
    /// `None`: any available practitioner.
    practitioner: RwSignal<Option<String>>,
    practitioners: Remote<Vec<PublicPractitioner>>,
    slots: Remote<Vec<Slot>>,
    sub: Submission,
    reschedule: StoredValue<Option<Reschedule>>,
}

impl Flow {
    fn rescheduling(self) -> bool {
        self.reschedule.with_value(Option::is_some)
    }

    /// A new service starts over from "any available" (the practitioner picked before may
    /// not offer it); the pickers are rebuilt with the select reset.
    fn choose_service(self, s: Option<PublicService>) {
        self.service.set(s);
        self.practitioner.set(None);
        self.choice.day.set(None);
        self.choice.slot.set(None);
        self.practitioners.reload();
        self.slots.reload();
    }

    /// Books the chosen time (or moves the booking there), after the form's own checks.
    fn send(self) {
        let sub = self.sub;
        let form = sub.form.get_untracked();
        if let (false, Some(err)) = (self.rescheduling(), form.validate()) {
            sub.invalid.set(Some(err.field));
            sub.notice.set(Some(err.message.to_owned()));
            sub.retry.set(false);
            return;
        }
        let (Some(s), Some(chosen)) = (self.service.get_untracked(), self.choice.slot.get_untracked()) else {
            return;
        };
        sub.invalid.set(None);
        sub.notice.set(None);
        sub.retry.set(false);
        sub.pending.set(true);
        let key = sub.key.get_untracked();
        let start = chosen.start.to_rfc3339();
        let practitioner_id = self.practitioner.get_untracked();
        spawn_local(async move {
            let moving = self.reschedule.get_value();
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
                            // The mails show times in the zone the page showed them in.
                            timezone: Some(self.choice.tz.get_untracked()),
                        },
                        notes: Some(form.notes.trim().to_owned()).filter(|n| !n.is_empty()),
                    };
                    api::book(&self.slug.get_value(), &req, &key).await
                }
            };
            sub.pending.set(false);
            match (answer, moving) {
                (Ok(booking), Some(r)) => (r.moved)(booking),
                (answer, _) => settle(sub, self.choice, self.slots, answer),
            }
        });
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
    // The chosen service's practitioners and its open times: each loads again when what it
    // depends on changes (see `choose_service` and `pick`).
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
    let flow = Flow {
        slug,
        choice,
        service,
        practitioner,
        practitioners,
        slots,
        sub: Submission::empty(),
        reschedule: StoredValue::new(reschedule),
    };
    let services = load_services(flow, preselect);
    let zones = StoredValue::new(clock::timezone_choices(&browser_tz, &org.timezone, clock::known_zone));
    // The steps until a booking is confirmed, then the confirmation.
    move || match flow.sub.confirmed.get() {
        None => steps(flow, services, zones).into_any(),
        Some(b) => {
            let with = flow
                .practitioners
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

/// The org's services; the one asked for by `preselect` (or the only one) is chosen as soon
/// as they arrive.
fn load_services(flow: Flow, preselect: Option<String>) -> Remote<Vec<PublicService>> {
    let preselect = StoredValue::new(preselect);
    let services = Remote::<Vec<PublicService>>::new(move || {
        request(async move {
            let answer = api::services(&flow.slug.get_value()).await;
            if let (Ok(list), None) = (&answer, flow.service.get_untracked()) {
                let wanted = preselect.get_value();
                let pick = list
                    .iter()
                    .find(|s| Some(&s.id) == wanted.as_ref())
                    .or(list.first().filter(|_| list.len() == 1));
                if pick.is_some() {
                    flow.choose_service(pick.cloned());
                }
            }
            answer
        })
    });
    services.reload();
    services
}

/// Every step of the flow, top to bottom, and the notice about the last submission.
fn steps(flow: Flow, services: Remote<Vec<PublicService>>, zones: StoredValue<Vec<String>>) -> impl IntoView {
    let sub = flow.sub;
    let pickers = move || {
        flow.service.with(Option::is_some).then(|| {
            view! {
                {options(flow, zones)}
                {calendar(flow.choice, flow.slots)}
                {times(flow.choice, flow.slots)}
            }
        })
    };
    view! {
        <section aria-labelledby="services-title">
            <h2 id="services-title">{t().service}</h2>
            {move || service_list(flow, services)}
        </section>
        {pickers}
        {booking_form(flow)}
        <p role="alert" class="notice" data-testid="notice">
            {move || sub.notice.get()}
            {move || sub.retry.get().then(|| view! {
                " "<button type="button" data-testid="retry-submit" on:click=move |_| flow.send()>{t().try_again}</button>
            })}
        </p>
    }
}

/// The services as buttons (the chosen one pressed), or why they are not there yet.
fn service_list(flow: Flow, services: Remote<Vec<PublicService>>) -> AnyView {
    match services.get() {
        None => loading(t().loading_services),
        Some(Err(f)) => failed(&f, move || services.reload()),
        Some(Ok(list)) => list
            .into_iter()
            .map(|s| {
                let id = s.id.clone();
                let pressed = move || {
                    if flow.service.with(|x| x.as_ref().is_some_and(|x| x.id == id)) {
                        "true"
                    } else {
                        "false"
                    }
                };
                let chosen = s.clone();
                view! {
                    <button type="button" class="choice" data-testid="service" aria-pressed=pressed
                        on:click=move |_| flow.choose_service(Some(chosen.clone()))>
                        <strong>{s.name}</strong>
                        <span>{format!(" · {} {}", s.duration_minutes, t().minutes)}</span>
                        <small>{s.description}</small>
                    </button>
                }
            })
            .collect_view()
            .into_any(),
    }
}

/// Who performs the service ("any available" or a name) and the timezone times are shown in.
fn options(flow: Flow, zones: StoredValue<Vec<String>>) -> impl IntoView {
    let practitioner_options = move || {
        flow.practitioners
            .ok()
            .unwrap_or_default()
            .into_iter()
            .map(|p| view! { <option value=p.id>{p.name}</option> })
            .collect_view()
    };
    let current = flow.choice.tz.get_untracked();
    let zone_options = zones.get_value().into_iter().map(move |z| {
        let selected = z == current;
        view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
    });
    view! {
        <section class="options">
            <label>{t().practitioner}" "
                <select data-testid="practitioner-select" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    flow.practitioner.set((!v.is_empty()).then_some(v));
                    flow.choice.slot.set(None);
                    flow.slots.reload();
                }>
                    <option value="">{t().any_practitioner}</option>
                    {practitioner_options}
                </select>
            </label>
            <label>{t().timezone}" "
                <select data-testid="timezone-select" on:change=move |ev| flow.choice.tz.set(event_target_value(&ev))>
                    {zone_options.collect_view()}
                </select>
            </label>
        </section>
    }
}

/// The details form, once a time is chosen.
fn booking_form(flow: Flow) -> impl IntoView {
    let has_slot = Memo::new(move |_| flow.choice.slot.with(Option::is_some));
    move || {
        has_slot.get().then(|| {
            view! {
                <form class="details" on:submit=move |ev| { ev.prevent_default(); flow.send(); }>
                    {details(flow.sub, flow.rescheduling())}
                </form>
            }
        })
    }
}
