//! The OpenAPI 3.1 document, `GET /api/v1/openapi.json`, generated from the same code that
//! routes: every API route is registered through `utoipa_axum::routes!`, which records its
//! `#[utoipa::path]` as it adds it to the router (tested in `tests/openapi.rs`).

use crate::http::state::AppState;
use axum::Json;
use cadence_shared::ErrorBody;
use std::sync::LazyLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cadence",
        description = "Appointment booking: the public booking surface (no auth, CORS open), the org API \
                       (API keys with scopes) and the account API (session tokens). Errors always use \
                       the envelope `{ \"error\": { type, code, message, field?, request_id } }`.",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "public", description = "Keyless booking surface for browsers, rate limited per client"),
        (name = "bookings", description = "Org API: availability and bookings"),
        (name = "resources", description = "Org API: services, practitioners, customers, the org"),
        (name = "webhooks", description = "Org API: webhook endpoints and their deliveries"),
        (name = "account", description = "Accounts, sessions and API keys"),
        (name = "operations", description = "Health and this document"),
    ),
    modifiers(&SecuritySchemes),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let bearer = |format: &str, description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme(
            "api_key",
            bearer("ck_live_…", "Org API key; routes list the scope they need."),
        );
        components.add_security_scheme(
            "session",
            bearer("cs_…", "Session token from /api/v1/auth/login or signup."),
        );
    }
}

/// Errors every org API route can answer with.
#[derive(utoipa::IntoResponses)]
pub enum OrgApiErrors {
    /// Malformed JSON, path or query.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Missing, unknown, expired or revoked API key (`unauthorized`, `key_expired`, `key_revoked`).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The key lacks the route's scope (`missing_scope`, with `required_scope`).
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Unknown, or another org's.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// Well-formed but invalid; `field` names the culprit.
    #[response(status = 422)]
    Invalid(ErrorBody),
    /// Rate limited; see `Retry-After`.
    #[response(status = 429)]
    RateLimited(ErrorBody),
}

/// Errors every public route can answer with.
#[derive(utoipa::IntoResponses)]
pub enum PublicErrors {
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// Unknown org, service, practitioner or booking (or a wrong manage token).
    #[response(status = 404)]
    NotFound(ErrorBody),
    #[response(status = 422)]
    Invalid(ErrorBody),
    #[response(status = 429)]
    RateLimited(ErrorBody),
}

/// Errors of the account API.
#[derive(utoipa::IntoResponses)]
pub enum AccountErrors {
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No valid session (API keys are refused here).
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    #[response(status = 422)]
    Invalid(ErrorBody),
    #[response(status = 429)]
    RateLimited(ErrorBody),
}

/// Errors of idempotent writes, on top of the route's others.
#[derive(utoipa::IntoResponses)]
pub enum WriteErrors {
    /// `slot_taken`, `booking_cancelled`, `idempotency_key_in_flight`, …
    #[response(status = 409)]
    Conflict(ErrorBody),
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// The generated document with the server's rules added (`openapi_rules`). Kept as JSON:
/// utoipa's own `Link` would (de)serialise `operationRef` as `operation_ref`.
static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
    let mut doc = serde_json::to_value(super::api().split_for_parts().1).expect("the document serialises");
    super::openapi_rules::apply(&mut doc);
    doc
});

/// The whole document.
pub fn document() -> &'static serde_json::Value {
    &DOCUMENT
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> Json<&'static serde_json::Value> {
    Json(document())
}
