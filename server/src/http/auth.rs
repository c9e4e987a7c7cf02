//! Authentication of the org API: `Authorization: Bearer ck_live_…`, or the dashboard's
//! session cookie (its owner may do what any scope allows; see
//! [`crate::http::session_cookie`]), and of the account API (a session token, as a Bearer
//! token or the cookie).
//!
//! Keys and session tokens are looked up by their SHA-256 (the only form stored), so no
//! plain secret is ever compared; scopes are checked per route with [`OrgAuth::require`].

use crate::http::context::{Caller, ClientIp};
use crate::http::error::ApiError;
use crate::http::session_cookie;
use crate::http::state::AppState;
use crate::keys::hash_secret;
use crate::model::{ApiKeyRecord, KeyGuard, Org, SessionRecord, UserRecord};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::Duration;
use std::marker::PhantomData;

/// An authenticated org API caller: the key and the org it belongs to.
pub struct OrgAuth {
    pub org: Org,
    /// `None`: the org's owner, signed in to the dashboard with the session cookie.
    pub key: Option<ApiKeyRecord>,
}

impl OrgAuth {
    /// 403 `missing_scope` unless the key holds `scope` (the owner's session holds them all).
    pub fn require(&self, scope: &'static str) -> Result<(), ApiError> {
        let Some(key) = &self.key else { return Ok(()) };
        if key.scopes.iter().any(|s| s == scope) { Ok(()) } else { Err(ApiError::MissingScope { scope }) }
    }
}

fn unauthorized(code: &'static str, message: &str) -> ApiError {
    ApiError::Unauthorized { code, message: message.to_owned() }
}

/// `last_used_at` is refreshed at most this often, so reads do not all become writes.
const TOUCH_EVERY: Duration = Duration::seconds(60);

impl FromRequestParts<AppState> for OrgAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // A client whose failed attempts are used up gets 429 before any key lookup.
        let client = parts.extensions.get::<ClientIp>().map(|c| c.0);
        if let Some(ip) = client {
            state.rate_limits.check_auth(ip)?;
        }
        let found = authenticate(parts, state).await?;
        match (found, client) {
            (Ok(found), _) => Ok(found),
            (Err(refusal), Some(ip)) => {
                state.rate_limits.auth_failed(ip)?;
                Err(refusal)
            }
            (Err(refusal), None) => Err(refusal),
        }
    }
}

/// The request's bearer token, if it sent one.
fn bearer(parts: &Parts) -> Option<&str> {
    let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

/// The key and org of the request's bearer token (or the owner's session cookie), or why
/// not (the outer `Err` is a store failure, the inner one the 401 to answer).
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Result<OrgAuth, ApiError>, ApiError> {
    let Some(token) = bearer(parts) else {
        let Some(token) = session_cookie::token(parts) else {
            return Ok(Err(unauthorized(
                "unauthorized",
                "Send an API key as `Authorization: Bearer ck_live_…`.",
            )));
        };
        session_cookie::check_origin(parts)?;
        let found = session(token, state).await?.map(|(_, _, org)| OrgAuth { org, key: None });
        if let Ok(found) = &found {
            admit(parts, state, found).await?;
        }
        return Ok(found);
    };
    let found = look_up(&hash_secret(token), state).await?;
    if let Ok(found) = &found {
        admit(parts, state, found).await?;
    }
    Ok(found)
}

/// The key with this hash and its org from the database, unless unknown, revoked or expired.
async fn look_up(hash: &str, state: &AppState) -> Result<Result<OrgAuth, ApiError>, ApiError> {
    let Some((key, org)) = state.store.find_api_key(hash).await? else {
        return Ok(Err(unauthorized("unauthorized", "The API key is not valid.")));
    };
    let now = crate::clock::now();
    if key.revoked_at.is_some() {
        return Ok(Err(unauthorized("key_revoked", "The API key has been revoked.")));
    }
    if key.expires_at.is_some_and(|at| at <= now) {
        return Ok(Err(unauthorized("key_expired", "The API key has expired.")));
    }
    Ok(Ok(OrgAuth { org, key: Some(key) }))
}

/// The person, session and org of a session token, unless unknown or expired.
async fn session(
    token: &str,
    state: &AppState,
) -> Result<Result<(UserRecord, SessionRecord, Org), ApiError>, ApiError> {
    let invalid = || Ok(Err(unauthorized("unauthorized", "The session is not valid; log in again.")));
    let Some(session) = state.store.find_session(&hash_secret(token)).await? else { return invalid() };
    if crate::domain::accounts::expired(&session, crate::clock::now()) {
        return Ok(Err(unauthorized("unauthorized", "The session has expired; log in again.")));
    }
    let Some(user) = state.store.find_user(&session.user_id).await? else { return invalid() };
    let Some(org) = state.store.orgs_of_user(&user.id).await?.into_iter().next() else { return invalid() };
    Ok(Ok((user, session, org)))
}

/// What every authenticated org API request does: the org's rate limit, the request log's
/// org and key, and `last_used_at` refreshed when it is [`TOUCH_EVERY`] old. Returns
/// whether it was refreshed.
async fn admit(parts: &Parts, state: &AppState, auth: &OrgAuth) -> Result<bool, ApiError> {
    if let Some(caller) = parts.extensions.get::<Caller>() {
        caller.set_org(&auth.org.id);
        if let Some(key) = &auth.key {
            caller.set_key(&key.id);
        }
        caller.set_allowance(state.rate_limits.check_org(&auth.org.id)?);
    }
    let Some(key) = &auth.key else { return Ok(false) };
    let now = crate::clock::now();
    let stale = key.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY);
    if stale {
        state.store.touch_api_key(&key.id, now).await?;
    }
    Ok(stale)
}

