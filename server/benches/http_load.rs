//! HTTP throughput and latency of availability (one practitioner-week) and booking creation,
//! against the release `cadence` binary on loopback, on SQLite and on Postgres; beside it
//! the raw insert rate of the same bookings table (pgbench on Postgres, a plain insert loop
//! on SQLite), and the ratio. `cargo bench -p cadence-server --bench http_load`.
//! Prints figures; asserts nothing. Client and server share the machine's cores.

use cadence_server::testing::{Backend, TestDb};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Semaphore;

const AVAILABILITY_REQUESTS: usize = 3000;
const BOOKING_REQUESTS: usize = 1200;
const CONCURRENCY: usize = 16;
const SEQUENTIAL_REQUESTS: usize = 300;

struct Server {
    child: Child,
    base: String,
    key: String,
}

async fn start(db: &TestDb) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cadence"))
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--database-url", &db.url])
        // Throughput, not rate limiting, is measured: thousands of requests a minute from one
        // address and one org would otherwise be refused with 429.
        .args(["--public-rate-limit", "1000000", "--booking-rate-limit", "1000000"])
        .args(["--org-rate-limit", "1000000"])
        .env("CADENCE_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start cadence");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut key) = (String::new(), String::new());
    while key.is_empty() {
        let line = lines.next_line().await.unwrap().expect("demo output");
        if let Some(url) = line.trim().strip_prefix("Booking page:") {
            base = url.trim().trim_end_matches("/movela").to_owned();
        }
        if let Some(rest) = line.trim().strip_prefix("Demo API key:") {
            key = rest.split_whitespace().next().unwrap().to_owned();
        }
    }
    Server { child, base, key }
}

/// Latencies (client, server) in ms and the wall time of a batch of requests.
struct Run {
    client: Vec<f64>,
    server: Vec<f64>,
    ok: usize,
    wall: f64,
}

async fn run(requests: Vec<reqwest::RequestBuilder>, ok: reqwest::StatusCode, concurrency: usize) -> Run {
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for req in requests {
        let permit = gate.clone().acquire_owned().await.unwrap();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let res = req.send().await.expect("request");
            let client = t.elapsed().as_secs_f64() * 1000.0;
            let server = res
                .headers()
                .get("server-timing")
                .and_then(|v| v.to_str().ok()?.strip_prefix("app;dur=")?.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
            let status = res.status();
            let _ = res.bytes().await;
            drop(permit);
            (client, server, status)
        }));
    }
    let mut out = Run { client: Vec::new(), server: Vec::new(), ok: 0, wall: 0.0 };
    for t in tasks {
        let (c, s, status) = t.await.unwrap();
        out.client.push(c);
        out.server.push(s);
        out.ok += usize::from(status == ok);
    }
    out.wall = started.elapsed().as_secs_f64();
    out
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * q) as usize]
}

fn report(label: &str, mut r: Run) -> f64 {
    let n = r.client.len();
    let rate = n as f64 / r.wall;
    println!(
        "{label:<34} {n:>5} req  {rate:>8.0} req/s  client p50 {:>6.2} p99 {:>6.2} ms  server p50 {:>6.3} p99 {:>6.3} ms  ok {}",
        pct(&mut r.client, 0.5),
        pct(&mut r.client, 0.99),
        pct(&mut r.server, 0.5),
        pct(&mut r.server, 0.99),
        r.ok
    );
    rate
}

/// pgbench: single-statement inserts into `bookings` (same constraint and indexes), each
/// at its own time so the exclusion constraint passes.
fn pgbench_insert_rate(db: &TestDb, ids: &(String, String, String, String)) -> f64 {
    let (org, svc, prac, cus) = ids;
    let script = format!(
        "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
         blocked_start, blocked_end, status, customer_name, created_at, updated_at) \
         SELECT 'bk_bench_' || n, '{org}', '{svc}', '{prac}', '{cus}', t, t + interval '30 minutes', t, \
         t + interval '40 minutes', 'confirmed', 'Bench', now(), now() \
         FROM (SELECT n, timestamptz '2031-01-01' + n * interval '40 minutes' AS t \
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
            &CONCURRENCY.to_string(),
            "-j",
            "2",
            "-T",
            "10",
            &db.url,
        ])
        .output()
        .expect("pgbench (postgresql-contrib / postgresql client) on PATH");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or_else(|| panic!("pgbench output: {text}{}", String::from_utf8_lossy(&out.stderr)))
}

