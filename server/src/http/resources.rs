//! Org API resources: services, practitioners, customers, and the org itself.

use crate::domain::{catalog, input, validation};
use crate::http::auth::{
    CustomersRead, OrgRead, OrgWrite, PractitionersRead, PractitionersWrite, Scoped, ServicesRead,
    ServicesWrite,
};
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::openapi::OrgApiErrors;
use crate::http::responses::{PageQuery, check_limit, page_by_id};
use crate::http::state::AppState;
use crate::model::BookingFilter;
use crate::store::StoreError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cadence_shared::ErrorBody;
use cadence_shared::{
    Booking, CreatePractitionerRequest, CreateServiceRequest, CustomerDetail, Page, Practitioner, Service,
    UpdateOrgRequest, UpdatePractitionerRequest, UpdateServiceRequest, account::Org,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service, delete_service))
        .routes(routes!(list_practitioners, create_practitioner))
        .routes(routes!(get_practitioner, update_practitioner, delete_practitioner))
        .routes(routes!(list_customers))
        .routes(routes!(get_customer))
        .routes(routes!(get_org, update_org))
}

fn in_use(what: &str) -> ApiError {
    ApiError::Conflict {
        code: "has_upcoming_bookings",
        message: format!(
            "This {what} has upcoming confirmed bookings; deactivate it (active: false) instead."
        ),
    }
}

/// Ids of the org's practitioners, for checking `practitioner_ids`.
async fn practitioner_ids(state: &AppState, org_id: &str) -> Result<Vec<String>, ApiError> {
    Ok(state.store.list_practitioners(org_id).await?.into_iter().map(|p| p.id).collect())
}

#[utoipa::path(get, path = "/api/v1/services", tag = "resources", security(("api_key" = [])), params(PageQuery), responses((status = 200, body = Page<Service>, description = "Newest first"), OrgApiErrors))]
async fn list_services(
    State(state): State<AppState>,
    auth: Scoped<ServicesRead>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<Service>>, ApiError> {
    let all = state.store.list_services(&auth.org.id).await?.iter().map(Service::from).collect();
    Ok(Json(page_by_id(all, |s: &Service| &s.id, q.limit, q.cursor.as_deref())?))
}

#[utoipa::path(post, path = "/api/v1/services", tag = "resources", security(("api_key" = [])), request_body = CreateServiceRequest, responses((status = 201, body = Service), OrgApiErrors))]
async fn create_service(
    State(state): State<AppState>,
    auth: Scoped<ServicesWrite>,
    AppJson(req): AppJson<CreateServiceRequest>,
) -> Result<(StatusCode, Json<Service>), ApiError> {
    let new = catalog::new_service(&req, &practitioner_ids(&state, &auth.org.id).await?)?;
    let id = state.store.create_service(&auth.org.id, &new).await?;
    let created =
        state.store.get_service(&auth.org.id, &id).await?.ok_or_else(|| ApiError::not_found("Service"))?;
    Ok((StatusCode::CREATED, Json(Service::from(&created))))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Service id")), responses((status = 200, body = Service), OrgApiErrors))]
async fn get_service(
    State(state): State<AppState>,
    auth: Scoped<ServicesRead>,
    AppPath(id): AppPath<String>,
) -> Result<Json<Service>, ApiError> {
    let s =
        state.store.get_service(&auth.org.id, &id).await?.ok_or_else(|| ApiError::not_found("Service"))?;
    Ok(Json(Service::from(&s)))
}

#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Service id")), request_body = UpdateServiceRequest, responses((status = 200, body = Service), OrgApiErrors))]
async fn update_service(
    State(state): State<AppState>,
    auth: Scoped<ServicesWrite>,
    AppPath(id): AppPath<String>,
    AppJson(patch): AppJson<UpdateServiceRequest>,
) -> Result<Json<Service>, ApiError> {
    let current =
        state.store.get_service(&auth.org.id, &id).await?.ok_or_else(|| ApiError::not_found("Service"))?;
    let new = catalog::patched_service(&current, &patch, &practitioner_ids(&state, &auth.org.id).await?)?;
    let updated = state.store.update_service(&auth.org.id, &id, &new).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("Service"),
        other => other.into(),
    })?;
    Ok(Json(Service::from(&updated)))
}

