#!/usr/bin/env bash
# The load benchmark (server/benches/load.rs): release binary on SQLite and Postgres,
# driven by wrk, beside pgbench's raw insert rate. Prints a table; writes target/bench/load.json.
# Needs Postgres at CADENCE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v pgbench >/dev/null 2>&1 || missing+=(postgresql)   # Debian ships pgbench with the server package
if [ ${#missing[@]} -gt 0 ]; then
  echo "[bench] installing ${missing[*]} from apt"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo bench -p cadence-server --bench load
