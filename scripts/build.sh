#!/usr/bin/env bash
# Builds everything treeseq ships: the native addon (napi-rs), the threaded WebAssembly build
# (atomics, workers sharing one memory), the single-threaded WebAssembly build (for pages that
# are not cross-origin isolated), and the TypeScript in dist/. Assumes scripts/setup.sh ran.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\n== %s\n' "$*"; }

# The version is package.json's; its copies (Cargo.toml, ts/api.ts, npm/*) must agree.
node scripts/version.mjs

log "native addon (napi-rs)"
npx --no-install napi build --platform --release --package treeseq-node \
  --manifest-path crates/treeseq-node/Cargo.toml --output-dir build/native --no-js \
  --dts ../../build/native/index.d.ts >/dev/null
ls build/native/*.node

# WebAssembly: Debian's rustc-web (/usr/bin) has the std sources to rebuild std for wasm32;
# rustup's stable toolchain has no wasm32 target here (see ../shared/TOOLCHAIN.md).
wasm_build() { # $1 = out dir name, $2 = RUSTFLAGS
  local out=$1 flags=$2
  PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" CARGO_TARGET_DIR="target/$out" \
    cargo build --release --package treeseq-wasm --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort --config 'profile.release.panic="abort"'
  wasm-bindgen --target web --out-dir "build/$out" \
    "target/$out/wasm32-unknown-unknown/release/treeseq_wasm.wasm"
  rm -f "build/$out/treeseq_wasm_bg.wasm.d.ts"
  node scripts/glue-factory.mjs "build/$out/treeseq_wasm.js"
}

log "WebAssembly, threaded"
# Shared, imported memory up to 4 GiB, and the TLS exports each worker instance needs.
wasm_build wasm-threads "-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128 \
  -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=4294967296 \
  -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
  -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base"

log "WebAssembly, single-threaded"
wasm_build wasm-st "-C target-feature=+bulk-memory,+mutable-globals,+simd128 -C link-arg=--max-memory=4294967296"

log "TypeScript copies of the core's tables (ts/generated/)"
# The statistics' names, options and options types (stats/registry.rs) and the cursors' state
# layout (cursor.rs); committed, and checked fresh by crates/treeseq-core/tests/generated_ts.rs.
cargo run --quiet --package treeseq-core --example generate_ts -- ts/generated

log "TypeScript"
rm -rf dist  # nothing stale may reach the package
npx --no-install tsc -p tsconfig.json
# The WebAssembly builds beside the workers that import them: dist/web/ is self-contained.
for out in wasm-threads wasm-st; do
  mkdir -p "dist/web/$out"
  cp "build/$out/treeseq_wasm.js" "build/$out/treeseq_wasm_bg.wasm" "dist/web/$out/"
done
node scripts/build-cjs.mjs

log "explorer (build/explorer: a static site over dist/'s browser entry)"
node explorer/build.mjs
echo "build done"
