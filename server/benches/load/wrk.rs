//! Driving `wrk` (the load generator) with a Lua script per run, and reading its figures:
//! the script's `done` hook prints one JSON line with the request count, the non-2xx
//! answers and the latency percentiles.

use serde_json::{Value, json};
use std::process::Command;

/// What each connection sends.
pub struct Script(String);

/// The `done` hook every script ends with.
const DONE: &str = r#"
function done(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.bytes, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"#;

impl Script {
    /// The same GET every time, with this `Authorization` header if any.
    pub fn get(authorization: Option<String>) -> Script {
        let header =
            authorization.map(|a| format!("wrk.headers[\"Authorization\"] = \"{a}\"\n")).unwrap_or_default();
        Script(format!("{header}{DONE}"))
    }

    /// `POST /bookings` of the service for any practitioner, each request at its own start:
    /// the 28 half hours of 07:00–21:00 UTC of each day from `first` (a midnight, unix
    /// seconds) in turn; threads interleave their counters.
    pub fn book(authorization: &str, service: &str, first: i64) -> Script {
        Script(format!(
            r#"
local next_thread = 0
function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
function init(args)
  n = 0
end
function request()
  local g = n * 2 + tid
  n = n + 1
  local start = os.date("!%Y-%m-%dT%H:%M:%SZ", {first} + math.floor(g / 28) * 86400 + 25200 + (g % 28) * 1800)
  local body = string.format('{{"service_id":"{service}","start":"%s","customer":{{"name":"Load Test","email":"load%d@example.com"}}}}', start, g)
  return wrk.format("POST", nil, {{["Authorization"] = "{authorization}", ["Content-Type"] = "application/json"}}, body)
end
{DONE}"#
        ))
    }
}

/// One run's figures.
pub struct Result {
    pub name: String,
    pub connections: u32,
    pub rate: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
    pub bytes_per_response: f64,
    pub requests: f64,
    /// CPU time per request, filled in by the caller, which knows the server's pid.
    pub cpu: Option<crate::cpu::PerRequest>,
}

impl Result {
    pub fn line(&self) -> String {
        let cpu = self.cpu.as_ref().map(|c| format!("\n  {:<38} {}", "", c.line())).unwrap_or_default();
        format!(
            "  {:<38} {:>8.0} req/s  p50 {:>7.2}  p95 {:>7.2}  p99 {:>7.2} ms  {:>9.0} B/resp  non-2xx {}{cpu}",
            self.name,
            self.rate,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.bytes_per_response,
            self.non_2xx
        )
    }

    pub fn json(&self) -> Value {
        json!({ "name": self.name, "connections": self.connections, "requests_per_s": self.rate,
            "p50_ms": self.p50_ms, "p95_ms": self.p95_ms, "p99_ms": self.p99_ms,
            "non_2xx": self.non_2xx, "bytes_per_response": self.bytes_per_response,
            "cpu_per_request": self.cpu.as_ref().map(crate::cpu::PerRequest::json) })
    }
}

/// Runs wrk for `seconds` with `connections` on `url`.
pub fn run(name: &str, connections: u32, seconds: u32, url: &str, script: &Script) -> Result {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("script.lua");
    std::fs::write(&path, &script.0).unwrap();
    let threads = connections.min(2);
    let out = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string(), "-d", &format!("{seconds}s")])
        .args(["--timeout", "10s", "-s", path.to_str().unwrap(), url])
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let figures: Value = text
        .lines()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("wrk printed no figures: {text}{}", String::from_utf8_lossy(&out.stderr)));
    let n = |k: &str| figures[k].as_f64().unwrap_or(0.0);
    let requests = n("requests").max(1.0);
    Result {
        name: name.to_owned(),
        connections,
        rate: requests / (n("duration_us") / 1e6),
        p50_ms: n("p50_us") / 1000.0,
        p95_ms: n("p95_us") / 1000.0,
        p99_ms: n("p99_us") / 1000.0,
        non_2xx: (n("non_2xx") + n("socket_errors")) as u64,
        bytes_per_response: n("bytes") / requests,
        requests,
        cpu: None,
    }
}

/// wrk and pgbench must be on PATH (`scripts/bench.sh` installs them).
pub fn require_tools() {
    for tool in ["wrk", "pgbench"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).output();
        assert!(found.is_ok_and(|o| o.status.success()), "{tool} is not on PATH: run scripts/bench.sh");
    }
}
