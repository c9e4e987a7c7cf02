//! The SSRF guard: webhook URLs must be `https://` and must not reach private, loopback,
//! link-local, CGNAT, documentation, multicast or cloud metadata addresses (IPv4 and IPv6,
//! IPv4-mapped and NAT64 included) — checked on the address actually connected to, by
//! resolving through [`GuardedResolver`], so a name that resolves to 127.0.0.1 is caught
//! too. `CADENCE_WEBHOOK_ALLOW_PRIVATE=1` turns the guard off (development and tests).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::Url;

/// Whether webhooks may go to `ip`.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, cloud metadata 169.254.169.254
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 64:ff9b::/96 carries an IPv4 address in its last 32 bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (incl. fd00:ec2::254 metadata)
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard 100::/64
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible ::a.b.c.d (deprecated)
}

/// Why a URL may not be used as an endpoint.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|_| format!("'{raw}' is not a URL."))?;
    let host = url.host().ok_or_else(|| "The URL has no host.".to_owned())?;
    if allow_private {
        return match url.scheme() {
            "https" | "http" => Ok(url),
            _ => Err("Use an https:// URL.".into()),
        };
    }
    if url.scheme() != "https" {
        return Err("Webhook URLs must be https://.".into());
    }
    let literal = match host {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => {
            return Err("Webhook URLs must not point at this machine.".into());
        }
        url::Host::Domain(_) => None,
    };
    if literal.is_some_and(|ip| !is_public(ip)) {
        return Err("Webhook URLs must not point at private, loopback or link-local addresses.".into());
    }
    Ok(url)
}

/// Resolves names for the webhook client and drops every address that is not public; a
/// name with no public address fails to resolve, so no connection is made.
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!(
                    "refused: {host} resolves only to private, loopback or link-local addresses"
                )
                .into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
            "198.18.0.1",
            "192.0.2.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} must be refused");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn urls_need_https_and_a_public_host() {
        for bad in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/x",
            "https://localhost/x",
            "https://api.localhost/x",
            "ftp://hooks.example.com/x",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad} must be refused");
        }
        assert!(check_url("https://hooks.example.com/cadence", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/x", true).is_ok(), "allowed for development");
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_at_connect_time() {
        let result = GuardedResolver.resolve("localhost".parse().unwrap()).await;
        let err = result.err().expect("localhost resolves only to loopback").to_string();
        assert!(err.contains("refused"), "{err}");
    }
}
