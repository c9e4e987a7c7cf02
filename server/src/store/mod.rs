//! Storage behind one seam: the [`Store`] trait.
//!
//! Handlers and background tasks only ever see `Arc<dyn Store>`; which database runs is
//! decided once, by the URL given to [`connect`]. There is one implementation per backend
//! ([`SqliteStore`], [`PgStore`]), each with its own migrations in
//! `server/migrations/{sqlite,postgres}`, because the backends differ exactly where it
//! matters: time types (timestamptz vs. INTEGER unix seconds), JSON (jsonb vs. TEXT), and
//! how the no-double-booking rule is enforced (an exclusion constraint on Postgres, triggers
//! plus `BEGIN IMMEDIATE` write transactions on SQLite). `sqlx::Any` would hide those
//! differences and lose the types, so it is not used.
//!
//! Both implementations translate database failures into [`StoreError`] by SQLSTATE / SQLite
//! result code, never by parsing messages: a unique violation becomes
//! [`StoreError::Conflict`], an overlap of confirmed bookings [`StoreError::Overlap`].

mod models;
mod postgres;
mod sqlite;

pub use models::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What can go wrong in storage, in terms the HTTP layer can map to statuses.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (duplicate slug, email, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Two confirmed bookings of one practitioner would overlap.
    #[error("overlapping confirmed booking")]
    Overlap,
    /// A referenced row does not exist or belongs to another org.
    #[error("unknown reference: {0}")]
    Missing(String),
    /// Anything else: connection loss, a bug, a corrupt row.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A stored value could not be read back (e.g. malformed JSON column).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

/// Everything the server keeps. One method per question or change the application has;
/// each is a single transaction.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    /// Answers when the database does (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError>;
    async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError>;

    /// Creates a practitioner with weekly hours and date overrides; returns its id.
    async fn create_practitioner(&self, org_id: &str, p: &NewPractitioner) -> Result<String, StoreError>;
    /// Creates a service and links the given practitioners (all of `org_id`); returns its id.
    async fn create_service(&self, org_id: &str, s: &NewService) -> Result<String, StoreError>;

    async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord, StoreError>;

    /// Appends finished requests to the request log.
    async fn insert_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError>;
    /// The newest request log entries, newest first.
    async fn recent_request_logs(&self, limit: u32) -> Result<Vec<RequestLogEntry>, StoreError>;
    /// Deletes request log entries older than `before`; returns how many.
    async fn purge_request_logs(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Opens the database named by `url`, creating an SQLite file if missing, and applies
/// pending migrations.
pub async fn connect(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        anyhow::bail!(
            "unsupported database URL {:?}: use sqlite://PATH (e.g. sqlite://cadence.db) or postgres://USER@HOST/DB",
            redact_url(url)
        )
    }
}

/// The URL without its password, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
