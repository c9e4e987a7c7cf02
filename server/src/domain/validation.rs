//! Rules for values that come from outside: org slugs, timezones, languages and branding.

use crate::domain::DomainError;

/// Paths the server itself uses at the top level; an org slug may not take them, because
/// `/{slug}` is the org's booking page.
pub const RESERVED_SLUGS: [&str; 10] = [
    "api",
    "widget",
    "dashboard",
    "healthz",
    "readyz",
    "embed",
    "embed.js",
    "static",
    "assets",
    "favicon.ico",
];

/// A slug is 3–63 characters of `a-z`, `0-9` and inner hyphens, and not reserved.
pub fn check_slug(slug: &str) -> Result<(), String> {
    let well_formed = (3..=63).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !well_formed {
        return Err(format!(
            "'{slug}' is not a valid slug: use 3 to 63 lowercase letters, digits and inner hyphens."
        ));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(format!("'{slug}' is reserved; choose another slug."));
    }
    Ok(())
}

/// The timezone must be an IANA name (`Europe/Berlin`), not an offset or abbreviation.
pub fn check_timezone(tz: &str) -> Result<chrono_tz::Tz, String> {
    tz.parse::<chrono_tz::Tz>()
        .map_err(|_| format!("'{tz}' is not an IANA timezone name such as 'Europe/Berlin'."))
}

/// A booking page language: one the widget speaks (`cadence_shared::LOCALES`), written as
/// its lower-case code.
pub fn check_locale(locale: &str) -> Result<(), String> {
    if cadence_shared::LOCALES.contains(&locale) {
        return Ok(());
    }
    Err(format!(
        "'{locale}' is not a language of the booking page; use one of: {}.",
        cadence_shared::LOCALES.join(", ")
    ))
}

/// Branding: a `#rrggbb` colour and an `https://` logo URL, both optional.
pub fn check_branding(b: &cadence_shared::Branding) -> Result<(), DomainError> {
    if let Some(c) = &b.primary_color {
        let hex = c.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|x| x.is_ascii_hexdigit()));
        if hex.is_none() {
            return Err(DomainError::invalid(
                "invalid_color",
                "branding.primary_color",
                "Use a colour like #0f766e.",
            ));
        }
    }
    if let Some(url) = &b.logo_url
        && !is_logo_url(url)
    {
        return Err(DomainError::invalid(
            "invalid_url",
            "branding.logo_url",
            "Use an https:// URL such as https://example.com/logo.png.",
        ));
    }
    Ok(())
}

/// `https://`, a host name (dot-separated labels of ASCII letters, digits and hyphens, the
/// last one starting with a letter: no IP address or user name), an optional port, then nothing or a
/// path (`/…` without whitespace or control characters); at most 2,048 characters. Exactly
/// the pattern the OpenAPI document states (`http/openapi_rules.rs`), and every such URL is
/// read by browsers as written.
fn is_logo_url(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://").filter(|_| text.chars().count() <= 2048) else {
        return false;
    };
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let (host, port) = authority.split_once(':').unwrap_or((authority, "1"));
    let port_ok = (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit());
    let label_ok = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let last_ok = host.rsplit('.').next().is_some_and(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()));
    // `\s` as Python's `re` (which checks the document's patterns in schemathesis) and Rust
    // read it: Unicode white space.
    let path_ok = path.chars().all(|c| !c.is_whitespace() && !c.is_control());
    host.split('.').all(label_ok) && last_ok && port_ok && path_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_urls_are_https_urls_a_browser_reads_the_same_way() {
        for good in [
            "https://example.com/logo.png",
            "https://cdn.example.com/a/b.svg?v=2",
            "https://example.com",
            "https://x-1.de/ü.png",
        ] {
            assert!(is_logo_url(good), "{good}");
        }
        for bad in [
            "http://example.com/logo.png",
            "https://example.com]/x",
            "https://a[b@example.com/x",
            "https://user:pw@example.com/x",
            "https://",
            "https://exa mple.com/x",
            "https://[::1]/x.png",
            "https://1.2.3.4/x.png",
            "https://example.com:/x",
            "https://example.com:123456/x",
            "https://example..com/x",
            "https://a\u{10d45e}/x",
            "https://example.com/a\u{2003}b",
            "https://example.com?x",
            "javascript:alert(1)",
        ] {
            assert!(!is_logo_url(bad), "{bad}");
        }
    }

    #[test]
    fn slugs() {
        assert!(check_slug("movela").is_ok());
        assert!(check_slug("physio-42").is_ok());
        for bad in ["ab", "Movela", "-x-y", "x-y-", "a b c", "api", "widget", "ü-ber"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezones() {
        assert!(check_timezone("Europe/Berlin").is_ok());
        assert!(check_timezone("Australia/Lord_Howe").is_ok());
        assert!(check_timezone("Mars/Olympus").is_err());
        assert!(check_timezone("+02:00").is_err());
    }
}
