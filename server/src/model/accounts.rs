//! Orgs, the people who run them, their sessions and API keys.

use cadence_shared::{ApiKey, Branding, PublicOrg, User};
use chrono::{DateTime, Utc};

/// An org (tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// IANA timezone name, validated before it is stored.
    pub timezone: String,
    pub branding: Branding,
    /// The booking page's default language (one of `cadence_shared::LOCALES`), if set.
    pub locale: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Bumped by the database on every change to the org's services, practitioners, hours,
    /// overrides and their links: a cached catalogue at this version or later is current
    /// for this request (see `store::CatalogueCache`).
    pub catalog_version: i64,
}

/// What `PATCH /org` may change, checked and complete (the org's current values where the
/// patch names nothing).
#[derive(Debug, Clone)]
pub struct OrgSettings {
    pub name: String,
    pub timezone: String,
    pub branding: Branding,
    pub locale: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub slug: String,
    pub name: String,
    pub timezone: String,
    pub branding: Branding,
}

impl From<&Org> for cadence_shared::account::Org {
    fn from(o: &Org) -> Self {
        cadence_shared::account::Org {
            id: o.id.clone(),
            slug: o.slug.clone(),
            name: o.name.clone(),
            timezone: o.timezone.clone(),
            branding: o.branding.clone(),
            locale: o.locale.clone(),
            created_at: o.created_at,
        }
    }
}

/// The org's public face (the booking page's header).
impl From<&Org> for PublicOrg {
    fn from(o: &Org) -> Self {
        PublicOrg {
            id: o.id.clone(),
            slug: o.slug.clone(),
            name: o.name.clone(),
            timezone: o.timezone.clone(),
            branding: o.branding.clone(),
            locale: o.locale.clone(),
        }
    }
}

/// A person who can log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    /// Lower-cased.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
}

impl From<&UserRecord> for User {
    fn from(u: &UserRecord) -> Self {
        User {
            id: u.id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            created_at: u.created_at,
        }
    }
}

/// A login session; only the token's hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: String,
    pub expires_at: DateTime<Utc>,
}

/// A key to store: only the hash of the plain key ever reaches the database.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub org_id: String,
    pub name: String,
    pub key_hash: String,
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub created_by: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A stored API key, without anything secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The key as listed (never with the plain key; only creation shows that).
impl From<&ApiKeyRecord> for ApiKey {
    fn from(k: &ApiKeyRecord) -> Self {
        ApiKey {
            id: k.id.clone(),
            name: k.name.clone(),
            key_prefix: k.key_prefix.clone(),
            scopes: k.scopes.clone(),
            created_at: k.created_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
            plain_key: None,
        }
    }
}
