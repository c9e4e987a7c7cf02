//! Org API resources: services, practitioners, customers, and the org itself.

use crate::domain::{accounts, catalog};
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

#[utoipa::path(get, path = "/api/v1/services", tag = "resources", security(("api_key" = [])), params(PageQuery), responses((status = 200, body = Page<Service>, description = "Newest first"), OrgApiErrors))]
async fn list_services(
    State(state): State<AppState>,
    auth: Scoped<ServicesRead>,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<Service>>, ApiError> {
    let all = state.store.list_services(&auth.org.id).await?.iter().map(Service::from).collect();
    Ok(Json(page_by_id(all, |s: &Service| &s.id, q.limit, q.cursor.as_deref())?))
}

#[utoipa::path(post, path = "/api/v1/services", tag = "resources", security(("api_key" = [])), request_body = CreateServiceRequest, responses((status = 201, body = Service), (status = 409, body = ErrorBody, description = "quota_exceeded: the org has its most services"), OrgApiErrors))]
async fn create_service(
    State(state): State<AppState>,
    auth: Scoped<ServicesWrite>,
    AppJson(req): AppJson<CreateServiceRequest>,
) -> Result<(StatusCode, Json<Service>), ApiError> {
    let created = catalog::create_service(state.store.as_ref(), &auth.org.id, &req).await?;
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
    let updated = catalog::update_service(state.store.as_ref(), &auth.org.id, &id, &patch).await?;
    Ok(Json(Service::from(&updated)))
}

#[utoipa::path(delete, path = "/api/v1/services/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Service id")), responses((status = 204, description = "Deleted"), (status = 409, body = ErrorBody, description = "has_upcoming_bookings: deactivate instead"), OrgApiErrors))]
async fn delete_service(
    State(state): State<AppState>,
    auth: Scoped<ServicesWrite>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    catalog::delete_service(state.store.as_ref(), &auth.org.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
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

#[utoipa::path(post, path = "/api/v1/practitioners", tag = "resources", security(("api_key" = [])), request_body = CreatePractitionerRequest, responses((status = 201, body = Practitioner), (status = 409, body = ErrorBody, description = "quota_exceeded: the org has its most practitioners"), OrgApiErrors))]
async fn create_practitioner(
    State(state): State<AppState>,
    auth: Scoped<PractitionersWrite>,
    AppJson(req): AppJson<CreatePractitionerRequest>,
) -> Result<(StatusCode, Json<Practitioner>), ApiError> {
    let created = catalog::create_practitioner(state.store.as_ref(), &auth.org.id, &req).await?;
    Ok((StatusCode::CREATED, Json(Practitioner::from(&created))))
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
    let updated = catalog::update_practitioner(state.store.as_ref(), &auth.org.id, &id, &patch).await?;
    Ok(Json(Practitioner::from(&updated)))
}

#[utoipa::path(delete, path = "/api/v1/practitioners/{id}", tag = "resources", security(("api_key" = [])), params(("id" = String, Path, description = "Practitioner id")), responses((status = 204, description = "Deleted"), (status = 409, body = ErrorBody, description = "has_upcoming_bookings: deactivate instead"), OrgApiErrors))]
async fn delete_practitioner(
    State(state): State<AppState>,
    auth: Scoped<PractitionersWrite>,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    catalog::delete_practitioner(state.store.as_ref(), &auth.org.id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?q=&limit=&cursor=` of the customer list.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CustomerQuery {
    /// Only customers whose name or e-mail address contains this (case-insensitive), e.g.
    /// `ada` or `@example.com`; at most 200 characters. Empty: everyone.
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Customers, newest first; `q` searches names and e-mail addresses.
#[utoipa::path(get, path = "/api/v1/customers", tag = "resources", security(("api_key" = [])), params(CustomerQuery), responses((status = 200, body = Page<cadence_shared::Customer>, description = "Newest first"), OrgApiErrors))]
async fn list_customers(
    State(state): State<AppState>,
    auth: Scoped<CustomersRead>,
    AppQuery(q): AppQuery<CustomerQuery>,
) -> Result<Json<Page<cadence_shared::Customer>>, ApiError> {
    let limit = check_limit(q.limit)?;
    let after = q.cursor.as_deref().filter(|c| !c.is_empty());
    let search = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > 200) {
        return Err(ApiError::invalid("too_long", "q", "'q' must be at most 200 characters.".to_owned()));
    }
    let mut rows = state.store.list_customers(&auth.org.id, search, after, limit + 1).await?;
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
    let org = accounts::update_org(state.store.as_ref(), &auth.org, &patch).await?;
    Ok(Json(Org::from(&org)))
}
