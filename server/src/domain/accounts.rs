//! People who run orgs: signup, passwords (Argon2id), sessions (random tokens, stored
//! hashed, expiring), and the rules for the API keys they create.

use crate::domain::validation::{check_branding, check_locale, check_slug, check_timezone};
use crate::domain::{DomainError, input};
use crate::keys::{ALL_SCOPES, generate_api_key, hash_secret, random_token};
use crate::model::{NewApiKey, NewOrg, NewUser, Org, OrgSettings, SessionRecord, UserRecord};
use crate::store::{Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use cadence_shared::{CreateApiKeyRequest, SignupRequest, UpdateOrgRequest, UpdateProfileRequest};
use chrono::{DateTime, Duration, Utc};
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::days(30);

/// Session tokens carry this prefix, so they are never mistaken for API keys.
pub const SESSION_PREFIX: &str = "cs_";

/// At most this many password hashes run at once (one per core): each takes 19 MiB and a
/// core for tens of milliseconds, so more at once only queue for the cores and add memory.
/// 300 parallel logins peaked at 5.8 GB without this bound.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// Argon2id (the crate's default: 19 MiB, 2 passes) PHC string. Runs off the async threads,
/// one per core at a time.
pub async fn hash_password(password: String) -> Result<String, DomainError> {
    let _turn = HASHING.acquire().await.map_err(anyhow::Error::from)?;
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
/// says no). Comparison is inside argon2 and constant-time; one per core at a time.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    let Ok(_turn) = HASHING.acquire().await else { return false };
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

/// Creates the person and the org they own from a signup: 422 naming a bad field, 409
/// `email_taken` or `slug_taken`, or `account_conflict` when a concurrent signup took
/// either between the checks and the insert. Without `org_slug` the slug comes from the
/// org's name (`park-physio`, then `park-physio-2`, …).
pub async fn sign_up(store: &dyn Store, req: SignupRequest) -> Result<(UserRecord, Org), DomainError> {
    let email = input::email("email", &req.email)?;
    check_password("password", &req.password)?;
    let display_name = input::text("display_name", Some(&req.display_name), 100)?.ok_or_else(|| {
        DomainError::invalid("missing_field", "display_name", "'display_name' must not be empty.")
    })?;
    let org_name = input::text("org_name", Some(&req.org_name), 200)?
        .ok_or_else(|| DomainError::invalid("missing_field", "org_name", "'org_name' must not be empty."))?;
    check_timezone(&req.timezone).map_err(|m| DomainError::invalid("invalid_timezone", "timezone", m))?;
    if store.find_user_by_email(&email).await?.is_some() {
        return Err(DomainError::conflict(
            "email_taken",
            "An account with this e-mail address exists; log in instead.",
        ));
    }
    let slug = match &req.org_slug {
        Some(slug) => {
            check_slug(slug).map_err(|m| DomainError::invalid("invalid_slug", "org_slug", m))?;
            if store.find_org_by_slug(slug).await?.is_some() {
                return Err(DomainError::conflict("slug_taken", "That org slug is taken; choose another."));
            }
            slug.clone()
        }
        None => free_slug(store, &org_name).await?,
    };
    let user = NewUser { email, password_hash: hash_password(req.password).await?, display_name };
    let org = NewOrg { slug, name: org_name, timezone: req.timezone, branding: Default::default() };
    store.create_account(&user, &org).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            DomainError::conflict("account_conflict", "The e-mail address or org slug was just taken.")
        }
        other => other.into(),
    })
}

