#!/usr/bin/env bash
# Installs what building the widget and running the browser tests need, pinned, and skips
# whatever is already there (so a warm machine pays nothing):
#   - the wasm32-unknown-unknown target
#   - trunk 0.21.14 (newer trunk needs a newer rustc)
#   - wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock (with it comes
#     wasm-bindgen-test-runner, which runs the widget's browser unit tests)
#   - wasm-opt from binaryen 132 on npm (Debian's binaryen is too old)
#   - terser from npm, which minifies the widget's JS glue (scripts/minify-widget-js.sh)
#   - axe-core from npm (tests/axe, pinned by its package-lock.json), which the browser
#     tests run in the widget's pages
#   - Debian's chromium and chromium-driver, for the browser tests
# Versions live here and in Trunk.toml ([tools]); keep them in step.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
TERSER_VERSION=5.51.2
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '[install-tools] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (takes ~10 minutes once)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install --force "wasm-bindgen-cli@$WASM_BINDGEN_VERSION"
fi

if [ "$(wasm-opt --version 2>/dev/null | cut -d' ' -f3)" != "$BINARYEN_VERSION" ]; then
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  npm install --global --no-fund --no-audit "binaryen@$BINARYEN_VERSION"
fi

if [ "$(terser --version 2>/dev/null)" != "terser $TERSER_VERSION" ]; then
  say "installing terser $TERSER_VERSION from npm (minifies the widget's JS glue)"
  npm install --global --no-fund --no-audit "terser@$TERSER_VERSION"
fi

if [ ! -f tests/axe/node_modules/axe-core/axe.min.js ]; then
  say "installing axe-core for the browser tests (tests/axe, from npm)"
  (cd tests/axe && npm ci --no-audit --no-fund --silent)
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing chromium and chromium-driver (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Both Trunk.toml files must name the same versions, or trunk would try to download its own.
for config in Trunk.toml dashboard/Trunk.toml; do
  grep -q "wasm_bindgen = \"$WASM_BINDGEN_VERSION\"" "$config" || {
    echo "$config [tools] wasm_bindgen must be \"$WASM_BINDGEN_VERSION\" (the version in Cargo.lock)" >&2
    exit 1
  }
done
say "tools ready: $(trunk --version), wasm-bindgen $WASM_BINDGEN_VERSION, wasm-opt $BINARYEN_VERSION"
