//! Bookings: the busy ranges and loads the domain checks a slot against, and the writes
//! that change a booking. Each write is one transaction with its outbox event and its
//! idempotency record; the database refuses overlapping confirmed bookings
//! ([`StoreError::Overlap`]).

use super::StoreError;
use super::idempotency::IdempotencyRef;
use super::ts::Ts;
use crate::availability::Busy;
use crate::model::{BookingCursor, BookingFilter, BookingMove, BookingRecord, NewBooking, PractitionerLoad};
use async_trait::async_trait;
use cadence_shared::BookingStatus;
use chrono::{DateTime, Utc};

/// What a booking check reads, in one round trip: the busy ranges (`$1`–`$6`, the
/// backend's [`BusyRangesSql`]), the nearby starts (`$7`, `$8` the window) and when each
/// practitioner was last booked. `kind` tells the rows apart: 0 busy (`a` starts, `b`
/// ends), 1 nearby starts (`a`), 2 last booked (`last_booked`).
pub(super) fn booking_reads_sql(busy_ranges: &str, agg_instants: &str) -> String {
    format!(
        "SELECT 0 AS kind, busy.practitioner_id, busy.a, busy.b, CAST(NULL AS timestamptz) AS last_booked \
         FROM ({busy_ranges}) AS busy \
         UNION ALL SELECT 1, practitioner_id, {}, NULL, CAST(NULL AS timestamptz) FROM bookings \
         WHERE org_id = $1 AND status = 'confirmed' AND start_at >= $7 AND start_at < $8 GROUP BY practitioner_id \
         UNION ALL SELECT 2, p.id, NULL, NULL, (SELECT MAX(b.created_at) FROM bookings b \
         WHERE b.practitioner_id = p.id AND b.status = 'confirmed') FROM practitioners p WHERE p.org_id = $1",
        agg_instants.replace("{}", "start_at"),
    )
}

/// A page of an org's bookings by start (`bookings_org_start`): `$5`/`$6` the window and
/// `($8, $9)` the cursor's start and id, always bound (open ends as the first and last
/// instants), so they bound the index scan under a generic plan too and a page costs its
/// own rows, not the pages before it; `$2`, `$3`, `$4`, `$7`, `$11` optional filters,
/// `$10` the limit.
pub const LIST_BOOKINGS_SQL: &str = "SELECT * FROM bookings WHERE org_id = $1 \
    AND start_at >= $5 AND start_at < $6 AND (start_at, id) > ($8, $9) \
    AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR practitioner_id = $3) \
    AND ($4 IS NULL OR service_id = $4) AND ($7 IS NULL OR customer_email = $7) \
    AND ($11 IS NULL OR customer_id = $11) ORDER BY start_at, id LIMIT $10";

/// Busy ranges per practitioner, and the loads of the org's practitioners.
pub type BookingReads = (Vec<(String, Vec<Busy>)>, Vec<PractitionerLoad>);

/// Bookings, and what the scheduler reads about them.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Blocked ranges of these practitioners' confirmed bookings that reach into
    /// `[from, to)`, per practitioner (those with any), ordered by start; `except` leaves one
    /// booking out (rescheduling).
    ///
    /// Each backend writes this read its own way (`BUSY_RANGES` in `sqlite.rs` and
    /// `postgres.rs`): blocked ranges of an org's (`$1`) confirmed bookings reaching into
    /// `[$2, $3)`, but booking `$4`, of the practitioners in the JSON array `$6`; `$5` is
    /// `$2 - MAX_BLOCKED`, which bounds the index scans to the window. One row per
    /// practitioner with any (`practitioner_id`, `a` the starts, `b` the ends, each
    /// aggregated into one value: a month of a busy practice is ~10,000 ranges, and per-row
    /// decoding in sqlx cost more than the database's own work; profiled with `perf`).
    async fn busy_ranges(
        &self,
        org_id: &str,
        practitioner_ids: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        except: Option<&str>,
    ) -> Result<Vec<(String, Vec<Busy>)>, StoreError>;
    /// What a booking check needs, in one round trip: [`Self::busy_ranges`] of these
    /// practitioners in `[from, to)` (but `except`), and how loaded each of the org's
    /// practitioners is: their starts in `near` and their last booking.
    async fn booking_reads(
        &self,
        org_id: &str,
        practitioner_ids: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        except: Option<&str>,
        near: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<BookingReads, StoreError>;
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
}

