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
//! The SQL itself is written once (`queries.rs`, the `impl_store!` macro) and stamped out
//! for both backends: sqlx accepts `$1` placeholders on SQLite too, [`ts::Ts`] binds
//! instants as either type, and rows decode the same way (`rows.rs`). What differs lives in
//! each backend's file: connecting, opening write transactions, row locking, JSON
//! matching, and the translation of errors.
//!
//! Both implementations translate database failures into [`StoreError`] by SQLSTATE / SQLite
//! result code, never by parsing messages: a unique violation becomes
//! [`StoreError::Conflict`], an overlap of confirmed bookings [`StoreError::Overlap`].

// `queries` defines `impl_store!`, which the backend modules below expand.
#[macro_use]
mod queries;
mod models;
mod postgres;
mod rows;
mod sqlite;
mod ts;

pub use models::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use crate::availability::Busy;
use async_trait::async_trait;
use cadence_shared::Branding;
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

/// Everything the server keeps. One method per question or change the application has;
/// each change is a single transaction. Every read that takes an `org_id` only ever sees
/// that org's rows: tenant isolation lives here, not in the handlers.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;

    /// Answers when the database does (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    // ---- orgs, catalogue ----------------------------------------------------------
    async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError>;
    async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError>;
    async fn find_org(&self, id: &str) -> Result<Option<Org>, StoreError>;

    /// Creates a practitioner with weekly hours and date overrides; returns its id.
    async fn create_practitioner(&self, org_id: &str, p: &NewPractitioner) -> Result<String, StoreError>;
    /// Creates a service and links the given practitioners (all of `org_id`); returns its id.
    async fn create_service(&self, org_id: &str, s: &NewService) -> Result<String, StoreError>;
    async fn get_service(&self, org_id: &str, id: &str) -> Result<Option<ServiceRecord>, StoreError>;
    /// The org's services, oldest first.
    async fn list_services(&self, org_id: &str) -> Result<Vec<ServiceRecord>, StoreError>;
    /// The org's practitioners with schedules and overrides, oldest first.
    async fn list_practitioners(&self, org_id: &str) -> Result<Vec<PractitionerRecord>, StoreError>;

    /// Replaces a service's fields and practitioners.
    async fn update_service(
        &self,
        org_id: &str,
        id: &str,
        s: &NewService,
    ) -> Result<ServiceRecord, StoreError>;
    /// Hides a service; [`StoreError::InUse`] while it has upcoming confirmed bookings.
    async fn delete_service(&self, org_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    async fn get_practitioner(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<PractitionerRecord>, StoreError>;
    /// Replaces a practitioner's fields, weekly hours and date overrides.
    async fn update_practitioner(
        &self,
        org_id: &str,
        id: &str,
        p: &NewPractitioner,
    ) -> Result<PractitionerRecord, StoreError>;
    /// Hides a practitioner and unlinks them from services; [`StoreError::InUse`] while they
    /// have upcoming confirmed bookings.
    async fn delete_practitioner(&self, org_id: &str, id: &str, now: DateTime<Utc>)
    -> Result<(), StoreError>;
    async fn update_org(
        &self,
        id: &str,
        name: &str,
        timezone: &str,
        branding: &Branding,
    ) -> Result<Org, StoreError>;

    // ---- customers ----------------------------------------------------------------
    /// Newest first, after the customer id `after`.
    async fn list_customers(
        &self,
        org_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CustomerRecord>, StoreError>;
    async fn get_customer(&self, org_id: &str, id: &str) -> Result<Option<CustomerRecord>, StoreError>;

    // ---- accounts -----------------------------------------------------------------
    /// Creates the person, their org and their ownership of it, in one transaction.
    async fn create_account(&self, user: &NewUser, org: &NewOrg) -> Result<(UserRecord, Org), StoreError>;
    async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError>;
    async fn find_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError>;
    /// The orgs a person belongs to, oldest membership first.
    async fn orgs_of_user(&self, user_id: &str) -> Result<Vec<Org>, StoreError>;
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
    /// The org's keys, newest first.
    async fn list_api_keys(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Marks a key revoked (idempotently); `None` when it is not the org's.
    async fn revoke_api_key(
        &self,
        org_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiKeyRecord>, StoreError>;

    // ---- bookings -----------------------------------------------------------------
    /// Blocked ranges of the org's confirmed bookings that reach into `[from, to)`, per
    /// practitioner, ordered by start; `except` leaves one booking out (rescheduling).
    async fn busy_ranges(
        &self,
        org_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        except: Option<&str>,
    ) -> Result<Vec<(String, Busy)>, StoreError>;
    /// How loaded each of the org's practitioners is around `at`.
    async fn practitioner_loads(
        &self,
        org_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<PractitionerLoad>, StoreError>;
    /// Records the customer, inserts the booking, writes `booking.created` to the outbox and
    /// completes the idempotency record, in one transaction. [`StoreError::Overlap`] when the
    /// database refuses the time.
    async fn create_booking(
        &self,
        b: &NewBooking,
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError>;
    async fn get_booking(&self, org_id: &str, id: &str) -> Result<Option<BookingRecord>, StoreError>;
    /// A booking by id alone, for the manage-token surface (the caller checks the token).
    async fn find_booking(&self, id: &str) -> Result<Option<BookingRecord>, StoreError>;
    /// Bookings ordered by start then id, after `cursor`, at most `limit`.
    async fn list_bookings(
        &self,
        org_id: &str,
        filter: &BookingFilter,
        cursor: Option<&BookingCursor>,
        limit: u32,
    ) -> Result<Vec<BookingRecord>, StoreError>;
    /// Cancels (idempotently: an already cancelled booking is returned unchanged and no
    /// event is written) and writes `booking.cancelled`.
    async fn cancel_booking(
        &self,
        org_id: &str,
        id: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError>;
    /// Moves a confirmed booking and writes `booking.rescheduled` (with the previous times).
    async fn reschedule_booking(
        &self,
        org_id: &str,
        id: &str,
        to: &BookingMove,
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError>;
    /// Replaces the hash of a booking's manage token.
    async fn set_manage_token_hash(&self, booking_id: &str, hash: &str) -> Result<(), StoreError>;

    // ---- webhooks -----------------------------------------------------------------
    async fn create_webhook_endpoint(
        &self,
        e: &NewWebhookEndpoint,
    ) -> Result<WebhookEndpointRecord, StoreError>;
    /// The org's endpoints (not deleted), newest first.
    async fn list_webhook_endpoints(&self, org_id: &str) -> Result<Vec<WebhookEndpointRecord>, StoreError>;
    async fn get_webhook_endpoint(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<WebhookEndpointRecord>, StoreError>;
    /// Deletes an endpoint; its pending deliveries fail.
    async fn delete_webhook_endpoint(
        &self,
        org_id: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Writes a `webhook.test` event with a delivery to this endpoint only; returns its id.
    async fn create_test_event(
        &self,
        org_id: &str,
        endpoint_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError>;
    /// The newest attempts to deliver to an endpoint.
    async fn list_webhook_attempts(
        &self,
        org_id: &str,
        endpoint_id: &str,
        limit: u32,
    ) -> Result<Vec<AttemptView>, StoreError>;
    /// Claims up to `limit` due deliveries, each the oldest pending one of its booking for its
    /// endpoint (so a booking's events arrive in order), locking them until `lock_until`.
    /// On Postgres rows locked by another process are skipped, so processes never claim the
    /// same delivery.
    async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;
    /// Records an attempt and moves the delivery on (and disables its endpoint if told to).
    async fn record_attempt(&self, attempt: &AttemptRecord) -> Result<(), StoreError>;

    // ---- idempotency --------------------------------------------------------------
    /// Claims `key` in `scope` for a request whose canonical hash is `request_hash`.
    /// Records past `expires_at` are gone; in-flight ones older than `abandoned_before`
    /// (their request died) are taken over.
    async fn idempotency_begin(
        &self,
        key: IdempotencyRef<'_>,
        request_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> Result<IdempotencyBegin, StoreError>;
    /// Stores the final response of a request that changed nothing.
    async fn idempotency_finish(
        &self,
        key: IdempotencyRef<'_>,
        status: u16,
        body: &str,
    ) -> Result<(), StoreError>;
    /// Forgets an in-flight key whose request failed unexpectedly, so a retry can run.
    async fn idempotency_release(&self, key: IdempotencyRef<'_>) -> Result<(), StoreError>;
    /// Deletes expired idempotency records; returns how many.
    async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;

    // ---- API keys, request log ----------------------------------------------------
    async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord, StoreError>;
    /// The key with this hash (revoked and expired ones included: the caller tells why).
    async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    async fn touch_api_key(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError>;

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
