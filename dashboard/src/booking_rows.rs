//! What the booking screens share: the catalogue (services and practitioners by id) they
//! name things with, one booking as a row, every page of a list, and reloading when the
//! browser tab is shown again.

use crate::api::{self, Failure};
use crate::nav::{BASE, Link};
use crate::time;
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
