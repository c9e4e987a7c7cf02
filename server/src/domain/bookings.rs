//! Booking operations shared by the org API and the public surface: create, reschedule,
//! cancel. Handlers parse and authenticate; these functions decide.
//!
//! Status rules (PRODUCT.md, "Bookings"): a start that is not a slot at all is 422
//! `slot_not_open`; a slot that every eligible practitioner has booked is 409 `slot_taken`,
//! also when a concurrent request wins the race (the database refuses the overlap and the
//! next free practitioner is tried).

use crate::availability::{StartCheck, blocked_range};
use crate::domain::DomainError;
use crate::domain::input;
use crate::domain::notify::{self, Notify, Placed};
use crate::domain::scheduling::{Offer, Surface, find_service};
use crate::model::{BookingMove, BookingRecord, CancelledBy, KeyGuard, NewBooking, Org, least_loaded};
use crate::store::{IdempotencyRef, Store, StoreError};
use cadence_shared::{CreateBookingRequest, RescheduleRequest};
use chrono::{DateTime, Utc};

fn slot_not_open() -> DomainError {
    DomainError::invalid("slot_not_open", "start", "That time is not an open slot of this service.")
}

fn slot_taken() -> DomainError {
    DomainError::conflict("slot_taken", "That time was just taken by another booking.")
}

fn cancelled() -> DomainError {
    DomainError::conflict("booking_cancelled", "The booking is cancelled and cannot be rescheduled.")
}

/// Customers change a booking only until it starts (a cancellation after the visit would
/// tell the org's backend the visit never happened); the org may change it any time.
fn check_not_started(
    current: &BookingRecord,
    surface: Surface,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    if surface == Surface::Public && current.start <= now {
        return Err(DomainError::conflict(
            "booking_started",
            "This appointment has already started, so it can no longer be changed here; please contact the practice.",
        ));
    }
    Ok(())
}

/// What a refused booking write means to the caller.
fn refused(err: StoreError) -> DomainError {
    match err {
        StoreError::Overlap => slot_taken(),
        StoreError::NotFound => DomainError::not_found("Booking"),
        StoreError::Cancelled => cancelled(),
        other => other.into(),
    }
}

/// A created booking and, for public bookings, the manage token (shown once).
pub struct Created {
    pub booking: BookingRecord,
    pub manage_token: Option<String>,
}

/// Creates a booking. Without `practitioner_id` the least loaded free practitioner gets it
/// (fewest confirmed bookings that local day, then least recently booked, then by id).
/// `guard`: `org` came from a cache; the write checks it (a failed guard is 409
/// `slot_taken` here, which the caller then tells apart by asking the database).
pub async fn create(
    store: &dyn Store,
    org: &Org,
    surface: Surface,
    notify: Notify,
    req: &CreateBookingRequest,
    idem: Option<IdempotencyRef<'_>>,
    guard: Option<KeyGuard>,
) -> Result<Created, DomainError> {
    let service = find_service(store, org, &req.service_id, surface).await?;
    if !service.active {
        return Err(DomainError::invalid(
            "service_inactive",
            "service_id",
            "This service is not bookable (inactive).",
        ));
    }
    let start = input::instant("start", &req.start)?;
    let customer = input::customer(&req.customer)?;
    let notes = input::text("notes", req.notes.as_deref(), 2000)?;
    let offer = Offer::load(store, org, service, req.practitioner_id.as_deref(), surface).await?;
    let now = crate::clock::now();
    let candidates = offer.candidates(start, now);
    let Some(first) = candidates.first() else { return Err(slot_not_open()) };
    let manage_token = (surface == Surface::Public).then(crate::keys::random_token);
    let blocked = blocked_range(&offer.rules, start);
    let end = start + offer.rules.duration;
    // Written for the first candidate; the store puts in whoever takes the booking.
    let placed = Placed { practitioner_id: &first.practitioner_id, start, end };
    let reminder = offer.service.reminder_minutes_before;
    let mail = notify::created(notify, &placed, customer.email.is_some(), reminder, now);
    let booking = NewBooking {
        id: crate::ids::new_id("bk"),
        org_id: org.id.clone(),
        service_id: offer.service.id.clone(),
        practitioner_id: first.practitioner_id.clone(),
        start,
        end,
        blocked_start: blocked.start,
        blocked_end: blocked.end,
        customer_name: customer.name,
        customer_email: customer.email,
        customer_phone: customer.phone,
        notes,
        manage_token_hash: manage_token.as_deref().map(crate::keys::hash_secret),
        customer_timezone: customer.timezone,
        now,
        mail,
        guard,
    };
    let booking = store.book_first_free(&booking, &candidates, idem).await.map_err(refused)?;
    Ok(Created { booking, manage_token })
}

