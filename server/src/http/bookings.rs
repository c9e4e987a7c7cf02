//! Org API: availability and bookings (`/api/v1/availability`, `/api/v1/bookings…`).

use crate::domain::bookings;
use crate::domain::input::{RangeEnd, date_or_instant};
use crate::domain::scheduling::{self, Surface, org_timezone};
use crate::http::auth::{BookingsRead, BookingsWrite, CachedScoped, Scoped};
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery, OptionalJson};
use crate::http::idempotency::{Idempotency, org_scope};
use crate::http::openapi::{OrgApiErrors, WriteErrors};
use crate::http::responses::booking_page;
use crate::http::state::AppState;
use crate::model::BookingFilter;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cadence_shared::{
    AvailabilityResponse, Booking, BookingStatus, CancelRequest, CreateBookingRequest, Page,
    RescheduleRequest,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(availability))
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(reschedule))
        .routes(routes!(cancel))
}

/// Query of `GET …/availability` (org API and public surface alike).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// The service (required).
    pub service_id: Option<String>,
    /// One practitioner; without it, any who offers the service.
    pub practitioner_id: Option<String>,
    /// A date (`YYYY-MM-DD`, in the org's timezone) or an RFC 3339 instant; default now.
    pub from: Option<String>,
    /// A date (inclusive) or an instant; default `from` + 7 days; at most 62 days after `from`.
    pub to: Option<String>,
    /// `practitioner_ids`: list each slot's free practitioners (sorted by id). Without it
    /// slots carry only `start` and `end`, which keeps a month small.
    pub include: Option<String>,
}

impl AvailabilityQuery {
    pub fn ask(&self) -> scheduling::AvailabilityAsk<'_> {
        scheduling::AvailabilityAsk {
            service_id: self.service_id.as_deref(),
            practitioner_id: self.practitioner_id.as_deref(),
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            include: self.include.as_deref(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/availability", operation_id = "get_availability", tag = "bookings", security(("api_key" = [])), params(AvailabilityQuery), responses((status = 200, body = AvailabilityResponse, description = "Open slots, ordered by start (scope bookings:read)"), OrgApiErrors))]
async fn availability(
    State(state): State<AppState>,
    auth: Scoped<BookingsRead>,
    AppQuery(q): AppQuery<AvailabilityQuery>,
) -> Result<Json<AvailabilityResponse>, ApiError> {
    let res = scheduling::availability(state.store.as_ref(), &auth.org, Surface::OrgApi, q.ask()).await?;
    Ok(Json(res))
}

#[utoipa::path(post, path = "/api/v1/bookings", operation_id = "create_booking", tag = "bookings", security(("api_key" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Makes the POST safe to retry: same key and body replay the first response (24 h).")), request_body = CreateBookingRequest, responses((status = 201, body = Booking, description = "Created (scope bookings:write)"), (status = 200, body = Booking, description = "Idempotent replay"), OrgApiErrors, WriteErrors))]
async fn create(
    State(state): State<AppState>,
    auth: CachedScoped<BookingsWrite>,
    idem: Idempotency,
    AppJson(req): AppJson<CreateBookingRequest>,
) -> Result<Response, ApiError> {
    let (store, notify) = (state.store.as_ref(), state.notify());
    let (org, guard, auth, state) = (&auth.auth.org, auth.guard.clone(), &auth, &state);
    let outcome = idem
        .run(store, &org_scope(org), &req, |req, key| async move {
            let created = match bookings::create(store, org, Surface::OrgApi, notify, req, key, guard).await {
                // From the cache: refused on what the database now says, or as it said.
                Err(refused) if auth.guard.is_some() => match auth.refresh(state).await? {
                    Some(fresh) => {
                        bookings::create(store, &fresh.org, Surface::OrgApi, notify, req, key, None).await?
                    }
                    None => return Err(refused.into()),
                },
                created => created?,
            };
            Ok(Booking::from(&created.booking))
        })
        .await?;
    Ok(outcome.into_response(StatusCode::CREATED))
}

#[utoipa::path(get, path = "/api/v1/bookings/{id}", operation_id = "get_booking", tag = "bookings", security(("api_key" = [])), params(("id" = String, Path, description = "Booking id")), responses((status = 200, body = Booking), OrgApiErrors))]
async fn show(
    State(state): State<AppState>,
    auth: Scoped<BookingsRead>,
    AppPath(id): AppPath<String>,
) -> Result<Json<Booking>, ApiError> {
    let booking =
        state.store.get_booking(&auth.org.id, &id).await?.ok_or_else(|| ApiError::not_found("Booking"))?;
    Ok(Json(Booking::from(&booking)))
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/reschedule", operation_id = "reschedule_booking", tag = "bookings", security(("api_key" = [])), params(("id" = String, Path, description = "Booking id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the POST safe to retry: same key and body replay the first response (24 h).")), request_body = RescheduleRequest, responses((status = 200, body = Booking), OrgApiErrors, WriteErrors))]
async fn reschedule(
    State(state): State<AppState>,
    auth: Scoped<BookingsWrite>,
    idem: Idempotency,
    AppPath(id): AppPath<String>,
    AppJson(req): AppJson<RescheduleRequest>,
) -> Result<Response, ApiError> {
    let (store, notify) = (state.store.as_ref(), state.notify());
    let outcome = idem
        .run(store, &org_scope(&auth.org), &req, |req, key| async move {
            let booking =
                bookings::reschedule(store, &auth.org, Surface::OrgApi, notify, &id, req, key).await?;
            Ok(Booking::from(&booking))
        })
        .await?;
    Ok(outcome.into_response(StatusCode::OK))
}

#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", operation_id = "cancel_booking", tag = "bookings", security(("api_key" = [])), params(("id" = String, Path, description = "Booking id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the POST safe to retry: same key and body replay the first response (24 h).")), request_body(content = Option<CancelRequest>, description = "Optional; an empty body is fine"), responses((status = 200, body = Booking, description = "Cancelled (or already cancelled, unchanged)"), OrgApiErrors, WriteErrors))]
async fn cancel(
    State(state): State<AppState>,
    auth: Scoped<BookingsWrite>,
    idem: Idempotency,
    AppPath(id): AppPath<String>,
    OptionalJson(req): OptionalJson<CancelRequest>,
) -> Result<Response, ApiError> {
    let (store, notify) = (state.store.as_ref(), state.notify());
    let outcome = idem
        .run(store, &org_scope(&auth.org), &req, |req, key| async move {
            let booking =
                bookings::cancel(store, &auth.org, Surface::OrgApi, notify, &id, req.reason.as_deref(), key)
                    .await?;
            Ok(Booking::from(&booking))
        })
        .await?;
    Ok(outcome.into_response(StatusCode::OK))
}

/// Query of `GET /bookings`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
#[utoipa::path(get, path = "/api/v1/bookings", operation_id = "list_bookings", tag = "bookings", security(("api_key" = [])), params(ListQuery), responses((status = 200, body = Page<Booking>, description = "By start time, then id"), OrgApiErrors))]
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