/// SQLite: the same single-row insert, one write transaction each, through a pool of 16.
async fn sqlite_insert_rate(db: &TestDb, ids: &(String, String, String, String)) -> f64 {
    let (org, svc, prac, cus) = ids;
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(CONCURRENCY as u32)
        .connect_with(
            db.url
                .parse::<sqlx::sqlite::SqliteConnectOptions>()
                .unwrap()
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10)),
        )
        .await
        .unwrap();
    let n = 3000i64;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY as i64 {
        let (pool, org, svc, prac, cus) = (pool.clone(), org.clone(), svc.clone(), prac.clone(), cus.clone());
        tasks.push(tokio::spawn(async move {
            for i in (worker..n).step_by(CONCURRENCY) {
                let t = 1_924_992_000 + i * 2400;
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
                sqlx::query(
                    "INSERT INTO bookings (id, org_id, service_id, practitioner_id, customer_id, start_at, end_at, \
                     blocked_start, blocked_end, status, customer_name, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, 'confirmed', 'Bench', 0, 0)",
                )
                .bind(format!("bk_bench_{i}"))
                .bind(&org)
                .bind(&svc)
                .bind(&prac)
                .bind(&cus)
                .bind(t)
                .bind(t + 1800)
                .bind(t + 2400)
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

async fn bench(backend: Backend) {
    let db = TestDb::create(backend).await;
    let server = start(&db).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();
    let services: Value = client
        .get(format!("{}/api/v1/public/orgs/movela/services", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let consult =
        services["data"].as_array().unwrap().iter().find(|s| s["name"] == "Initial consultation").unwrap();
    let (service, practitioner) = (
        consult["id"].as_str().unwrap().to_owned(),
        consult["practitioner_ids"][0].as_str().unwrap().to_owned(),
    );
    let today = Utc::now().date_naive();
    let (week_from, week_to) = (today + Duration::days(1), today + Duration::days(7));

    let url = format!(
        "{}/api/v1/public/orgs/movela/availability?service_id={service}&practitioner_id={practitioner}&from={week_from}&to={week_to}",
        server.base
    );
    let requests = (0..SEQUENTIAL_REQUESTS).map(|_| client.get(&url)).collect();
    report(
        &format!("{backend:?} availability, 1 at a time"),
        run(requests, reqwest::StatusCode::OK, 1).await,
    );
    let requests = (0..AVAILABILITY_REQUESTS).map(|_| client.get(&url)).collect();
    report(
        &format!("{backend:?} availability, {CONCURRENCY} at a time"),
        run(requests, reqwest::StatusCode::OK, CONCURRENCY).await,
    );

    // Every open (start, practitioner) pair of the next 60 days, booked once each.
    let all: Value = client
        .get(format!(
            "{}/api/v1/public/orgs/movela/availability?service_id={service}&from={today}&to={}",
            server.base,
            today + Duration::days(59)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pairs: Vec<(String, String)> = all["slots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["practitioner_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |p| (s["start"].as_str().unwrap().to_owned(), p.as_str().unwrap().to_owned()))
        })
        .collect();
    // Consultations block 40 minutes on a 30-minute grid: per practitioner, take starts at
    // least an hour apart, so every request is bookable.
    let mut last: std::collections::HashMap<String, chrono::DateTime<Utc>> = Default::default();
    let pairs: Vec<_> = pairs
        .into_iter()
        .filter(|(start, prac)| {
            let at: chrono::DateTime<Utc> = start.parse().unwrap();
            let free = last.get(prac).is_none_or(|prev| at - *prev >= Duration::minutes(60));
            if free {
                last.insert(prac.clone(), at);
            }
            free
        })
        .take(BOOKING_REQUESTS)
        .collect();
    let book = |(i, (start, prac)): (usize, &(String, String))| {
        client.post(format!("{}/api/v1/bookings", server.base)).bearer_auth(&server.key).json(&json!({
            "service_id": service, "start": start, "practitioner_id": prac,
            "customer": { "name": "Load Test", "email": format!("load{i}@example.com") },
        }))
    };
    let (first, rest) = pairs.split_at(pairs.len().min(SEQUENTIAL_REQUESTS / 3));
    let requests = first.iter().enumerate().map(book).collect();
    report(
        &format!("{backend:?} booking creation, 1 at a time"),
        run(requests, reqwest::StatusCode::CREATED, 1).await,
    );
    let requests = rest.iter().enumerate().map(|(i, p)| book((i + first.len(), p))).collect();
    let booking_rate = report(
        &format!("{backend:?} booking creation, {CONCURRENCY} at a time"),
        run(requests, reqwest::StatusCode::CREATED, CONCURRENCY).await,
    );

    let ids = {
        let q = |t: &str| format!("SELECT id FROM {t} ORDER BY id LIMIT 1");
        (
            db.strings(&q("orgs")).await.remove(0),
            db.strings(&q("services")).await.remove(0),
            db.strings(&q("practitioners")).await.remove(0),
            db.strings(&q("customers")).await.remove(0),
        )
    };
    let raw = match backend {
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::query("CREATE SEQUENCE bench_seq").execute(&pool).await.unwrap();
            pgbench_insert_rate(&db, &ids)
        }
        Backend::Sqlite => sqlite_insert_rate(&db, &ids).await,
    };
    let tool = if backend == Backend::Postgres { "pgbench" } else { "insert loop" };
    println!(
        "{:<34} {raw:>22.0} rows/s   booking creation / raw insert = {:.0}%\n",
        format!("{backend:?} raw insert ({tool})"),
        100.0 * booking_rate / raw
    );
    let _ =
        std::process::Command::new("kill").args(["-TERM", &server.child.id().unwrap().to_string()]).status();
}

#[tokio::main]
async fn main() {
    bench(Backend::Sqlite).await;
    bench(Backend::Postgres).await;
}
