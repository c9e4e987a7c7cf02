//! The mail outbox: messages written with the booking change they tell of (see
//! `write_mail`), claimed by the mail worker of any process, and finished; the manage-link
//! tokens mails carry; practitioners' calendar feeds.

use super::StoreError;
use crate::model::{Audience, BookingRecord, ClaimedMail, MailDetails, MailKind, MailOutcome};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// Mails, their links and calendar feeds.
#[async_trait]
pub trait MailStore: Send + Sync {
    /// Claims up to `max` due pending messages, locking them until `lock_until`. On
    /// Postgres rows another process is claiming are skipped, and a claimed message is
    /// locked for every process: a message is sent by one process at a time.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
        max: u32,
    ) -> Result<Vec<ClaimedMail>, StoreError>;
    /// Unlocks claimed messages that were not sent (the worker is stopping), so another
    /// process sends them at once instead of after their lock runs out.
    async fn release_mail(&self, ids: &[String]) -> Result<(), StoreError>;
    /// Records what became of a claimed message.
    async fn finish_mail(
        &self,
        id: &str,
        outcome: &MailOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Keeps the hash of a manage-link token sent by mail (valid like the booking's own).
    async fn add_mail_token(
        &self,
        booking_id: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The hashes of the manage-link tokens sent by mail for a booking.
    async fn mail_token_hashes(&self, booking_id: &str) -> Result<Vec<String>, StoreError>;
    /// Deletes finished messages created before `before`; returns how many.
    async fn purge_mail_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Gives the practitioner's calendar feed a new secret (by its hash); the old one stops
    /// working. [`StoreError::NotFound`] for another org's or a deleted practitioner.
    async fn replace_calendar_feed(
        &self,
        org_id: &str,
        practitioner_id: &str,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The org and practitioner of a feed, by the hash of its secret.
    async fn calendar_feed(&self, hash: &str) -> Result<Option<(String, String)>, StoreError>;
    /// A practitioner's confirmed bookings starting in `[from, to)`, by start.
    async fn practitioner_bookings(
        &self,
        org_id: &str,
        practitioner_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<BookingRecord>, StoreError>;
}

#[derive(sqlx::FromRow)]
pub(super) struct MailRow {
    pub id: String,
    pub org_id: String,
    pub booking_id: String,
    pub kind: String,
    pub audience: String,
    pub practitioner_id: String,
    pub sequence: i32,
    pub details: Json<MailDetails>,
    pub attempts: i32,
}

impl TryFrom<MailRow> for ClaimedMail {
    type Error = StoreError;

    fn try_from(r: MailRow) -> Result<Self, StoreError> {
        let kind =
            MailKind::parse(&r.kind).ok_or_else(|| StoreError::Corrupt(format!("mail kind {:?}", r.kind)))?;
        let audience = match r.audience.as_str() {
            "customer" => Audience::Customer,
            "practitioner" => Audience::Practitioner,
            other => return Err(StoreError::Corrupt(format!("mail audience {other:?}"))),
        };
        Ok(ClaimedMail {
            id: r.id,
            org_id: r.org_id,
            booking_id: r.booking_id,
            kind,
            audience,
            practitioner_id: r.practitioner_id,
            sequence: u32::try_from(r.sequence).unwrap_or(0),
            details: r.details.0,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
        })
    }
}

/// `impl MailStore` for a backend store (the backend provides `MAIL_ROWS`, the messages
/// of a JSON array as rows, and `SKIP_LOCKED`).
macro_rules! impl_mail_store {
    ($store:ty, $db:ty) => {
        mod mail_sql {
            use super::*;
            use $crate::model::{BookingRecord, ClaimedMail, MailOutcome, NewMail};
            use $crate::store::bookings::BookingRow;
            use $crate::store::mail::MailRow;
            use $crate::store::ts::Ts;
            use chrono::{DateTime, Utc};
            use sqlx::Transaction;
            use sqlx::types::Json;

            impl $store {
                /// Writes `mails` for `booking_id` inside the caller's transaction, with the
                /// booking's org and SEQUENCE as the transaction sees them. A move or a
                /// cancel (`drop_reminders`) first drops the booking's pending reminder.
                pub(super) async fn write_mail(
                    tx: &mut Transaction<'static, $db>,
                    booking_id: &str,
                    mails: &[NewMail],
                    drop_reminders: bool,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    if drop_reminders {
                        sqlx::query(
                            "DELETE FROM mail_outbox WHERE booking_id = $1 AND kind = 'reminder' AND state = 'pending'",
                        )
                        .bind(booking_id)
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                    }
                    if mails.is_empty() {
                        return Ok(());
                    }
                    sqlx::query(&format!(
                        "INSERT INTO mail_outbox (id, org_id, booking_id, kind, audience, practitioner_id, sequence, \
                         details, state, attempts, due_at, created_at) \
                         SELECT m.id, b.org_id, b.id, m.kind, m.audience, m.practitioner_id, b.sequence, m.details, \
                         'pending', 0, m.due_at, $3 FROM {MAIL_ROWS} JOIN bookings b ON b.id = $2"
                    ))
                    .bind(Json(mails))
                    .bind(booking_id)
                    .bind(Ts(now))
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    Ok(())
                }
            }

            #[async_trait]
            impl MailStore for $store {
                async fn claim_mail(
                    &self,
                    now: DateTime<Utc>,
                    lock_until: DateTime<Utc>,
                    max: u32,
                ) -> Result<Vec<ClaimedMail>, StoreError> {
                    let rows: Vec<MailRow> = sqlx::query_as(&format!(
                        "UPDATE mail_outbox SET locked_until = $2 WHERE id IN (SELECT d.id FROM mail_outbox d \
                         WHERE d.state = 'pending' AND d.due_at <= $1 \
                         AND (d.locked_until IS NULL OR d.locked_until <= $1) \
                         ORDER BY d.due_at, d.id LIMIT $3{SKIP_LOCKED}) \
                         RETURNING id, org_id, booking_id, kind, audience, practitioner_id, sequence, details, attempts"
                    ))
                    .bind(Ts(now))
                    .bind(Ts(lock_until))
                    .bind(i64::from(max))
                    .fetch_all(self.writer())
                    .await
                    .map_err(map_err)?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }

                async fn finish_mail(
                    &self,
                    id: &str,
                    outcome: &MailOutcome,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    let (state, due, error) = match outcome {
                        MailOutcome::Sent => ("sent", None, None),
                        MailOutcome::Skipped(why) => ("skipped", None, Some(why)),
                        MailOutcome::RetryAt(at, why) => ("pending", Some(*at), Some(why)),
                        MailOutcome::Failed(why) => ("failed", None, Some(why)),
                    };
                    sqlx::query(
                        "UPDATE mail_outbox SET state = $2, attempts = attempts + 1, locked_until = NULL, \
                         last_error = $3, due_at = COALESCE($4, due_at), sent_at = CASE WHEN $2 = 'sent' THEN $5 END \
                         WHERE id = $1",
                    )
                    .bind(id)
                    .bind(state)
                    .bind(error)
                    .bind(due.map(Ts))
                    .bind(Ts(now))
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    Ok(())
                }

                async fn release_mail(&self, ids: &[String]) -> Result<(), StoreError> {
                    for id in ids {
                        sqlx::query("UPDATE mail_outbox SET locked_until = NULL WHERE id = $1 AND state = 'pending'")
                            .bind(id)
                            .execute(self.writer())
                            .await
                            .map_err(map_err)?;
                    }
                    Ok(())
                }

                async fn add_mail_token(
                    &self,
                    booking_id: &str,
                    hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    sqlx::query("INSERT INTO booking_mail_tokens (booking_id, token_hash, created_at) VALUES ($1, $2, $3)")
                        .bind(booking_id)
                        .bind(hash)
                        .bind(Ts(now))
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(())
                }

                async fn mail_token_hashes(&self, booking_id: &str) -> Result<Vec<String>, StoreError> {
                    sqlx::query_scalar("SELECT token_hash FROM booking_mail_tokens WHERE booking_id = $1")
                        .bind(booking_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)
                }

                async fn purge_mail_history(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
                    let done = sqlx::query("DELETE FROM mail_outbox WHERE state <> 'pending' AND created_at < $1")
                        .bind(Ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(map_err)?;
                    Ok(done.rows_affected())
                }

                async fn replace_calendar_feed(
                    &self,
                    org_id: &str,
                    practitioner_id: &str,
                    hash: &str,
                    now: DateTime<Utc>,
                ) -> Result<(), StoreError> {
                    let done = sqlx::query(
                        "INSERT INTO calendar_feeds (practitioner_id, org_id, token_hash, created_at) \
                         SELECT p.id, p.org_id, $3, $4 FROM practitioners p \
                         WHERE p.org_id = $1 AND p.id = $2 AND p.deleted_at IS NULL \
                         ON CONFLICT (practitioner_id) DO UPDATE SET token_hash = excluded.token_hash, \
                         created_at = excluded.created_at",
                    )
                    .bind(org_id)
                    .bind(practitioner_id)
                    .bind(hash)
                    .bind(Ts(now))
                    .execute(self.writer())
                    .await
                    .map_err(map_err)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    Ok(())
                }

                async fn calendar_feed(&self, hash: &str) -> Result<Option<(String, String)>, StoreError> {
                    sqlx::query_as(
                        "SELECT f.org_id, f.practitioner_id FROM calendar_feeds f \
                         JOIN practitioners p ON p.id = f.practitioner_id \
                         WHERE f.token_hash = $1 AND p.deleted_at IS NULL",
                    )
                    .bind(hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)
                }

                async fn practitioner_bookings(
                    &self,
                    org_id: &str,
                    practitioner_id: &str,
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                ) -> Result<Vec<BookingRecord>, StoreError> {
                    let rows: Vec<BookingRow> = sqlx::query_as(
                        "SELECT * FROM bookings WHERE org_id = $1 AND practitioner_id = $2 AND status = 'confirmed' \
                         AND start_at >= $3 AND start_at < $4 ORDER BY start_at, id LIMIT 5000",
                    )
                    .bind(org_id)
                    .bind(practitioner_id)
                    .bind(Ts(from))
                    .bind(Ts(to))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                    rows.into_iter().map(TryInto::try_into).collect()
                }
            }
        }
    };
}
pub(super) use impl_mail_store;
