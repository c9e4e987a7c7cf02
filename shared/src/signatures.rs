//! Webhook signatures, for the server that signs and for Rust receivers that verify.
//!
//! Two schemes sign every delivery (PRODUCT.md, "Webhooks"):
//! - `X-Cadence-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, keyed by the bytes of
//!   the whole secret string (`whsec_…`);
//! - Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
//!   keyed by the base64-decoded part of the secret after `whsec_`, with `webhook-id` and
//!   `webhook-timestamp` beside it. Several space-separated signatures may be present (key
//!   rotation); one valid signature is enough.
//!
//! Verification is constant-time and refuses anything malformed, empty or truncated.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

const SECRET_PREFIX: &str = "whsec_";

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// `sha256=<hex>` for the `X-Cadence-Signature` header.
pub fn sign_payload(secret: &str, raw_body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(secret.as_bytes(), &[raw_body])))
}

/// Checks an `X-Cadence-Signature` header against the raw body: true when one of its
/// comma-separated `sha256=<hex>` entries (two while a secret rotation runs: the new
/// secret's, then the old one's) is the body's signature with `secret`.
pub fn verify_signature(secret: &str, raw_body: &[u8], header: &str) -> bool {
    let expected = mac(secret.as_bytes(), &[raw_body]);
    header.split(',').any(|entry| {
        let Some(hex_sig) = entry.trim().strip_prefix("sha256=") else { return false };
        let Ok(given) = hex::decode(hex_sig) else { return false };
        given.len() == 32 && bool::from(expected.ct_eq(&given[..]))
    })
}

/// The Standard Webhooks signing key: the base64 part of `whsec_…`.
fn standard_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok().filter(|k| !k.is_empty())
}

/// `v1,<base64>` for the `webhook-signature` header; `None` for a secret not of the form
/// `whsec_<base64>`.
pub fn sign_standard(secret: &str, msg_id: &str, timestamp: i64, raw_body: &[u8]) -> Option<String> {
    let key = standard_key(secret)?;
    let ts = timestamp.to_string();
    let sig = mac(&key, &[msg_id.as_bytes(), b".", ts.as_bytes(), b".", raw_body]);
    Some(format!("v1,{}", STANDARD.encode(sig)))
}

/// Checks Standard Webhooks headers: the timestamp within `tolerance_secs` of `now` (unix
/// seconds), and at least one `v1,` signature in `signature_header` matching.
pub fn verify_standard(
    secret: &str,
    msg_id: &str,
    timestamp_header: &str,
    raw_body: &[u8],
    signature_header: &str,
    now: i64,
    tolerance_secs: i64,
) -> bool {
    let Some(key) = standard_key(secret) else { return false };
    let Ok(ts) = timestamp_header.trim().parse::<i64>() else { return false };
    if msg_id.is_empty() || (now - ts).abs() > tolerance_secs {
        return false;
    }
    let expected = mac(&key, &[msg_id.as_bytes(), b".", ts.to_string().as_bytes(), b".", raw_body]);
    let mut ok = subtle::Choice::from(0u8);
    for candidate in signature_header.split_whitespace() {
        let Some(b64) = candidate.strip_prefix("v1,") else { continue };
        let Ok(given) = STANDARD.decode(b64) else { continue };
        if given.len() == 32 {
            ok |= expected.ct_eq(&given[..]);
        }
    }
    bool::from(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"booking.created"}"#;

    #[test]
    fn cadence_signature_round_trips_and_refuses_everything_else() {
        let header = sign_payload(SECRET, BODY);
        assert!(verify_signature(SECRET, BODY, &header));
        assert!(!verify_signature(SECRET, br#"{"id":"evt_2"}"#, &header), "tampered body");
        assert!(!verify_signature("whsec_other", BODY, &header), "wrong secret");
        assert!(!verify_signature(SECRET, BODY, ""), "empty");
        assert!(!verify_signature(SECRET, BODY, "sha256="), "no signature");
        assert!(!verify_signature(SECRET, BODY, &header[..header.len() - 2]), "truncated");
        assert!(!verify_signature(SECRET, BODY, &header.replace("sha256=", "sha1=")), "other scheme");
        assert!(!verify_signature(SECRET, BODY, "sha256=zz"), "not hex");
        // While a rotation runs the header lists the new secret's signature, then the old one's.
        let both = format!("{}, {header}", sign_payload("whsec_new", BODY));
        assert!(verify_signature(SECRET, BODY, &both), "the old secret, second");
        assert!(verify_signature("whsec_new", BODY, &both), "the new secret, first");
        assert!(!verify_signature("whsec_third", BODY, &both));
        assert!(!verify_signature(SECRET, BODY, &format!("{header}x, sha256=00")), "no entry matches");
    }

    #[test]
    fn standard_webhooks_round_trip_with_tolerance_and_rotation() {
        let ts = 1_700_000_000;
        let sig = sign_standard(SECRET, "evt_1", ts, BODY).unwrap();
        assert!(verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, &sig, ts + 10, 300));
        assert!(!verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, &sig, ts + 301, 300), "too old");
        assert!(
            !verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, &sig, ts - 301, 300),
            "from the future"
        );
        assert!(!verify_standard(SECRET, "evt_2", &ts.to_string(), BODY, &sig, ts, 300), "other id");
        assert!(
            !verify_standard(SECRET, "evt_1", &(ts + 1).to_string(), BODY, &sig, ts, 300),
            "other timestamp"
        );
        assert!(!verify_standard(SECRET, "evt_1", &ts.to_string(), b"{}", &sig, ts, 300), "tampered body");
        assert!(!verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, "v1,", ts, 300), "empty v1,");
        assert!(
            !verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, &sig[..sig.len() - 4], ts, 300),
            "truncated"
        );
        assert!(!verify_standard(SECRET, "evt_1", "soon", BODY, &sig, ts, 300), "bad timestamp");
        assert!(!verify_standard("whsec_", "evt_1", &ts.to_string(), BODY, &sig, ts, 300), "empty key");
        let old = sign_standard("whsec_b2xkIHNlY3JldCBvbGQgc2VjcmV0", "evt_1", ts, BODY).unwrap();
        assert!(
            verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, &format!("{old} {sig}"), ts, 300),
            "rotation"
        );
        assert!(!verify_standard(SECRET, "evt_1", &ts.to_string(), BODY, &old, ts, 300));
    }
}
