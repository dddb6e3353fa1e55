#!/bin/sh
# Trunk post_build hook (Trunk.toml): runs in the project root with
# TRUNK_STAGING_DIR set to the build's staging directory.
set -e
# The first screen as static HTML, readable before the wasm arrives: a native
# build, so without the size toolchain's settings for the wasm (./x dist), but
# with the browser's features (index.html's data-cargo-features): the default
# native machine has a ZFS pool the browser's lacks, and the first screen must
# be the browser's.
env -u RUSTUP_TOOLCHAIN -u CARGO_UNSTABLE_BUILD_STD -u CARGO_UNSTABLE_BUILD_STD_FEATURES -u RUSTFLAGS \
    cargo run --quiet --no-default-features --features "prerender,$(sed -n 's/.*data-cargo-features="\([^"]*\)".*/\1/p' index.html)" --bin prerender -- "$TRUNK_STAGING_DIR/index.html"
# wasm-bindgen's glue minified; updates index.html's integrity hashes.
node scripts/minify-js.mjs
# The wasm xz-compressed, and the loader that decompresses it.
node scripts/xz-wasm.mjs
