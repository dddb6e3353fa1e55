#!/bin/sh
# Trunk post_build hook (Trunk.toml): runs in the project root with
# TRUNK_STAGING_DIR set to the build's staging directory.
set -e
# The first screen as static HTML, readable before the wasm arrives.
cargo run --quiet --features prerender --bin prerender -- "$TRUNK_STAGING_DIR/index.html"
# wasm-bindgen's glue minified; updates index.html's integrity hashes.
node scripts/minify-js.mjs
