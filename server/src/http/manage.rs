//! A customer's own booking on the public surface, by its manage token:
//! `GET /api/v1/public/bookings/{id}?token=…`, `POST …/cancel?token=…`,
//! `POST …/reschedule?token=…`, `GET …/calendar.ics?token=…`. The token is the one the
//! booking response carried or one from a mail's manage link. A wrong or missing token is
//! the same 404 as an unknown id.

use crate::domain::bookings;
use crate::domain::scheduling::Surface;
use crate::http::context::{Caller, ClientIp};
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery, OptionalJson};
use crate::http::idempotency::{Idempotency, public_scope};
use crate::http::openapi::{PublicErrors, WriteErrors};
use crate::http::state::AppState;
use crate::keys::hash_secret;
use crate::model::{BookingRecord, Org};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use cadence_shared::{Booking, CancelRequest, RescheduleRequest};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(cancel))
        .routes(routes!(reschedule))
        .routes(routes!(calendar))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TokenQuery {
    token: Option<String>,
}

/// The booking and its org, when `token` is its manage token (compared in constant time).
async fn authorised(
    state: &AppState,
    caller: &Caller,
    id: &str,
    token: Option<&str>,
) -> Result<(BookingRecord, Org), ApiError> {
    let not_found = || ApiError::not_found("Booking");
    let booking = state.store.find_booking(id).await?.ok_or_else(not_found)?;
    let Some(token) = token else { return Err(not_found()) };
    let hash = hash_secret(token);
    let matches = |stored: &str| bool::from(hash.as_bytes().ct_eq(stored.as_bytes()));
    // The token of the booking response, else one of the links sent by mail.
    if !booking.manage_token_hash.as_deref().is_some_and(matches)
        && !state.store.mail_token_hashes(&booking.id).await?.iter().any(|h| matches(h))
    {
        return Err(not_found());
    }
    let org = state.store.find_org(&booking.org_id).await?.ok_or_else(not_found)?;
    caller.set_org(&org.id);
    Ok((booking, org))
}

#[utoipa::path(get, path = "/api/v1/public/bookings/{id}", operation_id = "public_get_booking", tag = "public", params(("id" = String, Path, description = "Booking id"), TokenQuery), responses((status = 200, body = Booking), PublicErrors))]
async fn show(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<TokenQuery>,
) -> Result<Json<Booking>, ApiError> {
    let (booking, _) = authorised(&state, &caller, &id, q.token.as_deref()).await?;
    Ok(Json(Booking::from(&booking)))
}

#[utoipa::path(post, path = "/api/v1/public/bookings/{id}/cancel", operation_id = "public_cancel_booking", tag = "public", params(("id" = String, Path, description = "Booking id"), TokenQuery, ("Idempotency-Key" = Option<String>, Header, description = "Makes the POST safe to retry: same key and body replay the first response (24 h).")), request_body(content = Option<CancelRequest>, description = "Optional"), responses((status = 200, body = Booking), PublicErrors, WriteErrors))]
async fn cancel(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    idem: Idempotency,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<TokenQuery>,
    OptionalJson(req): OptionalJson<CancelRequest>,
) -> Result<Response, ApiError> {
    let (_, org) = authorised(&state, &caller, &id, q.token.as_deref()).await?;
    let (store, notify) = (state.store.as_ref(), state.notify());
    let outcome = idem
        .run(store, &public_scope(&org, client), &req, |req, key| async move {
            Ok(Booking::from(
                &bookings::cancel(store, &org, Surface::Public, notify, &id, req.reason.as_deref(), key)
                    .await?,
            ))
        })
        .await?;
    Ok(outcome.into_response(StatusCode::OK))
}

#[utoipa::path(post, path = "/api/v1/public/bookings/{id}/reschedule", operation_id = "public_reschedule_booking", tag = "public", params(("id" = String, Path, description = "Booking id"), TokenQuery, ("Idempotency-Key" = Option<String>, Header, description = "Makes the POST safe to retry: same key and body replay the first response (24 h).")), request_body = RescheduleRequest, responses((status = 200, body = Booking), PublicErrors, WriteErrors))]
async fn reschedule(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    idem: Idempotency,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<TokenQuery>,
    AppJson(req): AppJson<RescheduleRequest>,
) -> Result<Response, ApiError> {
    let (_, org) = authorised(&state, &caller, &id, q.token.as_deref()).await?;
    let (store, notify) = (state.store.as_ref(), state.notify());
    let outcome = idem
        .run(store, &public_scope(&org, client), &req, |req, key| async move {
            Ok(Booking::from(
                &bookings::reschedule(store, &org, Surface::Public, notify, &id, req, key).await?,
            ))
        })
        .await?;
    Ok(outcome.into_response(StatusCode::OK))
}

#[utoipa::path(get, path = "/api/v1/public/bookings/{id}/calendar.ics", operation_id = "public_booking_calendar", tag = "public", params(("id" = String, Path, description = "Booking id"), TokenQuery), responses((status = 200, content_type = "text/calendar", body = String, description = "The booking as one calendar event (cancelled ones with STATUS:CANCELLED)"), PublicErrors))]
async fn calendar(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(id): AppPath<String>,
    AppQuery(q): AppQuery<TokenQuery>,
) -> Result<Response, ApiError> {
    use crate::http::calendar::{booking_event, calendar_response, service_name, uid_host};
    let (booking, org) = authorised(&state, &caller, &id, q.token.as_deref()).await?;
    let catalogue = state.store.catalogue(&org).await?;
    let practitioner = catalogue
        .practitioners
        .iter()
        .find(|p| p.id == booking.practitioner_id)
        .map_or("", |p| p.name.as_str());
    let summary = match practitioner {
        "" => service_name(&catalogue, &booking.service_id).to_owned(),
        name => format!("{} with {name}", service_name(&catalogue, &booking.service_id)),
    };
    let event = booking_event(&booking, &summary, &org.name);
    let body = crate::mail::ics::feed(&org.name, &[event], &uid_host(&state), crate::clock::now());
    Ok(calendar_response(body, "booking.ics"))
}