#[derive(sqlx::FromRow)]
pub(super) struct BookingRow {
    pub id: String,
    pub org_id: String,
    pub service_id: String,
    pub practitioner_id: String,
    pub customer_id: String,
    pub start_at: Ts,
    pub end_at: Ts,
    pub blocked_start: Ts,
    pub blocked_end: Ts,
    pub status: String,
    pub customer_name: String,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub notes: Option<String>,
    pub manage_token_hash: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl TryFrom<BookingRow> for BookingRecord {
    type Error = StoreError;

    fn try_from(r: BookingRow) -> Result<Self, StoreError> {
        let status = match r.status.as_str() {
            "confirmed" => BookingStatus::Confirmed,
            "cancelled" => BookingStatus::Cancelled,
            other => return Err(StoreError::Corrupt(format!("booking status {other:?}"))),
        };
        Ok(BookingRecord {
            id: r.id,
            org_id: r.org_id,
            service_id: r.service_id,
            practitioner_id: r.practitioner_id,
            customer_id: r.customer_id,
            start: r.start_at.0,
            end: r.end_at.0,
            blocked_start: r.blocked_start.0,
            blocked_end: r.blocked_end.0,
            status,
            customer_name: r.customer_name,
            customer_email: r.customer_email,
            customer_phone: r.customer_phone,
            notes: r.notes,
            manage_token_hash: r.manage_token_hash,
            cancel_reason: r.cancel_reason,
            cancelled_at: r.cancelled_at.map(|t| t.0),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        })
    }
}

/// `impl BookingStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_bookings_store {
    ($store:ty, $db:ty) => {
        mod bookings_sql {
            use super::*;
            use $crate::availability::Busy;
            use $crate::store::bookings::{BookingReads, BookingRow, booking_reads_sql};
            use $crate::store::ts::Ts;
            use cadence_shared::BookingStatus;
            use std::sync::OnceLock;

            /// The reads whose text is put together from parts, built once per backend.
            static READS_SQL: OnceLock<String> = OnceLock::new();
            use chrono::{DateTime, Utc};
            use sqlx::Transaction;

            impl $store {
                /// The booking, its customer, its outbox event and its idempotency record in
                /// one transaction (each its own statement).
                pub(super) async fn create_booking_in_transaction(
                    &self,
                    b: &NewBooking,
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let customer_id = Self::upsert_customer(&mut tx, b).await?;
                    let row: BookingRow = sqlx::query_as(
                        "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
                         blocked_start, blocked_end, status, customer_name, customer_email, customer_phone, notes, \
                         manage_token_hash, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'confirmed', $10, $11, $12, $13, $14, $15, $15) \
                         RETURNING *",
                    )
                    .bind(&b.id)
                    .bind(&b.org_id)
                    .bind(&b.service_id)
                    .bind(&b.practitioner_id)
                    .bind(&customer_id)
                    .bind(Ts(b.start))
                    .bind(Ts(b.end))
                    .bind(Ts(b.blocked_start))
                    .bind(Ts(b.blocked_end))
                    .bind(&b.customer_name)
                    .bind(&b.customer_email)
                    .bind(&b.customer_phone)
                    .bind(&b.notes)
                    .bind(&b.manage_token_hash)
                    .bind(Ts(b.now))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    let booking: BookingRecord = row.try_into()?;
                    Self::write_event(&mut tx, "booking.created", &booking, None, b.now).await?;
                    Self::save_response(&mut tx, idem, 201, &booking).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(booking)
                }

                async fn locked_booking(
                    tx: &mut Transaction<'static, $db>,
                    org_id: &str,
                    id: &str,
                ) -> Result<BookingRecord, StoreError> {
                    let row: Option<BookingRow> =
                        sqlx::query_as(&format!("SELECT * FROM bookings WHERE org_id = $1 AND id = $2{LOCK_ROW}"))
                            .bind(org_id)
                            .bind(id)
                            .fetch_optional(&mut **tx)
                            .await
                            .map_err(map_err)?;
                    row.ok_or(StoreError::NotFound)?.try_into()
                }
            }

            #[async_trait]
            impl BookingStore for $store {
                async fn busy_ranges(
                    &self,
                    org_id: &str,
                    practitioner_ids: &[String],
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                    except: Option<&str>,
                ) -> Result<Vec<(String, Vec<Busy>)>, StoreError> {
                    let ids = serde_json::to_string(practitioner_ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let rows: Vec<(String, Instants, Instants)> =
                        sqlx::query_as(BUSY_RANGES)
                    .bind(org_id)
                    .bind(Ts(from))
                    .bind(Ts(to))
                    .bind(except)
                    .bind(Ts(from - $crate::model::MAX_BLOCKED))
                    .bind(ids)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    rows.into_iter()
                        .map(|(p, starts, ends)| {
                            let mut busy: Vec<Busy> = instants(starts)?
                                .into_iter()
                                .zip(instants(ends)?)
                                .map(|(start, end)| Busy { start, end })
                                .collect();
                            // Postgres aggregates them in index order already.
                            if !busy.is_sorted_by_key(|b| b.start) {
                                busy.sort_unstable_by_key(|b| b.start);
                            }
                            Ok((p, busy))
                        })
                        .collect()
                }

                async fn booking_reads(
                    &self,
                    org_id: &str,
                    practitioner_ids: &[String],
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                    except: Option<&str>,
                    near: (DateTime<Utc>, DateTime<Utc>),
                ) -> Result<BookingReads, StoreError> {
                    let ids = serde_json::to_string(practitioner_ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let rows: Vec<(i32, String, Option<Instants>, Option<Instants>, Option<Ts>)> =
                        sqlx::query_as(READS_SQL.get_or_init(|| booking_reads_sql(BUSY_RANGES, AGG_INSTANTS)))
                            .bind(org_id)
                            .bind(Ts(from))
                            .bind(Ts(to))
                            .bind(except)
                            .bind(Ts(from - $crate::model::MAX_BLOCKED))
                            .bind(ids)
                            .bind(Ts(near.0))
                            .bind(Ts(near.1))
                            .fetch_all(&self.pool)
                            .await
                            .map_err(map_err)?;
                    let (mut busy, mut starts, mut last) = (Vec::new(), std::collections::HashMap::new(), Vec::new());
                    for (kind, practitioner_id, a, b, last_booked) in rows {
                        let a = a.map(instants).transpose()?.unwrap_or_default();
                        match kind {
                            0 => {
                                let ends = b.map(instants).transpose()?.unwrap_or_default();
                                let mut ranges: Vec<Busy> =
                                    a.into_iter().zip(ends).map(|(start, end)| Busy { start, end }).collect();
                                if !ranges.is_sorted_by_key(|r| r.start) {
                                    ranges.sort_unstable_by_key(|r| r.start);
                                }
                                busy.push((practitioner_id, ranges));
                            }
                            1 => {
                                starts.insert(practitioner_id, a);
                            }
                            _ => last.push((practitioner_id, last_booked.map(|t| t.0))),
                        }
                    }
                    let loads = last
                        .into_iter()
                        .map(|(practitioner_id, last_booked_at)| PractitionerLoad {
                            nearby_starts: starts.remove(&practitioner_id).unwrap_or_default(),
                            last_booked_at,
                            practitioner_id,
                        })
                        .collect();
                    Ok((busy, loads))
                }

                async fn create_booking(
                    &self,
                    b: &NewBooking,
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    self.write_new_booking(b, idem).await
                }

                async fn get_booking(&self, org_id: &str, id: &str) -> Result<Option<BookingRecord>, StoreError> {
                    let row: Option<BookingRow> = sqlx::query_as("SELECT * FROM bookings WHERE org_id = $1 AND id = $2")
                        .bind(org_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    row.map(TryInto::try_into).transpose()
                }

                async fn find_booking(&self, id: &str) -> Result<Option<BookingRecord>, StoreError> {
                    let row: Option<BookingRow> = sqlx::query_as("SELECT * FROM bookings WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                    row.map(TryInto::try_into).transpose()
                }

                async fn list_bookings(
                    &self,
                    org_id: &str,
                    filter: &BookingFilter,
                    cursor: Option<&BookingCursor>,
                    limit: u32,
                ) -> Result<Vec<BookingRecord>, StoreError> {
                    let status = filter.status.map(|s| match s {
                        BookingStatus::Confirmed => "confirmed",
                        BookingStatus::Cancelled => "cancelled",
                    });
                    let rows: Vec<BookingRow> = sqlx::query_as(
                        $crate::store::bookings::LIST_BOOKINGS_SQL,
                    )
                    .bind(org_id)
                    .bind(status)
                    .bind(filter.practitioner_id.as_deref())
                    .bind(filter.service_id.as_deref())
                    .bind(Ts(filter.from.unwrap_or(crate::model::FIRST_INSTANT)))
                    .bind(Ts(filter.to.unwrap_or(crate::model::LAST_INSTANT)))
                    .bind(filter.customer_email.as_deref())
                    .bind(Ts(cursor.map_or(crate::model::FIRST_INSTANT, |c| c.start)))
                    .bind(cursor.map_or("", |c| c.id.as_str()))
                    .bind(i64::from(limit))
                    .bind(filter.customer_id.as_deref())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn cancel_booking(
                    &self,
                    org_id: &str,
                    id: &str,
                    reason: Option<&str>,
                    now: DateTime<Utc>,
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let current = Self::locked_booking(&mut tx, org_id, id).await?;
                    let booking = if current.status == BookingStatus::Cancelled {
                        current
                    } else {
                        let row: BookingRow = sqlx::query_as(
                            "UPDATE bookings SET status = 'cancelled', cancel_reason = $2, cancelled_at = $3, \
                             updated_at = $3 WHERE id = $1 RETURNING *",
                        )
                        .bind(id)
                        .bind(reason)
                        .bind(Ts(now))
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        let booking: BookingRecord = row.try_into()?;
                        Self::write_event(&mut tx, "booking.cancelled", &booking, None, now).await?;
                        booking
                    };
                    Self::save_response(&mut tx, idem, 200, &booking).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(booking)
                }

                async fn reschedule_booking(
                    &self,
                    org_id: &str,
                    id: &str,
                    to: &BookingMove,
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let current = Self::locked_booking(&mut tx, org_id, id).await?;
                    if current.status == BookingStatus::Cancelled {
                        return Err(StoreError::Cancelled);
                    }
                    let row: BookingRow = sqlx::query_as(
                        "UPDATE bookings SET practitioner_id = $2, start_at = $3, end_at = $4, blocked_start = $5, \
                         blocked_end = $6, updated_at = $7 WHERE id = $1 RETURNING *",
                    )
                    .bind(id)
                    .bind(&to.practitioner_id)
                    .bind(Ts(to.start))
                    .bind(Ts(to.end))
                    .bind(Ts(to.blocked_start))
                    .bind(Ts(to.blocked_end))
                    .bind(Ts(to.now))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    let booking: BookingRecord = row.try_into()?;
                    let previous = Some((current.start, current.end));
                    Self::write_event(&mut tx, "booking.rescheduled", &booking, previous, to.now).await?;
                    Self::save_response(&mut tx, idem, 200, &booking).await?;
                    tx.commit().await.map_err(map_err)?;
                    Ok(booking)
                }

                async fn set_manage_token_hash(&self, booking_id: &str, hash: &str) -> Result<(), StoreError> {
                    sqlx::query("UPDATE bookings SET manage_token_hash = $2 WHERE id = $1")
                        .bind(booking_id)
                        .bind(hash)
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }
            }
        }
    };
}
pub(super) use impl_bookings_store;
