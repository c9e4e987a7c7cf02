//! CPU time spent per request, read from `/proc` around a run: the server process, all
//! `postgres` processes (backends and background workers), and the whole machine. On a
//! shared 2-core machine throughput moves with whatever else runs; CPU time per request
//! moves much less, so it is the figure to compare between commits.

use serde_json::{Value, json};

/// Cumulative CPU time in clock ticks at one instant.
#[derive(Clone, Copy, Default)]
pub struct Sample {
    server: u64,
    postgres: u64,
    machine: u64,
}

/// `utime + stime + cutime + cstime` of a `/proc/PID/stat` line: the process's own time and
/// that of its children once reaped, so Postgres backends that exit during a run (pgbench's)
/// still count, through the postmaster. The command name may contain spaces, so the fields
/// are counted from the closing parenthesis.
fn process_ticks(stat: &str) -> u64 {
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return 0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state (index 0) … utime is field 14 of the line, index 11 here.
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12) + field(13) + field(14)
}

fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| stat.contains("(postgres)"))
        .map(|stat| process_ticks(&stat))
        .sum()
}

/// Busy ticks of the whole machine (all but idle and iowait) from the `cpu` line of `/proc/stat`.
fn machine_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return 0 };
    let values: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    values.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum()
}

impl Sample {
    pub fn now(server_pid: u32) -> Sample {
        let server = std::fs::read_to_string(format!("/proc/{server_pid}/stat")).unwrap_or_default();
        Sample { server: process_ticks(&server), postgres: postgres_ticks(), machine: machine_ticks() }
    }
}

/// Milliseconds of one core per request (or per inserted row) between two samples.
pub struct PerRequest {
    pub server: f64,
    pub postgres: f64,
    pub machine: f64,
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux unless configured otherwise).
fn ticks_per_second() -> f64 {
    let out = std::process::Command::new("getconf").arg("CLK_TCK").output().ok();
    out.and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok()).unwrap_or(100.0)
}

impl PerRequest {
    pub fn between(before: Sample, after: Sample, requests: f64) -> PerRequest {
        let ms = 1000.0 / ticks_per_second() / requests.max(1.0);
        let d = |a: u64, b: u64| a.saturating_sub(b) as f64 * ms;
        PerRequest {
            server: d(after.server, before.server),
            postgres: d(after.postgres, before.postgres),
            machine: d(after.machine, before.machine),
        }
    }

    pub fn line(&self) -> String {
        format!(
            "cpu/req: server {:.3}, postgres {:.3}, machine {:.3} core-ms",
            self.server, self.postgres, self.machine
        )
    }

    pub fn json(&self) -> Value {
        json!({ "server_core_ms": self.server, "postgres_core_ms": self.postgres, "machine_core_ms": self.machine })
    }
}
