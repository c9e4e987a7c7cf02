//! [`Store`] on SQLite: the embedded default.
//!
//! The file runs in WAL mode with a busy timeout; every write transaction starts with
//! `BEGIN IMMEDIATE`, so it takes the write lock up front and waits for it (instead of
//! failing half-way with SQLITE_BUSY when a read transaction tries to upgrade). Holding the
//! write lock also makes row locks unnecessary (`LOCK_ROW` is empty). No double booking is
//! enforced by the `bookings_no_overlap_*` triggers of the migration.

use super::*;
use crate::model::*;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// SQLite's extended result code for a `RAISE(ABORT, …)` in a trigger
/// (SQLITE_CONSTRAINT_TRIGGER); only the overlap triggers raise it.
const SQLITE_CONSTRAINT_TRIGGER: &str = "1811";

/// Write transactions hold the database lock; nothing to add to a SELECT.
const LOCK_ROW: &str = "";

/// Endpoint `e` listens to event type `$3` (its `events` is a JSON array in TEXT).
const SUBSCRIBED: &str = "EXISTS (SELECT 1 FROM json_each(e.events) j WHERE j.value IN ($3, '*'))";

/// Services with their practitioner ids.
const SERVICES: &str = "SELECT s.*, (SELECT json_group_array(sp.practitioner_id) FROM service_practitioners sp \
     WHERE sp.service_id = s.id) AS practitioner_ids FROM services s";

/// Practitioners with their date overrides and service ids.
const PRACTITIONERS: &str = "SELECT p.*, \
     (SELECT json_group_array(json_object('date', o.date, 'intervals', json(o.intervals))) \
       FROM practitioner_date_overrides o WHERE o.practitioner_id = p.id) AS date_overrides, \
     (SELECT json_group_array(sp.service_id) FROM service_practitioners sp \
       WHERE sp.practitioner_id = p.id) AS service_ids \
     FROM practitioners p";

/// Customers with their booking count and latest booking start.
const CUSTOMERS: &str = "SELECT c.*, \
     (SELECT COUNT(*) FROM bookings b WHERE b.customer_id = c.id) AS booking_count, \
     (SELECT MAX(b.start_at) FROM bookings b WHERE b.customer_id = c.id) AS last_booking_at \
     FROM customers c";

/// Busy ranges (see `BookingStore::busy_ranges`): one scan of the org's window
/// (`bookings_org_blocked`, covering), grouped by practitioner.
pub(super) const BUSY_RANGES: &str = "SELECT practitioner_id, json_group_array(blocked_start) AS a, \
    json_group_array(blocked_end) AS b FROM bookings \
    WHERE org_id = $1 AND status = 'confirmed' AND blocked_end > $2 AND blocked_start < $3 \
    AND blocked_start >= $5 AND ($4 IS NULL OR id <> $4) AND practitioner_id IN (SELECT value FROM json_each($6)) \
    GROUP BY practitioner_id";

/// A column of instants (`{}`) aggregated into one value per group: a JSON array of unix
/// seconds.
pub(super) const AGG_INSTANTS: &str = "json_group_array({})";

/// What [`AGG_INSTANTS`] decodes as, and its instants.
pub(super) type Instants = sqlx::types::Json<Vec<i64>>;

pub(super) fn instants(aggregated: Instants) -> Result<Vec<DateTime<Utc>>, StoreError> {
    aggregated
        .0
        .into_iter()
        .map(|secs| {
            DateTime::from_timestamp(secs, 0).ok_or_else(|| StoreError::Corrupt(format!("instant {secs}")))
        })
        .collect()
}

/// Claiming webhook deliveries: the write lock already serialises claims.
const SKIP_LOCKED: &str = "";

/// The messages of the JSON array `$1` (see `model::NewMail`) as rows.
const MAIL_ROWS: &str = "(SELECT json_extract(j.value, '$.id') AS id, json_extract(j.value, '$.kind') AS kind, \
     json_extract(j.value, '$.audience') AS audience, json_extract(j.value, '$.practitioner_id') AS practitioner_id, \
     json_extract(j.value, '$.details') AS details, json_extract(j.value, '$.due') AS due_at FROM json_each($1) j) m";

pub struct SqliteStore {
    /// Reads (WAL: they never wait for the writer).
    pool: SqlitePool,
    /// Every write, one at a time (see `connect`).
    writer: SqlitePool,
    catalogues: CatalogueCache,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before the booking is confirmed to anyone (in WAL
            // mode NORMAL may lose the last commits on power loss).
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // No ping before each use (sqlx's default): an SQLite connection is a file handle in
        // this process, and the ping is a hop to its worker thread per statement.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open SQLite database {url:?}"))?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await.context("applying SQLite migrations")?;
        // One connection writes. SQLite lets one writer at a time hold the lock; writers
        // on several connections would meet in its busy handler, which sleeps with growing
        // backoff (up to 100 ms a try) and gave booking creation a p99 of ~650 ms at 16
        // concurrent clients. Queued on this pool, writes take turns in order instead.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {url:?}"))?;
        Ok(Self { pool, writer, catalogues: CatalogueCache::default() })
    }

    /// The pool, for tests that must reach past the store (e.g. raw inserts).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)
    }

    /// Where single write statements go (the one writing connection).
    fn writer(&self) -> &SqlitePool {
        &self.writer
    }
}

impl SqliteStore {
    /// A new booking in one transaction: SQLite's statements are calls into the same
    /// process, so there are no round trips to fold.
    async fn write_new_booking(
        &self,
        b: &NewBooking,
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError> {
        self.create_booking_in_transaction(b, idem).await
    }

    /// See [`BookingStore::book_first_free`]: the read, then the writes in turn.
    async fn write_first_free(
        &self,
        b: &NewBooking,
        candidates: &[Candidate],
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError> {
        bookings::book_in_turn(self, b, candidates, idem).await
    }

    /// See [`RequestLogStore::insert_request_logs`]: one `INSERT … VALUES` of the batch
    /// (at most `request_log::BATCH` rows of 8 values, far below SQLite's 32,766 variables).
    async fn write_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError> {
        let mut q = sqlx::QueryBuilder::<Sqlite>::new(
            "INSERT INTO request_log (request_id, at, method, route, status, latency_ms, org_id, key_id) ",
        );
        q.push_values(entries, |mut b, e| {
            b.push_bind(&e.request_id)
                .push_bind(ts::Ts(e.at))
                .push_bind(&e.method)
                .push_bind(&e.route)
                .push_bind(i32::from(e.status))
                .push_bind(int(e.latency_ms))
                .push_bind(&e.org_id)
                .push_bind(&e.key_id);
        });
        q.build().execute(self.writer()).await.map_err(map_err)?;
        Ok(())
    }
}

/// Translates SQLite failures by result code.
fn map_err(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict(db.message().to_owned());
        }
        if db.code().as_deref() == Some(SQLITE_CONSTRAINT_TRIGGER) {
            return StoreError::Overlap;
        }
    }
    StoreError::Database(err)
}

impl_store!(SqliteStore, Sqlite, Backend::Sqlite);
