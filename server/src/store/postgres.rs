//! [`Store`] on Postgres: for production and for many server processes on one database.
//!
//! The no-double-booking rule is the exclusion constraint `bookings_no_overlap`
//! (btree_gist, on practitioner and the blocked `tstzrange`, confirmed bookings only);
//! a violation arrives as SQLSTATE 23P01 and becomes [`StoreError::Overlap`].

use super::*;
use anyhow::Context;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use std::time::Duration;

/// SQLSTATE exclusion_violation.
const EXCLUSION_VIOLATION: &str = "23P01";

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .with_context(|| format!("cannot connect to Postgres at {}", redact_url(url)))?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.context("applying Postgres migrations")?;
        Ok(Self { pool })
    }

    /// The pool, for tests that must reach past the store (e.g. raw inserts).
    pub fn pool(&self) -> &PgPool {
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

fn org_from_row(row: &PgRow) -> Result<Org, StoreError> {
    Ok(Org {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        timezone: row.try_get("timezone")?,
        branding: row.try_get::<Json<_>, _>("branding")?.0,
        created_at: row.try_get("created_at")?,
    })
}

/// Postgres has no unsigned integers; every u32 here is a small count or duration.
fn int(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError> {
        let row = sqlx::query(
            "INSERT INTO orgs (id, slug, name, timezone, branding, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, now(), now()) RETURNING *",
        )
        .bind(crate::ids::new_id("org"))
        .bind(&org.slug)
        .bind(&org.name)
        .bind(&org.timezone)
        .bind(Json(&org.branding))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        org_from_row(&row)
    }

    async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError> {
        let row = sqlx::query("SELECT * FROM orgs WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn create_practitioner(&self, org_id: &str, p: &NewPractitioner) -> Result<String, StoreError> {
        let id = crate::ids::new_id("prac");
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO practitioners (id, org_id, name, email, timezone, weekly_hours, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())",
        )
        .bind(&id)
        .bind(org_id)
        .bind(&p.name)
        .bind(&p.email)
        .bind(&p.timezone)
        .bind(Json(&p.weekly_hours))
        .bind(p.active)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for o in &p.date_overrides {
            sqlx::query("INSERT INTO practitioner_date_overrides (practitioner_id, date, intervals) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(o.date)
                .bind(Json(&o.intervals))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn create_service(&self, org_id: &str, s: &NewService) -> Result<String, StoreError> {
        let id = crate::ids::new_id("svc");
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        sqlx::query(
            "INSERT INTO services (id, org_id, name, description, duration_minutes, buffer_before_minutes, \
             buffer_after_minutes, slot_interval_minutes, min_notice_minutes, booking_window_days, active, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), now())",
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
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for prac in &s.practitioner_ids {
            let linked = sqlx::query(
                "INSERT INTO service_practitioners (service_id, practitioner_id) \
                 SELECT $1, id FROM practitioners WHERE id = $2 AND org_id = $3",
            )
            .bind(&id)
            .bind(prac)
            .bind(org_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            if linked.rows_affected() != 1 {
                return Err(StoreError::Missing(prac.clone()));
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn create_api_key(&self, key: &NewApiKey) -> Result<ApiKeyRecord, StoreError> {
        let row = sqlx::query(
            "INSERT INTO api_keys (id, org_id, name, key_hash, key_prefix, scopes, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8) RETURNING id, created_at",
        )
        .bind(crate::ids::new_id("key"))
        .bind(&key.org_id)
        .bind(&key.name)
        .bind(&key.key_hash)
        .bind(&key.key_prefix)
        .bind(Json(&key.scopes))
        .bind(&key.created_by)
        .bind(key.expires_at)
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(ApiKeyRecord {
            id: row.try_get("id")?,
            org_id: key.org_id.clone(),
            name: key.name.clone(),
            key_prefix: key.key_prefix.clone(),
            scopes: key.scopes.clone(),
            created_at: row.try_get("created_at")?,
            expires_at: key.expires_at,
            revoked_at: None,
            last_used_at: None,
        })
    }

    async fn insert_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO request_log (request_id, at, method, route, status, latency_ms, org_id, key_id) ",
        );
        q.push_values(entries, |mut b, e| {
            b.push_bind(&e.request_id)
                .push_bind(e.at)
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
        let rows = sqlx::query("SELECT * FROM request_log ORDER BY id DESC LIMIT $1")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(RequestLogEntry {
                    request_id: r.try_get("request_id")?,
                    at: r.try_get("at")?,
                    method: r.try_get("method")?,
                    route: r.try_get("route")?,
                    status: u16::try_from(r.try_get::<i32, _>("status")?).unwrap_or(0),
                    latency_ms: u32::try_from(r.try_get::<i32, _>("latency_ms")?).unwrap_or(0),
                    org_id: r.try_get("org_id")?,
                    key_id: r.try_get("key_id")?,
                })
            })
            .collect()
    }

    async fn purge_request_logs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM request_log WHERE at < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
