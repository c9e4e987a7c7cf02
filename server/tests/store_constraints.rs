//! What the database itself guarantees, checked with raw SQL that bypasses the application:
//! no two confirmed bookings of one practitioner overlap (buffers included), on both
//! backends; plus the store's own error mapping and the migrated schema.

use cadence_server::model::{NewOrg, NewPractitioner, NewService};
use cadence_server::store::{PgStore, SqliteStore, Store, StoreError};
use cadence_server::testing::{Backend, TestDb};
use chrono::{DateTime, TimeZone, Utc};

cadence_server::both_backends!(
    overlapping_confirmed_bookings_are_refused_by_the_database,
    buffers_count_toward_the_overlap,
    back_to_back_blocked_ranges_are_allowed,
    different_practitioners_may_overlap,
    cancelled_booking_blocks_nothing_until_reconfirmed,
    moving_a_booking_onto_another_is_refused,
    duplicate_slug_is_a_conflict,
    service_cannot_link_another_orgs_practitioner,
    migrations_create_the_whole_data_model_and_rerun_cleanly,
    the_database_agrees_with_a_model_on_random_writes,
);

/// A concrete store, so tests can reach its pool for raw SQL.
enum Raw {
    Sqlite(SqliteStore),
    Pg(PgStore),
}

struct Fixture {
    raw: Raw,
    service: String,
    ada: String,
    ben: String,
    customer: String,
    org: String,
    _db: TestDb,
}

/// One booking row, as the application would write it.
struct Row<'a> {
    id: &'a str,
    practitioner: &'a str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    buffer_before_min: i64,
    buffer_after_min: i64,
    status: &'a str,
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, h, m, 0).unwrap()
}

fn row<'a>(id: &'a str, practitioner: &'a str, start: DateTime<Utc>, end: DateTime<Utc>) -> Row<'a> {
    Row { id, practitioner, start, end, buffer_before_min: 0, buffer_after_min: 0, status: "confirmed" }
}

impl Raw {
    fn store(&self) -> &dyn Store {
        match self {
            Raw::Sqlite(s) => s,
            Raw::Pg(s) => s,
        }
    }

    async fn exec(&self, sqlite_sql: &str, pg_sql: &str) {
        match self {
            Raw::Sqlite(s) => sqlx::query(sqlite_sql).execute(s.pool()).await.map(drop),
            Raw::Pg(s) => sqlx::query(pg_sql).execute(s.pool()).await.map(drop),
        }
        .expect("fixture SQL");
    }

