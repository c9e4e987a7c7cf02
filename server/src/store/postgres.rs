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

/// SQLSTATE deadlock_detected. Two transactions inserting overlapping bookings at the same
/// moment can deadlock on the exclusion constraint: each inserts its index entry, then finds
/// the other's uncommitted entry and waits for it (unlike a unique index, an exclusion
/// constraint has no speculative insertion). Postgres aborts one after `deadlock_timeout`;
/// its booking overlapped one that is being confirmed, which is an overlap. (The booking
/// writes take no other locks in an order that could cycle: seen as 500s in
/// `overlapping_services_race_never_double_books_and_back_to_back_fits`.)
const DEADLOCK_DETECTED: &str = "40P01";

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

/// Busy ranges (see `BookingStore::busy_ranges`): per practitioner of `$6`, one range scan of
/// `bookings_practitioner_time`, answered from the index. Measured against one scan of the
/// org's window grouped by practitioner (which needs a hash join on the ids and a hash
/// aggregate per row): 1.4 ms instead of 3.0 ms of execution for a 20-practitioner month
/// of ~8,700 ranges.
/// The org is checked once per practitioner (theirs, so their bookings are too), not on
/// every booking row.
pub(super) const BUSY_RANGES: &str = "SELECT p.id AS practitioner_id, r.a, r.b \
    FROM practitioners p, \
    LATERAL (SELECT array_agg(blocked_start) AS a, array_agg(blocked_end) AS b FROM bookings \
      WHERE practitioner_id = p.id AND status = 'confirmed' AND blocked_end > $2 \
      AND blocked_start < $3 AND blocked_start >= $5 AND ($4 IS NULL OR id <> $4)) AS r \
    WHERE p.org_id = $1 AND p.id IN (SELECT json_array_elements_text($6::json)) AND r.a IS NOT NULL";

/// A column of instants (`{}`) aggregated into one value per group: a `timestamptz[]`,
/// which sqlx decodes from Postgres's binary format. (A JSON array of epochs cost the
/// profile of a month's availability json_agg, epoch conversions and JSON parsing.)
pub(super) const AGG_INSTANTS: &str = "array_agg({})";

/// What [`AGG_INSTANTS`] decodes as: a `timestamptz[]` read straight from Postgres's binary
/// array format (a header, then each element's length and its microseconds since
/// 2000-01-01). sqlx decodes each element through chrono's calendar arithmetic, which was a
/// fifth of all CPU samples of a month's availability under load.
pub(super) struct Instants(Vec<DateTime<Utc>>);

impl sqlx::Type<Postgres> for Instants {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <Vec<DateTime<Utc>> as sqlx::Type<Postgres>>::type_info()
    }

    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <Vec<DateTime<Utc>> as sqlx::Type<Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for Instants {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.format() != sqlx::postgres::PgValueFormat::Binary {
            return Ok(Instants(<Vec<DateTime<Utc>> as sqlx::Decode<Postgres>>::decode(value)?));
        }
        decode_instants(value.as_bytes()?).map(Instants).ok_or_else(|| "malformed timestamptz[]".into())
    }
}

