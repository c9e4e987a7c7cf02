//! The booking path's reads by time go through indexes that match them, so what they cost
//! follows the window asked about, not the org's history: with 20,000 past bookings in the
//! database (and its statistics), each read's plan is checked on both backends. Without the
//! time indexes SQLite walks the org's whole history through `bookings_org` and Postgres
//! scans the table.

use cadence_server::model::{FIRST_INSTANT, LAST_INSTANT};
use cadence_server::store::time_reads::{
    LIST_BOOKINGS_SQL, booking_reads_sql, busy_ranges_sql, postgres_book_sql,
};
use cadence_server::testing::{Backend, TestDb, seed_org};
use chrono::{DateTime, Duration, Utc};

cadence_server::both_backends!(reads_by_time_use_their_indexes_with_a_long_history);

const HISTORY: i64 = 20_000;

/// A query argument, bound the way the store binds it.
enum Arg<'a> {
    Text(Option<&'a str>),
    Time(DateTime<Utc>),
    Int(i64),
}

/// The plan of `sql` with these arguments (`$1`, `$2`, … in order), one line per step.
async fn plan(db: &TestDb, sql: &str, args: &[Arg<'_>]) -> String {
    match db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            let sqlite_sql = format!("EXPLAIN QUERY PLAN {sql}");
            let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&sqlite_sql);
            for arg in args {
                q = match arg {
                    Arg::Text(t) => q.bind(*t),
                    Arg::Time(t) => q.bind(t.timestamp()),
                    Arg::Int(i) => q.bind(*i),
                };
            }
            let rows = q.fetch_all(&pool).await.unwrap();
            rows.into_iter().map(|(_, _, _, detail)| detail).collect::<Vec<_>>().join("\n")
        }
        Backend::Postgres => {
            // The plan the server runs: it connects with generic plans (see
            // `PgStore::connect_options`), which only a prepared statement shows.
            use sqlx::Connection;
            let options = cadence_server::store::PgStore::connect_options(&db.url).unwrap();
            let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
            let literals: Vec<String> = args
                .iter()
                .map(|arg| match arg {
                    Arg::Text(Some(t)) => format!("'{t}'"),
                    Arg::Text(None) => "NULL".into(),
                    Arg::Time(t) => format!("'{}'", t.to_rfc3339()),
                    Arg::Int(i) => i.to_string(),
                })
                .collect();
            let types: Vec<&str> = args
                .iter()
                .map(|arg| match arg {
                    Arg::Text(_) => "text",
                    Arg::Time(_) => "timestamptz",
                    Arg::Int(_) => "bigint",
                })
                .collect();
            let prepare = format!("PREPARE read({}) AS {sql}", types.join(", "));
            sqlx::raw_sql(&prepare).execute(&mut conn).await.unwrap();
            let explain = format!("EXPLAIN EXECUTE read({})", literals.join(", "));
            let lines = sqlx::query_scalar::<_, String>(&explain).fetch_all(&mut conn).await.unwrap();
            lines.join("\n")
        }
    }
}

