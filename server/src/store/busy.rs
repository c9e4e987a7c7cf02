//! What availability and the booking check read about bookings: the busy ranges of
//! practitioners in a window, and how loaded each practitioner is (least-loaded selection).

use super::StoreError;
use crate::availability::Busy;
use crate::model::PractitionerLoad;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What a booking check reads, in one round trip: the busy ranges (`$1`–`$6`, the
/// backend's `BUSY_RANGES`, see [`BusyStore::busy_ranges`]), the nearby starts (`$7`, `$8` the window) and when each
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

/// Busy ranges per practitioner, and the loads of the org's practitioners.
pub type BookingReads = (Vec<(String, Vec<Busy>)>, Vec<PractitionerLoad>);

/// What the scheduler reads about bookings.
#[async_trait]
pub trait BusyStore: Send + Sync {
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
}

/// The practitioner ids bound as `$6` of the busy-ranges read (a JSON array).
pub(super) fn ids_json(practitioner_ids: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(practitioner_ids).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// One practitioner's ranges from the read's aggregated starts and ends, ordered by start
/// (Postgres aggregates them in index order already; SQLite's grouping may not).
pub(super) fn ranges(starts: Vec<DateTime<Utc>>, ends: Vec<DateTime<Utc>>) -> Vec<Busy> {
    let mut busy: Vec<Busy> = starts.into_iter().zip(ends).map(|(start, end)| Busy { start, end }).collect();
    if !busy.is_sorted_by_key(|b| b.start) {
        busy.sort_unstable_by_key(|b| b.start);
    }
    busy
}

/// `impl BusyStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_busy_store {
    ($store:ty, $db:ty) => {
        mod busy_sql {
            use super::*;
            use chrono::{DateTime, Utc};
            use std::sync::OnceLock;
            use $crate::availability::Busy;
            use $crate::store::busy::{BookingReads, booking_reads_sql, ids_json, ranges};
            use $crate::store::ts::Ts;

            /// The check's read, put together from parts, built once per backend.
            static READS_SQL: OnceLock<String> = OnceLock::new();

            #[async_trait]
            impl BusyStore for $store {
                async fn busy_ranges(
                    &self,
                    org_id: &str,
                    practitioner_ids: &[String],
                    from: DateTime<Utc>,
                    to: DateTime<Utc>,
                    except: Option<&str>,
                ) -> Result<Vec<(String, Vec<Busy>)>, StoreError> {
                    let ids = ids_json(practitioner_ids)?;
                    let rows: Vec<(String, Instants, Instants)> = sqlx::query_as(BUSY_RANGES)
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
                        .map(|(p, starts, ends)| Ok((p, ranges(instants(starts)?, instants(ends)?))))
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
                    let ids = ids_json(practitioner_ids)?;
                    let rows: Vec<(i32, String, Option<Instants>, Option<Instants>, Option<Ts>)> =
                        sqlx::query_as(
                            READS_SQL.get_or_init(|| booking_reads_sql(BUSY_RANGES, AGG_INSTANTS)),
                        )
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
                    let (mut busy, mut starts, mut last) =
                        (Vec::new(), std::collections::HashMap::new(), Vec::new());
                    for (kind, practitioner_id, a, b, last_booked) in rows {
                        let a = a.map(instants).transpose()?.unwrap_or_default();
                        match kind {
                            0 => {
                                let ends = b.map(instants).transpose()?.unwrap_or_default();
                                busy.push((practitioner_id, ranges(a, ends)));
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
            }
        }
    };
}
pub(super) use impl_busy_store;