/// An authenticated person (account API): `Authorization: Bearer cs_…` from login, or the
/// dashboard's session cookie. API keys are refused here: they cannot manage API keys or
/// accounts.
pub struct SessionAuth {
    pub user: UserRecord,
    pub session: SessionRecord,
    /// The org the person owns (one per account for now).
    pub org: Org,
}

impl FromRequestParts<AppState> for SessionAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = match bearer(parts) {
            Some(token) => token,
            None => {
                let token = session_cookie::token(parts).ok_or_else(|| {
                    unauthorized(
                        "unauthorized",
                        "Send a session token from /api/v1/auth/login as a Bearer token.",
                    )
                })?;
                session_cookie::check_origin(parts)?;
                token
            }
        };
        if token.starts_with("ck_live_") {
            return Err(unauthorized(
                "unauthorized",
                "API keys cannot be used here: log in and use the session token to manage API keys.",
            ));
        }
        let (user, session, org) = session(token, state).await??;
        if let Some(caller) = parts.extensions.get::<Caller>() {
            caller.set_org(&org.id);
        }
        Ok(SessionAuth { user, session, org })
    }
}

/// A scope an org API route needs, as a type, so the check runs as an extractor (before
/// the body is read: a key without the scope gets 403 whatever it sent).
pub trait Scope {
    const NAME: &'static str;
}

macro_rules! scopes {
    ($($ty:ident => $name:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $name, "` scope.")]
            pub struct $ty;
            impl Scope for $ty {
                const NAME: &'static str = $name;
            }
        )*
    };
}

scopes! {
    ServicesRead => "services:read",
    ServicesWrite => "services:write",
    PractitionersRead => "practitioners:read",
    PractitionersWrite => "practitioners:write",
    BookingsRead => "bookings:read",
    BookingsWrite => "bookings:write",
    CustomersRead => "customers:read",
    WebhooksManage => "webhooks:manage",
    OrgRead => "org:read",
    OrgWrite => "org:write",
}

/// [`OrgAuth`] whose key holds the scope `S` (else 403 `missing_scope`).
pub struct Scoped<S: Scope>(pub OrgAuth, std::marker::PhantomData<S>);

impl<S: Scope> std::ops::Deref for Scoped<S> {
    type Target = OrgAuth;

    fn deref(&self) -> &OrgAuth {
        &self.0
    }
}

impl<S: Scope + Send + Sync> FromRequestParts<AppState> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let auth = OrgAuth::from_request_parts(parts, state).await?;
        auth.require(S::NAME)?;
        Ok(Scoped(auth, std::marker::PhantomData))
    }
}

/// [`Scoped`] for booking creation (see [`crate::http::key_cache`]): the key from the cache when it is
/// there (with the guard its write must check), else looked up and then cached.
pub struct CachedScoped<S: Scope> {
    pub auth: OrgAuth,
    /// `Some` when `auth` came from the cache.
    pub guard: Option<KeyGuard>,
    hash: String,
    scope: PhantomData<S>,
}

impl<S: Scope + Send + Sync> FromRequestParts<AppState> for CachedScoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let idempotent = parts.headers.contains_key(super::idempotency::HEADER);
        let hash = bearer(parts).map(hash_secret).unwrap_or_default();
        let now = crate::clock::now();
        let cached = state
            .key_cache
            .get(&hash)
            .filter(|(key, _)| !idempotent && !hash.is_empty() && key.expires_at.is_none_or(|at| at > now));
        if let Some((key, org)) = cached {
            if let Some(ip) = parts.extensions.get::<ClientIp>() {
                state.rate_limits.check_auth(ip.0)?;
            }
            let key_id = key.id.clone();
            let mut auth = OrgAuth { org, key: Some(key) };
            auth.require(S::NAME)?;
            if admit(parts, state, &auth).await?
                && let Some(key) = &mut auth.key
            {
                key.last_used_at = Some(now);
                state.key_cache.put(&hash, key, &auth.org);
            }
            let guard = KeyGuard {
                key_id,
                catalog_version: auth.org.catalog_version,
                org_timezone: auth.org.timezone.clone(),
                org_name: auth.org.name.clone(),
            };
            return Ok(CachedScoped { auth, guard: Some(guard), hash, scope: PhantomData });
        }
        let auth = OrgAuth::from_request_parts(parts, state).await?;
        auth.require(S::NAME)?;
        if let Some(key) = &auth.key {
            state.key_cache.put(&hash, key, &auth.org);
        }
        Ok(CachedScoped { auth, guard: None, hash, scope: PhantomData })
    }
}

impl<S: Scope> CachedScoped<S> {
    /// After a refusal of a request that used the cache: the key and org from the database
    /// (cached again), 401 when the key was revoked or expired meanwhile, `None` when
    /// nothing the request depended on changed (so the refusal stands).
    pub async fn refresh(&self, state: &AppState) -> Result<Option<OrgAuth>, ApiError> {
        let Some(guard) = &self.guard else { return Ok(None) };
        state.key_cache.forget(&self.hash);
        let fresh = look_up(&self.hash, state).await??;
        fresh.require(S::NAME)?;
        let Some(key) = &fresh.key else { return Ok(None) };
        state.key_cache.put(&self.hash, key, &fresh.org);
        let org = &fresh.org;
        let same = key.id == guard.key_id
            && org.catalog_version == guard.catalog_version
            && org.timezone == guard.org_timezone
            && org.name == guard.org_name;
        Ok((!same).then_some(fresh))
    }
}
