#!/usr/bin/env bash
# Runs every check and test of the repository, as CI does (.ci/run calls this):
# formatting, lints (host and wasm32), the widget and dashboard builds, then unit, HTTP, storage and
# end-to-end tests, each storage/HTTP test on SQLite and on Postgres, schemathesis against
# the OpenAPI document on both backends (scripts/schemathesis.sh), and both SDKs, packed and
# installed into fresh projects, against the real server on both backends
# (scripts/sdk-test.sh, which first checks that their generated types are current).
# Postgres must answer at CADENCE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "tools"
bash scripts/install-tools.sh

step "postgres"
pg_url="${CADENCE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if command -v psql >/dev/null 2>&1; then
  if ! psql "$pg_url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    echo "ERROR: Postgres is required by the test suite and does not answer at $pg_url" >&2
    exit 1
  fi
  echo "Postgres answers at $pg_url"
fi

step "format"
cargo fmt --all -- --check

step "lint"
cargo clippy --workspace --exclude cadence-widget --exclude cadence-dashboard --all-targets -- -D warnings
cargo clippy -p cadence-widget -p cadence-dashboard --target wasm32-unknown-unknown --all-targets -- -D warnings

# Every test run's output goes to one log, for the closing count.
log=$(mktemp)
trap 'rm -f "$log"' EXIT

step "web apps (widget and dashboard)"
trunk build --release
trunk build --release --config dashboard/Trunk.toml
# Pure widget and dashboard logic on the host; what depends on the browser's Intl runs in
# headless Chromium (wasm-bindgen-test-runner through chromedriver, see widget/webdriver.json).
cargo test -p cadence-widget -p cadence-dashboard 2>&1 | tee -a "$log"
WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/widget/webdriver.json" \
  cargo test -p cadence-widget --target wasm32-unknown-unknown 2>&1 | tee -a "$log"

step "tests"
set +e
cargo test --workspace --exclude cadence-widget --exclude cadence-dashboard 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
set -e

step "openapi (schemathesis, both backends)"
set +e
bash scripts/schemathesis.sh 2>&1 | tee -a "$log"
st_status=${PIPESTATUS[0]}
set -e

step "sdks (typescript and python, both backends)"
set +e
bash scripts/sdk-test.sh 2>&1 | tee -a "$log"
sdk_status=${PIPESTATUS[0]}
set -e

# One closing line over every test binary, and the summaries of schemathesis and the SDKs.
grep -E '^\[schemathesis\] .*: =|^\[sdk\] (typescript|python) ' "$log" || true
awk '/^test result:/ { p += $4; f += $6 } END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
[ "$status" -eq 0 ] || exit "$status"
[ "$st_status" -eq 0 ] || exit "$st_status"
exit "$sdk_status"
