//! Orgs, the people who run them, their sessions and API keys.

use super::StoreError;
use super::ts::Ts;
use crate::model::{ApiKeyRecord, NewApiKey, NewOrg, NewUser, Org, OrgSettings, SessionRecord, UserRecord};
use async_trait::async_trait;
use cadence_shared::Branding;
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// Orgs, accounts, sessions and API keys.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError>;
    async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError>;
    async fn find_org(&self, id: &str) -> Result<Option<Org>, StoreError>;
    async fn update_org(&self, id: &str, settings: &OrgSettings) -> Result<Org, StoreError>;
    /// Creates the person, their org and their ownership of it, in one transaction.
    async fn create_account(&self, user: &NewUser, org: &NewOrg) -> Result<(UserRecord, Org), StoreError>;
    async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn find_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;
    /// The orgs a person belongs to, oldest membership first.
    async fn orgs_of_user(&self, user_id: &str) -> Result<Vec<Org>, StoreError>;
    /// Sets the person's e-mail address and display name; `Conflict` when the address is
    /// another person's.
    async fn update_user(
        &self,
        user_id: &str,
        email: &str,
        display_name: &str,
    ) -> Result<UserRecord, StoreError>;
    /// Sets a new password hash and ends every other session of the person.
    async fn set_password(&self, user_id: &str, hash: &str, keep_session: &str) -> Result<(), StoreError>;
    async fn create_session(
        &self,
        user_id: &str,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<SessionRecord, StoreError>;
    async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, id: &str) -> Result<(), StoreError>;
    /// Deletes sessions that expired by `now`; returns how many.
    async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord, StoreError>;
    /// The key with this hash and its org, in one read (every org API request starts
    /// here); revoked and expired keys included: the caller tells why.
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<(ApiKeyRecord, Org)>, StoreError>;
    async fn touch_api_key(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// The org's keys, newest first.
    async fn list_api_keys(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Marks a key revoked (idempotently); `None` when it is not the org's.
    async fn revoke_api_key(
        &self,
        org_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKeyRecord>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub timezone: String,
    pub branding: Json<Branding>,
    pub locale: Option<String>,
    pub created_at: Ts,
    pub catalog_version: i64,
}

impl From<OrgRow> for Org {
    fn from(r: OrgRow) -> Self {
        Org {
            id: r.id,
            slug: r.slug,
            name: r.name,
            timezone: r.timezone,
            branding: r.branding.0,
            locale: r.locale,
            created_at: r.created_at.0,
            catalog_version: r.catalog_version,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub display_name: String,
    pub created_at: Ts,
}

impl From<UserRow> for UserRecord {
    fn from(r: UserRow) -> Self {
        UserRecord {
            id: r.id,
            email: r.email,
            password_hash: r.password_hash,
            display_name: r.display_name,
            created_at: r.created_at.0,
        }
    }
}

/// An API key with its org's columns (`org_…`).
#[derive(sqlx::FromRow)]
pub(super) struct KeyOrgRow {
    #[sqlx(flatten)]
    pub key: ApiKeyRow,
    pub org_slug: String,
    pub org_name: String,
    pub org_timezone: String,
    pub org_branding: Json<Branding>,
    pub org_locale: Option<String>,
    pub org_created_at: Ts,
    pub org_catalog_version: i64,
}

impl From<KeyOrgRow> for (ApiKeyRecord, Org) {
    fn from(r: KeyOrgRow) -> Self {
        let org = Org {
            id: r.key.org_id.clone(),
            slug: r.org_slug,
            name: r.org_name,
            timezone: r.org_timezone,
            branding: r.org_branding.0,
            locale: r.org_locale,
            created_at: r.org_created_at.0,
            catalog_version: r.org_catalog_version,
        };
        (r.key.into(), org)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct ApiKeyRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub key_prefix: String,
    pub scopes: Json<Vec<String>>,
    pub created_at: Ts,
    pub expires_at: Option<Ts>,
    pub revoked_at: Option<Ts>,
    pub last_used_at: Option<Ts>,
}

impl From<ApiKeyRow> for ApiKeyRecord {
    fn from(r: ApiKeyRow) -> Self {
        ApiKeyRecord {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            key_prefix: r.key_prefix,
            scopes: r.scopes.0,
            created_at: r.created_at.0,
            expires_at: r.expires_at.map(|t| t.0),
            revoked_at: r.revoked_at.map(|t| t.0),
            last_used_at: r.last_used_at.map(|t| t.0),
        }
    }
}

/// `impl AccountStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_accounts_store {
    ($store:ty, $db:ty) => {
        mod accounts_sql {
            use super::*;
            use $crate::store::accounts::{ApiKeyRow, KeyOrgRow, OrgRow, UserRow};
            use $crate::store::ts::Ts;
            use chrono::{DateTime, Utc};
            use sqlx::Transaction;
            use sqlx::types::Json;

            impl $store {
                /// Inserts an org inside the caller's transaction.
                async fn insert_org(
                    tx: &mut Transaction<'static, $db>,
                    org: &NewOrg,
                    now: DateTime<Utc>,
                ) -> Result<Org, StoreError> {
                    let row: OrgRow = sqlx::query_as(
                        "INSERT INTO orgs (id, slug, name, timezone, branding, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
                    )
                    .bind($crate::ids::new_id("org"))
                    .bind(&org.slug)
                    .bind(&org.name)
                    .bind(&org.timezone)
                    .bind(Json(&org.branding))
                    .bind(Ts(now))
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    Ok(row.into())
                }
            }

            #[async_trait]
            impl AccountStore for $store {
                async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let org = Self::insert_org(&mut tx, org, crate::clock::now()).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(org)
                }

                async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError> {
                    let row: Option<OrgRow> = sqlx::query_as("SELECT * FROM orgs WHERE slug = $1")
                        .bind(slug)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn find_org(&self, id: &str) -> Result<Option<Org>, StoreError> {
                    let row: Option<OrgRow> = sqlx::query_as("SELECT * FROM orgs WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn update_org(&self, id: &str, settings: &OrgSettings) -> Result<Org, StoreError> {
                    let row: Option<OrgRow> = sqlx::query_as(
                        "UPDATE orgs SET name = $2, timezone = $3, branding = $4, locale = $6, updated_at = $5 \
                         WHERE id = $1 RETURNING *",
                    )
                    .bind(id)
                    .bind(&settings.name)
                    .bind(&settings.timezone)
                    .bind(Json(&settings.branding))
                    .bind(Ts(crate::clock::now()))
                    .bind(&settings.locale)
                    .fetch_optional(self.writer())
                    .await
                    .map_err(map_err)?;
                    row.map(Into::into).ok_or(StoreError::NotFound)
                }

                async fn create_account(&self, user: &NewUser, org: &NewOrg) -> Result<(UserRecord, Org), StoreError> {
                    let now = Ts(crate::clock::now());
                    let mut tx = self.begin_write().await?;
                    let org = Self::insert_org(&mut tx, org, now.0).await?;
                    let user: UserRow = sqlx::query_as(
                        "INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $5) RETURNING *",
                    )
                    .bind($crate::ids::new_id("usr"))
                    .bind(&user.email)
                    .bind(&user.password_hash)
                    .bind(&user.display_name)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    sqlx::query("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
                        .bind(&org.id)
                        .bind(&user.id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)?;
                    Ok((user.into(), org))
                }

                async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
                    let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE email = $1")
                        .bind(email)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn find_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
                    let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn orgs_of_user(&self, user_id: &str) -> Result<Vec<Org>, StoreError> {
                    let rows: Vec<OrgRow> = sqlx::query_as(
                        "SELECT o.* FROM orgs o JOIN org_members m ON m.org_id = o.id WHERE m.user_id = $1 \
                         ORDER BY m.created_at, o.id",
                    )
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn update_user(&self, user_id: &str, email: &str, display_name: &str) -> Result<UserRecord, StoreError> {
                    let row: Option<UserRow> = sqlx::query_as(
                        "UPDATE users SET email = $2, display_name = $3, updated_at = $4 WHERE id = $1 RETURNING *",
                    )
                    .bind(user_id)
                    .bind(email)
                    .bind(display_name)
                    .bind(Ts(crate::clock::now()))
                    .fetch_optional(self.writer())
                    .await
                    .map_err(map_err)?;
                    row.map(Into::into).ok_or(StoreError::NotFound)
                }

                async fn set_password(&self, user_id: &str, hash: &str, keep_session: &str) -> Result<(), StoreError> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                        .bind(user_id)
                        .bind(hash)
                        .bind(Ts(crate::clock::now()))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                        .bind(user_id)
                        .bind(keep_session)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    tx.commit().await.map_err(map_err)
                }

                async fn create_session(
                    &self,
                    user_id: &str,
                    token_hash: &str,
                    now: DateTime<Utc>,
                    expires_at: DateTime<Utc>,
                ) -> Result<SessionRecord, StoreError> {
                    let id = $crate::ids::new_id("ses");
                    sqlx::query(
                        "INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&id)
                    .bind(user_id)
                    .bind(token_hash)
                    .bind(Ts(now))
                    .bind(Ts(expires_at))
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(SessionRecord { id, user_id: user_id.to_owned(), expires_at })
                }

                async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
                    let row: Option<(String, String, Ts)> =
                        sqlx::query_as("SELECT id, user_id, expires_at FROM sessions WHERE token_hash = $1")
                            .bind(token_hash)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(map_err)?;
                    Ok(row.map(|(id, user_id, expires_at)| SessionRecord { id, user_id, expires_at: expires_at.0 }))
                }

                async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
                    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(self.writer()).await.map_err(map_err)?;
                    Ok(())
                }

                async fn purge_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                        .bind(Ts(now))
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }

                async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord, StoreError> {
                    let row: ApiKeyRow = sqlx::query_as(
                        "INSERT INTO api_keys (id, org_id, name, key_hash, key_prefix, scopes, created_by, created_at, \
                         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
                    )
                    .bind($crate::ids::new_id("key"))
                    .bind(&key.org_id)
                    .bind(&key.name)
                    .bind(&key.key_hash)
                    .bind(&key.key_prefix)
                    .bind(Json(&key.scopes))
                    .bind(&key.created_by)
                    .bind(Ts(crate::clock::now()))
                    .bind(key.expires_at.map(Ts))
                    .fetch_one(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(row.into())
                }

                async fn find_api_key(&self, key_hash: &str) -> Result<Option<(ApiKeyRecord, Org)>, StoreError> {
                    let row: Option<KeyOrgRow> = sqlx::query_as(
                        "SELECT k.*, o.slug AS org_slug, o.name AS org_name, o.timezone AS org_timezone, \
                         o.branding AS org_branding, o.locale AS org_locale, o.created_at AS org_created_at, \
                         o.catalog_version AS org_catalog_version \
                         FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.key_hash = $1",
                    )
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn touch_api_key(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                    sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                        .bind(id)
                        .bind(Ts(now))
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn list_api_keys(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>, StoreError> {
                    let rows: Vec<ApiKeyRow> = sqlx::query_as("SELECT * FROM api_keys WHERE org_id = $1 ORDER BY id DESC")
                        .bind(org_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn revoke_api_key(
                    &self,
                    org_id: &str,
                    id: &str,
                    now: DateTime<Utc>,
                ) -> Result<Option<ApiKeyRecord>, StoreError> {
                    let row: Option<ApiKeyRow> = sqlx::query_as(
                        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE org_id = $1 AND id = $2 RETURNING *",
                    )
                    .bind(org_id)
                    .bind(id)
                    .bind(Ts(now))
                    .fetch_optional(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }
            }
        }
    };
}
pub(super) use impl_accounts_store;
