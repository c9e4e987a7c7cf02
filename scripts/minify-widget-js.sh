#!/usr/bin/env bash
# trunk post_build hook (Trunk.toml, dashboard/Trunk.toml): minifies the wasm-bindgen JS glue with terser
# (trunk's own minifier cannot parse it) and updates the file's Subresource Integrity hash
# in index.html to match. Release builds only. Saves ~2 KB gzip.
set -euo pipefail
[ "${TRUNK_PROFILE:-}" = release ] || exit 0
cd "$TRUNK_STAGING_DIR"
sri() { printf 'sha384-%s' "$(openssl dgst -sha384 -binary "$1" | openssl base64 -A)"; }
for js in cadence-*.js; do
  before=$(sri "$js")
  grep -qF "$before" index.html || { echo "minify-widget-js: no integrity $before in index.html" >&2; exit 1; }
  terser "$js" --module --compress --mangle --output "$js.min"
  mv "$js.min" "$js"
  sed -i "s|$before|$(sri "$js")|" index.html
done
