//! Bookings: the writes that change a booking, and the reads that list them. Each write is
//! atomic with its outbox event and its idempotency record (one transaction; on Postgres a
//! new booking is one statement); the database refuses overlapping confirmed bookings
//! ([`StoreError::Overlap`]). What a slot is checked against is in `busy.rs`.

use super::StoreError;
use super::busy::BusyStore;
use super::idempotency::IdempotencyRef;
use super::ts::Ts;
use crate::model::{
    BookingCursor, BookingFilter, BookingMove, BookingRecord, Candidate, NewBooking, NewMail, least_loaded,
};
use async_trait::async_trait;
use cadence_shared::BookingStatus;
use chrono::{DateTime, Utc};

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

/// Bookings and the writes that change them.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Records the customer, inserts the booking, writes `booking.created` and the booking's
    /// mails to the outboxes and completes the idempotency record, in one transaction. [`StoreError::Overlap`] when the
    /// database refuses the time.
    async fn create_booking(
        &self,
        b: &NewBooking,
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError>;
    /// Books the first free of `candidates`, least loaded first ([`least_loaded`]): the
    /// chosen practitioner replaces `b.practitioner_id` and that of each of `b.mail`, then
    /// as [`Self::create_booking`]. [`StoreError::Overlap`] when none is free (also when
    /// concurrent bookings took them).
    async fn book_first_free(
        &self,
        b: &NewBooking,
        candidates: &[Candidate],
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
    /// event is written) and writes `booking.cancelled` and `mail`, dropping the booking's
    /// pending reminder.
    async fn cancel_booking(
        &self,
        org_id: &str,
        id: &str,
        reason: Option<&str>,
        now: DateTime<Utc>,
        mail: &[NewMail],
        idem: Option<IdempotencyRef<'_>>,
    ) -> Result<BookingRecord, StoreError>;
    /// Moves a confirmed booking and writes `booking.rescheduled` (with the previous times)
    /// and `to.mail`, dropping the booking's pending reminder first.
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

/// [`BookingStore::book_first_free`] in two steps: one read (who is busy during the
/// booking's blocked range, how loaded each candidate is), then the write for each free
/// candidate in turn until one is accepted (a concurrent booking may take one between the
/// read and the write). SQLite's way, whose statements are calls within the process, and
/// Postgres's for customers without e-mail.
pub(super) async fn book_in_turn<S: BusyStore + BookingStore + ?Sized>(
    store: &S,
    b: &NewBooking,
    candidates: &[Candidate],
    idem: Option<IdempotencyRef<'_>>,
) -> Result<BookingRecord, StoreError> {
    let ids: Vec<String> = candidates.iter().map(|c| c.practitioner_id.clone()).collect();
    let days = candidates.iter().fold((b.start, b.start), |(lo, hi), c| (lo.min(c.day.0), hi.max(c.day.1)));
    let (busy, loads) =
        store.booking_reads(&b.org_id, &ids, b.blocked_start, b.blocked_end, None, days).await?;
    // Every range read overlaps the blocked range.
    let is_busy = |id: &str| busy.iter().any(|(p, ranges)| p == id && !ranges.is_empty());
    let free = candidates.iter().filter(|c| !is_busy(&c.practitioner_id)).cloned().collect();
    for chosen in least_loaded(free, &loads) {
        let mut one = b.clone();
        for mail in &mut one.mail {
            mail.practitioner_id.clone_from(&chosen.practitioner_id);
        }
        one.practitioner_id = chosen.practitioner_id;
        match store.create_booking(&one, idem).await {
            Err(StoreError::Overlap) => continue,
            done => return done,
        }
    }
    Err(StoreError::Overlap)
}

/// What a [`crate::model::KeyGuard`] asks of the database, as the `FROM … WHERE` of a
/// query with these placeholders (key id, org id, now, catalogue version, timezone, name):
/// one text for both writes that check it (the one-statement booking on Postgres, and the
/// write transaction). A macro so that each can put its own parameter numbers in.
macro_rules! key_guard {
    ($key:literal, $org:literal, $now:literal, $version:literal, $tz:literal, $name:literal) => {
        concat!(
            "FROM api_keys k JOIN orgs o ON o.id = k.org_id WHERE k.id = ",
            $key,
            " AND k.org_id = ",
            $org,
            " AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ",
            $now,
            ") AND o.catalog_version = ",
            $version,
            " AND o.timezone = ",
            $tz,
            " AND o.name = ",
            $name
        )
    };
}
pub(super) use key_guard;

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
    pub sequence: i32,
    pub customer_timezone: Option<String>,
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
            sequence: u32::try_from(r.sequence).unwrap_or(0),
            customer_timezone: r.customer_timezone,
        })
    }
}

