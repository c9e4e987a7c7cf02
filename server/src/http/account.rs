//! The account API: signup, login, sessions, passwords (`/api/v1/auth/…`) and the org's API
//! keys (`/api/v1/api-keys`), for people with a session token (or the dashboard's session cookie).

use crate::domain::accounts;
use crate::http::auth::SessionAuth;
use crate::http::error::ApiError;
use crate::http::extract::{AppJson, AppPath, AppQuery};
use crate::http::openapi::AccountErrors;
use crate::http::responses::{PageQuery, page_by_id};
use crate::http::session_cookie;
use crate::http::state::AppState;
use crate::model::{SessionRecord, UserRecord};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cadence_shared::ErrorBody;
use cadence_shared::account::Org;
use cadence_shared::{
    ApiKey, ChangePasswordRequest, CreateApiKeyRequest, LoginRequest, MeResponse, Page, SessionResponse,
    SignupRequest, UpdateProfileRequest, User,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
}

/// `POST /auth/signup` → 201: the person, the org they own, and a session.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "account", request_body = SignupRequest, responses((status = 201, body = SessionResponse), (status = 409, body = ErrorBody, description = "email_taken, slug_taken"), AccountErrors))]
async fn signup(
    State(state): State<AppState>,
    AppJson(req): AppJson<SignupRequest>,
) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let cookie = req.cookie;
    let (user, org) = accounts::sign_up(store, req).await?;
    let (token, session) = accounts::start_session(store, &user.id).await?;
    Ok(session_answer(&state, StatusCode::CREATED, cookie, token, &session, &user, &org))
}

/// A new session's answer: the token in the body, or (`cookie`) in the session cookie.
fn session_answer(
    state: &AppState,
    status: StatusCode,
    cookie: bool,
    token: String,
    session: &SessionRecord,
    user: &UserRecord,
    org: &crate::model::Org,
) -> Response {
    let body = |token| SessionResponse {
        token,
        expires_at: session.expires_at,
        user: User::from(user),
        org: Org::from(org),
    };
    if !cookie {
        return (status, Json(body(Some(token)))).into_response();
    }
    let set = session_cookie::set(&token, session.expires_at, secure_cookies(state));
    (status, [(header::SET_COOKIE, set)], Json(body(None))).into_response()
}

/// Cookies are `Secure` when the server's public URL is https.
fn secure_cookies(state: &AppState) -> bool {
    state.config.mail.public_url.starts_with("https://")
}

/// `POST /auth/login` → 200 with a new session; one answer for unknown e-mail and wrong
/// password, taking the same time.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "account", request_body = LoginRequest, responses((status = 200, body = SessionResponse), AccountErrors))]
async fn login(
    State(state): State<AppState>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let store = state.store.as_ref();
    let email = req.email.trim().to_lowercase();
    state.rate_limits.check_login(&email)?;
    let user = store.find_user_by_email(&email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let (true, Some(user)) = (accounts::verify_password(req.password, stored).await, user) else {
        state.rate_limits.login_failed(&email)?;
        return Err(ApiError::Unauthorized {
            code: "unauthorized",
            message: "E-mail or password is wrong.".into(),
        });
    };
    let org =
        store.orgs_of_user(&user.id).await?.into_iter().next().ok_or_else(|| ApiError::not_found("Org"))?;
    let (token, session) = accounts::start_session(store, &user.id).await?;
    Ok(session_answer(&state, StatusCode::OK, req.cookie, token, &session, &user, &org))
}

/// `POST /auth/logout` → 204: this session ends (and the session cookie is removed).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "account", security(("session" = [])), responses((status = 204, description = "Session ended"), AccountErrors))]
async fn logout(State(state): State<AppState>, auth: SessionAuth) -> Result<Response, ApiError> {
    state.store.delete_session(&auth.session.id).await?;
    let clear = session_cookie::clear(secure_cookies(&state));
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "account", security(("session" = [])), responses((status = 200, body = MeResponse), AccountErrors))]
async fn me(auth: SessionAuth) -> Json<MeResponse> {
    Json(MeResponse { user: User::from(&auth.user), org: Org::from(&auth.org) })
}

/// `PATCH /auth/me` → 200: the person's display name or e-mail address changed.
#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "account", security(("session" = [])), request_body = UpdateProfileRequest, responses((status = 200, body = MeResponse), (status = 409, body = ErrorBody, description = "email_taken"), AccountErrors))]
async fn update_me(
    State(state): State<AppState>,
    auth: SessionAuth,
    AppJson(patch): AppJson<UpdateProfileRequest>,
) -> Result<Json<MeResponse>, ApiError> {
    let user = accounts::update_profile(state.store.as_ref(), &auth.user, patch).await?;
    Ok(Json(MeResponse { user: User::from(&user), org: Org::from(&auth.org) }))
}

/// `PUT /auth/password` → 204; every other session of the person ends.
#[utoipa::path(put, path = "/api/v1/auth/password", tag = "account", security(("session" = [])), request_body = ChangePasswordRequest, responses((status = 204, description = "Changed; other sessions ended"), AccountErrors))]
async fn change_password(
    State(state): State<AppState>,
    auth: SessionAuth,
    AppJson(req): AppJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let (current, new) = (req.current_password, req.new_password);
    accounts::change_password(state.store.as_ref(), &auth.user, &auth.session.id, current, new).await?;
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
    let (new, plain_key) = accounts::new_api_key(&auth.org.id, &auth.user.id, req)?;
    let record = state.store.create_api_key(&new).await?;
    Ok((StatusCode::CREATED, Json(ApiKey { plain_key: Some(plain_key), ..ApiKey::from(&record) })))
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
