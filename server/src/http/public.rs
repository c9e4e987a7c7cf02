//! The keyless public booking surface, `/api/v1/public/…`: safe for browsers, CORS open
//! (see [`super::cors`]).
//! Inactive services and practitioners are invisible here.

use crate::domain::scheduling::{self, Surface};
use crate::domain::{bookings, catalog};
use crate::http::bookings::AvailabilityQuery;
use crate::http::context::{Caller, ClientIp};
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::idempotency::{Idempotency, Outcome, public_scope};
use crate::http::manage;
use crate::http::openapi::{PublicErrors, WriteErrors};
use crate::http::state::AppState;
use crate::model::Org;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use cadence_shared::{
    AvailabilityResponse, Booking, CreateBookingRequest, Page, PublicOrg, PublicPractitioner, PublicService,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_org))
        .routes(routes!(services))
        .routes(routes!(practitioners))
        .routes(routes!(availability))
        .routes(routes!(create_booking))
        .merge(manage::router())
}

/// The org of a public URL (404 when unknown), noted for the request log.
async fn org(state: &AppState, caller: &Caller, slug: &str) -> Result<Org, ApiError> {
    let org = state.store.find_org_by_slug(slug).await?.ok_or_else(|| ApiError::not_found("Org"))?;
    caller.set_org(&org.id);
    Ok(org)
}

/// `GET /api/v1/public/orgs/{slug}`: the org's public face.
#[utoipa::path(get, path = "/api/v1/public/orgs/{slug}", operation_id = "public_get_org", tag = "public", params(("slug" = String, Path, description = "Org slug")), responses((status = 200, body = PublicOrg), PublicErrors))]
async fn get_org(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(slug): AppPath<String>,
) -> Result<Json<PublicOrg>, ApiError> {
    let org = org(&state, &caller, &slug).await?;
    Ok(Json(PublicOrg::from(&org)))
}

/// Active services with their active practitioners (one page; an org has few).
#[utoipa::path(get, path = "/api/v1/public/orgs/{slug}/services", operation_id = "public_list_services", tag = "public", params(("slug" = String, Path, description = "Org slug")), responses((status = 200, body = Page<PublicService>, description = "Active services"), PublicErrors))]
async fn services(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(slug): AppPath<String>,
) -> Result<Json<Page<PublicService>>, ApiError> {
    let org = org(&state, &caller, &slug).await?;
    let services = catalog::bookable_services(state.store.as_ref(), &org.id).await?;
    let data = services.iter().map(PublicService::from).collect();
    Ok(Json(Page { data, has_more: false, next_cursor: None }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PractitionerQuery {
    service_id: Option<String>,
}

/// Active practitioners, optionally only those offering `service_id`.
#[utoipa::path(get, path = "/api/v1/public/orgs/{slug}/practitioners", operation_id = "public_list_practitioners", tag = "public", params(("slug" = String, Path, description = "Org slug"), PractitionerQuery), responses((status = 200, body = Page<PublicPractitioner>, description = "Active practitioners"), PublicErrors))]
async fn practitioners(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(slug): AppPath<String>,
    AppQuery(q): AppQuery<PractitionerQuery>,
) -> Result<Json<Page<PublicPractitioner>>, ApiError> {
    let org = org(&state, &caller, &slug).await?;
    let store = state.store.as_ref();
    let practitioners = catalog::bookable_practitioners(store, &org.id, q.service_id.as_deref()).await?;
    let data = practitioners.iter().map(PublicPractitioner::from).collect();
    Ok(Json(Page { data, has_more: false, next_cursor: None }))
}

#[utoipa::path(get, path = "/api/v1/public/orgs/{slug}/availability", operation_id = "public_get_availability", tag = "public", params(("slug" = String, Path, description = "Org slug"), AvailabilityQuery), responses((status = 200, body = AvailabilityResponse), PublicErrors))]
async fn availability(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    AppPath(slug): AppPath<String>,
    AppQuery(q): AppQuery<AvailabilityQuery>,
) -> Result<Json<AvailabilityResponse>, ApiError> {
    let org = org(&state, &caller, &slug).await?;
    let res = scheduling::availability(state.store.as_ref(), &org, Surface::Public, q.ask()).await?;
    Ok(Json(res))
}

/// `POST /api/v1/public/orgs/{slug}/bookings`: the response carries the booking's manage
/// token. A replay (same Idempotency-Key and body) issues a fresh manage token, since only
/// hashes are stored; the earlier one stops working.
#[utoipa::path(post, path = "/api/v1/public/orgs/{slug}/bookings", operation_id = "public_create_booking", tag = "public", params(("slug" = String, Path, description = "Org slug"), ("Idempotency-Key" = Option<String>, Header, description = "Makes the POST safe to retry: same key and body replay the first response (24 h).")), request_body = CreateBookingRequest, responses((status = 201, body = Booking, description = "Created; carries the manage_token once"), (status = 200, body = Booking, description = "Idempotent replay, with a fresh manage_token"), PublicErrors, WriteErrors))]
async fn create_booking(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    idem: Idempotency,
    AppPath(slug): AppPath<String>,
    AppJson(req): AppJson<CreateBookingRequest>,
) -> Result<Response, ApiError> {
    let org = org(&state, &caller, &slug).await?;
    let (store, notify) = (state.store.as_ref(), state.notify());
    let outcome = idem
        .run(store, &public_scope(&org, client), &req, |req, key| async move {
            let created = bookings::create(store, &org, Surface::Public, notify, req, key, None).await?;
            Ok(Booking { manage_token: created.manage_token, ..Booking::from(&created.booking) })
        })
        .await?;
    Ok(match outcome {
        fresh @ Outcome::Fresh(_) => fresh.into_response(StatusCode::CREATED),
        replayed_refusal @ Outcome::Replayed { status, .. } if status != StatusCode::CREATED => {
            replayed_refusal.into_response(StatusCode::CREATED)
        }
        Outcome::Replayed { body, .. } => {
            let mut booking: Booking = serde_json::from_str(&body).map_err(anyhow::Error::from)?;
            let token = crate::keys::random_token();
            store.set_manage_token_hash(&booking.id, &crate::keys::hash_secret(&token)).await?;
            booking.manage_token = Some(token);
            (StatusCode::OK, Json(booking)).into_response()
        }
    })
}
