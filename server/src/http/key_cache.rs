//! The fast path of booking creation on the org API: API keys with their orgs cached per
//! process, so that a booking is one statement on Postgres rather than two. The key lookup
//! was about a fifth of the database's CPU per booking (`scripts/bench.sh`; a `GET` that
//! only looks its key up costs 0.2 core-ms of Postgres on the 2-core machine, the raw
//! insert 0.55–0.68).
//!
//! A cached key is never trusted on its own. The booking's write checks, in the same
//! statement, that the key is neither revoked nor expired and that the org is as cached
//! ([`crate::model::KeyGuard`]: catalogue version, timezone, name); when it is not, nothing is written.
//! Any refusal of a request that used the cache (a failed guard looks like a taken slot;
//! a stale catalogue could also make a time look closed) is checked against a fresh lookup:
//! a key revoked or expired meanwhile is 401, a changed org or catalogue runs the request
//! again with the fresh one, and otherwise the refusal stands. So another process's
//! revocation or catalogue change takes effect with the next request, as without the
//! cache. Only booking creation without an `Idempotency-Key` uses it
//! ([`crate::http::auth::CachedScoped`]) (a refused first
//! attempt must not leave an idempotent answer behind); every other route looks its key up.

use crate::model::{ApiKeyRecord, Org};
use std::collections::HashMap;
use std::sync::Mutex;

/// Keys kept at most; when full, the cache starts again empty.
const MAX_KEYS: usize = 10_000;

/// Key hash → the key and its org as last read.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (ApiKeyRecord, Org)>>,
}

impl KeyCache {
    pub(super) fn get(&self, hash: &str) -> Option<(ApiKeyRecord, Org)> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).get(hash).cloned()
    }

    pub(super) fn put(&self, hash: &str, key: &ApiKeyRecord, org: &Org) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_KEYS && !entries.contains_key(hash) {
            entries.clear();
        }
        entries.insert(hash.to_owned(), (key.clone(), org.clone()));
    }

    pub(super) fn forget(&self, hash: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(hash);
    }
}
