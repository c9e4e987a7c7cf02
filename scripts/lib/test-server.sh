# Sourced by the scripts that test against the real `cadence` binary (schemathesis.sh,
# sdk-test.sh): builds it, starts it on a backend with a fresh database, signs up an owner
# and makes an org API key. The caller sets `work` (a temporary directory) and calls
# `stop_server` / `drop_test_database` (e.g. from its EXIT trap).
#
#   start_server NAME sqlite|postgres   # sets base, server_pid, db_url
#   signup_org [EMAIL [ORG_NAME]]       # a new owner and org; sets session, key, slug
pg_url="${CADENCE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
server_pid=""
pg_db=""

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

build_server() { cargo build --quiet -p cadence-server --bin cadence; }

start_server() {
  local name=$1 backend=$2 port
  case "$backend" in
    sqlite) db_url="sqlite://$work/$name.db" ;;
    postgres)
      pg_db="cadence_${name//-/_}_$$"
      psql "$pg_url" -Atqc "CREATE DATABASE $pg_db" >/dev/null
      db_url="${pg_url%/*}/$pg_db"
      ;;
    *) echo "unknown backend: $backend" >&2; return 2 ;;
  esac
  port=$(free_port)
  base="http://127.0.0.1:$port"
  # Limits far above what the tests send (ORG_RATE_LIMIT lowers the org API's, per minute,
  # for a test of the limit itself). Webhooks may go to this machine (the receivers of the
  # tests), polled often (WEBHOOK_POLL_MS).
  "$target_dir/debug/cadence" serve --addr "127.0.0.1:$port" --database-url "$db_url" --widget-dir "$work" \
    --public-rate-limit 1000000 --booking-rate-limit 1000000 --org-rate-limit "${ORG_RATE_LIMIT:-1000000}" \
    --login-failure-limit 1000000 --webhook-allow-private --webhook-poll-ms "${WEBHOOK_POLL_MS:-200}" \
    >"$work/$name-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start; its log:" >&2
  cat "$work/$name-$backend.log" >&2
  return 1
}

signup_org() {
  local email=${1:-owner@example.com} org_name=${2:-Test Clinic} me
  me=$(curl -fsS "$base/api/v1/auth/signup" -H 'content-type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"test-owner-password\",\"display_name\":\"Owner\",\"org_name\":\"$org_name\",\"timezone\":\"Europe/Berlin\"}")
  session=$(json_field '["token"]' <<<"$me")
  slug=$(json_field '["org"]["slug"]' <<<"$me")
  key=$(curl -fsS "$base/api/v1/api-keys" -H "authorization: Bearer $session" -H 'content-type: application/json' \
    -d '{"name":"tests"}' | json_field '["plain_key"]')
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
  if [ -n "$pg_db" ]; then
    psql "$pg_url" -Atqc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
    pg_db=""
  fi
  return 0
}
