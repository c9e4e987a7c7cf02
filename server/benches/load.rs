//! The load benchmark: `bash scripts/bench.sh` (or `cargo bench -p cadence-server --bench load`
//! with `wrk` and `pgbench` on PATH). For SQLite and then Postgres it starts the release
//! `cadence` binary on loopback, seeds orgs alike (20 practitioners working 07:00–21:00
//! every day, 5 services) of which one also has a history of 100,000 bookings (a month ahead
//! partly booked, the rest in the past), and drives it with `wrk` (16 connections, 2
//! threads): `/healthz` (the server's own ceiling), the public org lookup, availability of
//! one practitioner-week and of the whole service for 31 days (1 and 16 connections), and
//! booking creation (each request a distinct start, any practitioner) in empty orgs and in
//! the one with history. In the same run it measures the raw insert rate of the bookings
//! table (pgbench on Postgres; a plain insert loop on SQLite), in [`ROUNDS`] turns with the
//! empty-org booking runs, and the server's resident memory idle and at its peak. Every run
//! also states its CPU time per request (server, Postgres, whole machine; `load/cpu.rs`).
//! Prints a table and writes `target/bench/load.json`.
//! Asserts nothing: client, server and database share the machine's cores.

use cadence_server::testing::{Backend, TestDb};
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};

#[path = "load/cpu.rs"]
mod cpu;
#[path = "load/history.rs"]
mod history;
#[path = "load/wrk.rs"]
mod wrk;

const CONNECTIONS: u32 = 16;
const SECONDS: u32 = 8;
/// Booking runs are shorter: each books distinct starts of a 730-day window of 28 starts a
/// day (19,348 after the first 40 days), which 8 s at 2,400 bookings/s would use up (and
/// the rest of the run would measure fast 422s); 4 s leave room up to ~4,800/s.
const BOOKING_SECONDS: u32 = 4;
const HISTORY: u32 = 100_000;
/// Booking in an empty org and pgbench's raw insert, in turn, this many times: the VM's
/// speed drifts within minutes, so each booking run is compared with the raw insert run
/// next to it, and the median of those ratios is the figure.
const ROUNDS: usize = 3;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// A `cadence` subcommand's first line of output.
fn cadence(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cadence")).args(args).output().expect("run cadence");
    assert!(out.status.success(), "cadence {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().trim().to_owned()
}

fn start(db: &TestDb) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_cadence"))
        .args(["serve", "--addr", &addr, "--database-url", &db.url])
        // Throughput, not rate limiting, is measured.
        .args(["--public-rate-limit", "100000000", "--booking-rate-limit", "100000000"])
        .args(["--org-rate-limit", "100000000"])
        .env("CADENCE_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start cadence");
    // Dropped (so stopped and waited for) if it never answers.
    let server = Server { child, base: format!("http://{addr}") };
    for _ in 0..200 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("cadence did not start");
}

/// Kibibytes of a `/proc/PID/status` field (`VmRSS`, `VmHWM`).
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.trim_start_matches(':').split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// An org like a real practice (in UTC, so the load scripts can count in UTC): 20
/// practitioners working 07:00–21:00 every day, an all-practitioner 30-minute consultation
/// and 4 other services.
struct Org {
    slug: String,
    key: String,
    service: String,
    practitioners: Vec<String>,
}

