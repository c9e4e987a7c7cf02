#!/usr/bin/env bash
# Builds the widget and the dashboard, then starts the server on an SQLite file (./cadence.db)
# with the demo org `movela`, printing its booking page URL, the dashboard's URL with the
# owner's log-in (a fresh password on every start) and a fresh demo API key. Notification mails
# are written as .eml files into ./demo-mail (printed too) instead of being sent.
# Extra arguments go to `cadence serve`, e.g. `bash scripts/demo.sh --addr 0.0.0.0:8080`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/install-tools.sh
trunk build --release
trunk build --release --config dashboard/Trunk.toml
exec cargo run --release -p cadence-server --bin cadence -- serve --demo --mail-dir demo-mail "$@"