    async fn insert(&self, f: &Fixture, b: &Row<'_>) -> Result<(), sqlx::Error> {
        let blocked_start = b.start - chrono::Duration::minutes(b.buffer_before_min);
        let blocked_end = b.end + chrono::Duration::minutes(b.buffer_after_min);
        let cols = "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
                    blocked_start, blocked_end, status, customer_name, created_at, updated_at)";
        match self {
            Raw::Sqlite(s) => {
                sqlx::query(&format!("{cols} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'C', 0, 0)"))
                    .bind(b.id)
                    .bind(&f.org)
                    .bind(&f.service)
                    .bind(b.practitioner)
                    .bind(&f.customer)
                    .bind(b.start.timestamp())
                    .bind(b.end.timestamp())
                    .bind(blocked_start.timestamp())
                    .bind(blocked_end.timestamp())
                    .bind(b.status)
                    .execute(s.pool())
                    .await
                    .map(drop)
            }
            Raw::Pg(s) => sqlx::query(&format!(
                "{cols} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'C', now(), now())"
            ))
            .bind(b.id)
            .bind(&f.org)
            .bind(&f.service)
            .bind(b.practitioner)
            .bind(&f.customer)
            .bind(b.start)
            .bind(b.end)
            .bind(blocked_start)
            .bind(blocked_end)
            .bind(b.status)
            .execute(s.pool())
            .await
            .map(drop),
        }
    }

    async fn update(
        &self,
        id: &str,
        status: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        match self {
            Raw::Sqlite(s) => sqlx::query(
                "UPDATE bookings SET status = ?, start_at = ?, end_at = ?, blocked_start = ?, blocked_end = ? WHERE id = ?",
            )
            .bind(status)
            .bind(start.timestamp())
            .bind(end.timestamp())
            .bind(start.timestamp())
            .bind(end.timestamp())
            .bind(id)
            .execute(s.pool())
            .await
            .map(drop),
            Raw::Pg(s) => sqlx::query(
                "UPDATE bookings SET status = $1, start_at = $2, end_at = $3, blocked_start = $2, blocked_end = $3 WHERE id = $4",
            )
            .bind(status)
            .bind(start)
            .bind(end)
            .bind(id)
            .execute(s.pool())
            .await
            .map(drop),
        }
    }

    async fn confirmed_count(&self) -> i64 {
        let sql = "SELECT COUNT(*) FROM bookings WHERE status = 'confirmed'";
        match self {
            Raw::Sqlite(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await,
            Raw::Pg(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await,
        }
        .unwrap()
    }

    /// Asserts the error is the database's overlap refusal, by code, as the store maps it.
    fn assert_overlap(&self, result: Result<(), sqlx::Error>) {
        let err = result.expect_err("the database must refuse an overlapping confirmed booking");
        let db = err.as_database_error().expect("a database error");
        match self {
            Raw::Sqlite(_) => {
                assert_eq!(db.code().as_deref(), Some("1811"), "SQLITE_CONSTRAINT_TRIGGER: {db}");
                assert_eq!(db.message(), "bookings_no_overlap");
            }
            Raw::Pg(_) => {
                assert_eq!(db.code().as_deref(), Some("23P01"), "exclusion_violation: {db}");
                assert_eq!(db.constraint(), Some("bookings_no_overlap"));
            }
        }
    }
}

async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::create(backend).await;
    let raw = match backend {
        Backend::Sqlite => Raw::Sqlite(SqliteStore::connect(&db.url).await.unwrap()),
        Backend::Postgres => Raw::Pg(PgStore::connect(&db.url).await.unwrap()),
    };
    let store = raw.store();
    let org = store
        .create_org(&NewOrg {
            slug: "clinic".into(),
            name: "Clinic".into(),
            timezone: "Europe/Berlin".into(),
            branding: Default::default(),
        })
        .await
        .unwrap();
    let prac = |name: &str| NewPractitioner {
        name: name.into(),
        email: None,
        timezone: None,
        weekly_hours: Default::default(),
        date_overrides: vec![],
        active: true,
    };
    let ada = store.create_practitioner(&org.id, &prac("Ada")).await.unwrap();
    let ben = store.create_practitioner(&org.id, &prac("Ben")).await.unwrap();
    let service = store.create_service(&org.id, &service(vec![ada.clone(), ben.clone()])).await.unwrap();
    let customer = "cus_test".to_owned();
    raw.exec(
        &format!("INSERT INTO customers (id, org_id, name, email, created_at, updated_at) VALUES ('{customer}', '{}', 'C', 'c@example.com', 0, 0)", org.id),
        &format!("INSERT INTO customers (id, org_id, name, email, created_at, updated_at) VALUES ('{customer}', '{}', 'C', 'c@example.com', now(), now())", org.id),
    )
    .await;
    Fixture { raw, service, ada, ben, customer, org: org.id, _db: db }
}

fn service(practitioner_ids: Vec<String>) -> NewService {
    NewService {
        name: "Consultation".into(),
        duration_minutes: 30,
        buffer_after_minutes: 10,
        slot_interval_minutes: 30,
        booking_window_days: 60,
        practitioner_ids,
        active: true,
        ..NewService::default()
    }
}

async fn overlapping_confirmed_bookings_are_refused_by_the_database(backend: Backend) {
    let f = fixture(backend).await;
    f.raw.insert(&f, &row("bk_1", &f.ada, at(10, 0), at(10, 30))).await.unwrap();
    f.raw.assert_overlap(f.raw.insert(&f, &row("bk_2", &f.ada, at(10, 15), at(10, 45))).await);
    f.raw.assert_overlap(f.raw.insert(&f, &row("bk_3", &f.ada, at(9, 0), at(12, 0))).await);
    f.raw.assert_overlap(f.raw.insert(&f, &row("bk_4", &f.ada, at(10, 0), at(10, 30))).await);
    assert_eq!(f.raw.confirmed_count().await, 1);
}

