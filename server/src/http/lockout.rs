//! [`Lockout`]: failures counted per key (an account, a client address); once a key's
//! allowance is spent it is locked out (429) until an attempt comes back. The lock is
//! checked before the costly work (a password hash, a key lookup), so a locked-out caller
//! costs next to nothing.

use crate::http::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::{Mutex, MutexGuard};

pub struct Lockout<K: Hash + Eq + Clone> {
    limit: NonZeroU32,
    failures: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>,
    /// Keys whose failures are used up, and until when (unix seconds).
    locked: Mutex<HashMap<K, i64>>,
}

impl<K: Hash + Eq + Clone> Lockout<K> {
    /// `limit` failures at once, then one more every `period` / `limit`.
    pub fn new(limit: NonZeroU32, period: std::time::Duration) -> Self {
        let quota = Quota::with_period(period / limit.get())
            .map_or_else(|| Quota::per_second(limit), |q| q.allow_burst(limit));
        Lockout { limit, failures: RateLimiter::keyed(quota), locked: Mutex::default() }
    }

    /// 429 while `key` is locked out.
    pub fn check(&self, key: &K) -> Result<(), ApiError> {
        let now = chrono::Utc::now().timestamp();
        match self.locked().get(key) {
            Some(&until) if until > now => Err(ApiError::RateLimited {
                limit: self.limit.get(),
                retry_after: u64::try_from(until - now).unwrap_or(1),
                reset: until,
            }),
            _ => Ok(()),
        }
    }

    /// Counts a failure of `key`; the one that uses up the allowance is already 429.
    pub fn failed(&self, key: &K) -> Result<(), ApiError> {
        let Err(not_until) = self.failures.check_key(key) else { return Ok(()) };
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let until =
            chrono::Utc::now().timestamp() + i64::try_from(wait.as_secs()).unwrap_or(i64::MAX / 2) + 1;
        self.locked().insert(key.clone(), until);
        self.check(key)
    }

    /// Forgets keys whose lock ran out and whose failures are forgotten (housekeeping).
    pub fn forget_idle(&self) {
        self.failures.retain_recent();
        let now = chrono::Utc::now().timestamp();
        self.locked().retain(|_, until| *until > now);
    }

    fn locked(&self) -> MutexGuard<'_, HashMap<K, i64>> {
        // A poisoned lock only means another thread panicked between two map operations.
        self.locked.lock().unwrap_or_else(|p| p.into_inner())
    }
}
