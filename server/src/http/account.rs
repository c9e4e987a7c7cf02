//! The account API: signup, login, sessions, passwords (`/api/v1/auth/…`) and the org's API
//! keys (`/api/v1/api-keys`), for people with a session token.

use crate::domain::accounts::{self, check_password, slugify};
use crate::domain::input;
use crate::domain::validation::{check_slug, check_timezone};
use crate::http::auth::SessionAuth;
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::openapi::AccountErrors;
use crate::http::responses::{PageQuery, page_by_id};
use crate::http::state::AppState;
use crate::keys::{ALL_SCOPES, generate_api_key};
use crate::model::{NewApiKey, NewOrg, NewUser};
use crate::store::StoreError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cadence_shared::ErrorBody;
use cadence_shared::account::Org;
use cadence_shared::{
    ApiKey, ChangePasswordRequest, CreateApiKeyRequest, LoginRequest, MeResponse, Page, SessionResponse,
    SignupRequest, User,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
}

fn conflict(code: &'static str, message: &str) -> ApiError {
    ApiError::Conflict { code, message: message.to_owned() }
}

/// `POST /auth/signup` → 201: the person, the org they own, and a session.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "account", request_body = SignupRequest, responses((status = 201, body = SessionResponse), (status = 409, body = ErrorBody, description = "email_taken, slug_taken"), AccountErrors))]
async fn signup(
    State(state): State<AppState>,
    AppJson(req): AppJson<SignupRequest>,
) -> Result<(StatusCode, Json<SessionResponse>), ApiError> {
    let store = state.store.as_ref();
    let email = input::email("email", &req.email)?;
    check_password("password", &req.password)?;
    let display_name = input::text("display_name", Some(&req.display_name), 100)?.ok_or_else(|| {
        ApiError::invalid("missing_field", "display_name", "'display_name' must not be empty.")
    })?;
    let org_name = input::text("org_name", Some(&req.org_name), 200)?
        .ok_or_else(|| ApiError::invalid("missing_field", "org_name", "'org_name' must not be empty."))?;
    check_timezone(&req.timezone).map_err(|m| ApiError::invalid("invalid_timezone", "timezone", m))?;
    if store.find_user_by_email(&email).await?.is_some() {
        return Err(conflict("email_taken", "An account with this e-mail address exists; log in instead."));
    }
    let slug = match &req.org_slug {
        Some(slug) => {
            check_slug(slug).map_err(|m| ApiError::invalid("invalid_slug", "org_slug", m))?;
            if store.find_org_by_slug(slug).await?.is_some() {
                return Err(conflict("slug_taken", "That org slug is taken; choose another."));
            }
            slug.clone()
        }
        None => free_slug(&state, &org_name).await?,
    };
    let user = NewUser { email, password_hash: accounts::hash_password(req.password).await?, display_name };
    let org = NewOrg { slug, name: org_name, timezone: req.timezone, branding: Default::default() };
    let (user, org) = store.create_account(&user, &org).await.map_err(|e| match e {
        // A concurrent signup took the e-mail or the slug between the checks and the insert.
        StoreError::Conflict(_) => {
            conflict("account_conflict", "The e-mail address or org slug was just taken.")
        }
        other => other.into(),
    })?;
    let (token, session) = accounts::start_session(store, &user.id).await?;
    let body = SessionResponse {
        token,
        expires_at: session.expires_at,
        user: User::from(&user),
        org: Org::from(&org),
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// A slug from the org name that no org has yet.
async fn free_slug(state: &AppState, name: &str) -> Result<String, ApiError> {
    let base = slugify(name);
    let base =
        if check_slug(&base).is_ok() { base } else { format!("org-{base}").trim_end_matches('-').to_owned() };
    for n in 0..20 {
        let candidate = if n == 0 { base.clone() } else { format!("{base}-{}", n + 1) };
        if check_slug(&candidate).is_ok() && state.store.find_org_by_slug(&candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", &crate::ids::new_id("x")[20..]).to_lowercase())
}

/// `POST /auth/login` → 200 with a new session; one answer for unknown e-mail and wrong
/// password, taking the same time.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "account", request_body = LoginRequest, responses((status = 200, body = SessionResponse), AccountErrors))]
async fn login(
    State(state): State<AppState>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<Json<SessionResponse>, ApiError> {
    let store = state.store.as_ref();
    let user = store.find_user_by_email(&req.email.trim().to_lowercase()).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let (true, Some(user)) = (accounts::verify_password(req.password, stored).await, user) else {
        return Err(ApiError::Unauthorized {
            code: "unauthorized",
            message: "E-mail or password is wrong.".into(),
        });
    };
    let org =
        store.orgs_of_user(&user.id).await?.into_iter().next().ok_or_else(|| ApiError::not_found("Org"))?;
    let (token, session) = accounts::start_session(store, &user.id).await?;
    Ok(Json(SessionResponse {
        token,
        expires_at: session.expires_at,
        user: User::from(&user),
        org: Org::from(&org),
    }))
}

/// `POST /auth/logout` → 204: this session ends.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "account", security(("session" = [])), responses((status = 204, description = "Session ended"), AccountErrors))]
async fn logout(State(state): State<AppState>, auth: SessionAuth) -> Result<StatusCode, ApiError> {
    state.store.delete_session(&auth.session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "account", security(("session" = [])), responses((status = 200, body = MeResponse), AccountErrors))]
async fn me(auth: SessionAuth) -> Json<MeResponse> {
    Json(MeResponse { user: User::from(&auth.user), org: Org::from(&auth.org) })
}

/// `PUT /auth/password` → 204; every other session of the person ends.
#[utoipa::path(put, path = "/api/v1/auth/password", tag = "account", security(("session" = [])), request_body = ChangePasswordRequest, responses((status = 204, description = "Changed; other sessions ended"), AccountErrors))]
async fn change_password(
    State(state): State<AppState>,
    auth: SessionAuth,
    AppJson(req): AppJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    if !accounts::verify_password(req.current_password, Some(auth.user.password_hash.clone())).await {
        return Err(ApiError::invalid(
            "wrong_password",
            "current_password",
            "The current password is wrong.",
        ));
    }
    check_password("new_password", &req.new_password)?;
    let hash = accounts::hash_password(req.new_password).await?;
    state.store.set_password(&auth.user.id, &hash, &auth.session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "account", security(("session" = [])), params(PageQuery), responses((status = 200, body = Page<ApiKey>, description = "Newest first"), AccountErrors))]
async fn list_keys(
    State(state): State<AppState>,
    auth: SessionAuth,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Json<Page<ApiKey>>, ApiError> {
    let keys = state.store.list_api_keys(&auth.org.id).await?.iter().map(ApiKey::from).collect();
    Ok(Json(page_by_id(keys, |k: &ApiKey| &k.id, q.limit, q.cursor.as_deref())?))
}

/// `POST /api-keys` → 201 with `plain_key`, the only time it is shown.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "account", security(("session" = [])), request_body = CreateApiKeyRequest, responses((status = 201, body = ApiKey, description = "With plain_key, shown this once"), AccountErrors))]
async fn create_key(
    State(state): State<AppState>,
    auth: SessionAuth,
    AppJson(req): AppJson<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<ApiKey>), ApiError> {
    let name = input::text("name", Some(&req.name), 100)?
        .ok_or_else(|| ApiError::invalid("missing_field", "name", "Give the key a name."))?;
    let scopes = match req.scopes {
        None => ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
        Some(scopes) => {
            if let Some(bad) = scopes.iter().find(|s| !ALL_SCOPES.contains(&s.as_str())) {
                return Err(ApiError::invalid(
                    "unknown_scope",
                    "scopes",
                    format!("'{bad}' is not a scope; known scopes: {}.", ALL_SCOPES.join(", ")),
                ));
            }
            if scopes.is_empty() {
                return Err(ApiError::invalid("missing_field", "scopes", "A key needs at least one scope."));
            }
            scopes
        }
    };
    let expires_at = req.expires_at.as_deref().map(|raw| input::instant("expires_at", raw)).transpose()?;
    if expires_at.is_some_and(|at| at <= crate::clock::now()) {
        return Err(ApiError::invalid("in_the_past", "expires_at", "'expires_at' must be in the future."));
    }
    let key = generate_api_key();
    let record = state
        .store
        .create_api_key(&NewApiKey {
            org_id: auth.org.id.clone(),
            name,
            key_hash: key.hash,
            key_prefix: key.display,
            scopes,
            created_by: Some(auth.user.id.clone()),
            expires_at,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ApiKey { plain_key: Some(key.plain), ..ApiKey::from(&record) })))
}

/// `DELETE /api-keys/{id}` → 204; the key stops working on the next request.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "account", security(("session" = [])), params(("id" = String, Path, description = "API key id")), responses((status = 204, description = "Revoked"), (status = 404, body = ErrorBody), AccountErrors))]
async fn revoke_key(
    State(state): State<AppState>,
    auth: SessionAuth,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    match state.store.revoke_api_key(&auth.org.id, &id, crate::clock::now()).await? {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(ApiError::not_found("API key")),
    }
}