async fn buffers_count_toward_the_overlap(backend: Backend) {
    let f = fixture(backend).await;
    let first = Row { buffer_after_min: 10, ..row("bk_1", &f.ada, at(10, 0), at(10, 30)) };
    f.raw.insert(&f, &first).await.unwrap();
    // Starts after the first ends, but inside its 10-minute clean-up buffer.
    f.raw.assert_overlap(f.raw.insert(&f, &row("bk_2", &f.ada, at(10, 35), at(11, 5))).await);
    // Ends before the first starts, but its own buffer before reaches into it.
    let early =
        Row { buffer_before_min: 0, buffer_after_min: 15, ..row("bk_3", &f.ada, at(9, 30), at(9, 50)) };
    f.raw.assert_overlap(f.raw.insert(&f, &early).await);
    assert_eq!(f.raw.confirmed_count().await, 1);
}

async fn back_to_back_blocked_ranges_are_allowed(backend: Backend) {
    let f = fixture(backend).await;
    let first = Row { buffer_after_min: 10, ..row("bk_1", &f.ada, at(10, 0), at(10, 30)) };
    f.raw.insert(&f, &first).await.unwrap();
    f.raw.insert(&f, &row("bk_2", &f.ada, at(10, 40), at(11, 10))).await.unwrap();
    f.raw.insert(&f, &row("bk_3", &f.ada, at(9, 30), at(10, 0))).await.unwrap();
    assert_eq!(f.raw.confirmed_count().await, 3);
}

async fn different_practitioners_may_overlap(backend: Backend) {
    let f = fixture(backend).await;
    f.raw.insert(&f, &row("bk_1", &f.ada, at(10, 0), at(10, 30))).await.unwrap();
    f.raw.insert(&f, &row("bk_2", &f.ben, at(10, 0), at(10, 30))).await.unwrap();
    assert_eq!(f.raw.confirmed_count().await, 2);
}

async fn cancelled_booking_blocks_nothing_until_reconfirmed(backend: Backend) {
    let f = fixture(backend).await;
    let cancelled = Row { status: "cancelled", ..row("bk_1", &f.ada, at(10, 0), at(10, 30)) };
    f.raw.insert(&f, &cancelled).await.unwrap();
    f.raw.insert(&f, &row("bk_2", &f.ada, at(10, 0), at(10, 30))).await.unwrap();
    // Turning the cancelled one back into a confirmed booking would double-book.
    f.raw.assert_overlap(f.raw.update("bk_1", "confirmed", at(10, 0), at(10, 30)).await);
    assert_eq!(f.raw.confirmed_count().await, 1);
}

async fn moving_a_booking_onto_another_is_refused(backend: Backend) {
    let f = fixture(backend).await;
    f.raw.insert(&f, &row("bk_1", &f.ada, at(10, 0), at(10, 30))).await.unwrap();
    f.raw.insert(&f, &row("bk_2", &f.ada, at(11, 0), at(11, 30))).await.unwrap();
    f.raw.assert_overlap(f.raw.update("bk_2", "confirmed", at(10, 10), at(10, 40)).await);
    // Moving within its own old range is no conflict with itself.
    f.raw.update("bk_2", "confirmed", at(11, 15), at(11, 45)).await.unwrap();
    assert_eq!(f.raw.confirmed_count().await, 2);
}

