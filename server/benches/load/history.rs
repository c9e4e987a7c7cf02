//! What the load benchmark writes straight into the database: an org's booking history, and
//! the raw insert rate of the bookings table (the reference the server is compared with).

use cadence_server::testing::{Backend, TestDb};
use chrono::NaiveDate;
use std::time::Instant;

/// Runs SQL on the benchmark's database.
pub async fn exec(db: &TestDb, sql: &str) {
    match db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
    }
}

/// `n` bookings of the org's first service, spread evenly over its practitioners: for each,
/// 500 in the coming weeks (14 a day, on the hour from 07:00, so the half hours stay open) and the
/// rest in the past; every tenth cancelled; 1,000 customers. Returns how many were written.
pub async fn seed(db: &TestDb, slug: &str, practitioners: &[String], n: u32, today: NaiveDate) -> i64 {
    let org = db.strings(&format!("SELECT id FROM orgs WHERE slug = '{slug}'")).await.remove(0);
    let service = db
        .strings(&format!("SELECT id FROM services WHERE org_id = '{org}' AND name = 'Consultation'"))
        .await
        .remove(0);
    let t0 = today.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let per = n / practitioners.len() as u32;
    let (numbers, ts) = match db.backend {
        Backend::Sqlite => (
            format!(
                "WITH RECURSIVE nums(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM nums WHERE k < {per} - 1)"
            ),
            "",
        ),
        Backend::Postgres => {
            (format!("WITH nums(k) AS (SELECT generate_series(0, {per} - 1))"), "to_timestamp")
        }
    };
    exec(
        db,
        &format!(
            "{numbers} INSERT INTO customers (id, org_id, name, email, created_at, updated_at) \
             SELECT 'cus_hist_' || k, '{org}', 'History', 'hist' || k || '@example.com', {ts}({t0}), {ts}({t0}) \
             FROM nums WHERE k < 1000"
        ),
    )
    .await;
    let start = format!(
        "CASE WHEN k < 500 THEN {t0} + 86400 + (k / 14) * 86400 + 25200 + (k % 14) * 3600 \
         ELSE {t0} - ((k - 500) / 14 + 1) * 86400 + 25200 + ((k - 500) % 14) * 3600 END"
    );
    for (i, p) in practitioners.iter().enumerate() {
        exec(
            db,
            &format!(
                "{numbers} INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, \
                 end_at, blocked_start, blocked_end, status, customer_name, customer_email, created_at, updated_at) \
                 SELECT 'bk_hist_{i}_' || k, '{org}', '{service}', '{p}', 'cus_hist_' || (k % 1000), \
                 {ts}(s), {ts}(s + 1800), {ts}(s), {ts}(s + 1800), \
                 CASE WHEN k % 10 = 9 THEN 'cancelled' ELSE 'confirmed' END, 'History', \
                 'hist' || (k % 1000) || '@example.com', {ts}(s - 604800), {ts}(s - 604800) \
                 FROM (SELECT k, {start} AS s FROM nums) x"
            ),
        )
        .await;
    }
    settle(db).await;
    db.scalar(&format!("SELECT COUNT(*) FROM bookings WHERE org_id = '{org}'")).await
}

/// Brings the database to the steady state it keeps between bursts, so that a run neither
/// starts right after a bulk write nor pays for the housekeeping that write set off:
/// Postgres as autovacuum leaves a table (statistics, and the visibility map index-only
/// scans rely on); SQLite with statistics and its write-ahead log checkpointed.
pub async fn settle(db: &TestDb) {
    let sql = match db.backend {
        Backend::Postgres => "VACUUM ANALYZE bookings",
        Backend::Sqlite => "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
    };
    exec(db, sql).await;
}

pub fn raw_tool(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "pgbench",
        Backend::Sqlite => "insert loop",
    }
}

/// Single-statement inserts into `bookings` (its constraints and indexes), one transaction
/// each, `connections` at a time, each at its own time so the no-overlap rule passes.
pub async fn raw_insert_rate(db: &TestDb, slug: &str, connections: u32) -> f64 {
    let org = db.strings(&format!("SELECT id FROM orgs WHERE slug = '{slug}'")).await.remove(0);
    let one = |table: &str| format!("SELECT id FROM {table} WHERE org_id = '{org}' ORDER BY id LIMIT 1");
    let (svc, prac, cus) = (
        db.strings(&one("services")).await.remove(0),
        db.strings(&one("practitioners")).await.remove(0),
        db.strings(&one("customers")).await.remove(0),
    );
    match db.backend {
        Backend::Postgres => {
            exec(db, "CREATE SEQUENCE IF NOT EXISTS bench_seq").await;
            let script = format!(
                "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
                 blocked_start, blocked_end, status, customer_name, created_at, updated_at) \
                 SELECT 'bk_raw_' || n, '{org}', '{svc}', '{prac}', '{cus}', t, t + interval '30 minutes', t, \
                 t + interval '30 minutes', 'confirmed', 'Raw', now(), now() \
                 FROM (SELECT n, timestamptz '2031-01-01' + n * interval '30 minutes' AS t \
                       FROM (SELECT nextval('bench_seq') AS n) s) x;\n"
            );
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("insert.sql");
            std::fs::write(&path, script).unwrap();
            let out = std::process::Command::new("pgbench")
                .args([
                    "-n",
                    "-f",
                    path.to_str().unwrap(),
                    "-c",
                    &connections.to_string(),
                    "-j",
                    "2",
                    "-T",
                    "8",
                ])
                .arg(&db.url)
                .output()
                .expect("run pgbench");
            let text = String::from_utf8_lossy(&out.stdout);
            text.lines()
                .find(|l| l.starts_with("tps = "))
                .and_then(|l| l.split_whitespace().nth(2)?.parse().ok())
                .unwrap_or_else(|| panic!("pgbench output: {text}{}", String::from_utf8_lossy(&out.stderr)))
        }
        Backend::Sqlite => {
            let offset = raw_rows(db).await;
            sqlite_insert_rate(db, [org, svc, prac, cus], connections, offset).await
        }
    }
}

/// Rows the raw insert runs have written so far.
pub async fn raw_rows(db: &TestDb) -> i64 {
    db.scalar("SELECT COUNT(*) FROM bookings WHERE id LIKE 'bk_raw_%'").await
}

/// SQLite has no pgbench: the same insert through a pool, each its own `BEGIN IMMEDIATE`
/// transaction, with the server's durability (`synchronous=FULL`, WAL).
/// `offset`: rows earlier runs wrote, so each run inserts ids and times of its own.
async fn sqlite_insert_rate(
    db: &TestDb,
    [org, svc, prac, cus]: [String; 4],
    connections: u32,
    offset: i64,
) -> f64 {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
    let options = db.url.parse::<SqliteConnectOptions>().unwrap();
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .connect_with(
            options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(std::time::Duration::from_secs(10)),
        )
        .await
        .unwrap();
    let n = 4000i64;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..i64::from(connections) {
        let (pool, org, svc, prac, cus) = (pool.clone(), org.clone(), svc.clone(), prac.clone(), cus.clone());
        tasks.push(tokio::spawn(async move {
            for i in (worker..n).step_by(connections as usize) {
                let i = offset + i;
                let t = 1_924_992_000 + i * 1800;
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query(
                    "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
                     blocked_start, blocked_end, status, customer_name, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7, 'confirmed', 'Raw', 0, 0)",
                )
                .bind(format!("bk_raw_{i}"))
                .bind(&org)
                .bind(&svc)
                .bind(&prac)
                .bind(&cus)
                .bind(t)
                .bind(t + 1800)
                .execute(&mut *tx)
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}
