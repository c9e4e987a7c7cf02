//! Rate limits (PRODUCT.md, "Conventions"): per client address on the public surface and
//! the account API, stricter for public booking creation; per org on the org API. Each is
//! a GCRA bucket (governor) of `N per minute` with a burst of `N`, so a fresh client may
//! send N requests at once and then one every 60/N seconds.
//!
//! The client address is the TCP peer. Behind a reverse proxy, list the proxy in
//! `--trusted-proxies`: then, and only then, `X-Forwarded-For` is read, right to left, and
//! the first address that is not a trusted proxy is the client. By default no header is
//! trusted, because any client can send one.
//!
//! An IPv6 client is bucketed by its /64 network: one host usually holds a whole /64 and
//! can pick a fresh address per request, so per-address buckets would never run out. An
//! IPv4-mapped IPv6 address is its IPv4 address.
//!
//! Failed logins are counted per account (the e-mail as typed, whether or not it has an
//! account, so the answers tell nothing about which exist), failed org API authentication
//! per client; once the allowance is spent, further attempts get 429 before any password
//! is checked or key looked up, until one comes back (see [`super::lockout`]).

use crate::config::RateLimitConfig;
use crate::http::error::ApiError;
use crate::http::lockout::Lockout;
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// What a caller may still do: the `X-RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the bucket is full again.
    pub reset: i64,
}

pub struct RateLimits {
    config: RateLimitConfig,
    by_client: Keyed<IpAddr>,
    bookings_by_client: Keyed<IpAddr>,
    by_org: Keyed<String>,
    /// Failed logins per account (the e-mail as typed).
    logins: Lockout<String>,
    /// Failed org API authentication per client (bucket of its address).
    auth_failures: Lockout<IpAddr>,
}

impl RateLimits {
    pub fn new(config: RateLimitConfig) -> Self {
        RateLimits {
            by_client: RateLimiter::keyed(Quota::per_minute(config.public_per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            bookings_by_client: RateLimiter::keyed(Quota::per_minute(config.bookings_per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            by_org: RateLimiter::keyed(Quota::per_minute(config.org_per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            logins: Lockout::new(config.login_failures_per_15_minutes, Duration::from_secs(15 * 60)),
            auth_failures: Lockout::new(config.public_per_minute, Duration::from_secs(60)),
            config,
        }
    }

    pub fn check_client(&self, ip: IpAddr) -> Result<Allowance, ApiError> {
        check(&self.by_client, &bucket_of(ip), self.config.public_per_minute)
    }

    pub fn check_booking(&self, ip: IpAddr) -> Result<Allowance, ApiError> {
        check(&self.bookings_by_client, &bucket_of(ip), self.config.bookings_per_minute)
    }

    pub fn check_org(&self, org_id: &str) -> Result<Allowance, ApiError> {
        check(&self.by_org, &org_id.to_owned(), self.config.org_per_minute)
    }

    /// 429 while `account`'s failed logins are used up.
    pub fn check_login(&self, account: &str) -> Result<(), ApiError> {
        self.logins.check(&account.to_owned())
    }

    /// Counts a failed login of `account`; the one that uses up the allowance is 429 (and
    /// so is every login of the account until an attempt comes back).
    pub fn login_failed(&self, account: &str) -> Result<(), ApiError> {
        self.logins.failed(&account.to_owned())
    }

    /// 429 while the client's failed org API authentications are used up (checked before
    /// the key is looked up).
    pub fn check_auth(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.auth_failures.check(&bucket_of(ip))
    }

    /// Counts a failed org API authentication of the client.
    pub fn auth_failed(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.auth_failures.failed(&bucket_of(ip))
    }

    /// Drops the state of keys whose buckets are full again (housekeeping).
    pub fn forget_idle(&self) {
        self.by_client.retain_recent();
        self.bookings_by_client.retain_recent();
        self.by_org.retain_recent();
        self.logins.forget_idle();
        self.auth_failures.forget_idle();
    }

    /// The client's address: the peer, or what a trusted proxy says it forwarded for.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: IpAddr| self.config.trusted_proxies.iter().any(|net| net.contains(&ip));
        if !trusted(peer) {
            return peer;
        }
        let chain: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        chain.into_iter().rev().find(|ip| !trusted(*ip)).unwrap_or(peer)
    }
}

/// The key of a client address's bucket: an IPv4 address itself, an IPv6 address its /64.
fn bucket_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

fn check<K: Hash + Eq + Clone>(
    limiter: &Keyed<K>,
    key: &K,
    per_minute: NonZeroU32,
) -> Result<Allowance, ApiError> {
    let limit = per_minute.get();
    let now = chrono::Utc::now().timestamp();
    // Seconds for one request's worth of capacity to come back.
    let per_cell = 60.0 / f64::from(limit);
    match limiter.check_key(key) {
        Ok(state) => {
            let remaining = state.remaining_burst_capacity();
            let refill = (f64::from(limit - remaining.min(limit)) * per_cell).ceil() as i64;
            Ok(Allowance { limit, remaining, reset: now + refill })
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let retry_after = retry_after.max(1);
            Err(ApiError::RateLimited { limit, retry_after, reset: now + (60.0_f64).ceil() as i64 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(proxies: &[&str]) -> RateLimits {
        RateLimits::new(RateLimitConfig {
            trusted_proxies: proxies.iter().map(|p| p.parse().unwrap()).collect(),
            ..RateLimitConfig::default()
        })
    }

    fn forwarded(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(limits(&[]).client_ip(peer, &forwarded("1.2.3.4")), peer);
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let l = limits(&["10.0.0.0/8"]);
        // The rightmost address not belonging to our proxies is the client; what the client
        // wrote further left cannot be trusted.
        assert_eq!(
            l.client_ip(proxy, &forwarded("6.6.6.6, 198.51.100.7, 10.0.0.5")),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(l.client_ip(proxy, &HeaderMap::new()), proxy);
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let l = RateLimits::new(RateLimitConfig {
            public_per_minute: NonZeroU32::new(2).unwrap(),
            ..RateLimitConfig::default()
        });
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(l.check_client(ip("2001:db8:1:2::1")).is_ok());
        assert!(l.check_client(ip("2001:db8:1:2:ffff:0:0:7")).is_ok());
        assert!(l.check_client(ip("2001:db8:1:2::99")).is_err(), "same /64: one bucket");
        assert!(l.check_client(ip("2001:db8:1:3::1")).is_ok(), "the next /64 is another client");
        assert!(l.check_client(ip("::ffff:198.51.100.7")).is_ok());
        assert!(l.check_client(ip("198.51.100.7")).is_ok());
        assert!(l.check_client(ip("198.51.100.7")).is_err(), "a mapped address is its IPv4 address");
    }

    #[test]
    fn buckets_run_out_and_tell_when_to_retry() {
        let l = RateLimits::new(RateLimitConfig {
            org_per_minute: NonZeroU32::new(3).unwrap(),
            ..Default::default()
        });
        let remaining: Vec<u32> = (0..3).map(|_| l.check_org("org_a").unwrap().remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        match l.check_org("org_a") {
            Err(ApiError::RateLimited { limit: 3, retry_after, .. }) => {
                assert!((1..=20).contains(&retry_after))
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        assert!(l.check_org("org_b").is_ok(), "orgs have their own buckets");
    }
}