async fn seed_org(db: &TestDb, base: &str, slug: &str) -> Org {
    let url = ["--database-url", &db.url];
    cadence(&[&["create-org", "--slug", slug, "--name", slug, "--timezone", "UTC"], &url[..]].concat());
    let key = cadence(&[&["create-key", "--org", slug], &url[..]].concat());
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        client.post(format!("{base}/api/v1/{path}")).bearer_auth(&key).json(&body).send()
    };
    let day = json!([{"start": "07:00", "end": "21:00"}]);
    let week: serde_json::Map<String, Value> =
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            .iter()
            .map(|d| (d.to_string(), day.clone()))
            .collect();
    let mut practitioners = Vec::new();
    for n in 0..20 {
        let res =
            post("practitioners", json!({"name": format!("Practitioner {n}"), "weekly_hours": week})).await;
        let body: Value = res.unwrap().json().await.unwrap();
        practitioners.push(body["id"].as_str().expect("practitioner created").to_owned());
    }
    let mut service = String::new();
    for (n, (name, minutes, who)) in [
        ("Consultation", 30, 20),
        ("Follow-up", 15, 10),
        ("Therapy", 60, 8),
        ("Assessment", 90, 4),
        ("Group class", 45, 2),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"name": name, "duration_minutes": minutes, "slot_interval_minutes": 30,
            "booking_window_days": 730, "practitioner_ids": practitioners[..who]});
        let created: Value = post("services", body).await.unwrap().json().await.unwrap();
        if n == 0 {
            service = created["id"].as_str().expect("service created").to_owned();
        }
    }
    Org { slug: slug.to_owned(), key, service, practitioners }
}

