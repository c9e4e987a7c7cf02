//! People who run orgs: passwords (Argon2id), sessions (random tokens, stored hashed,
//! expiring), and signup rules.

use crate::domain::DomainError;
use crate::keys::{hash_secret, random_token};
use crate::model::SessionRecord;
use crate::store::Store;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use std::sync::LazyLock;

/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::days(30);

/// Session tokens carry this prefix, so they are never mistaken for API keys.
pub const SESSION_PREFIX: &str = "cs_";

/// Argon2id (the crate's default: 19 MiB, 2 passes) PHC string. Runs off the async threads.
pub async fn hash_password(password: String) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hash: {e}"))?;
        Ok::<_, anyhow::Error>(hash.to_string())
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(DomainError::Internal)
}

/// A hash to verify against when the e-mail is unknown, so that answer takes as long as a
/// wrong password does (no account enumeration by timing).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::encode_b64(&[7u8; 16]).expect("salt");
    Argon2::default().hash_password(random_token().as_bytes(), &salt).expect("hash").to_string()
});

/// Whether `password` matches `stored` (or, with no stored hash, spends the same time and
/// says no). Comparison is inside argon2 and constant-time.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// Starts a session; returns the plain token (shown once) and the record.
pub async fn start_session(store: &dyn Store, user_id: &str) -> Result<(String, SessionRecord), DomainError> {
    let token = format!("{SESSION_PREFIX}{}", random_token());
    let now = crate::clock::now();
    let session = store.create_session(user_id, &hash_secret(&token), now, now + SESSION_TTL).await?;
    Ok((token, session))
}

/// Passwords: 10 to 256 characters.
pub fn check_password(field: &str, password: &str) -> Result<(), DomainError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(DomainError::invalid(
            "weak_password",
            field,
            "Use a password of at least 10 characters.",
        ));
    }
    if n > 256 {
        return Err(DomainError::invalid("too_long", field, "Use a password of at most 256 characters."));
    }
    Ok(())
}

/// A slug from an org name: lower-case ASCII letters and digits, other runs become `-`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(50).collect();
    slug.trim_end_matches('-').to_owned()
}

/// Whether a session has run out.
pub fn expired(session: &SessionRecord, now: DateTime<Utc>) -> bool {
    session.expires_at <= now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        assert_eq!(slugify("Movela Physio & Massage"), "movela-physio-massage");
        assert_eq!(slugify("  Café Zürich!! "), "caf-z-rich");
        assert_eq!(slugify("***"), "");
    }

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_password("wrong horse battery".into(), Some(hash)).await);
        assert!(!verify_password("anything at all".into(), None).await);
    }
}