/// The generic plan Postgres runs for `sql` with these literal arguments, the parameter
/// types inferred from the statement (as when sqlx prepares it).
async fn postgres_plan(db: &TestDb, sql: &str, literals: &[String]) -> String {
    use sqlx::Connection;
    let options = cadence_server::store::PgStore::connect_options(&db.url).unwrap();
    let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
    sqlx::raw_sql(&format!("PREPARE stmt AS {sql}")).execute(&mut conn).await.unwrap();
    let explain = format!("EXPLAIN EXECUTE stmt({})", literals.join(", "));
    sqlx::query_scalar::<_, String>(&explain).fetch_all(&mut conn).await.unwrap().join("\n")
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
    let (org_arg, ids_arg) = (Arg::Text(Some(org_id)), Arg::Text(Some(&ids)));
    let check_plan = plan(
        &db,
        &booking_reads_sql(backend),
        &[
            Arg::Text(Some(org_id)),
            Arg::Time(now),
            Arg::Time(now + Duration::minutes(40)),
            Arg::Text(None),
            Arg::Time(now - Duration::days(3)),
            Arg::Text(Some(&ids)),
            Arg::Time(now - Duration::hours(26)),
            Arg::Time(now + Duration::hours(26)),
        ],
    )
    .await;
    let reads = [
        (
            "busy ranges of a week",
            plan(
                &db,
                busy_ranges_sql(backend),
                &[
                    org_arg,
                    Arg::Time(week.0),
                    Arg::Time(week.1),
                    Arg::Text(None),
                    Arg::Time(week.0 - Duration::days(3)),
                    ids_arg,
                ],
            )
            .await,
            &["bookings_org_blocked", "bookings_practitioner_time"][..],
        ),
        // The booking check's one read: its three parts each through their index.
        (
            "booking check: busy ranges",
            check_plan.clone(),
            &["bookings_org_blocked", "bookings_practitioner_time"][..],
        ),
        ("booking check: starts around it", check_plan.clone(), &["bookings_org_start"][..]),
        ("booking check: last booked per practitioner", check_plan, &["bookings_practitioner_created"][..]),
        (
            // A page deep in the history: the cursor bounds the index scan, so it does not
            // walk the pages before it (the index condition names start_at).
            "a page of bookings after a cursor",
            plan(
                &db,
                LIST_BOOKINGS_SQL,
                &[
                    Arg::Text(Some(org_id)),
                    Arg::Text(None),
                    Arg::Text(None),
                    Arg::Text(None),
                    Arg::Time(FIRST_INSTANT),
                    Arg::Time(LAST_INSTANT),
                    Arg::Text(None),
                    Arg::Time(now - Duration::days(30)),
                    Arg::Text(Some("bk_h360")),
                    Arg::Int(50),
                    Arg::Text(None),
                ],
            )
            .await,
            &[
                "bookings_org_start (org_id=? AND (start_at,id)>(?,?)",
                "Index Cond: ((org_id = $1) AND (start_at >=",
            ][..],
        ),
    ];
    let mut reads = reads.to_vec();
    if backend == Backend::Postgres {
        // The booking's one statement: who is busy then, the day's starts and each
        // candidate's last booking, each through its index (see `store/postgres/book.rs`).
        let t = |at: DateTime<Utc>| format!("'{}'", at.to_rfc3339());
        let text = |s: &str| format!("'{s}'");
        let (start, day) = (now + Duration::days(1), (now + Duration::hours(10), now + Duration::hours(34)));
        let candidates = format!("'{{{}}}'", org.practitioners.join(","));
        let days = |at: DateTime<Utc>| format!("'{{\"{0}\",\"{0}\"}}'", at.to_rfc3339());
        let args = [
            text("bk_new"),
            text(org_id),
            text(service),
            candidates,
            t(start),
            t(start + Duration::minutes(30)),
            t(start),
            t(start + Duration::minutes(40)),
            text("N"),
            text("n@example.com"),
            "NULL".into(),
            "NULL".into(),
            "NULL".into(),
            t(now),
            text("evt_new"),
            text("cus_new"),
            text("cus_pending"),
            text("{}"),
            "NULL".into(),
            "NULL".into(),
            text(""),
            "NULL".into(),
            text("[]"),
            days(day.0),
            days(day.1),
            t(start - Duration::days(3)),
            t(day.0),
            t(day.1),
            text("prac_pending"),
        ];
        let book = postgres_plan(&db, postgres_book_sql(), &args).await;
        for (what, index) in [
            ("booking write: who is busy", &["bookings_practitioner_time"][..]),
            ("booking write: starts that day", &["bookings_org_start"][..]),
            ("booking write: last booked per practitioner", &["bookings_practitioner_created"][..]),
        ] {
            reads.push((what, book.clone(), index));
        }
    }
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