/// The elements of a one-dimensional binary `timestamptz[]` without NULLs.
fn decode_instants(bytes: &[u8]) -> Option<Vec<DateTime<Utc>>> {
    /// 2000-01-01T00:00:00Z, Postgres's epoch, in unix microseconds.
    const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
    let word = |at: usize| Some(i32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    match word(0)? {
        0 => return Some(Vec::new()),
        1 => {}
        _ => return None,
    }
    let len = usize::try_from(word(12)?).ok()?;
    let mut out = Vec::with_capacity(len);
    let mut at = 20;
    for _ in 0..len {
        if word(at)? != 8 {
            return None;
        }
        let micros = i64::from_be_bytes(bytes.get(at + 4..at + 12)?.try_into().ok()?);
        out.push(DateTime::from_timestamp_micros(micros.checked_add(PG_EPOCH_MICROS)?)?);
        at += 12;
    }
    Some(out)
}

pub(super) fn instants(aggregated: Instants) -> Result<Vec<DateTime<Utc>>, StoreError> {
    Ok(aggregated.0)
}

/// Claiming webhook deliveries: skip rows another process has locked.
const SKIP_LOCKED: &str = " FOR UPDATE OF d SKIP LOCKED";

/// The messages of the JSON array `$1` (see `model::NewMail`) as rows.
/// (A macro so the one-statement booking write can take them from its own parameter.)
macro_rules! mail_rows {
    ($param:literal) => {
        concat!(
            "(SELECT r.id, r.kind, r.audience, r.practitioner_id, r.details, to_timestamp(r.due) AS due_at \
             FROM jsonb_to_recordset(",
            $param,
            ") AS r(id text, kind text, audience text, practitioner_id text, details jsonb, due bigint)) m"
        )
    };
}
const MAIL_ROWS: &str = mail_rows!("$1");

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
            // sqlx pings every connection it hands out by default: a round trip before each
            // statement, as many as the statements themselves (seen as `PgConnection::ping`
            // in the profile of booking creation). A connection that died (the database
            // restarted) fails its next statement instead, and the pool drops it.
            .test_before_acquire(false)
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

pub(super) mod book;

impl PgStore {
    /// A booking for its own practitioner: [`book::book_sql`] with that one candidate when
    /// the customer has an e-mail; a phone-only customer needs a lookup first, so that
    /// booking takes the transaction with one statement per step.
    async fn write_new_booking(
        &self,
        b: &NewBooking,
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError> {
        if b.customer_email.is_none() {
            return self.create_booking_in_transaction(b, idem).await;
        }
        let only = Candidate { practitioner_id: b.practitioner_id.clone(), day: (b.start, b.start) };
        self.write_first_free(b, &[only], idem).await
    }

    /// See [`RequestLogStore::insert_request_logs`]: the batch as arrays, one per column,
    /// `unnest`ed by a statement of fixed shape, so it is prepared once per connection. A
    /// `VALUES` list as long as the batch would be a new statement for every batch size
    /// (parsed, planned, cached, evicted), and under load batch sizes vary with each write.
    async fn write_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError> {
        let column = |f: fn(&RequestLogEntry) -> &str| entries.iter().map(f).collect::<Vec<_>>();
        let optional = |f: fn(&RequestLogEntry) -> Option<&str>| entries.iter().map(f).collect::<Vec<_>>();
        sqlx::query(
            "INSERT INTO request_log (request_id, at, method, route, status, latency_ms, org_id, key_id) \
             SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::int4[], \
             $6::int4[], $7::text[], $8::text[])",
        )
        .bind(column(|e| &e.request_id))
        .bind(entries.iter().map(|e| e.at).collect::<Vec<_>>())
        .bind(column(|e| &e.method))
        .bind(column(|e| &e.route))
        .bind(entries.iter().map(|e| i32::from(e.status)).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| int(e.latency_ms)).collect::<Vec<_>>())
        .bind(optional(|e| e.org_id.as_deref()))
        .bind(optional(|e| e.key_id.as_deref()))
        .execute(self.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }
}

/// Translates Postgres failures by SQLSTATE.
fn map_err(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err {
        if db.is_unique_violation() {
            return StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned());
        }
        if matches!(db.code().as_deref(), Some(EXCLUSION_VIOLATION | DEADLOCK_DETECTED)) {
            return StoreError::Overlap;
        }
    }
    StoreError::Database(err)
}

impl_store!(PgStore, Postgres, Backend::Postgres);

#[cfg(test)]
mod tests {
    use super::Instants;
    use chrono::{DateTime, Utc};
    use sqlx::Connection;

    /// The hand-written decoder agrees with sqlx's on what Postgres sends: instants before
    /// and after its epoch, with and without fractions of a second, and an empty array.
    #[tokio::test]
    async fn timestamptz_arrays_decode_as_sqlx_decodes_them() {
        let url = crate::testing::postgres_admin_url();
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("Postgres is required for this test");
        for array in [
            "ARRAY['1999-12-31T23:59:59.5Z', '2000-01-01T00:00:00Z', '2026-03-29T01:30:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z']::timestamptz[]",
            "ARRAY[]::timestamptz[]",
            "(SELECT array_agg(t) FROM generate_series(timestamptz '2026-10-24', '2026-10-26', interval '7 minutes') t)",
        ] {
            let sql = format!("SELECT {array}, {array}");
            let (ours, theirs): (Instants, Vec<DateTime<Utc>>) =
                sqlx::query_as(&sql).fetch_one(&mut conn).await.unwrap();
            assert_eq!(ours.0, theirs, "{array}");
        }
    }
}
