//! What an org offers: services and practitioners (with weekly hours, date overrides and
//! the links between them). Deleting hides a row (`deleted_at`), so past bookings keep
//! pointing at it.

use super::StoreError;
use super::ts::Ts;
use crate::model::{NewPractitioner, NewService, PractitionerRecord, ServiceRecord};
use async_trait::async_trait;
use cadence_shared::{DateOverride, WeeklyHours};
use chrono::{DateTime, Utc};
use sqlx::types::Json;

/// Services and practitioners of an org.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Creates a service and links the given practitioners (all of `org_id`); returns its id.
    async fn create_service(&self, org_id: &str, s: &NewService) -> Result<String, StoreError>;
    async fn get_service(&self, org_id: &str, id: &str) -> Result<Option<ServiceRecord>, StoreError>;
    /// The org's services, oldest first.
    async fn list_services(&self, org_id: &str) -> Result<Vec<ServiceRecord>, StoreError>;
    /// Replaces a service's fields and practitioners.
    async fn update_service(
        &self,
        org_id: &str,
        id: &str,
        s: &NewService,
    ) -> Result<ServiceRecord, StoreError>;
    /// Hides a service; [`StoreError::InUse`] while it has upcoming confirmed bookings.
    async fn delete_service(&self, org_id: &str, id: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Creates a practitioner with weekly hours and date overrides; returns its id.
    async fn create_practitioner(&self, org_id: &str, p: &NewPractitioner) -> Result<String, StoreError>;
    async fn get_practitioner(
        &self,
        org_id: &str,
        id: &str,
    ) -> Result<Option<PractitionerRecord>, StoreError>;
    /// The org's practitioners with schedules and overrides, oldest first.
    async fn list_practitioners(&self, org_id: &str) -> Result<Vec<PractitionerRecord>, StoreError>;
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
}

#[derive(sqlx::FromRow)]
pub(super) struct ServiceRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: i32,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub slot_interval_minutes: i32,
    pub min_notice_minutes: i32,
    pub booking_window_days: i32,
    pub reminder_minutes_before: i32,
    pub active: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
    /// Aggregated from service_practitioners.
    pub practitioner_ids: Json<Vec<String>>,
}

impl From<ServiceRow> for ServiceRecord {
    fn from(r: ServiceRow) -> Self {
        let mut practitioner_ids = r.practitioner_ids.0;
        practitioner_ids.sort();
        ServiceRecord {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            description: r.description,
            duration_minutes: count(r.duration_minutes),
            buffer_before_minutes: count(r.buffer_before_minutes),
            buffer_after_minutes: count(r.buffer_after_minutes),
            slot_interval_minutes: count(r.slot_interval_minutes),
            min_notice_minutes: count(r.min_notice_minutes),
            booking_window_days: count(r.booking_window_days),
            reminder_minutes_before: count(r.reminder_minutes_before),
            practitioner_ids,
            active: r.active,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

/// Columns are CHECKed non-negative; a negative one would be a corrupt row.
pub(super) fn count(v: i32) -> u32 {
    u32::try_from(v).unwrap_or(0)
}

#[derive(sqlx::FromRow)]
pub(super) struct PractitionerRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: Option<String>,
    pub timezone: Option<String>,
    pub weekly_hours: Json<WeeklyHours>,
    pub active: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
    /// Aggregated from practitioner_date_overrides.
    pub date_overrides: Json<Vec<DateOverride>>,
    /// Aggregated from service_practitioners.
    pub service_ids: Json<Vec<String>>,
}

impl From<PractitionerRow> for PractitionerRecord {
    fn from(r: PractitionerRow) -> Self {
        let mut date_overrides = r.date_overrides.0;
        date_overrides.sort_by_key(|o| o.date);
        let mut service_ids = r.service_ids.0;
        service_ids.sort();
        PractitionerRecord {
            id: r.id,
            org_id: r.org_id,
            name: r.name,
            email: r.email,
            timezone: r.timezone,
            weekly_hours: r.weekly_hours.0,
            date_overrides,
            service_ids,
            active: r.active,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

/// `impl CatalogStore` for a backend store: the SQL of this area, written once for both
/// backends (see the `store` module docs for what the backend module provides).
macro_rules! impl_catalog_store {
    ($store:ty, $db:ty) => {
        mod catalog_sql {
            use super::*;
            use $crate::store::catalog::{PractitionerRow, ServiceRow};
            use $crate::store::int;
            use $crate::store::ts::Ts;
            use cadence_shared::DateOverride;
            use chrono::{DateTime, Utc};
            use sqlx::Transaction;
            use sqlx::types::Json;

            impl $store {
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
            }

            #[async_trait]
            impl CatalogStore for $store {
                async fn create_service(&self, org_id: &str, s: &NewService) -> Result<String, StoreError> {
                    let id = $crate::ids::new_id("svc");
                    let now = Ts(crate::clock::now());
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "INSERT INTO services (id, org_id, name, description, duration_minutes, buffer_before_minutes, \
                         buffer_after_minutes, slot_interval_minutes, min_notice_minutes, booking_window_days, active, \
                         created_at, updated_at, reminder_minutes_before) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)",
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
                    .bind(int(s.reminder_minutes_before))
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
                    Ok(row.map(Into::into))
                }

                async fn list_services(&self, org_id: &str) -> Result<Vec<ServiceRecord>, StoreError> {
                    let rows: Vec<ServiceRow> = sqlx::query_as(&format!("{SERVICES} WHERE s.deleted_at IS NULL AND s.org_id = $1 ORDER BY s.id"))
                        .bind(org_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
                }

                async fn update_service(&self, org_id: &str, id: &str, s: &NewService) -> Result<ServiceRecord, StoreError> {
                    let mut tx = self.begin_write().await?;
                    let updated = sqlx::query(
                        "UPDATE services SET name = $3, description = $4, duration_minutes = $5, buffer_before_minutes = $6, \
                         buffer_after_minutes = $7, slot_interval_minutes = $8, min_notice_minutes = $9, \
                         booking_window_days = $10, active = $11, updated_at = $12, reminder_minutes_before = $13 \
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
                    .bind(int(s.reminder_minutes_before))
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

                async fn get_practitioner(&self, org_id: &str, id: &str) -> Result<Option<PractitionerRecord>, StoreError> {
                    let row: Option<PractitionerRow> =
                        sqlx::query_as(&format!("{PRACTITIONERS} WHERE p.deleted_at IS NULL AND p.org_id = $1 AND p.id = $2"))
                            .bind(org_id)
                            .bind(id)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(map_err)?;
                    Ok(row.map(Into::into))
                }

                async fn list_practitioners(&self, org_id: &str) -> Result<Vec<PractitionerRecord>, StoreError> {
                    let rows: Vec<PractitionerRow> =
                        sqlx::query_as(&format!("{PRACTITIONERS} WHERE p.deleted_at IS NULL AND p.org_id = $1 ORDER BY p.id"))
                            .bind(org_id)
                            .fetch_all(&self.pool)
                            .await
                            .map_err(map_err)?;
                    Ok(rows.into_iter().map(Into::into).collect())
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
            }
        }
    };
}
pub(super) use impl_catalog_store;
