//! [`Store`] on SQLite: the embedded default.
//!
//! Instants are stored as INTEGER unix seconds. The file runs in WAL mode with a busy
//! timeout; every write transaction starts with `BEGIN IMMEDIATE`, so it takes the write
//! lock up front and waits for it (instead of failing half-way with SQLITE_BUSY when a
//! read transaction tries to upgrade).

use super::*;
use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// SQLite's extended result code for a `RAISE(ABORT, …)` in a trigger
/// (SQLITE_CONSTRAINT_TRIGGER); only the overlap triggers raise it.
const SQLITE_CONSTRAINT_TRIGGER: &str = "1811";

pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("invalid SQLite URL {url:?}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open SQLite database {url:?}"))?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await.context("applying SQLite migrations")?;
        Ok(Self { pool })
    }

    /// The pool, for tests that must reach past the store (e.g. raw inserts).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)
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

fn to_unix(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

fn from_unix(secs: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| StoreError::Corrupt(format!("timestamp {secs}")))
}

fn org_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Org, StoreError> {
    Ok(Org {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        timezone: row.try_get("timezone")?,
        branding: row.try_get::<Json<_>, _>("branding")?.0,
        created_at: from_unix(row.try_get("created_at")?)?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn create_org(&self, org: &NewOrg) -> Result<Org, StoreError> {
        let now = Utc::now();
        let row = sqlx::query(
            "INSERT INTO orgs (id, slug, name, timezone, branding, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(crate::ids::new_id("org"))
        .bind(&org.slug)
        .bind(&org.name)
        .bind(&org.timezone)
        .bind(Json(&org.branding))
        .bind(to_unix(now))
        .bind(to_unix(now))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        org_from_row(&row)
    }

    async fn find_org_by_slug(&self, slug: &str) -> Result<Option<Org>, StoreError> {
        let row = sqlx::query("SELECT * FROM orgs WHERE slug = ?")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn create_practitioner(&self, org_id: &str, p: &NewPractitioner) -> Result<String, StoreError> {
        let id = crate::ids::new_id("prac");
        let now = to_unix(Utc::now());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO practitioners (id, org_id, name, email, timezone, weekly_hours, active, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(&p.name)
        .bind(&p.email)
        .bind(&p.timezone)
        .bind(Json(&p.weekly_hours))
        .bind(p.active)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for o in &p.date_overrides {
            sqlx::query(
                "INSERT INTO practitioner_date_overrides (practitioner_id, date, intervals) VALUES (?, ?, ?)",
            )
            .bind(&id)
            .bind(o.date.to_string())
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
        let now = to_unix(Utc::now());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO services (id, org_id, name, description, duration_minutes, buffer_before_minutes, \
             buffer_after_minutes, slot_interval_minutes, min_notice_minutes, booking_window_days, active, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(&s.name)
        .bind(&s.description)
        .bind(s.duration_minutes)
        .bind(s.buffer_before_minutes)
        .bind(s.buffer_after_minutes)
        .bind(s.slot_interval_minutes)
        .bind(s.min_notice_minutes)
        .bind(s.booking_window_days)
        .bind(s.active)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for prac in &s.practitioner_ids {
            let linked = sqlx::query(
                "INSERT INTO service_practitioners (service_id, practitioner_id) \
                 SELECT ?, id FROM practitioners WHERE id = ? AND org_id = ?",
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
        let id = crate::ids::new_id("key");
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO api_keys (id, org_id, name, key_hash, key_prefix, scopes, created_by, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&key.org_id)
        .bind(&key.name)
        .bind(&key.key_hash)
        .bind(&key.key_prefix)
        .bind(Json(&key.scopes))
        .bind(&key.created_by)
        .bind(to_unix(now))
        .bind(key.expires_at.map(to_unix))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(ApiKeyRecord {
            id,
            org_id: key.org_id.clone(),
            name: key.name.clone(),
            key_prefix: key.key_prefix.clone(),
            scopes: key.scopes.clone(),
            created_at: from_unix(to_unix(now))?,
            expires_at: key.expires_at,
            revoked_at: None,
            last_used_at: None,
        })
    }

    async fn insert_request_logs(&self, entries: &[RequestLogEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO request_log (request_id, at, method, route, status, latency_ms, org_id, key_id) ",
        );
        q.push_values(entries, |mut b, e| {
            b.push_bind(&e.request_id)
                .push_bind(to_unix(e.at))
                .push_bind(&e.method)
                .push_bind(&e.route)
                .push_bind(e.status)
                .push_bind(e.latency_ms)
                .push_bind(&e.org_id)
                .push_bind(&e.key_id);
        });
        q.build().execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn recent_request_logs(&self, limit: u32) -> Result<Vec<RequestLogEntry>, StoreError> {
        let rows = sqlx::query("SELECT * FROM request_log ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(RequestLogEntry {
                    request_id: r.try_get("request_id")?,
                    at: from_unix(r.try_get("at")?)?,
                    method: r.try_get("method")?,
                    route: r.try_get("route")?,
                    status: r.try_get("status")?,
                    latency_ms: r.try_get("latency_ms")?,
                    org_id: r.try_get("org_id")?,
                    key_id: r.try_get("key_id")?,
                })
            })
            .collect()
    }

    async fn purge_request_logs(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM request_log WHERE at < ?")
            .bind(to_unix(before))
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
