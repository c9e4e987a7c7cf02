#!/usr/bin/env bash
# Tests both SDKs as an integrator gets them: the TypeScript package packed by `npm pack` and
# the Python wheel, each installed into a fresh project, run against the real `cadence`
# binary on SQLite and on Postgres (a fresh database each, dropped afterwards). First checks
# that the generated types are current (scripts/sdk-generate.sh --check).
#
#   bash scripts/sdk-test.sh [BACKEND...]   # sqlite, postgres (default: both)
#
# Each suite runs twice per backend: the main suite on a server with no practical rate limit,
# then its rate-limit test on a second server whose org API allows 30 requests a minute.
# Prints one line per run: `[sdk] typescript sqlite: 9 passed, 0 failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '[sdk] %s\n' "$*"; }

source scripts/lib/test-server.sh
work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT

bash scripts/sdk-generate.sh --check
build_server

# TypeScript: the packed artifact in a fresh project, with the tests and their one extra
# dependency (the reference Standard Webhooks library).
say "packing sdk/typescript"
(cd sdk/typescript && npm ci --no-audit --no-fund --silent && npm pack --silent --pack-destination "$work" >/dev/null)
mkdir -p "$work/ts-app"
cp sdk/typescript/test/*.mjs "$work/ts-app/"
swh=$(node -p 'require("./sdk/typescript/package.json").devDependencies.standardwebhooks')
(cd "$work/ts-app" && npm init -y >/dev/null &&
  npm install --no-audit --no-fund --silent "$work"/cadence-client-*.tgz "standardwebhooks@$swh")

# Python: the wheel in a fresh venv, with pytest and the reference Standard Webhooks library.
say "building the sdk/python wheel"
python3 -m venv "$work/py"
"$work/py/bin/pip" install --quiet --disable-pip-version-check build
"$work/py/bin/python" -m build --wheel --outdir "$work/wheel" sdk/python >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; exit 1; }
"$work/py/bin/pip" install --quiet --disable-pip-version-check "$work"/wheel/cadence_client-*.whl \
  -r sdk/python/tests/requirements.txt

failed=0
# Each suite gets its own org (owner, full key, read-only key), so neither sees the other's
# bookings or idempotency keys.
org_env() {
  local readonly_key
  signup_org "$1@example.com" "$1 Clinic"
  readonly_key=$(curl -fsS "$base/api/v1/api-keys" -H "authorization: Bearer $session" -H 'content-type: application/json' \
    -d '{"name":"read only","scopes":["services:read"]}' | json_field '["plain_key"]')
  export CADENCE_BASE_URL="$base" CADENCE_ORG_API_KEY="$key" CADENCE_ORG_SLUG="$slug" CADENCE_READ_ONLY_KEY="$readonly_key"
}

# run_one LABEL SUMMARY DIR CMD...: runs CMD in DIR, prints `[sdk] LABEL: <summary>` and, when
# it fails, its output and the server's errors.
node_summary() { awk '/^# pass /{p=$3} /^# fail /{f=$3} END{printf "%d passed, %d failed", p, f}' "$1"; }
tail_summary() { tail -n 1 "$1"; }
run_one() {
  local label=$1 summary=$2 dir=$3 out status
  shift 3
  out="$work/run-$((++runs)).out"
  set +e
  (cd "$dir" && "$@") >"$out" 2>&1
  status=$?
  set -e
  say "$label: $("$summary" "$out")"
  if [ "$status" -ne 0 ]; then
    cat "$out"
    grep -hE 'ERROR|panicked' "$work"/sdk*.log | tail -n 20 || true
    failed=1
  fi
}
runs=0

run_suites() {
  local backend=$1
  start_server sdk "$backend"
  org_env typescript
  run_one "typescript $backend" node_summary "$work/ts-app" \
    bash -c 'node --test --test-concurrency=1 ./*.test.mjs' 
  org_env python
  run_one "python $backend" tail_summary sdk/python "$work/py/bin/python" -m pytest -q -p no:cacheprovider tests
  stop_server

  # The rate limit, on a second server whose org API allows 30 requests a minute: each
  # suite spends its org's allowance and retries after Retry-After.
  ORG_RATE_LIMIT=30 start_server sdk-limited "$backend"
  export CADENCE_ORG_RATE_LIMIT=30
  org_env typescript
  run_one "typescript $backend rate limit" node_summary "$work/ts-app" node --test ./rate_limit.limited.mjs
  org_env python
  run_one "python $backend rate limit" tail_summary sdk/python \
    "$work/py/bin/python" -m pytest -q -p no:cacheprovider tests/limited_rate_limit.py
  stop_server
}

for backend in ${@:-sqlite postgres}; do
  run_suites "$backend"
done
exit "$failed"