/// Random inserts, moves, cancellations and re-confirmations of one practitioner's
/// bookings, short and day-long, each checked against a plain list: the database accepts a
/// write exactly when no other confirmed booking overlaps it. (SQLite's trigger only looks
/// at the last booking starting before the new one ends; this is what keeps it honest.)
async fn the_database_agrees_with_a_model_on_random_writes(backend: Backend) {
    use rand::{Rng, SeedableRng};
    let f = fixture(backend).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    // id, confirmed, start, end
    let mut model: Vec<(String, bool, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..400 {
        let start = at(0, 0) + chrono::Duration::minutes(15 * rng.random_range(0..3 * 96));
        let minutes = [15, 30, 45, 120, 600, 1440][rng.random_range(0..6)];
        let end = start + chrono::Duration::minutes(minutes);
        let confirmed = rng.random_bool(0.85);
        let clashes = |skip: Option<&str>| {
            confirmed
                && model.iter().any(|(id, c, s, e)| *c && Some(id.as_str()) != skip && *s < end && start < *e)
        };
        let existing = (!model.is_empty() && rng.random_bool(0.4)).then(|| rng.random_range(0..model.len()));
        let (result, expect_refused) = match existing {
            Some(i) => {
                let id = model[i].0.clone();
                let clash = clashes(Some(&id));
                let status = if confirmed { "confirmed" } else { "cancelled" };
                let result = f.raw.update(&id, status, start, end).await;
                if result.is_ok() {
                    model[i] = (id, confirmed, start, end);
                }
                (result, clash)
            }
            None => {
                let id = format!("bk_{n}");
                let clash = clashes(None);
                let status = if confirmed { "confirmed" } else { "cancelled" };
                let result = f.raw.insert(&f, &Row { status, ..row(&id, &f.ada, start, end) }).await;
                if result.is_ok() {
                    model.push((id, confirmed, start, end));
                }
                (result, clash)
            }
        };
        if expect_refused {
            f.raw.assert_overlap(result);
            refused += 1;
        } else {
            result.unwrap_or_else(|e| panic!("write {n} ({start}..{end}) refused without an overlap: {e}"));
            accepted += 1;
        }
    }
    assert!(
        accepted > 100 && refused > 100,
        "both outcomes exercised: {accepted} accepted, {refused} refused"
    );
    assert_eq!(f.raw.confirmed_count().await, model.iter().filter(|m| m.1).count() as i64);
}

async fn duplicate_slug_is_a_conflict(backend: Backend) {
    let f = fixture(backend).await;
    let again = NewOrg {
        slug: "clinic".into(),
        name: "Other".into(),
        timezone: "UTC".into(),
        branding: Default::default(),
    };
    let err = f.raw.store().create_org(&again).await.expect_err("slug is taken");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

async fn service_cannot_link_another_orgs_practitioner(backend: Backend) {
    let f = fixture(backend).await;
    let store = f.raw.store();
    let other = store
        .create_org(&NewOrg {
            slug: "other".into(),
            name: "Other".into(),
            timezone: "UTC".into(),
            branding: Default::default(),
        })
        .await
        .unwrap();
    let err = store
        .create_service(&other.id, &service(vec![f.ada.clone()]))
        .await
        .expect_err("foreign practitioner");
    assert!(matches!(&err, StoreError::Missing(id) if *id == f.ada), "{err:?}");
    // Nothing half-written: the service row went with the rolled-back transaction.
    let sql = "SELECT COUNT(*) FROM services";
    let services: i64 = match &f.raw {
        Raw::Sqlite(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await.unwrap(),
        Raw::Pg(s) => sqlx::query_scalar(sql).fetch_one(s.pool()).await.unwrap(),
    };
    assert_eq!(services, 1);
}

async fn migrations_create_the_whole_data_model_and_rerun_cleanly(backend: Backend) {
    let f = fixture(backend).await;
    let tables: Vec<String> = match &f.raw {
        Raw::Sqlite(s) => {
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(s.pool())
                .await
        }
        Raw::Pg(s) => {
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(s.pool())
                .await
        }
    }
    .unwrap();
    for t in [
        "orgs",
        "users",
        "org_members",
        "sessions",
        "api_keys",
        "practitioners",
        "practitioner_date_overrides",
        "services",
        "service_practitioners",
        "customers",
        "bookings",
        "idempotency_keys",
        "webhook_endpoints",
        "webhook_events",
        "webhook_deliveries",
        "webhook_attempts",
        "request_log",
    ] {
        assert!(tables.iter().any(|x| x == t), "table {t} missing from {tables:?}");
    }
    // Connecting again applies nothing new and fails nothing.
    f._db.connect().await.ping().await.unwrap();
}

/// A booking the server confirmed is on disk: every SQLite connection of the store commits
/// with `synchronous = FULL` (2), not WAL's faster NORMAL (1), which can lose the last
/// commits on power loss.
#[tokio::test]
async fn sqlite_commits_reach_the_disk_before_they_are_confirmed() {
    let db = TestDb::create(Backend::Sqlite).await;
    let store = SqliteStore::connect(&db.url).await.unwrap();
    for _ in 0..3 {
        let mut conn = store.pool().acquire().await.unwrap();
        let level: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(level, 2, "synchronous = FULL");
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(mode, "wal");
    }
}
