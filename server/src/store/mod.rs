//! Storage behind one seam: the [`Store`] trait, the sum of one small trait per area.
//!
//! Handlers and background tasks see `Arc<dyn Store>` (or `&dyn` the area trait they use);
//! which database runs is decided once, by the URL given to [`connect`]. There is one
//! implementation per backend ([`SqliteStore`], [`PgStore`]), each with its own migrations
//! in `server/migrations/{sqlite,postgres}`, because the backends differ exactly where it
//! matters: time types (timestamptz vs. INTEGER unix seconds), JSON (jsonb vs. TEXT), and
//! how the no-double-booking rule is enforced (an exclusion constraint on Postgres, triggers
//! plus `BEGIN IMMEDIATE` write transactions on SQLite). `sqlx::Any` would hide those
//! differences and lose the types, so it is not used.
//!
//! | area | trait | file |
//! |---|---|---|
//! | orgs, accounts, sessions, API keys | [`AccountStore`] | `accounts.rs` |
//! | services, practitioners | [`CatalogStore`] | `catalog.rs` |
//! | customers | [`CustomerStore`] | `customers.rs` |
//! | bookings | [`BookingStore`] | `bookings.rs` |
//! | busy ranges and loads, for availability and the check | [`BusyStore`] | `busy.rs` |
//! | webhook endpoints and their attempts | [`WebhookStore`] | `webhooks.rs` |
//! | the outbox: events, deliveries, claims | [`OutboxStore`] | `outbox.rs` |
//! | the mail outbox, mailed links, calendar feeds | [`MailStore`] | `mail.rs` |
//! | idempotency keys | [`IdempotencyStore`] | `idempotency.rs` |
//! | request log | [`RequestLogStore`] | `request_log.rs` |
//!
//! Each area file holds its trait, its row types and its SQL, written once for both
//! backends as a macro (`impl_catalog_store!` …) that `sqlite.rs` and `postgres.rs` expand:
//! sqlx accepts `$1` placeholders on SQLite too, [`ts::Ts`] binds instants as either type,
//! and rows decode the same way. What really differs lives in the backend's own file, and
//! each macro finds it there:
//!
//! - `fn map_err(sqlx::Error) -> StoreError` (errors by SQLSTATE / SQLite result code),
//! - `fn begin_write(&self)`, the write transaction (`BEGIN IMMEDIATE` on SQLite), `fn
//!   writer(&self)`, the pool single write statements run on (SQLite's one writing
//!   connection), and a `pool` field for reads,
//! - `const LOCK_ROW` (` FOR UPDATE` on Postgres; nothing on SQLite, whose write
//!   transactions already hold the database's write lock),
//! - `const SUBSCRIBED`, the SQL condition "endpoint `e` listens to event type `$3`",
//! - `const SERVICES`, `PRACTITIONERS` and `CUSTOMERS`, SELECTs that bring each row's linked
//!   ids, date overrides or booking summary along (one round trip instead of three), ending
//!   where a WHERE clause can follow,
//! - `const SKIP_LOCKED` (` FOR UPDATE OF d SKIP LOCKED` on Postgres) for claiming webhook
//!   deliveries and mails,
//! - `const MAIL_ROWS`, the messages of a JSON array bound as `$1`, as a table `m`,
//! - a `catalogues` field, the process's [`CatalogueCache`],
//! - `const BUSY_RANGES`, the busy-ranges read (see `BookingStore::busy_ranges`), and
//!   `AGG_INSTANTS`, an aggregate of instants per group, decoded as `type Instants` and
//!   turned into instants by `fn instants` (a `timestamptz[]` on Postgres, a JSON array
//!   of unix seconds on SQLite).
//!
//! Both implementations translate database failures into [`StoreError`] by SQLSTATE / SQLite
//! result code, never by parsing messages: a unique violation becomes
//! [`StoreError::Conflict`], an overlap of confirmed bookings [`StoreError::Overlap`].

mod accounts;
mod bookings;
mod busy;
mod catalog;
mod catalogue;
mod customers;
mod idempotency;
mod mail;
mod outbox;
mod postgres;
mod request_log;
mod sqlite;
mod ts;
mod webhooks;

pub use accounts::AccountStore;
pub use bookings::BookingStore;
pub use busy::{BookingReads, BusyStore};
/// The time-range reads of the booking path, for the tests that check their query plans.
pub mod time_reads {
    pub use super::bookings::LIST_BOOKINGS_SQL;