/// `impl BookingStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_bookings_store {
    ($store:ty, $db:ty) => {
        mod bookings_sql {
            use super::*;
            use $crate::store::bookings::BookingRow;
            use $crate::store::ts::Ts;
            use cadence_shared::BookingStatus;

            /// The reads whose text is put together from parts, built once per backend.
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
                    if let Some(g) = &b.guard {
                        // The cached key and org the booking was computed with, still so?
                        let holds: i64 = sqlx::query_scalar(concat!(
                            "SELECT COUNT(*) ",
                            $crate::store::bookings::key_guard!("$1", "$2", "$3", "$4", "$5", "$6")
                        ))
                        .bind(&g.key_id)
                        .bind(&b.org_id)
                        .bind(Ts(b.now))
                        .bind(g.catalog_version)
                        .bind(&g.org_timezone)
                        .bind(&g.org_name)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        if holds == 0 {
                            return Err(StoreError::Overlap);
                        }
                    }
                    let customer_id = Self::upsert_customer(&mut tx, b).await?;
                    let row: BookingRow = sqlx::query_as(
                        "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
                         blocked_start, blocked_end, status, customer_name, customer_email, customer_phone, notes, \
                         manage_token_hash, created_at, updated_at, customer_timezone) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'confirmed', $10, $11, $12, $13, $14, $15, $15, $16) \
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
                    .bind(&b.customer_timezone)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    let booking: BookingRecord = row.try_into()?;
                    Self::write_event(&mut tx, "booking.created", &booking, None, b.now).await?;
                    Self::write_mail(&mut tx, &booking.id, &b.mail, false, b.now).await?;
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
                async fn create_booking(
                    &self,
                    b: &NewBooking,
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    self.write_new_booking(b, idem).await
                }

                async fn book_first_free(
                    &self,
                    b: &NewBooking,
                    candidates: &[Candidate],
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    self.write_first_free(b, candidates, idem).await
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
                    mail: &[NewMail],
                    idem: Option<IdempotencyRef<'_>>,
                ) -> Result<BookingRecord, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let current = Self::locked_booking(&mut tx, org_id, id).await?;
                    let booking = if current.status == BookingStatus::Cancelled {
                        current
                    } else {
                        let row: BookingRow = sqlx::query_as(
                            "UPDATE bookings SET status = 'cancelled', cancel_reason = $2, cancelled_at = $3, \
                             updated_at = $3, sequence = sequence + 1 WHERE id = $1 RETURNING *",
                        )
                        .bind(id)
                        .bind(reason)
                        .bind(Ts(now))
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(map_err)?;
                        let booking: BookingRecord = row.try_into()?;
                        Self::write_event(&mut tx, "booking.cancelled", &booking, None, now).await?;
                        Self::write_mail(&mut tx, &booking.id, mail, true, now).await?;
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
                         blocked_end = $6, updated_at = $7, sequence = sequence + 1 WHERE id = $1 RETURNING *",
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
                    Self::write_mail(&mut tx, &booking.id, &to.mail, true, to.now).await?;
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
