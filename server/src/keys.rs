//! Secrets handed to callers: API keys (`ck_live_…`). Only their SHA-256 is stored; the
//! keys are 32 random bytes, so a fast hash is enough (no dictionary to guess from).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Every scope an org API key can hold; a new key gets all of them unless told otherwise
/// (the list lives in `shared`, where the dashboard offers the same choice).
pub const ALL_SCOPES: [&str; 10] = cadence_shared::API_KEY_SCOPES;

const API_KEY_PREFIX: &str = "ck_live_";

/// A freshly generated key: `plain` is shown once, `hash` is stored, `display` is for lists.
pub struct GeneratedKey {
    pub plain: String,
    pub hash: String,
    pub display: String,
}

/// `ck_live_` + 32 random bytes in base64url.
pub fn generate_api_key() -> GeneratedKey {
    let plain = format!("{API_KEY_PREFIX}{}", random_token());
    let display = format!("{API_KEY_PREFIX}…{}", &plain[plain.len() - 4..]);
    GeneratedKey { hash: hash_secret(&plain), plain, display }
}

/// 32 bytes from the OS-seeded CSPRNG, base64url without padding (43 characters).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Hex SHA-256 of a high-entropy secret, as stored and looked up.
pub fn hash_secret(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_stored_only_as_hash() {
        let a = generate_api_key();
        let b = generate_api_key();
        assert!(a.plain.starts_with("ck_live_"));
        assert_eq!(a.plain.len(), "ck_live_".len() + 43);
        assert_ne!(a.plain, b.plain);
        assert_eq!(a.hash, hash_secret(&a.plain));
        assert!(!a.hash.contains(&a.plain[8..]));
        assert!(a.display.ends_with(&a.plain[a.plain.len() - 4..]));
    }
}
