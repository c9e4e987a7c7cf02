//! The booking path's reads by time go through indexes that match them, so what they cost
//! follows the window asked about, not the org's history: with 20,000 past bookings in the
//! database (and its statistics), each read's plan is checked on both backends. Without the
//! time indexes SQLite walks the org's whole history through `bookings_org` and Postgres
//! scans the table.

use cadence_server::store::time_reads::{LAST_BOOKED_SQL, NEARBY_STARTS_SQL, busy_ranges_sql};
use cadence_server::testing::{Backend, TestDb, seed_org};
use chrono::{DateTime, Duration, Utc};

cadence_server::both_backends!(reads_by_time_use_their_indexes_with_a_long_history);

const HISTORY: i64 = 20_000;

/// The plan of `sql` with these arguments (`$1` the org, then timestamps), one line per step.
/// `busy_ids`: the busy-ranges read, whose `$4` is the booking to leave out (none) and `$6`
/// the practitioners (a JSON array).
async fn plan(db: &TestDb, sql: &str, org: &str, times: &[DateTime<Utc>], busy_ids: Option<&str>) -> String {
    let mut lines = Vec::new();
    let (sqlite_sql, pg_sql) = (format!("EXPLAIN QUERY PLAN {sql}"), format!("EXPLAIN {sql}"));
    match db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sqlite_sql).bind(org);
            for (i, t) in times.iter().enumerate() {
                if i == 2 && busy_ids.is_some() {
                    q = q.bind(None::<String>);
                }
                q = q.bind(t.timestamp());
            }
            if let Some(ids) = busy_ids {
                q = q.bind(ids);
            }
            for (_, _, _, detail) in q.fetch_all(&pool).await.unwrap() {
                lines.push(detail);
            }
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            let mut q = sqlx::query_scalar::<_, String>(&pg_sql).bind(org);
            for (i, t) in times.iter().enumerate() {
                if i == 2 && busy_ids.is_some() {
                    q = q.bind(None::<String>);
                }
                q = q.bind(*t);
            }
            if let Some(ids) = busy_ids {
                q = q.bind(ids);
            }
            lines = q.fetch_all(&pool).await.unwrap();
        }
    }
    lines.join("\n")
}

async fn reads_by_time_use_their_indexes_with_a_long_history(backend: Backend) {
    let db = TestDb::create(backend).await;
    let store = db.connect().await;
    let org = seed_org(store.as_ref(), "clinic", "Europe/Berlin").await;
    let (org_id, service, practitioner) = (&org.org.id, &org.consultation, &org.practitioners[0]);
    // A past booking every two hours, going back about four and a half years.
    let history = match backend {
        Backend::Sqlite => format!(
            "INSERT INTO customers (id, org_id, name, email, created_at, updated_at) VALUES ('cus_h', '{org_id}', 'H', 'h@example.com', 0, 0); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {HISTORY}) \
             INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
             blocked_start, blocked_end, status, customer_name, created_at, updated_at) \
             SELECT 'bk_h' || i, '{org_id}', '{service}', '{practitioner}', 'cus_h', \
             unixepoch() - i * 7200, unixepoch() - i * 7200 + 1800, unixepoch() - i * 7200, \
             unixepoch() - i * 7200 + 2400, CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'confirmed' END, 'H', \
             unixepoch() - i * 7200 - 86400, 0 FROM n; ANALYZE;"
        ),
        Backend::Postgres => format!(
            "INSERT INTO customers (id, org_id, name, email, created_at, updated_at) VALUES ('cus_h', '{org_id}', 'H', 'h@example.com', now(), now()); \
             INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
             blocked_start, blocked_end, status, customer_name, created_at, updated_at) \
             SELECT 'bk_h' || i, '{org_id}', '{service}', '{practitioner}', 'cus_h', \
             now() - i * interval '2 hours', now() - i * interval '2 hours' + interval '30 minutes', \
             now() - i * interval '2 hours', now() - i * interval '2 hours' + interval '40 minutes', \
             CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'confirmed' END, 'H', \
             now() - i * interval '2 hours' - interval '1 day', now() FROM generate_series(1, {HISTORY}) i; ANALYZE;"
        ),
    };
    match backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(&history).execute(&pool).await.unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(&history).execute(&pool).await.unwrap();
        }
    }
    assert_eq!(db.scalar("SELECT COUNT(*) FROM bookings").await, HISTORY);

    let now = Utc::now();
    let ids = serde_json::to_string(&org.practitioners).unwrap();
    let week = (now, now + Duration::days(7));
    let reads = [
        (
            "busy ranges of a week",
            plan(
                &db,
                &busy_ranges_sql(backend),
                org_id,
                &[week.0, week.1, week.0 - Duration::days(3)],
                Some(&ids),
            )
            .await,
            &["bookings_org_blocked", "bookings_practitioner_time"][..],
        ),
        (
            "starts around a booking",
            plan(&db, NEARBY_STARTS_SQL, org_id, &[now - Duration::days(2), now + Duration::days(2)], None)
                .await,
            &["bookings_org_start"][..],
        ),
        (
            "last booked per practitioner",
            plan(&db, LAST_BOOKED_SQL, org_id, &[], None).await,
            &["bookings_practitioner_created"][..],
        ),
    ];
    for (what, plan, indexes) in reads {
        let uses = indexes.iter().any(|i| plan.contains(i));
        assert!(uses, "{what}: expected one of {indexes:?} in the plan:\n{plan}");
        assert!(
            !plan.contains("Seq Scan on bookings")
                && !plan.contains("SCAN bookings")
                && !plan.contains("bookings_org "),
            "{what}: a pass over the history:\n{plan}"
        );
    }
}
