//! The customer's part of the booking: the details form (kept across retries), what the
//! server's answer to it means for the screen, and the confirmation.

use crate::api::Failure;
use crate::clock;
use crate::form::CustomerForm;
use crate::host;
use crate::i18n::t;
use crate::pick::Choice;
use crate::remote::Remote;
use cadence_shared::{Booking, Slot};
use leptos::prelude::*;

/// What the customer typed and how the last submission went.
#[derive(Clone, Copy)]
pub struct Submission {
    pub form: RwSignal<CustomerForm>,
    /// A validation message or the server's answer, in words.
    pub notice: RwSignal<Option<String>>,
    /// The field the notice is about.
    pub invalid: RwSignal<Option<&'static str>>,
    /// Whether "Try again" makes sense (429, network, a 422 about a field; not a time that
    /// is gone).
    pub retry: RwSignal<bool>,
    pub pending: RwSignal<bool>,
    /// Kept across retries after a network failure, renewed once the server answered.
    pub key: RwSignal<String>,
    pub confirmed: RwSignal<Option<Booking>>,
}

impl Submission {
    /// An empty form with a fresh idempotency key.
    pub fn empty() -> Submission {
        Submission {
            form: RwSignal::new(CustomerForm::default()),
            notice: RwSignal::new(None),
            invalid: RwSignal::new(None),
            retry: RwSignal::new(false),
            pending: RwSignal::new(false),
            key: RwSignal::new(clock::idempotency_key()),
            confirmed: RwSignal::new(None),
        }
    }
}

/// The customer form, filled with what was typed before (it outlives a 409 or a retry).
pub fn details(sub: Submission, rescheduling: bool) -> impl IntoView {
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
            <h2>{t().your_details}</h2>
            <label>{t().name}" "<input data-testid="name" autocomplete="name" aria-invalid=flag("name")
                prop:value=typed.name on:input=edit(|f, v| f.name = v)/></label>
            <label>{t().email}" "<input data-testid="email" type="email" autocomplete="email" aria-invalid=flag("email")
                prop:value=typed.email on:input=edit(|f, v| f.email = v)/></label>
            <label>{t().phone}" "<input data-testid="phone" type="tel" autocomplete="tel" aria-invalid=flag("phone")
                prop:value=typed.phone on:input=edit(|f, v| f.phone = v)/></label>
            <label>{t().notes}" "<textarea data-testid="notes" aria-invalid=flag("notes") prop:value=typed.notes
                on:input=edit(|f, v| f.notes = v)></textarea></label>
        }
    });
    let label = match rescheduling {
        true => t().move_here,
        false => t().book,
    };
    view! {
        {fields}
        <button type="submit" class="primary" data-testid="submit" disabled=move || sub.pending.get()>
            {move || if sub.pending.get() { t().sending } else { label }}
        </button>
    }
}

/// The confirmation after booking an appointment.
pub fn confirmation(b: Booking, zone: String, with: String, slug: &str) -> impl IntoView + use<> {
    let links = b.manage_token.clone().map(|token| {
        // The manage page speaks the language the customer booked in.
        let href = format!("/{slug}?booking={}&token={token}&locale={}", b.id, crate::i18n::tag());
        let ics = format!("/api/v1/public/bookings/{}/calendar.ics?token={token}", b.id);
        view! {
            <p class="links">
                <a href=href data-testid="manage-link">{t().manage_link}</a>
                <a href=ics data-testid="calendar-link">{t().add_to_calendar}</a>
            </p>
        }
    });
    view! {
        <section class="confirmation" data-testid="confirmation" aria-live="polite">
            <h2>{t().booked}</h2>
            <p data-testid="confirmation-when">{clock::date_label(b.start, &zone)}", "{clock::time_label(b.start, &zone)}</p>
            <p>{t().times_in}" "{zone}</p>
            <p data-testid="confirmation-practitioner">{t().with}" "{with}</p>
            {links}
        </section>
    }
}

/// What the server's answer to a submission means for the screen.
pub fn settle(sub: Submission, choice: Choice, slots: Remote<Vec<Slot>>, answer: Result<Booking, Failure>) {
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