async fn bench(backend: Backend, today: NaiveDate) -> Value {
    let db = TestDb::create(backend).await;
    cadence(&["migrate", "--database-url", &db.url]);
    let server = start(&db);
    let mut empties = Vec::new();
    for round in 1..=ROUNDS {
        empties.push(seed_org(&db, &server.base, &format!("empty-practice-{round}")).await);
    }
    let busy = seed_org(&db, &server.base, "busy-practice").await;
    let written = history::seed(&db, &busy.slug, &busy.practitioners, HISTORY, today).await;
    let pid = server.child.id();
    let idle_kib = memory_kib(pid, "VmRSS");
    let auth = |org: &Org| format!("Bearer {}", org.key);
    let (week_to, month_to) = (today + Duration::days(7), today + Duration::days(31));
    let org_api = format!("{}/api/v1", server.base);
    let week = format!(
        "{org_api}/availability?service_id={}&practitioner_id={}&from={}&to={week_to}",
        busy.service,
        busy.practitioners[0],
        today + Duration::days(1)
    );
    let month = format!(
        "{org_api}/availability?service_id={}&from={}&to={month_to}",
        busy.service,
        today + Duration::days(1)
    );
    // Bookings start 40 days ahead, past the history's month, one distinct start each.
    let first_start = (today + Duration::days(40)).and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
    let mut runs = Vec::new();
    // `BENCH_RUNS=booking` (a comma-separated list of name parts) runs only matching runs.
    let wanted = std::env::var("BENCH_RUNS").unwrap_or_default();
    let mut run = |name: &str, connections: u32, url: &str, script: wrk::Script| {
        if !wanted.is_empty() && !wanted.split(',').any(|w| name.contains(w.trim())) {
            return;
        }
        let before = cpu::Sample::now(pid);
        let seconds = if name.starts_with("booking") { BOOKING_SECONDS } else { SECONDS };
        let mut r = wrk::run(name, connections, seconds, url, &script);
        r.cpu = Some(cpu::PerRequest::between(before, cpu::Sample::now(pid), r.requests));
        println!("{}", r.line());
        if r.non_2xx > 0 && name.starts_with("booking") {
            println!(
                "  WARNING: {} of {:.0} answers not 2xx: the ratios below count the 2xx ones",
                r.non_2xx, r.requests
            );
        }
        runs.push(r);
    };
    println!(
        "\n{backend:?}: {written} bookings of history in busy-practice; idle RSS {} MiB",
        idle_kib / 1024
    );
    run("healthz", CONNECTIONS, &format!("{}/healthz", server.base), wrk::Script::get(None));
    run(
        "public org",
        CONNECTIONS,
        &format!("{}/api/v1/public/orgs/{}", server.base, busy.slug),
        wrk::Script::get(None),
    );
    for c in [1, CONNECTIONS] {
        run(&format!("availability practitioner-week c={c}"), c, &week, wrk::Script::get(Some(auth(&busy))));
        run(&format!("availability service-month c={c}"), c, &month, wrk::Script::get(Some(auth(&busy))));
    }
    let book = |org: &Org, first: i64| wrk::Script::book(&auth(org), &org.service, first);
    // Each booking run from the same steady state (the one before wrote ~10k bookings).
    // In turn with the raw insert, each round into an org of its own; the raw insert runs
    // with the server up and idle.
    let mut rounds = Vec::new();
    for (round, empty) in empties.iter().enumerate() {
        let name = format!("booking, empty org #{}", round + 1);
        history::settle(&db).await;
        run(&name, CONNECTIONS, &format!("{org_api}/bookings"), book(empty, first_start));
        history::settle(&db).await;
        let (before, rows_before) = (cpu::Sample::now(pid), history::raw_rows(&db).await);
        let raw = history::raw_insert_rate(&db, &busy.slug, CONNECTIONS).await;
        let rows = (history::raw_rows(&db).await - rows_before) as f64;
        let raw_cpu = cpu::PerRequest::between(before, cpu::Sample::now(pid), rows);
        println!(
            "  {:<38} {raw:>8.0} rows/s ({})\n  {:<38} {}",
            format!("raw insert #{}", round + 1),
            history::raw_tool(backend),
            "",
            raw_cpu.line()
        );
        rounds.push((name, raw, raw_cpu));
    }
    history::settle(&db).await;
    run("booking, 100k history", CONNECTIONS, &format!("{org_api}/bookings"), book(&busy, first_start));
    let peak_kib = memory_kib(pid, "VmHWM");
    drop(server);
    // Booking rates count answered bookings only: a run that outruns its service's window
    // (730 days of 28 starts) gets fast 422s, which must not count as bookings.
    let rate = |name: &str| {
        let good = |r: &wrk::Result| r.rate * (r.requests - r.non_2xx as f64).max(0.0) / r.requests.max(1.0);
        runs.iter().find(|r| r.name == name).map_or(0.0, good)
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let ratios: Vec<f64> = rounds.iter().map(|(name, raw, _)| rate(name) / raw).collect();
    let book_empty = median(rounds.iter().map(|(name, _, _)| rate(name)).collect());
    let raw = median(rounds.iter().map(|r| r.1).collect());
    let book_busy = rate("booking, 100k history");
    let percent = |v: &[f64]| v.iter().map(|r| format!("{:.0}%", 100.0 * r)).collect::<Vec<_>>().join(", ");
    println!(
        "booking ÷ raw insert ({}), round by round: {}; median {:.0}%\n\
         booking with 100k history ÷ median raw insert {:.0}%; history ÷ median empty {:.0}%; peak RSS {} MiB",
        history::raw_tool(backend),
        percent(&ratios),
        100.0 * median(ratios.clone()),
        100.0 * book_busy / raw,
        100.0 * book_busy / book_empty,
        peak_kib / 1024,
    );
    json!({
        "backend": format!("{backend:?}"),
        "history_bookings": written,
        "runs": runs.iter().map(wrk::Result::json).collect::<Vec<_>>(),
        "raw_insert_tool": history::raw_tool(backend),
        "raw_insert_rounds": rounds.iter().map(|(_, raw, cpu)| json!({
            "rows_per_s": raw, "cpu_per_row": cpu.json() })).collect::<Vec<_>>(),
        "raw_insert_rows_per_s": raw,
        "booking_over_raw_insert_rounds": ratios,
        "booking_over_raw_insert": median(ratios.clone()),
        "booking_with_history_over_raw_insert": book_busy / raw,
        "booking_with_history_over_empty": book_busy / book_empty,
        "rss_idle_mib": idle_kib / 1024,
        "rss_peak_mib": peak_kib / 1024,
    })
}

#[tokio::main]
async fn main() {
    wrk::require_tools();
    let today = Utc::now().date_naive();
    let mut results = Vec::new();
    // `BENCH_BACKENDS=postgres` (or `sqlite`) runs one backend only.
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_default().to_lowercase();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if only.is_empty() || only.contains(&format!("{backend:?}").to_lowercase()) {
            results.push(bench(backend, today).await);
        }
    }
    let commit = Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok();
    let commit = commit.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_default();
    let report = json!({ "commit": commit, "date": Utc::now(), "connections": CONNECTIONS,
        "seconds_per_run": SECONDS, "seconds_per_booking_run": BOOKING_SECONDS, "results": results });
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("load.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("\nwritten to {}", path.display());
}
