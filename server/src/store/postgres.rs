//! [`Store`] on Postgres: for production and for many server processes on one database.
//!
//! The no-double-booking rule is the exclusion constraint `bookings_no_overlap`
//! (btree_gist, on practitioner and the blocked `tstzrange`, confirmed bookings only); a
//! violation arrives as SQLSTATE 23P01 and becomes [`StoreError::Overlap`]. Rows a write
//! transaction reads before changing are locked with `FOR UPDATE`.

use super::*;
use crate::model::*;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::time::Duration;

/// SQLSTATE exclusion_violation.
const EXCLUSION_VIOLATION: &str = "23P01";

const LOCK_ROW: &str = " FOR UPDATE";

/// Endpoint `e` listens to event type `$3` (its `events` is a jsonb array).
const SUBSCRIBED: &str = "(e.events ? $3 OR e.events ? '*')";

/// Services with their practitioner ids.
const SERVICES: &str = "SELECT s.*, COALESCE((SELECT json_agg(sp.practitioner_id) FROM service_practitioners sp \
     WHERE sp.service_id = s.id), '[]'::json) AS practitioner_ids FROM services s";

/// Practitioners with their date overrides and service ids.
const PRACTITIONERS: &str = "SELECT p.*, \
     COALESCE((SELECT json_agg(json_build_object('date', o.date, 'intervals', o.intervals)) \
       FROM practitioner_date_overrides o WHERE o.practitioner_id = p.id), '[]'::json) AS date_overrides, \
     COALESCE((SELECT json_agg(sp.service_id) FROM service_practitioners sp \
       WHERE sp.practitioner_id = p.id), '[]'::json) AS service_ids \
     FROM practitioners p";

/// Customers with their booking count and latest booking start.
const CUSTOMERS: &str = "SELECT c.*, \
     (SELECT COUNT(*) FROM bookings b WHERE b.customer_id = c.id) AS booking_count, \
     (SELECT MAX(b.start_at) FROM bookings b WHERE b.customer_id = c.id) AS last_booking_at \
     FROM customers c";

/// The strings of the JSON array bound as `$6`, as a set for `IN`.
pub(super) const IN_JSON_6: &str = "(SELECT json_array_elements_text($6::json))";

/// A column of instants (`{}`) aggregated into one value per group: a `timestamptz[]`,
/// which sqlx decodes from Postgres's binary format. (A JSON array of epochs cost the
/// profile of a month's availability json_agg, epoch conversions and JSON parsing.)
pub(super) const AGG_INSTANTS: &str = "array_agg({})";

/// What [`AGG_INSTANTS`] decodes as, and its instants.
pub(super) type Instants = Vec<DateTime<Utc>>;

pub(super) fn instants(aggregated: Instants) -> Result<Vec<DateTime<Utc>>, StoreError> {
    Ok(aggregated)
}

/// Claiming webhook deliveries: skip rows another process has locked.
const SKIP_LOCKED: &str = " FOR UPDATE OF d SKIP LOCKED";

pub struct PgStore {
    pool: PgPool,
    catalogues: CatalogueCache,
}

impl PgStore {
    /// How the server's connections are opened: the URL, with `plan_cache_mode =
    /// force_generic_plan`. sqlx prepares each statement once per connection, but Postgres
    /// still re-plans a prepared statement for each execution's parameters (a custom plan)
    /// unless the generic plan looks no costlier. For the booking path's reads (busy ranges,
    /// loads), planning cost as much as executing (~270 µs a bind, from the statement log),
    /// and the plans do not depend on the values: each read is an index range scan whatever
    /// the window (`tests/time_reads.rs` checks the generic plans with a long history).
    /// Measured with `scripts/bench.sh`: booking creation 556 → 782 req/s, a month of
    /// availability p50 22 → 13 ms.
    pub fn connect_options(url: &str) -> anyhow::Result<PgConnectOptions> {
        let options = url
            .parse::<PgConnectOptions>()
            .with_context(|| format!("invalid Postgres URL {}", redact_url(url)))?;
        Ok(options.options([("plan_cache_mode", "force_generic_plan")]))
    }

    /// Connects and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(Self::connect_options(url)?)
            .await
            .with_context(|| format!("cannot connect to Postgres at {}", redact_url(url)))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.context("applying Postgres migrations")?;
        Ok(Self { pool, catalogues: CatalogueCache::default() })
    }

    /// The pool, for tests that must reach past the store (e.g. raw inserts).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(map_err)
    }

    /// Where single write statements go: any pooled connection (Postgres has row locks).
    fn writer(&self) -> &PgPool {
        &self.pool
    }
}

/// Translates Postgres failures by SQLSTATE.
fn map_err(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned());
        }
        if db.code().as_deref() == Some(EXCLUSION_VIOLATION) {
            return StoreError::Overlap;
        }
    }
    StoreError::Database(err)
}

impl_store!(PgStore, Postgres, Backend::Postgres);