/// A slug from the org name that no org has yet.
async fn free_slug(store: &dyn Store, name: &str) -> Result<String, DomainError> {
    let base = slugify(name);
    let base =
        if check_slug(&base).is_ok() { base } else { format!("org-{base}").trim_end_matches('-').to_owned() };
    for n in 0..20 {
        let candidate = if n == 0 { base.clone() } else { format!("{base}-{}", n + 1) };
        if check_slug(&candidate).is_ok() && store.find_org_by_slug(&candidate).await?.is_none() {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}-{}", &crate::ids::new_id("x")[20..]).to_lowercase())
}

/// The key to store for a request to create one, and the plain key to show once: a name,
/// known scopes (all when none are asked for), an expiry in the future if any.
pub fn new_api_key(
    org_id: &str,
    created_by: &str,
    req: CreateApiKeyRequest,
) -> Result<(NewApiKey, String), DomainError> {
    let name = input::text("name", Some(&req.name), 100)?
        .ok_or_else(|| DomainError::invalid("missing_field", "name", "Give the key a name."))?;
    let scopes = match req.scopes {
        None => ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
        Some(scopes) => {
            if let Some(bad) = scopes.iter().find(|s| !ALL_SCOPES.contains(&s.as_str())) {
                return Err(DomainError::invalid(
                    "unknown_scope",
                    "scopes",
                    format!("'{bad}' is not a scope; known scopes: {}.", ALL_SCOPES.join(", ")),
                ));
            }
            if scopes.is_empty() {
                return Err(DomainError::invalid(
                    "missing_field",
                    "scopes",
                    "A key needs at least one scope.",
                ));
            }
            scopes
        }
    };
    let expires_at = req.expires_at.as_deref().map(|raw| input::instant("expires_at", raw)).transpose()?;
    if expires_at.is_some_and(|at| at <= crate::clock::now()) {
        return Err(DomainError::invalid("in_the_past", "expires_at", "'expires_at' must be in the future."));
    }
    let key = generate_api_key();
    let new = NewApiKey {
        org_id: org_id.to_owned(),
        name,
        key_hash: key.hash,
        key_prefix: key.display,
        scopes,
        created_by: Some(created_by.to_owned()),
        expires_at,
    };
    Ok((new, key.plain))
}

/// Changes the org's name, timezone, branding or default language (the fields `patch` names).
pub async fn update_org(store: &dyn Store, org: &Org, patch: &UpdateOrgRequest) -> Result<Org, DomainError> {
    let name = match &patch.name {
        Some(n) => input::text("name", Some(n), 200)?
            .ok_or_else(|| DomainError::invalid("missing_field", "name", "'name' must not be empty."))?,
        None => org.name.clone(),
    };
    let timezone = patch.timezone.clone().unwrap_or_else(|| org.timezone.clone());
    check_timezone(&timezone).map_err(|m| DomainError::invalid("invalid_timezone", "timezone", m))?;
    let branding = patch.branding.clone().unwrap_or_else(|| org.branding.clone());
    check_branding(&branding)?;
    let locale = patch.locale.clone().unwrap_or_else(|| org.locale.clone());
    if let Some(l) = &locale {
        check_locale(l).map_err(|m| DomainError::invalid("invalid_locale", "locale", m))?;
    }
    Ok(store.update_org(&org.id, &OrgSettings { name, timezone, branding, locale }).await?)
}

/// Changes the person's display name or e-mail address (the fields `patch` names); a new
/// address needs the current password (422 `wrong_password` / `missing_field`) and must be
/// no one else's (409 `email_taken`).
pub async fn update_profile(
    store: &dyn Store,
    user: &UserRecord,
    patch: UpdateProfileRequest,
) -> Result<UserRecord, DomainError> {
    let display_name = match &patch.display_name {
        Some(n) => input::text("display_name", Some(n), 100)?.ok_or_else(|| {
            DomainError::invalid("missing_field", "display_name", "'display_name' must not be empty.")
        })?,
        None => user.display_name.clone(),
    };
    let email = match &patch.email {
        Some(e) => input::email("email", e)?,
        None => user.email.clone(),
    };
    if email != user.email {
        let Some(password) = patch.current_password else {
            return Err(DomainError::invalid(
                "missing_field",
                "current_password",
                "Confirm a new e-mail address with your current password.",
            ));
        };
        if !verify_password(password, Some(user.password_hash.clone())).await {
            return Err(DomainError::invalid(
                "wrong_password",
                "current_password",
                "The current password is wrong.",
            ));
        }
    }
    let taken = || DomainError::conflict("email_taken", "Another account uses this e-mail address.");
    if email != user.email && store.find_user_by_email(&email).await?.is_some() {
        return Err(taken());
    }
    store.update_user(&user.id, &email, &display_name).await.map_err(|e| match e {
        StoreError::Conflict(_) => taken(),
        other => other.into(),
    })
}

/// Sets a new password once the current one is confirmed; every other session ends.
pub async fn change_password(
    store: &dyn Store,
    user: &UserRecord,
    session_id: &str,
    current: String,
    new: String,
) -> Result<(), DomainError> {
    if !verify_password(current, Some(user.password_hash.clone())).await {
        return Err(DomainError::invalid(
            "wrong_password",
            "current_password",
            "The current password is wrong.",
        ));
    }
    check_password("new_password", &new)?;
    let hash = hash_password(new).await?;
    Ok(store.set_password(&user.id, &hash, session_id).await?)
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
