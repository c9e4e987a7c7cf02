//! Org API: availability and bookings (`/api/v1/availability`, `/api/v1/bookings…`).

use crate::app::AppState;
use crate::bookings;
use crate::error::ApiError;
use crate::http::auth::{BookingsRead, BookingsWrite, OrgAuth, Scoped};
use crate::http::extract::{AppJson, AppPath, AppQuery, OptionalJson};
use crate::http::responses::{booking_page, outcome_response};
use crate::idempotency::{self, IdempotencyKey};
use crate::input::{RangeEnd, date_or_instant};
use crate::scheduling::{self, Surface, org_timezone};
use crate::store::{BookingFilter, IdempotencyRef};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use cadence_shared::{
    AvailabilityResponse, Booking, BookingStatus, CancelRequest, CreateBookingRequest, Page,
    RescheduleRequest,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/availability", get(availability))
        .route("/api/v1/bookings", get(list).post(create))
        .route("/api/v1/bookings/{id}", get(show))
        .route("/api/v1/bookings/{id}/reschedule", post(reschedule))
        .route("/api/v1/bookings/{id}/cancel", post(cancel))
}

/// Query of `GET …/availability` (org API and public surface alike).
#[derive(Deserialize)]
pub struct AvailabilityQuery {
    pub service_id: Option<String>,
    pub practitioner_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

async fn availability(
    State(state): State<AppState>,
    auth: Scoped<BookingsRead>,
    AppQuery(q): AppQuery<AvailabilityQuery>,
) -> Result<Json<AvailabilityResponse>, ApiError> {
    let (service, practitioner) = (q.service_id.as_deref(), q.practitioner_id.as_deref());
    let res = scheduling::availability(
        state.store.as_ref(),
        &auth.org,
        Surface::OrgApi,
        service,
        practitioner,
        q.from.as_deref(),
        q.to.as_deref(),
    )
    .await?;
    Ok(Json(res))
}

fn scope(auth: &OrgAuth) -> String {
    format!("org:{}", auth.org.id)
}

async fn create(
    State(state): State<AppState>,
    auth: Scoped<BookingsWrite>,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(req): AppJson<CreateBookingRequest>,
) -> Result<Response, ApiError> {
    let scope = scope(&auth);
    let idem = key.as_deref().map(|key| IdempotencyRef { scope: &scope, key });
    let hash = idempotency::request_hash("POST", "/api/v1/bookings", &req);
    let store = state.store.as_ref();
    let outcome = idempotency::run(store, idem, &hash, |idem| async move {
        let created = bookings::create(store, &auth.org, Surface::OrgApi, &req, idem).await?;
        Ok(created.booking.to_wire())
    })
    .await?;
    Ok(outcome_response(outcome, StatusCode::CREATED))
}

async fn show(
    State(state): State<AppState>,
    auth: Scoped<BookingsRead>,
    AppPath(id): AppPath<String>,
) -> Result<Json<Booking>, ApiError> {
    let booking =
        state.store.get_booking(&auth.org.id, &id).await?.ok_or_else(|| ApiError::not_found("Booking"))?;
    Ok(Json(booking.to_wire()))
}

async fn reschedule(
    State(state): State<AppState>,
    auth: Scoped<BookingsWrite>,
    IdempotencyKey(key): IdempotencyKey,
    AppPath(id): AppPath<String>,
    AppJson(req): AppJson<RescheduleRequest>,
) -> Result<Response, ApiError> {
    let scope = scope(&auth);
    let idem = key.as_deref().map(|key| IdempotencyRef { scope: &scope, key });
    let hash = idempotency::request_hash("POST", &format!("/api/v1/bookings/{id}/reschedule"), &req);
    let store = state.store.as_ref();
    let outcome = idempotency::run(store, idem, &hash, |idem| async move {
        let booking = bookings::reschedule(store, &auth.org, Surface::OrgApi, &id, &req, idem).await?;
        Ok(booking.to_wire())
    })
    .await?;
    Ok(outcome_response(outcome, StatusCode::OK))
}

async fn cancel(
    State(state): State<AppState>,
    auth: Scoped<BookingsWrite>,
    IdempotencyKey(key): IdempotencyKey,
    AppPath(id): AppPath<String>,
    OptionalJson(req): OptionalJson<CancelRequest>,
) -> Result<Response, ApiError> {
    let scope = scope(&auth);
    let idem = key.as_deref().map(|key| IdempotencyRef { scope: &scope, key });
    let hash = idempotency::request_hash("POST", &format!("/api/v1/bookings/{id}/cancel"), &req);
    let store = state.store.as_ref();
    let outcome = idempotency::run(store, idem, &hash, |idem| async move {
        let booking = bookings::cancel(store, &auth.org, &id, req.reason.as_deref(), idem).await?;
        Ok(booking.to_wire())
    })
    .await?;
    Ok(outcome_response(outcome, StatusCode::OK))
}

/// Query of `GET /bookings`.
#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    practitioner_id: Option<String>,
    service_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    customer_email: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Bookings ordered by start (the natural order of a calendar), then id.
async fn list(
    State(state): State<AppState>,
    auth: Scoped<BookingsRead>,
    AppQuery(q): AppQuery<ListQuery>,
) -> Result<Json<Page<Booking>>, ApiError> {
    let tz = org_timezone(&auth.org);
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some("confirmed") => Some(BookingStatus::Confirmed),
        Some("cancelled") => Some(BookingStatus::Cancelled),
        Some(other) => {
            return Err(ApiError::invalid(
                "invalid_status",
                "status",
                format!("'{other}' is not a status; use confirmed or cancelled."),
            ));
        }
    };
    let filter = BookingFilter {
        status,
        practitioner_id: q.practitioner_id,
        service_id: q.service_id,
        from: q.from.as_deref().map(|raw| date_or_instant("from", raw, tz, RangeEnd::From)).transpose()?,
        to: q.to.as_deref().map(|raw| date_or_instant("to", raw, tz, RangeEnd::To)).transpose()?,
        customer_email: q.customer_email.map(|e| e.trim().to_lowercase()),
        customer_id: None,
    };
    let store = state.store.as_ref();
    let page = booking_page(q.limit, q.cursor.as_deref(), |cursor, limit| {
        let filter = &filter;
        let org_id = auth.org.id.as_str();
        async move { Ok(store.list_bookings(org_id, filter, cursor.as_ref(), limit).await?) }
    })
    .await?;
    Ok(Json(page))
}
