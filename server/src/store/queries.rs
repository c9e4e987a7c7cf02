//! Every query of the store, written once. `impl_store!(Type, Database, Backend)` expands to
//! `impl Store for Type`; the invoking backend module provides what differs:
//!
//! - `fn map_err(sqlx::Error) -> StoreError` (errors by SQLSTATE / SQLite result code),
//! - `const LOCK_ROW: &str` (` FOR UPDATE` on Postgres; nothing on SQLite, whose write
//!   transactions already hold the database's write lock),
//! - `const SUBSCRIBED: &str`, the SQL condition "endpoint `e` listens to event type `$3`",
//! - `const SERVICES: &str` and `const PRACTITIONERS: &str`, SELECTs that bring each row's
//!   linked ids and date overrides along as JSON arrays (one round trip instead of three),
//!   ending where a WHERE clause can follow,
//! - `const CUSTOMERS: &str`, customers with their booking count and latest booking,
//! - `const SKIP_LOCKED: &str` (` FOR UPDATE OF d SKIP LOCKED` on Postgres) for claiming
//!   webhook deliveries,
//! - `fn begin_write(&self)`, the write transaction (`BEGIN IMMEDIATE` on SQLite),
//! - a `pool` field.

use super::models::BookingRecord;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The outbox body of a booking event, as receivers will get it.
pub(super) fn event_payload(
    event_id: &str,
    kind: &str,
    now: DateTime<Utc>,
    booking: &BookingRecord,
    previous: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Value {
    let mut data = json!({ "booking": booking.to_wire() });
    if let Some((start, end)) = previous {
        data["previous_start"] = json!(start);
        data["previous_end"] = json!(end);
    }
    json!({ "id": event_id, "type": kind, "created_at": now, "data": data })
}

/// Postgres has no unsigned integers; every u32 here is a small count or duration.
pub(super) fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:expr) => {
        use $crate::availability::Busy;
        use $crate::store::queries::{event_payload, int};
        use $crate::store::rows::*;
        use $crate::store::ts::Ts;
        use cadence_shared::{BookingStatus, Branding, DateOverride};
        use sqlx::types::Json;
        use sqlx::{QueryBuilder, Transaction};

        impl $store {
            /// Writes a booking event to the outbox, with one pending delivery per endpoint
            /// of the org that listens to it, inside the caller's transaction.
            async fn write_event(
                tx: &mut Transaction<'static, $db>,
                kind: &str,
                booking: &BookingRecord,
                previous: Option<(DateTime<Utc>, DateTime<Utc>)>,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let event_id = $crate::ids::new_id("evt");
                let payload = event_payload(&event_id, kind, now, booking, previous);
                sqlx::query(
                    "INSERT INTO webhook_events (id, org_id, type, booking_id, payload, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&event_id)
                .bind(&booking.org_id)
                .bind(kind)
                .bind(&booking.id)
                .bind(Json(&payload))
                .bind(Ts(now))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                sqlx::query(&format!(
                    "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, \
                     created_at, updated_at) \
                     SELECT 'dlv_' || substr($1, 5) || '_' || substr(e.id, 4), $1, e.id, 'pending', 0, $4, $4, $4 \
                     FROM webhook_endpoints e \
                     WHERE e.org_id = $2 AND e.active AND e.deleted_at IS NULL AND {SUBSCRIBED}"
                ))
                .bind(&event_id)
                .bind(&booking.org_id)
                .bind(kind)
                .bind(Ts(now))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            /// Completes an idempotency record with the response, inside the caller's transaction.
            async fn save_response(
                tx: &mut Transaction<'static, $db>,
                idem: Option<IdempotencyRef<'_>>,
                status: u16,
                booking: &BookingRecord,
            ) -> Result<(), StoreError> {
                let Some(idem) = idem else { return Ok(()) };
                let body = serde_json::to_string(&booking.to_wire()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 \
                     WHERE scope = $1 AND key = $2",
                )
                .bind(idem.scope)
                .bind(idem.key)
                .bind(i32::from(status))
                .bind(body)
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            /// The customer record for a booking: matched by e-mail (unique per org) or else
            /// by phone; created when new, its name and phone refreshed when known.
            async fn upsert_customer(tx: &mut Transaction<'static, $db>, b: &NewBooking) -> Result<String, StoreError> {
                if let Some(email) = &b.customer_email {
                    return sqlx::query_scalar(
                        "INSERT INTO customers (id, org_id, name, email, phone, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $6) \
                         ON CONFLICT (org_id, email) WHERE email IS NOT NULL DO UPDATE SET \
                         name = excluded.name, phone = COALESCE(excluded.phone, customers.phone), \
                         updated_at = excluded.updated_at \
                         RETURNING id",
                    )
                    .bind($crate::ids::new_id("cus"))
                    .bind(&b.org_id)
                    .bind(&b.customer_name)
                    .bind(email)
                    .bind(&b.customer_phone)
                    .bind(Ts(b.now))
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(map_err);
                }
                let existing: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM customers WHERE org_id = $1 AND phone = $2 AND email IS NULL ORDER BY id LIMIT 1",
                )
                .bind(&b.org_id)
                .bind(&b.customer_phone)
                .fetch_optional(&mut **tx)
                .await
                .map_err(map_err)?;
                if let Some(id) = existing {
                    sqlx::query("UPDATE customers SET name = $2, updated_at = $3 WHERE id = $1")
                        .bind(&id)
                        .bind(&b.customer_name)
                        .bind(Ts(b.now))
                        .execute(&mut **tx)
                        .await
                        .map_err(map_err)?;
                    return Ok(id);
                }
                let id = $crate::ids::new_id("cus");
                sqlx::query(
                    "INSERT INTO customers (id, org_id, name, phone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(&id)
                .bind(&b.org_id)
                .bind(&b.customer_name)
                .bind(&b.customer_phone)
                .bind(Ts(b.now))
                .execute(&mut **tx)
                .await
                .map_err(map_err)?;
                Ok(id)
            }

            /// Links practitioners (all of `org_id`, not deleted) to a service.
            async fn link_practitioners(
                tx: &mut Transaction<'static, $db>,
                org_id: &str,
                service_id: &str,
                practitioner_ids: &[String],
            ) -> Result<(), StoreError> {
                for prac in practitioner_ids {
                    let linked = sqlx::query(
                        "INSERT INTO service_practitioners (service_id, practitioner_id) \
                         SELECT $1, id FROM practitioners WHERE id = $2 AND org_id = $3 AND deleted_at IS NULL",
                    )
                    .bind(service_id)
                    .bind(prac)
                    .bind(org_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                    if linked.rows_affected() != 1 {
                        return Err(StoreError::Missing(prac.clone()));
                    }
                }
                Ok(())
            }

            async fn insert_overrides(
                tx: &mut Transaction<'static, $db>,
                practitioner_id: &str,
                overrides: &[DateOverride],
            ) -> Result<(), StoreError> {
                for o in overrides {
                    sqlx::query(
                        "INSERT INTO practitioner_date_overrides (practitioner_id, date, intervals) VALUES ($1, $2, $3)",
                    )
                    .bind(practitioner_id)
                    .bind(o.date)
                    .bind(Json(&o.intervals))
                    .execute(&mut **tx)
                    .await
                    .map_err(map_err)?;
                }
                Ok(())
            }

            /// Confirmed bookings of `column` = `id` that have not ended by `now`.
            async fn upcoming(
                tx: &mut Transaction<'static, $db>,
                column: &str,
                id: &str,
                now: DateTime<Utc>,
            ) -> Result<i64, StoreError> {
                sqlx::query_scalar(&format!(
                    "SELECT COUNT(*) FROM bookings WHERE {column} = $1 AND status = 'confirmed' AND end_at > $2"
                ))
                .bind(id)
                .bind(Ts(now))
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)
            }

            /// Hides a service or practitioner (`table`, referenced as `column` by bookings
            /// and links) unless it has upcoming confirmed bookings, and unlinks it.
            async fn soft_delete(
                &self,
                table: &str,
                column: &str,
                org_id: &str,
                id: &str,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let exists: Option<String> = sqlx::query_scalar(&format!(
                    "SELECT id FROM {table} WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"
                ))
                .bind(org_id)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                if Self::upcoming(&mut tx, column, id, now).await? > 0 {
                    return Err(StoreError::InUse);
                }
                sqlx::query(&format!("UPDATE {table} SET deleted_at = $2, active = FALSE, updated_at = $2 WHERE id = $1"))
                    .bind(id)
                    .bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query(&format!("DELETE FROM service_practitioners WHERE {column} = $1"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            /// Inserts an org inside the caller's transaction.
            async fn insert_org(
                tx: &mut Transaction<'static, $db>,
                org: &NewOrg,
                now: DateTime<Utc>,
            ) -> Result<Org, StoreError> {
                let row: OrgRow = sqlx::query_as(
                    "INSERT INTO orgs (id, slug, name, timezone, branding, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
                )
                .bind($crate::ids::new_id("org"))
                .bind(&org.slug)
                .bind(&org.name)
                .bind(&org.timezone)
                .bind(Json(&org.branding))
                .bind(Ts(now))
                .fetch_one(&mut **tx)
                .await
                .map_err(map_err)?;
                Ok(row.into())
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
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
                Ok(())
            }

            async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError> {
                let mut tx = self.begin_write().await?;
                let org = Self::insert_org(&mut tx, org, crate::clock::now()).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(org)
            }

            async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError> {
                let row: Option<OrgRow> = sqlx::query_as("SELECT * FROM orgs WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn find_org(&self, id: &str) -> Result<Option<Org>, StoreError> {
                let row: Option<OrgRow> = sqlx::query_as("SELECT * FROM orgs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn create_practitioner(&self, org_id: &str, p: &NewPractitioner) -> Result<String, StoreError> {
                let id = $crate::ids::new_id("prac");
                let now = Ts(crate::clock::now());
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO practitioners (id, org_id, name, email, timezone, weekly_hours, active, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(&id)
                .bind(org_id)
                .bind(&p.name)
                .bind(&p.email)
                .bind(&p.timezone)
                .bind(Json(&p.weekly_hours))
                .bind(p.active)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::insert_overrides(&mut tx, &id, &p.date_overrides).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(id)
            }

            async fn create_service(&self, org_id: &str, s: &NewService) -> Result<String, StoreError> {
                let id = $crate::ids::new_id("svc");
                let now = Ts(crate::clock::now());
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO services (id, org_id, name, description, duration_minutes, buffer_before_minutes, \
                     buffer_after_minutes, slot_interval_minutes, min_notice_minutes, booking_window_days, active, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
                )
                .bind(&id)
                .bind(org_id)
                .bind(&s.name)
                .bind(&s.description)
                .bind(int(s.duration_minutes))
                .bind(int(s.buffer_before_minutes))
                .bind(int(s.buffer_after_minutes))
                .bind(int(s.slot_interval_minutes))
                .bind(int(s.min_notice_minutes))
                .bind(int(s.booking_window_days))
                .bind(s.active)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                Self::link_practitioners(&mut tx, org_id, &id, &s.practitioner_ids).await?;
                tx.commit().await.map_err(map_err)?;
                Ok(id)
            }

            async fn get_service(&self, org_id: &str, id: &str) -> Result<Option<ServiceRecord>, StoreError> {
                let row: Option<ServiceRow> = sqlx::query_as(&format!("{SERVICES} WHERE s.deleted_at IS NULL AND s.org_id = $1 AND s.id = $2"))
                    .bind(org_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(ServiceRow::into_record))
            }

            async fn list_services(&self, org_id: &str) -> Result<Vec<ServiceRecord>, StoreError> {
                let rows: Vec<ServiceRow> = sqlx::query_as(&format!("{SERVICES} WHERE s.deleted_at IS NULL AND s.org_id = $1 ORDER BY s.id"))
                    .bind(org_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(rows.into_iter().map(ServiceRow::into_record).collect())
            }

            async fn list_practitioners(&self, org_id: &str) -> Result<Vec<PractitionerRecord>, StoreError> {
                let rows: Vec<PractitionerRow> =
                    sqlx::query_as(&format!("{PRACTITIONERS} WHERE p.deleted_at IS NULL AND p.org_id = $1 ORDER BY p.id"))
                        .bind(org_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                Ok(rows.into_iter().map(PractitionerRow::into_record).collect())
            }

            async fn update_service(&self, org_id: &str, id: &str, s: &NewService) -> Result<ServiceRecord, StoreError> {
                let mut tx = self.begin_write().await?;
                let updated = sqlx::query(
                    "UPDATE services SET name = $3, description = $4, duration_minutes = $5, buffer_before_minutes = $6, \
                     buffer_after_minutes = $7, slot_interval_minutes = $8, min_notice_minutes = $9, \
                     booking_window_days = $10, active = $11, updated_at = $12 \
                     WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
                )
                .bind(org_id)
                .bind(id)
                .bind(&s.name)
                .bind(&s.description)
                .bind(int(s.duration_minutes))
                .bind(int(s.buffer_before_minutes))
                .bind(int(s.buffer_after_minutes))
                .bind(int(s.slot_interval_minutes))
                .bind(int(s.min_notice_minutes))
                .bind(int(s.booking_window_days))
                .bind(s.active)
                .bind(Ts(crate::clock::now()))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM service_practitioners WHERE service_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::link_practitioners(&mut tx, org_id, id, &s.practitioner_ids).await?;
                tx.commit().await.map_err(map_err)?;
                self.get_service(org_id, id).await?.ok_or(StoreError::NotFound)
            }

            async fn delete_service(&self, org_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                self.soft_delete("services", "service_id", org_id, id, now).await
            }

            async fn get_practitioner(&self, org_id: &str, id: &str) -> Result<Option<PractitionerRecord>, StoreError> {
                let row: Option<PractitionerRow> =
                    sqlx::query_as(&format!("{PRACTITIONERS} WHERE p.deleted_at IS NULL AND p.org_id = $1 AND p.id = $2"))
                        .bind(org_id)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                Ok(row.map(PractitionerRow::into_record))
            }

            async fn update_practitioner(
                &self,
                org_id: &str,
                id: &str,
                p: &NewPractitioner,
            ) -> Result<PractitionerRecord, StoreError> {
                let mut tx = self.begin_write().await?;
                let updated = sqlx::query(
                    "UPDATE practitioners SET name = $3, email = $4, timezone = $5, weekly_hours = $6, active = $7, \
                     updated_at = $8 WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
                )
                .bind(org_id)
                .bind(id)
                .bind(&p.name)
                .bind(&p.email)
                .bind(&p.timezone)
                .bind(Json(&p.weekly_hours))
                .bind(p.active)
                .bind(Ts(crate::clock::now()))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if updated.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM practitioner_date_overrides WHERE practitioner_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                Self::insert_overrides(&mut tx, id, &p.date_overrides).await?;
                tx.commit().await.map_err(map_err)?;
                self.get_practitioner(org_id, id).await?.ok_or(StoreError::NotFound)
            }

            async fn delete_practitioner(&self, org_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                self.soft_delete("practitioners", "practitioner_id", org_id, id, now).await
            }

            async fn update_org(&self, id: &str, name: &str, timezone: &str, branding: &Branding) -> Result<Org, StoreError> {
                let row: Option<OrgRow> = sqlx::query_as(
                    "UPDATE orgs SET name = $2, timezone = $3, branding = $4, updated_at = $5 WHERE id = $1 RETURNING *",
                )
                .bind(id)
                .bind(name)
                .bind(timezone)
                .bind(Json(branding))
                .bind(Ts(crate::clock::now()))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                row.map(Into::into).ok_or(StoreError::NotFound)
            }

            async fn list_customers(
                &self,
                org_id: &str,
                after: Option<&str>,
                limit: u32,
            ) -> Result<Vec<CustomerRecord>, StoreError> {
                let rows: Vec<CustomerRow> = sqlx::query_as(&format!(
                    "{CUSTOMERS} WHERE c.org_id = $1 AND ($2 IS NULL OR c.id < $2) ORDER BY c.id DESC LIMIT $3"
                ))
                .bind(org_id)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn get_customer(&self, org_id: &str, id: &str) -> Result<Option<CustomerRecord>, StoreError> {
                let row: Option<CustomerRow> = sqlx::query_as(&format!("{CUSTOMERS} WHERE c.org_id = $1 AND c.id = $2"))
                    .bind(org_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn create_account(&self, user: &NewUser, org: &NewOrg) -> Result<(UserRecord, Org), StoreError> {
                let now = Ts(crate::clock::now());
                let mut tx = self.begin_write().await?;
                let org = Self::insert_org(&mut tx, org, now.0).await?;
                let user: UserRow = sqlx::query_as(
                    "INSERT INTO users (id, email, password_hash, display_name, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $5) RETURNING *",
                )
                .bind($crate::ids::new_id("usr"))
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(&user.display_name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query("INSERT INTO org_members (org_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)")
                    .bind(&org.id)
                    .bind(&user.id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok((user.into(), org))
            }

            async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
                let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn find_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
                let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn orgs_of_user(&self, user_id: &str) -> Result<Vec<Org>, StoreError> {
                let rows: Vec<OrgRow> = sqlx::query_as(
                    "SELECT o.* FROM orgs o JOIN org_members m ON m.org_id = o.id WHERE m.user_id = $1 \
                     ORDER BY m.created_at, o.id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn set_password(&self, user_id: &str, hash: &str, keep_session: &str) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
                    .bind(user_id)
                    .bind(hash)
                    .bind(Ts(crate::clock::now()))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                    .bind(user_id)
                    .bind(keep_session)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn create_session(
                &self,
                user_id: &str,
                token_hash: &str,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> Result<SessionRecord, StoreError> {
                let id = $crate::ids::new_id("ses");
                sqlx::query(
                    "INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&id)
                .bind(user_id)
                .bind(token_hash)
                .bind(Ts(now))
                .bind(Ts(expires_at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(SessionRecord { id, user_id: user_id.to_owned(), expires_at })
            }

            async fn find_session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
                let row: Option<(String, String, Ts)> =
                    sqlx::query_as("SELECT id, user_id, expires_at FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(map_err)?;
                Ok(row.map(|(id, user_id, expires_at)| SessionRecord { id, user_id, expires_at: expires_at.0 }))
            }

            async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await.map_err(map_err)?;
                Ok(())
            }

            async fn list_api_keys(&self, org_id: &str) -> Result<Vec<ApiKeyRecord>, StoreError> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as("SELECT * FROM api_keys WHERE org_id = $1 ORDER BY id DESC")
                    .bind(org_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn revoke_api_key(
                &self,
                org_id: &str,
                id: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<ApiKeyRecord>, StoreError> {
                let row: Option<ApiKeyRow> = sqlx::query_as(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE org_id = $1 AND id = $2 RETURNING *",
                )
                .bind(org_id)
                .bind(id)
                .bind(Ts(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn busy_ranges(
                &self,
                org_id: &str,
                from: DateTime<Utc>,
                to: DateTime<Utc>,
                except: Option<&str>,
            ) -> Result<Vec<(String, Busy)>, StoreError> {
                let rows: Vec<(String, Ts, Ts)> = sqlx::query_as(
                    "SELECT practitioner_id, blocked_start, blocked_end FROM bookings \
                     WHERE org_id = $1 AND status = 'confirmed' AND blocked_end > $2 AND blocked_start < $3 \
                     AND id <> COALESCE($4, '') ORDER BY blocked_start",
                )
                .bind(org_id)
                .bind(Ts(from))
                .bind(Ts(to))
                .bind(except)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(rows.into_iter().map(|(p, s, e)| (p, Busy { start: s.0, end: e.0 })).collect())
            }

            async fn practitioner_loads(
                &self,
                org_id: &str,
                at: DateTime<Utc>,
            ) -> Result<Vec<PractitionerLoad>, StoreError> {
                let near: Vec<(String, Ts)> = sqlx::query_as(
                    "SELECT practitioner_id, start_at FROM bookings WHERE org_id = $1 AND status = 'confirmed' \
                     AND start_at >= $2 AND start_at < $3",
                )
                .bind(org_id)
                .bind(Ts(at - chrono::Duration::days(2)))
                .bind(Ts(at + chrono::Duration::days(2)))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                let last: Vec<(String, Option<Ts>)> = sqlx::query_as(
                    "SELECT practitioner_id, MAX(created_at) FROM bookings WHERE org_id = $1 AND status = 'confirmed' \
                     GROUP BY practitioner_id",
                )
                .bind(org_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(last
                    .into_iter()
                    .map(|(practitioner_id, last_booked_at)| PractitionerLoad {
                        nearby_starts: near.iter().filter(|(p, _)| *p == practitioner_id).map(|(_, s)| s.0).collect(),
                        last_booked_at: last_booked_at.map(|t| t.0),
                        practitioner_id,
                    })
                    .collect())
            }

            async fn create_booking(
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
                    "SELECT * FROM bookings WHERE org_id = $1 \
                     AND ($2 IS NULL OR status = $2) \
                     AND ($3 IS NULL OR practitioner_id = $3) \
                     AND ($4 IS NULL OR service_id = $4) \
                     AND ($5 IS NULL OR start_at >= $5) \
                     AND ($6 IS NULL OR start_at < $6) \
                     AND ($7 IS NULL OR customer_email = $7) \
                     AND ($8 IS NULL OR start_at > $8 OR (start_at = $8 AND id > $9)) \
                     AND ($11 IS NULL OR customer_id = $11) \
                     ORDER BY start_at, id LIMIT $10",
                )
                .bind(org_id)
                .bind(status)
                .bind(filter.practitioner_id.as_deref())
                .bind(filter.service_id.as_deref())
                .bind(filter.from.map(Ts))
                .bind(filter.to.map(Ts))
                .bind(filter.customer_email.as_deref())
                .bind(cursor.map(|c| Ts(c.start)))
                .bind(cursor.map(|c| c.id.as_str()))
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
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn create_webhook_endpoint(&self, e: &NewWebhookEndpoint) -> Result<WebhookEndpointRecord, StoreError> {
                let row: WebhookEndpointRow = sqlx::query_as(
                    "INSERT INTO webhook_endpoints (id, org_id, url, events, description, secret, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7) RETURNING *",
                )
                .bind($crate::ids::new_id("wh"))
                .bind(&e.org_id)
                .bind(&e.url)
                .bind(Json(&e.events))
                .bind(&e.description)
                .bind(&e.secret)
                .bind(Ts(crate::clock::now()))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(row.into())
            }

            async fn list_webhook_endpoints(&self, org_id: &str) -> Result<Vec<WebhookEndpointRecord>, StoreError> {
                let rows: Vec<WebhookEndpointRow> = sqlx::query_as(
                    "SELECT * FROM webhook_endpoints WHERE org_id = $1 AND deleted_at IS NULL ORDER BY id DESC",
                )
                .bind(org_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn get_webhook_endpoint(&self, org_id: &str, id: &str) -> Result<Option<WebhookEndpointRecord>, StoreError> {
                let row: Option<WebhookEndpointRow> = sqlx::query_as(
                    "SELECT * FROM webhook_endpoints WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
                )
                .bind(org_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn delete_webhook_endpoint(&self, org_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET deleted_at = $3, active = FALSE \
                     WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",
                )
                .bind(org_id)
                .bind(id)
                .bind(Ts(now))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("UPDATE webhook_deliveries SET state = 'failed', updated_at = $2 WHERE endpoint_id = $1 AND state = 'pending'")
                    .bind(id)
                    .bind(Ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)
            }

            async fn create_test_event(&self, org_id: &str, endpoint_id: &str, now: DateTime<Utc>) -> Result<String, StoreError> {
                let event_id = $crate::ids::new_id("evt");
                let payload = serde_json::json!({
                    "id": event_id, "type": "webhook.test", "created_at": now,
                    "data": { "message": "A test event from Cadence." },
                });
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO webhook_events (id, org_id, type, booking_id, payload, created_at) \
                     VALUES ($1, $2, 'webhook.test', NULL, $3, $4)",
                )
                .bind(&event_id)
                .bind(org_id)
                .bind(Json(&payload))
                .bind(Ts(now))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query(
                    "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, state, attempts, next_attempt_at, created_at, updated_at) \
                     VALUES ('dlv_' || substr($1, 5) || '_' || substr($2, 4), $1, $2, 'pending', 0, $3, $3, $3)",
                )
                .bind(&event_id)
                .bind(endpoint_id)
                .bind(Ts(now))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(event_id)
            }

            async fn list_webhook_attempts(
                &self,
                org_id: &str,
                endpoint_id: &str,
                limit: u32,
            ) -> Result<Vec<AttemptView>, StoreError> {
                let rows: Vec<AttemptRow> = sqlx::query_as(
                    "SELECT a.id, d.event_id, e.type AS event_type, d.state AS delivery_state, a.attempted_at, \
                     a.response_status, a.latency_ms, a.error, a.response_excerpt \
                     FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id \
                     JOIN webhook_events e ON e.id = d.event_id JOIN webhook_endpoints w ON w.id = d.endpoint_id \
                     WHERE w.org_id = $1 AND w.id = $2 ORDER BY a.id DESC LIMIT $3",
                )
                .bind(org_id)
                .bind(endpoint_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn claim_deliveries(
                &self,
                now: DateTime<Utc>,
                lock_until: DateTime<Utc>,
                limit: u32,
            ) -> Result<Vec<ClaimedDelivery>, StoreError> {
                let mut tx = self.begin_write().await?;
                let rows: Vec<ClaimRow> = sqlx::query_as(&format!(
                    "SELECT d.id, d.attempts, e.id AS event_id, e.type AS event_type, e.payload, w.id AS endpoint_id, \
                     w.url, w.secret, w.active, w.deleted_at \
                     FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
                     JOIN webhook_endpoints w ON w.id = d.endpoint_id \
                     WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
                     AND (d.locked_until IS NULL OR d.locked_until <= $1) \
                     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d2 JOIN webhook_events e2 ON e2.id = d2.event_id \
                         WHERE d2.endpoint_id = d.endpoint_id AND d2.state = 'pending' \
                         AND e2.booking_id = e.booking_id AND d2.event_id < d.event_id) \
                     ORDER BY d.next_attempt_at, d.id LIMIT $2{SKIP_LOCKED}"
                ))
                .bind(Ts(now))
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await
                .map_err(map_err)?;
                for r in &rows {
                    sqlx::query("UPDATE webhook_deliveries SET locked_until = $2, updated_at = $3 WHERE id = $1")
                        .bind(&r.id)
                        .bind(Ts(lock_until))
                        .bind(Ts(now))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn record_attempt(&self, a: &AttemptRecord) -> Result<(), StoreError> {
                let (state, next_at) = match a.next {
                    DeliveryNext::Succeeded => ("succeeded", a.attempted_at),
                    DeliveryNext::RetryAt(at) => ("pending", at),
                    DeliveryNext::Failed => ("failed", a.attempted_at),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO webhook_attempts (id, delivery_id, attempted_at, response_status, latency_ms, error, \
                     response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind($crate::ids::new_id("att"))
                .bind(&a.delivery_id)
                .bind(Ts(a.attempted_at))
                .bind(a.response_status.map(i32::from))
                .bind(int(a.latency_ms))
                .bind(&a.error)
                .bind(&a.response_excerpt)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, state = $2, next_attempt_at = $3, \
                     locked_until = NULL, updated_at = $4 WHERE id = $1",
                )
                .bind(&a.delivery_id)
                .bind(state)
                .bind(Ts(next_at))
                .bind(Ts(a.attempted_at))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                if let Some((endpoint_id, reason)) = &a.disable_endpoint {
                    sqlx::query("UPDATE webhook_endpoints SET active = FALSE, disabled_reason = $2 WHERE id = $1")
                        .bind(endpoint_id)
                        .bind(reason)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                tx.commit().await.map_err(map_err)
            }

            async fn idempotency_begin(
                &self,
                key: IdempotencyRef<'_>,
                request_hash: &str,
                now: DateTime<Utc>,
                expires_at: DateTime<Utc>,
                abandoned_before: DateTime<Utc>,
            ) -> Result<IdempotencyBegin, StoreError> {
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 \
                     AND (expires_at <= $3 OR (state = 'in_flight' AND created_at <= $4))",
                )
                .bind(key.scope)
                .bind(key.key)
                .bind(Ts(now))
                .bind(Ts(abandoned_before))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                let inserted = sqlx::query(
                    "INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at, expires_at) \
                     VALUES ($1, $2, $3, 'in_flight', $4, $5) ON CONFLICT (scope, key) DO NOTHING",
                )
                .bind(key.scope)
                .bind(key.key)
                .bind(request_hash)
                .bind(Ts(now))
                .bind(Ts(expires_at))
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                if inserted.rows_affected() == 1 {
                    return Ok(IdempotencyBegin::Started);
                }
                let row: Option<IdempotencyRow> = sqlx::query_as(
                    "SELECT request_hash, state, response_status, response_body FROM idempotency_keys \
                     WHERE scope = $1 AND key = $2",
                )
                .bind(key.scope)
                .bind(key.key)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(match row {
                    // Deleted between our insert and select: another request is handling it.
                    None => IdempotencyBegin::InFlight,
                    Some(r) if r.request_hash != request_hash => IdempotencyBegin::Mismatch,
                    Some(r) if r.state == "done" => IdempotencyBegin::Replay {
                        status: r.response_status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                        body: r.response_body.unwrap_or_default(),
                    },
                    Some(_) => IdempotencyBegin::InFlight,
                })
            }

            async fn idempotency_finish(&self, key: IdempotencyRef<'_>, status: u16, body: &str) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4 \
                     WHERE scope = $1 AND key = $2",
                )
                .bind(key.scope)
                .bind(key.key)
                .bind(i32::from(status))
                .bind(body)
                .execute(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(())
            }

            async fn idempotency_release(&self, key: IdempotencyRef<'_>) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_flight'")
                    .bind(key.scope)
                    .bind(key.key)
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn purge_idempotency(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
                    .bind(Ts(now))
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(done.rows_affected())
            }

            async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord, StoreError> {
                let row: ApiKeyRow = sqlx::query_as(
                    "INSERT INTO api_keys (id, org_id, name, key_hash, key_prefix, scopes, created_by, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
                )
                .bind($crate::ids::new_id("key"))
                .bind(&key.org_id)
                .bind(&key.name)
                .bind(&key.key_hash)
                .bind(&key.key_prefix)
                .bind(Json(&key.scopes))
                .bind(&key.created_by)
                .bind(Ts(crate::clock::now()))
                .bind(key.expires_at.map(Ts))
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
                Ok(row.into())
            }

            async fn find_api_key(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
                let row: Option<ApiKeyRow> = sqlx::query_as("SELECT * FROM api_keys WHERE key_hash = $1")
                    .bind(key_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(row.map(Into::into))
            }

            async fn touch_api_key(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(Ts(now))
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(())
            }

            async fn insert_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError> {
                if entries.is_empty() {
                    return Ok(());
                }
                let mut q = QueryBuilder::<$db>::new(
                    "INSERT INTO request_log (request_id, at, method, route, status, latency_ms, org_id, key_id) ",
                );
                q.push_values(entries, |mut b, e| {
                    b.push_bind(&e.request_id)
                        .push_bind(Ts(e.at))
                        .push_bind(&e.method)
                        .push_bind(&e.route)
                        .push_bind(i32::from(e.status))
                        .push_bind(int(e.latency_ms))
                        .push_bind(&e.org_id)
                        .push_bind(&e.key_id);
                });
                q.build().execute(&self.pool).await.map_err(map_err)?;
                Ok(())
            }

            async fn recent_request_logs(&self, limit: u32) -> Result<Vec<RequestLogEntry>, StoreError> {
                let rows: Vec<RequestLogRow> = sqlx::query_as("SELECT * FROM request_log ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn purge_request_logs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query("DELETE FROM request_log WHERE at < $1")
                    .bind(Ts(before))
                    .execute(&self.pool)
                    .await
                    .map_err(map_err)?;
                Ok(done.rows_affected())
            }
        }
    };
}
