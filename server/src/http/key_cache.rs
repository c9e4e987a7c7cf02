//! The fast path of booking creation on the org API: API keys with their orgs cached per
//! process, so that a booking is one statement on Postgres rather than two. The key lookup
//! was about a fifth of the database's CPU per booking (`scripts/bench.sh`; a `GET` that
//! only looks its key up costs 0.2 core-ms of Postgres on the 2-core machine, the raw
//! insert 0.55–0.68).
//!
//! A cached key is never trusted on its own. The booking's write checks, in the same
//! statement, that the key is neither revoked nor expired and that the org is as cached
//! ([`KeyGuard`]: catalogue version, timezone, name); when it is not, nothing is written.
//! Any refusal of a request that used the cache (a failed guard looks like a taken slot;
//! a stale catalogue could also make a time look closed) is checked against a fresh lookup:
//! a key revoked or expired meanwhile is 401, a changed org or catalogue runs the request
//! again with the fresh one, and otherwise the refusal stands. So another process's
//! revocation or catalogue change takes effect with the next request, as without the
//! cache. Only booking creation without an `Idempotency-Key` uses it (a refused first
//! attempt must not leave an idempotent answer behind); every other route looks its key up.

use crate::http::auth::{OrgAuth, Scope, admit, bearer, look_up};
use crate::http::context::ClientIp;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::keys::hash_secret;
use crate::model::{ApiKeyRecord, KeyGuard, Org};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Mutex;

/// Keys kept at most; when full, the cache starts again empty.
const MAX_KEYS: usize = 10_000;

/// Key hash → the key and its org as last read.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (ApiKeyRecord, Org)>>,
}

impl KeyCache {
    fn get(&self, hash: &str) -> Option<(ApiKeyRecord, Org)> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).get(hash).cloned()
    }

    fn put(&self, hash: &str, auth: &OrgAuth) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_KEYS && !entries.contains_key(hash) {
            entries.clear();
        }
        entries.insert(hash.to_owned(), (auth.key.clone(), auth.org.clone()));
    }

    fn forget(&self, hash: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(hash);
    }
}

/// [`crate::http::auth::Scoped`] for booking creation: the key from the cache when it is
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
        let idempotent = parts.headers.contains_key(crate::http::idempotency::HEADER);
        let hash = bearer(parts).map(hash_secret).unwrap_or_default();
        let now = crate::clock::now();
        let cached = state.key_cache.get(&hash).filter(|(key, _)| {
            !idempotent && !hash.is_empty() && key.expires_at.is_none_or(|at| at > now)
        });
        if let Some((key, org)) = cached {
            if let Some(ip) = parts.extensions.get::<ClientIp>() {
                state.rate_limits.check_auth(ip.0)?;
            }
            let mut auth = OrgAuth { org, key };
            auth.require(S::NAME)?;
            if admit(parts, state, &auth).await? {
                auth.key.last_used_at = Some(now);
                state.key_cache.put(&hash, &auth);
            }
            let guard = KeyGuard {
                key_id: auth.key.id.clone(),
                catalog_version: auth.org.catalog_version,
                org_timezone: auth.org.timezone.clone(),
                org_name: auth.org.name.clone(),
            };
            return Ok(CachedScoped { auth, guard: Some(guard), hash, scope: PhantomData });
        }
        let auth = OrgAuth::from_request_parts(parts, state).await?;
        auth.require(S::NAME)?;
        state.key_cache.put(&hash, &auth);
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
        state.key_cache.put(&self.hash, &fresh);
        let org = &fresh.org;
        let same = fresh.key.id == guard.key_id
            && org.catalog_version == guard.catalog_version
            && org.timezone == guard.org_timezone
            && org.name == guard.org_name;
        Ok((!same).then_some(fresh))
    }
}