    /// The booking check's reads (busy ranges, nearby starts, last booked) as this backend
    /// runs them.
    pub fn booking_reads_sql(backend: super::Backend) -> String {
        match backend {
            super::Backend::Sqlite => {
                super::busy::booking_reads_sql(super::sqlite::BUSY_RANGES, super::sqlite::AGG_INSTANTS)
            }
            super::Backend::Postgres => {
                super::busy::booking_reads_sql(super::postgres::BUSY_RANGES, super::postgres::AGG_INSTANTS)
            }
        }
    }

    /// The one statement of a new booking on Postgres, which also reads who is free and
    /// how loaded each candidate is (`store/postgres/book.rs`).
    /// With every part (mails, idempotency record).
    pub fn postgres_book_sql() -> &'static str {
        super::postgres::book::book_sql(true, true, false)
    }

    /// The busy-ranges read as this backend runs it.
    pub fn busy_ranges_sql(backend: super::Backend) -> &'static str {
        match backend {
            super::Backend::Sqlite => super::sqlite::BUSY_RANGES,
            super::Backend::Postgres => super::postgres::BUSY_RANGES,
        }
    }
}
pub use catalog::CatalogStore;
pub use catalogue::CatalogueCache;
pub use customers::CustomerStore;
pub use idempotency::{IdempotencyBegin, IdempotencyRef, IdempotencyStore};
pub use mail::MailStore;
pub use outbox::OutboxStore;
pub use postgres::PgStore;
pub use request_log::{RequestLogEntry, RequestLogStore};
pub use sqlite::SqliteStore;
pub use webhooks::WebhookStore;

use async_trait::async_trait;
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
    /// The row to change does not exist (or is another org's).
    #[error("not found")]
    NotFound,
    /// The service or practitioner has upcoming confirmed bookings.
    #[error("in use by upcoming bookings")]
    InUse,
    /// The booking to move is cancelled.
    #[error("booking is cancelled")]
    Cancelled,
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

/// Everything the server keeps: every area's trait, plus what concerns the database as a
/// whole. Each change is a single transaction. Every read that takes an `org_id` only ever
/// sees that org's rows: tenant isolation lives here, not in the handlers.
#[async_trait]
pub trait Store:
    AccountStore
    + CatalogStore
    + CustomerStore
    + BookingStore
    + BusyStore
    + WebhookStore
    + OutboxStore
    + MailStore
    + IdempotencyStore
    + RequestLogStore
{
    fn backend(&self) -> Backend;

    /// Answers when the database does (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// The org's services and practitioners (deleted ones left out), from this process's
    /// [`CatalogueCache`] when it is current for `org` as the request read it, else loaded.
    async fn catalogue(&self, org: &crate::model::Org) -> Result<Arc<crate::model::Catalogue>, StoreError>;
}

/// `impl Store` and every area's trait for a backend store, in the backend's module (which
/// provides what the module docs above list).
macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:expr) => {
        $crate::store::accounts::impl_accounts_store!($store, $db);
        $crate::store::catalog::impl_catalog_store!($store, $db);
        $crate::store::customers::impl_customers_store!($store, $db);
        $crate::store::bookings::impl_bookings_store!($store, $db);
        $crate::store::busy::impl_busy_store!($store, $db);
        $crate::store::webhooks::impl_webhooks_store!($store, $db);
        $crate::store::outbox::impl_outbox_store!($store, $db);
        $crate::store::mail::impl_mail_store!($store, $db);
        $crate::store::idempotency::impl_idempotency_store!($store, $db);
        $crate::store::request_log::impl_request_log_store!($store, $db);

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
                Ok(())
            }

            async fn catalogue(&self, org: &Org) -> Result<std::sync::Arc<Catalogue>, StoreError> {
                if let Some(cached) = self.catalogues.get(org) {
                    return Ok(cached);
                }
                let catalogue = std::sync::Arc::new(Catalogue {
                    version: org.catalog_version,
                    services: self.list_services(&org.id).await?,
                    practitioners: self.list_practitioners(&org.id).await?,
                });
                self.catalogues.put(&org.id, catalogue.clone());
                Ok(catalogue)
            }
        }
    };
}
use impl_store;

/// Postgres has no unsigned integers; every u32 stored is a small count or duration.
pub(crate) fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
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
