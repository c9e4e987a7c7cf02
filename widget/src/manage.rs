//! One booking, opened with its manage token (`/{slug}?booking=bk_…&token=…`): see it,
//! cancel it, or move it to another time.

use crate::api::{self, Failure};
use crate::clock;
use crate::flow::{BookingFlow, Reschedule};
use crate::i18n::t;
use crate::remote::{Remote, request};
use crate::status::{failed, loading};
use cadence_shared::{Booking, BookingStatus, PublicOrg};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn ManageBooking(org: PublicOrg, id: String, token: String) -> impl IntoView {
    let (id, token) = (StoredValue::new(id), StoredValue::new(token));
    let booking = Remote::<Booking>::new(move || {
        let (id, token) = (id.get_value(), token.get_value());
        request(async move { api::booking(&id, &token).await })
    });
    booking.reload();
    let moving = RwSignal::new(false);
    let moved = RwSignal::new(false);
    let cancel_failed = RwSignal::new(None::<Failure>);
    // One key per cancel request the customer starts; a retry after no answer reuses it.
    let cancel_key = StoredValue::new(clock::idempotency_key());
    let cancel = move || {
        cancel_failed.set(None);
        spawn_local(async move {
            match api::cancel(&id.get_value(), &token.get_value(), &cancel_key.get_value()).await {
                Ok(b) => booking.set(b),
                Err(f) => {
                    if f.status().is_some() {
                        cancel_key.set_value(clock::idempotency_key());
                    }
                    cancel_failed.set(Some(f));
                }
            }
        })
    };
    let tz = clock::browser_timezone();
    let org = StoredValue::new(org);
    let page = move || match booking.get() {
        None => loading(t().loading_booking),
        Some(Err(f)) if f.status().is_some() => {
            // A wrong or cut-off token is a 404 too: it is the link, not the page, that is off.
            let text = match f.status() {
                Some(404) => t().booking_not_found.into(),
                _ => f.message(),
            };
            view! { <p role="alert" class="error" data-testid="widget-error">{text}</p> }.into_any()
        }
        Some(Err(f)) => failed(&f, move || booking.reload()),
        Some(Ok(b)) => {
            let cancelled = b.status == BookingStatus::Cancelled;
            let when =
                format!("{}, {} ({})", clock::date_label(b.start, &tz), clock::time_label(b.start, &tz), tz);
            let actions = (!cancelled).then(|| {
                view! {
                    <p>
                        <button type="button" data-testid="cancel-booking" on:click=move |_| cancel()>{t().cancel_booking}</button>
                        " "
                        <button type="button" data-testid="reschedule-booking" on:click=move |_| moving.set(true)>{t().choose_new_time}</button>
                    </p>
                }
            });
            let service = b.service_id.clone();
            let flow = move || {
                (moving.get() && !cancelled).then(|| {
                    let reschedule = Reschedule {
                        id: id.get_value(),
                        token: token.get_value(),
                        moved: std::sync::Arc::new(move |b| {
                            booking.set(b);
                            moving.set(false);
                            moved.set(true);
                        }),
                    };
                    view! { <BookingFlow org=org.get_value() preselect=Some(service.clone()) reschedule=Some(reschedule)/> }
                })
            };
            view! {
                <h2>{t().your_booking}</h2>
                <p data-testid="manage-when">{when}</p>
                <p data-testid="manage-status">{if cancelled { t().cancelled } else { t().confirmed }}</p>
                {actions}
                {flow}
            }
            .into_any()
        }
    };
    view! {
        <section class="manage" data-testid="manage">
            {page}
            {move || moved.get().then(|| view! { <p class="moved" role="status" data-testid="moved">{t().moved}</p> })}
            <p role="alert">{move || cancel_failed.get().map(|f| f.message())}</p>
        </section>
    }
}
