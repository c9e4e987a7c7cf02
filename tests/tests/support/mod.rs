//! Running the real `cadence` binary from tests.

#![allow(dead_code)]

pub mod axe;
pub mod browser;

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The `cadence` binary cargo built beside this test (target/<profile>/cadence).
pub fn cadence_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let bin = exe.parent().and_then(|deps| deps.parent()).expect("target dir").join("cadence");
    assert!(bin.exists(), "{} missing: build it with `cargo build -p cadence-server`", bin.display());
    bin
}

pub fn cadence(args: &[&str]) -> Command {
    let mut cmd = Command::new(cadence_bin());
    cmd.args(args).env("CADENCE_LOG", "warn").stdin(Stdio::null()).kill_on_drop(true);
    cmd
}

/// A running `cadence serve --demo` and what it printed.
pub struct Demo {
    pub child: Child,
    pub base_url: String,
    pub api_key: String,
    /// The demo owner's dashboard password (`owner@movela.example`), new on every start.
    pub owner_password: String,
    /// Every line the server logged (stderr), as it comes; also echoed to the test's stderr.
    pub log: Arc<Mutex<Vec<String>>>,
}

/// Starts `cadence serve --demo` on a free port against `database_url`, with `extra` flags.
pub async fn start_demo(database_url: &str, extra: &[&str]) -> Demo {
    start_demo_on("127.0.0.1:0", database_url, extra).await
}

/// Starts `cadence serve --demo` on `addr` against `database_url`, with `extra` flags.
pub async fn start_demo_on(addr: &str, database_url: &str, extra: &[&str]) -> Demo {
    start_demo_with_env(addr, database_url, extra, &[]).await
}

/// `start_demo_on` with extra environment variables for the server process.
pub async fn start_demo_with_env(
    addr: &str,
    database_url: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Demo {
    let mut args = vec!["serve", "--demo", "--addr", addr, "--database-url", database_url];
    args.extend_from_slice(extra);
    let mut cmd = cadence(&args);
    cmd.envs(env.iter().copied());
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start cadence");
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
    let kept = log.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = errors.next_line().await {
            eprintln!("{line}");
            kept.lock().unwrap().push(line);
        }
    });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base_url, mut api_key, mut owner_password) = (None, None, None);
    while api_key.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("demo output within 60 s")
            .unwrap()
            .expect("demo printed its booking page and key");
        if let Some(url) = line.trim().strip_prefix("Booking page:") {
            base_url = Some(url.trim().trim_end_matches("/movela").to_owned());
        }
        if let Some(rest) = line.trim().strip_prefix("Dashboard log-in:") {
            owner_password = rest.split_whitespace().nth(2).map(str::to_owned);
        }
        if let Some(rest) = line.trim().strip_prefix("Demo API key:") {
            api_key = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    Demo {
        child,
        base_url: base_url.expect("booking page URL printed"),
        api_key: api_key.unwrap(),
        owner_password: owner_password.expect("dashboard log-in printed"),
        log,
    }
}

/// SIGTERM, then the process must exit 0 by itself.
pub async fn terminate(mut child: Child) {
    stop(&mut child).await;
}

/// `terminate` for a child that stays owned elsewhere.
pub async fn stop(child: &mut Child) {
    let pid = child.id().expect("running").to_string();
    let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
}

/// Open (start, practitioner) pairs of the demo's consultation, at least an hour apart per
/// practitioner, so every one can be booked.
pub async fn bookable(server: &Demo, n: usize) -> (String, Vec<(String, String)>) {
    let base = &server.base_url;
    let services: Value = reqwest::get(format!("{base}/api/v1/public/orgs/movela/services"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let svc =
        services["data"].as_array().unwrap().iter().find(|s| s["name"] == "Initial consultation").unwrap();
    let service = svc["id"].as_str().unwrap().to_owned();
    let today = chrono::Utc::now().date_naive();
    let url = format!(
        "{base}/api/v1/public/orgs/movela/availability?service_id={service}&from={today}&to={}&include=practitioner_ids",
        today + chrono::Duration::days(40)
    );
    let slots: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let mut last: HashMap<String, chrono::DateTime<chrono::Utc>> = HashMap::new();
    let mut pairs = Vec::new();
    for slot in slots["slots"].as_array().unwrap() {
        let start: chrono::DateTime<chrono::Utc> = slot["start"].as_str().unwrap().parse().unwrap();
        for p in slot["practitioner_ids"].as_array().unwrap() {
            let p = p.as_str().unwrap().to_owned();
            if last.get(&p).is_none_or(|prev| start - *prev >= chrono::Duration::minutes(60)) {
                last.insert(p.clone(), start);
                pairs.push((slot["start"].as_str().unwrap().to_owned(), p));
            }
        }
    }
    assert!(pairs.len() >= n, "only {} bookable pairs", pairs.len());
    pairs.truncate(n);
    (service, pairs)
}

/// What a browser downloads of a built web app: the `gzip -9` sizes of the files in `dir`
/// whose names start with one of `prefixes` (printed one by one), summed.
pub fn gzipped_total(dir: &std::path::Path, prefixes: &[&str]) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if prefixes.iter().any(|p| name.starts_with(p)) {
            let out =
                std::process::Command::new("gzip").arg("-9c").arg(&path).output().expect("gzip on PATH");
            assert!(out.status.success());
            let (raw, gz) = (std::fs::metadata(&path).unwrap().len(), out.stdout.len() as u64);
            println!("{name}: {raw} bytes, {gz} gzip");
            total += gz;
        }
    }
    println!("total: {total} bytes gzip");
    total
}