#[utoipa::path(delete, path = "/api/v1/services/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Service id")), responses((status = 204, description = "Deleted"), (status = 409, body = ErrorBody, description = "has_upcoming_bookings: deactivate instead"), OrgApiErrors))]
async fn delete_service(
    State(state): State<AppState>,
    auth: Scoped<ServicesWrite>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    match state.store.delete_service(&auth.org.id, &id, crate::clock::now()).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound) => Err(ApiError::not_found("Service")),
        Err(StoreError::InUse) => Err(in_use("service")),
        Err(other) => Err(other.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/practitioners", tag = "resources", security(("api_key" = [])), params(PageQuery), responses((status = 200, body = Page<Practitioner>, description = "Newest first"), OrgApiErrors))]
async fn list_practitioners(
    State(state): State<AppState>,
    auth: Scoped<PractitionersRead>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<Practitioner>>, ApiError> {
    let all = state.store.list_practitioners(&auth.org.id).await?.iter().map(Practitioner::from).collect();
    Ok(Json(page_by_id(all, |p: &Practitioner| &p.id, q.limit, q.cursor.as_deref())?))
}

#[utoipa::path(post, path = "/api/v1/practitioners", tag = "resources", security(("api_key" = [])), request_body = CreatePractitionerRequest, responses((status = 201, body = Practitioner), OrgApiErrors))]
async fn create_practitioner(
    State(state): State<AppState>,
    auth: Scoped<PractitionersWrite>,
    AppJson(req): AppJson<CreatePractitionerRequest>,
) -> Result<(StatusCode, Json<Practitioner>), ApiError> {
    let new = catalog::new_practitioner(&req)?;
    let id = state.store.create_practitioner(&auth.org.id, &new).await?;
    let p = state
        .store
        .get_practitioner(&auth.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Practitioner"))?;
    Ok((StatusCode::CREATED, Json(Practitioner::from(&p))))
}

#[utoipa::path(get, path = "/api/v1/practitioners/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Practitioner id")), responses((status = 200, body = Practitioner), OrgApiErrors))]
async fn get_practitioner(
    State(state): State<AppState>,
    auth: Scoped<PractitionersRead>,
    AppPath(id): AppPath<String>,
) -> Result<Json<Practitioner>, ApiError> {
    let p = state
        .store
        .get_practitioner(&auth.org.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("Practitioner"))?;
    Ok(Json(Practitioner::from(&p)))
}

#[utoipa::path(patch, path = "/api/v1/practitioners/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Practitioner id")), request_body = UpdatePractitionerRequest, responses((status = 200, body = Practitioner), OrgApiErrors))]
async fn update_practitioner(
    State(state): State<AppState>,
    auth: Scoped<PractitionersWrite>,
    AppPath(id): AppPath<String>,
    AppJson(patch): AppJson<UpdatePractitionerRequest>,
) -> Result<Json<Practitioner>, ApiError> {
    let not_found = || ApiError::not_found("Practitioner");
    let current = state.store.get_practitioner(&auth.org.id, &id).await?.ok_or_else(not_found)?;
    let new = catalog::patched_practitioner(&current, &patch)?;
    let updated = state.store.update_practitioner(&auth.org.id, &id, &new).await.map_err(|e| match e {
        StoreError::NotFound => not_found(),
        other => other.into(),
    })?;
    Ok(Json(Practitioner::from(&updated)))
}

#[utoipa::path(delete, path = "/api/v1/practitioners/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Practitioner id")), responses((status = 204, description = "Deleted"), (status = 409, body = ErrorBody, description = "has_upcoming_bookings: deactivate instead"), OrgApiErrors))]
async fn delete_practitioner(
    State(state): State<AppState>,
    auth: Scoped<PractitionersWrite>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    match state.store.delete_practitioner(&auth.org.id, &id, crate::clock::now()).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StoreError::NotFound) => Err(ApiError::not_found("Practitioner")),
        Err(StoreError::InUse) => Err(in_use("practitioner")),
        Err(other) => Err(other.into()),
    }
}

/// Customers, newest first.
#[utoipa::path(get, path = "/api/v1/customers", tag = "resources", security(("api_key" = [])), params(PageQuery), responses((status = 200, body = Page<cadence_shared::Customer>, description = "Newest first"), OrgApiErrors))]
async fn list_customers(
    State(state): State<AppState>,
    auth: Scoped<CustomersRead>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<cadence_shared::Customer>>, ApiError> {
    let limit = check_limit(q.limit)?;
    let after = q.cursor.as_deref().filter(|c| !c.is_empty());
    let mut rows = state.store.list_customers(&auth.org.id, after, limit + 1).await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if has_more { rows.last().map(|c| c.id.clone()) } else { None };
    Ok(Json(Page { data: rows.iter().map(cadence_shared::Customer::from).collect(), has_more, next_cursor }))
}

/// A customer with their bookings (the first 100, by start).
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Customer id")), responses((status = 200, body = CustomerDetail), OrgApiErrors))]
async fn get_customer(
    State(state): State<AppState>,
    auth: Scoped<CustomersRead>,
    AppPath(id): AppPath<String>,
) -> Result<Json<CustomerDetail>, ApiError> {
    let c =
        state.store.get_customer(&auth.org.id, &id).await?.ok_or_else(|| ApiError::not_found("Customer"))?;
    let filter = BookingFilter { customer_id: Some(c.id.clone()), ..BookingFilter::default() };
    let bookings = state.store.list_bookings(&auth.org.id, &filter, None, 100).await?;
    Ok(Json(CustomerDetail {
        customer: cadence_shared::Customer::from(&c),
        bookings: bookings.iter().map(Booking::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/org", tag = "resources", security(("api_key" = [])), responses((status = 200, body = Org), OrgApiErrors))]
async fn get_org(auth: Scoped<OrgRead>) -> Result<Json<Org>, ApiError> {
    Ok(Json(Org::from(&auth.org)))
}

#[utoipa::path(patch, path = "/api/v1/org", tag = "resources", security(("api_key" = [])), request_body = UpdateOrgRequest, responses((status = 200, body = Org), OrgApiErrors))]
async fn update_org(
    State(state): State<AppState>,
    auth: Scoped<OrgWrite>,
    AppJson(patch): AppJson<UpdateOrgRequest>,
) -> Result<Json<Org>, ApiError> {
    let name = match &patch.name {
        Some(n) => input::text("name", Some(n), 200)?
            .ok_or_else(|| ApiError::invalid("missing_field", "name", "'name' must not be empty."))?,
        None => auth.org.name.clone(),
    };
    let timezone = patch.timezone.clone().unwrap_or_else(|| auth.org.timezone.clone());
    validation::check_timezone(&timezone)
        .map_err(|m| ApiError::invalid("invalid_timezone", "timezone", m))?;
    let branding = patch.branding.clone().unwrap_or_else(|| auth.org.branding.clone());
    validation::check_branding(&branding)?;
    let org = state.store.update_org(&auth.org.id, &name, &timezone, &branding).await?;
    Ok(Json(Org::from(&org)))
}
