#!/usr/bin/env bash
# Checks that the OpenAPI document tells the truth: schemathesis (PyPI) generates requests
# from GET /api/v1/openapi.json and checks every answer against the document, on SQLite and
# on Postgres (a fresh database, dropped afterwards), with an org API key and a session of
# the same org (schemathesis.toml). Prints one summary line per backend; exits non-zero when
# either run finds a failure.
#
#   bash scripts/schemathesis.sh [BACKEND...]   # sqlite, postgres (default: both)
#
# The venv lives in target/ (shared with the Rust builds, kept between warm CI runs) and is
# installed only when the pinned version is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SCHEMATHESIS_VERSION=4.32.5
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-30}"
pg_url="${CADENCE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
venv="$target_dir/venv-schemathesis"
say() { printf '[schemathesis] %s\n' "$*"; }

if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet -p cadence-server --bin cadence
bin="$target_dir/debug/cadence"

work=$(mktemp -d)
server_pid=""
pg_db=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$pg_db" ] && psql "$pg_url" -Atqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# run BACKEND DATABASE_URL: one schemathesis run against a fresh server; returns its status.
run() {
  local backend=$1 db_url=$2 port base session key status
  port=$(free_port)
  base="http://127.0.0.1:$port"
  # Limits far above what the run sends: the rate limiters are tested elsewhere, and a 429
  # here would only hide answers.
  "$bin" serve --addr "127.0.0.1:$port" --database-url "$db_url" --widget-dir "$work" \
    --public-rate-limit 1000000 --booking-rate-limit 1000000 --org-rate-limit 1000000 \
    --login-failure-limit 1000000 --webhook-allow-private --webhook-poll-ms 60000 \
    >"$work/$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  session=$(curl -fsS "$base/api/v1/auth/signup" -H 'content-type: application/json' \
    -d '{"email":"owner@example.com","password":"schemathesis-owner","display_name":"Owner","org_name":"Schema Check","timezone":"Europe/Berlin"}' |
    json_field '["token"]')
  key=$(curl -fsS "$base/api/v1/api-keys" -H "authorization: Bearer $session" -H 'content-type: application/json' \
    -d '{"name":"schemathesis"}' | json_field '["plain_key"]')
  say "$backend: $base"
  set +e
  CADENCE_KEY="$key" CADENCE_SESSION="$session" "$venv/bin/schemathesis" --config-file schemathesis.toml \
    run "$base/api/v1/openapi.json" --max-examples "$EXAMPLES" --workers 2 --no-color \
    >"$work/$backend.out" 2>&1
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    sed -n '/^=* SUMMARY =*$/,$p' "$work/$backend.out" | grep -v '^$'
  else
    cat "$work/$backend.out"
    grep -E 'ERROR|panicked' "$work/$backend.log" | tail -n 20 || true
  fi
  # schemathesis's own summary line, e.g. "=== 84 passed, 3 skipped in 35.2s ===".
  say "$backend: $(grep -E '^=+ .* in [0-9.]+s =+$' "$work/$backend.out" | tail -n 1)"
  kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
  server_pid=""
  return "$status"
}

failed=0
for backend in "${@:-sqlite postgres}"; do
  for b in $backend; do
    case "$b" in
      sqlite) run sqlite "sqlite://$work/schemathesis.db" || failed=1 ;;
      postgres)
        pg_db="cadence_schemathesis_$$"
        psql "$pg_url" -Atqc "CREATE DATABASE $pg_db" >/dev/null
        run postgres "${pg_url%/*}/$pg_db" || failed=1
        psql "$pg_url" -Atqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
        pg_db=""
        ;;
      *) echo "unknown backend: $b" >&2; exit 2 ;;
    esac
  done
done
exit "$failed"