/// Moves a confirmed booking. Its own current time does not block the new one. Without
/// `practitioner_id` it stays with its practitioner when they are free, else moves to the
/// least loaded free one.
pub async fn reschedule(
    store: &dyn Store,
    org: &Org,
    surface: Surface,
    notify: Notify,
    booking_id: &str,
    req: &RescheduleRequest,
    idem: Option<IdempotencyRef<'_>>,
) -> Result<BookingRecord, DomainError> {
    let current =
        store.get_booking(&org.id, booking_id).await?.ok_or_else(|| DomainError::not_found("Booking"))?;
    if current.status == cadence_shared::BookingStatus::Cancelled {
        return Err(cancelled());
    }
    let now = crate::clock::now();
    check_not_started(&current, surface, now)?;
    let start = input::instant("start", &req.start)?;
    let service = find_service(store, org, &current.service_id, Surface::OrgApi).await?;
    let offer = Offer::load(store, org, service, req.practitioner_id.as_deref(), surface).await?;
    let mut candidates = match offer.check(store, start, now, Some(&current.id)).await? {
        (StartCheck::NotASlot, _) => return Err(slot_not_open()),
        (StartCheck::Taken, _) => return Err(slot_taken()),
        (StartCheck::Open(free), loads) => {
            let free = free.into_iter().map(|id| offer.candidate(id, start)).collect();
            least_loaded(free, &loads).into_iter().map(|c| c.practitioner_id).collect::<Vec<_>>()
        }
    };
    if let Some(i) = candidates.iter().position(|p| *p == current.practitioner_id) {
        let same = candidates.remove(i);
        candidates.insert(0, same);
    }
    let blocked = blocked_range(&offer.rules, start);
    for practitioner_id in candidates {
        let placed = Placed { practitioner_id: &practitioner_id, start, end: start + offer.rules.duration };
        let mail = notify::moved(notify, &current, &placed, offer.service.reminder_minutes_before, now);
        let to = BookingMove {
            practitioner_id,
            start,
            end: start + offer.rules.duration,
            blocked_start: blocked.start,
            blocked_end: blocked.end,
            now,
            mail,
        };
        match store.reschedule_booking(&org.id, booking_id, &to, idem).await {
            Ok(booking) => return Ok(booking),
            Err(StoreError::Overlap) => continue,
            Err(other) => return Err(refused(other)),
        }
    }
    Err(slot_taken())
}

/// Cancels; cancelling a cancelled booking returns it unchanged. On the public surface a
/// booking that has started can no longer be cancelled (409 `booking_started`).
pub async fn cancel(
    store: &dyn Store,
    org: &Org,
    surface: Surface,
    notify: Notify,
    booking_id: &str,
    reason: Option<&str>,
    idem: Option<IdempotencyRef<'_>>,
) -> Result<BookingRecord, DomainError> {
    let reason = input::text("reason", reason, 500)?;
    let now = crate::clock::now();
    let mut mail = Vec::new();
    if surface == Surface::Public || notify == Notify::On {
        let current =
            store.get_booking(&org.id, booking_id).await?.ok_or_else(|| DomainError::not_found("Booking"))?;
        if current.status == cadence_shared::BookingStatus::Confirmed {
            check_not_started(&current, surface, now)?;
        }
        let by = if surface == Surface::Public { CancelledBy::Customer } else { CancelledBy::Org };
        mail = notify::cancelled(notify, &current, by, reason.as_deref(), now);
    }
    store.cancel_booking(&org.id, booking_id, reason.as_deref(), now, &mail, idem).await.map_err(refused)
}
