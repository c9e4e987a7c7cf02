//! Calendars: a practitioner's subscribable feed (`POST /api/v1/practitioners/{id}/calendar-feed`
//! makes its secret URL, `GET /ical/{secret}.ics` serves it) and one booking's event for
//! its customer (`GET /api/v1/public/bookings/{id}/calendar.ics?token=…`, the widget's
//! "Add to calendar").

use crate::http::auth::{PractitionersWrite, Scoped};
use crate::http::context::Caller;
use crate::http::error::ApiError;
use crate::http::extract::AppPath;
use crate::http::openapi::OrgApiErrors;
use crate::http::state::AppState;
use crate::keys::{hash_secret, random_token};
use crate::mail::ics::{self, BookingEvent};
use crate::model::{BookingRecord, Catalogue};
use crate::store::StoreError;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use cadence_shared::{BookingStatus, CalendarFeed, ErrorBody};
use chrono::Duration;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_feed)).routes(routes!(feed))
}

/// `text/calendar`, never cached by shared caches (the URL is a secret).
pub fn calendar_response(body: String, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// The host of event UIDs, as in the invitations mailed.
pub fn uid_host(state: &AppState) -> String {
    crate::mail::uid_host(&state.config.mail.from)
}

/// A booking as an event of a calendar, named by service and customer (feeds) or service
/// and practitioner (the customer's own).
pub fn booking_event<'a>(b: &'a BookingRecord, summary: &'a str, location: &'a str) -> BookingEvent<'a> {
    BookingEvent {
        booking_id: &b.id,
        sequence: b.sequence,
        start: b.start,
        end: b.end,
        summary,
        description: "",
        location,
        cancelled: b.status == BookingStatus::Cancelled,
    }
}

pub fn service_name<'a>(catalogue: &'a Catalogue, id: &str) -> &'a str {
    catalogue.services.iter().find(|s| s.id == id).map_or("Appointment", |s| &s.name)
}

#[utoipa::path(post, path = "/api/v1/practitioners/{id}/calendar-feed", operation_id = "rotate_calendar_feed", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Practitioner id")), responses((status = 201, body = CalendarFeed, description = "A new secret feed URL; the previous one stops working"), OrgApiErrors))]
async fn create_feed(
    State(state): State<AppState>,
    auth: Scoped<PractitionersWrite>,
    AppPath(id): AppPath<String>,
) -> Result<(StatusCode, Json<CalendarFeed>), ApiError> {
    let secret = random_token();
    match state
        .store
        .replace_calendar_feed(&auth.org.id, &id, &hash_secret(&secret), crate::clock::now())
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(ApiError::not_found("Practitioner")),
        Err(other) => return Err(other.into()),
    }
    let url = format!("{}/ical/{secret}.ics", state.config.mail.public_url);
    Ok((StatusCode::CREATED, Json(CalendarFeed { url })))
}

#[utoipa::path(get, path = "/ical/{file}", operation_id = "calendar_feed", tag = "public", params(("file" = String, Path, description = "`<secret>.ics`, from the calendar-feed URL")), responses((status = 200, content_type = "text/calendar", body = String, description = "The practitioner's confirmed bookings, 30 days back to a year ahead"), (status = 400, body = ErrorBody, description = "A path that is not text"), (status = 404, body = ErrorBody, description = "Unknown or replaced feed")))]
async fn feed(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(file): AppPath<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("Calendar feed");
    let secret = file.strip_suffix(".ics").ok_or_else(not_found)?;
    let (org_id, practitioner_id) =
        state.store.calendar_feed(&hash_secret(secret)).await?.ok_or_else(not_found)?;
    caller.set_org(&org_id);
    let org = state.store.find_org(&org_id).await?.ok_or_else(not_found)?;
    let catalogue = state.store.catalogue(&org).await?;
    let practitioner =
        catalogue.practitioners.iter().find(|p| p.id == practitioner_id).ok_or_else(not_found)?;
    let now = crate::clock::now();
    let bookings = state
        .store
        .practitioner_bookings(&org.id, &practitioner_id, now - Duration::days(30), now + Duration::days(365))
        .await?;
    let summaries: Vec<String> = bookings
        .iter()
        .map(|b| format!("{}: {}", service_name(&catalogue, &b.service_id), b.customer_name))
        .collect();
    let events: Vec<BookingEvent<'_>> =
        bookings.iter().zip(&summaries).map(|(b, s)| booking_event(b, s, &org.name)).collect();
    let name = format!("{} – {}", practitioner.name, org.name);
    Ok(calendar_response(ics::feed(&name, &events, &uid_host(&state), now), "bookings.ics"))
}
