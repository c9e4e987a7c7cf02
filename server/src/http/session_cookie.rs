//! The dashboard's session: the token in a cookie page scripts cannot read, and what keeps
//! other sites from using it.
//!
//! `POST /auth/login` or `/auth/signup` with `"cookie": true` sets `cadence_session`
//! (`HttpOnly`, `SameSite=Strict`, `Path=/`, `Secure` when the server's public URL is
//! https, expiring with the session) and leaves the token out of the answer. The account
//! API and the org API then take the cookie where they take a Bearer token (a Bearer token
//! wins when both are sent). Against cross-site request forgery, beyond `SameSite=Strict`
//! (which keeps browsers from sending the cookie from other sites at all): a request that
//! is authenticated by the cookie and changes anything (any method but GET, HEAD, OPTIONS)
//! must carry an `Origin` header naming this server (its `Host`); every browser sends one
//! with such requests, so a forged form or script from elsewhere gets 403 `csrf_refused`.
//! Bearer-token requests are not affected: a browser never adds those by itself.

use crate::http::error::ApiError;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use chrono::{DateTime, Utc};

/// The cookie's name.
pub const COOKIE: &str = "cadence_session";

/// The session token the request's `cadence_session` cookie carries, if any.
pub fn token(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a new session that ends at `expires_at`.
pub fn set(token: &str, expires_at: DateTime<Utc>, secure: bool) -> HeaderValue {
    let max_age = (expires_at - crate::clock::now()).num_seconds().max(0);
    let secure = if secure { "; Secure" } else { "" };
    let value = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&value).expect("a session token is a header-safe string")
}

/// `Set-Cookie` that removes the session cookie (logout).
pub fn clear(secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"))
        .expect("static header value")
}

/// 403 `csrf_refused` unless a cookie-authenticated request is safe (GET, HEAD, OPTIONS) or
/// comes from this server's own pages (`Origin`'s host and port are the request's `Host`).
pub fn check_origin(parts: &Parts) -> Result<(), ApiError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let header = |name| parts.headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let origin_host = header(header::ORIGIN).and_then(|o| o.split_once("://")).map(|(_, host)| host);
    match (origin_host, header(header::HOST)) {
        (Some(origin), Some(host)) if origin.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(ApiError::Forbidden {
            code: "csrf_refused",
            message: "A request signed in by the session cookie must come from this server's own pages \
                      (its Origin header must name this server)."
                .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(method: Method, headers: &[(&str, &str)]) -> Parts {
        let mut req = Request::builder().method(method).uri("/api/v1/services");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let p = parts(Method::GET, &[("cookie", "a=1; cadence_session=cs_abc ; b=2")]);
        assert_eq!(token(&p), Some("cs_abc"));
        assert_eq!(token(&parts(Method::GET, &[("cookie", "cadence_sessionx=1")])), None);
        assert_eq!(token(&parts(Method::GET, &[("cookie", "cadence_session=")])), None);
        assert_eq!(token(&parts(Method::GET, &[])), None);
    }

    #[test]
    fn only_same_origin_requests_may_change_things() {
        let host = ("host", "127.0.0.1:8080");
        assert!(check_origin(&parts(Method::GET, &[host])).is_ok(), "reads need no Origin");
        assert!(check_origin(&parts(Method::POST, &[host, ("origin", "http://127.0.0.1:8080")])).is_ok());
        for bad in
            [vec![host], vec![host, ("origin", "https://evil.example")], vec![host, ("origin", "null")]]
        {
            assert!(check_origin(&parts(Method::DELETE, &bad)).is_err(), "{bad:?}");
        }
        let look_alike = [host, ("origin", "http://127.0.0.1:8080.evil.example")];
        assert!(check_origin(&parts(Method::PATCH, &look_alike)).is_err());
    }

    #[test]
    fn the_cookie_cannot_be_read_by_scripts_nor_sent_cross_site() {
        let v = set("cs_x", crate::clock::now() + chrono::Duration::hours(1), true);
        let v = v.to_str().unwrap();
        for part in ["cadence_session=cs_x", "HttpOnly", "SameSite=Strict", "Path=/", "Secure"] {
            assert!(v.contains(part), "{v}");
        }
        let max_age: i64 =
            v.split("Max-Age=").nth(1).and_then(|r| r.split(';').next()).unwrap().parse().unwrap();
        assert!((3590..=3600).contains(&max_age), "{v}");
        assert!(!set("cs_x", crate::clock::now(), false).to_str().unwrap().contains("Secure"));
        assert!(clear(false).to_str().unwrap().contains("Max-Age=0"));
    }
}
