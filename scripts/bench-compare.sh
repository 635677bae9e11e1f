#!/usr/bin/env bash
# npm run bench:compare -- REV [FILE] [--native-only] [bench.mjs flags ...]
#
# The benchmark of this checkout beside git revision REV (a commit, branch or tag; for a
# change, its parent: HEAD~1, or main), in one run: scripts/bench.mjs --baseline times the
# two in turn, configuration by configuration, for --passes passes (default 3), and prints per
# case and configuration the two medians, their ratio and each pass's ratio, flagging a case
# more than --slower P percent (default 5) slower. FILE as for npm run bench (default
# ../shared/bench/bench-30k.trees).
#
# REV is exported (git archive, no worktree registered) to .cache/bench-baseline/<commit>/ and
# built there, with a copy of this checkout's cargo output as its start (so only the crates
# that differ compile); the build is kept and reused while that directory stays. This checkout
# is built too, the same way, so that neither side is a stale build. The copies take room
# (about 100 MB native, 600 MB with WebAssembly): rm -rf .cache/bench-baseline when done.
#   --native-only   build and time the native addon only (the WebAssembly builds take many
#                   minutes); passes --backends native to bench.mjs
# Other flags go to scripts/bench.mjs unchanged, e.g. --cases diversity_branch,fst_site
# --repeats 3 --one-thread --passes 5 --slower 5. On a busy machine the passes disagree by far
# more than 5% (see "per pass"): more passes of fewer repeats (--passes 9 --repeats 1)
# interleave the two more finely.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
log() { printf '== bench-compare: %s\n' "$*" >&2; }
usage() { echo "usage: npm run bench:compare -- REV [FILE] [--native-only] [bench.mjs flags ...]" >&2; exit 2; }

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; fi
[ $# -ge 1 ] && [[ "$1" != -* ]] || usage
REV=$1; shift
FILE=()
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then FILE=("$1"); shift; fi
NATIVE_ONLY=0
PASS=()
for a in "$@"; do
  if [ "$a" = "--native-only" ]; then NATIVE_ONLY=1; else PASS+=("$a"); fi
done
[ "$NATIVE_ONLY" = 1 ] && PASS+=(--backends native)

SHA=$(git rev-parse --verify --quiet "$REV^{commit}") || { echo "bench-compare: no commit '$REV'" >&2; exit 2; }
BASE=$ROOT/.cache/bench-baseline/$SHA
MODE=$([ "$NATIVE_ONLY" = 1 ] && echo native || echo full)

# What scripts/build.sh builds, in DIR: everything (that checkout's own build.sh), or with
# "native" its native addon and TypeScript only (build.sh's first and last steps).
build() { # $1 = DIR, $2 = full | native
  local dir=$1 mode=$2
  if [ "$mode" = full ]; then
    (cd "$dir" && bash scripts/build.sh > .cache/bench-build.log 2>&1) || { tail -30 "$dir/.cache/bench-build.log"; exit 1; }
    return
  fi
  # The TypeScript declares the WebAssembly glue by re-exporting build/wasm-*/ (tracked
  # ts/web/wasm-*/treeseq_wasm.d.ts), which only a WebAssembly build makes: where REV has
  # none, it takes this checkout's, which the native timings never load.
  local w
  for w in wasm-threads wasm-st; do
    if [ ! -d "$dir/build/$w" ] && [ -d "$ROOT/build/$w" ]; then
      mkdir -p "$dir/build" && cp -a "$ROOT/build/$w" "$dir/build/"
    fi
  done
  (cd "$dir" \
    && npx --no-install napi build --platform --release --package treeseq-node \
      --manifest-path crates/treeseq-node/Cargo.toml --output-dir build/native --no-js \
      --dts ../../build/native/index.d.ts >/dev/null \
    && npx --no-install tsc -p tsconfig.json && node scripts/build-cjs.mjs) > "$dir/.cache/bench-build.log" 2>&1 \
    || { tail -30 "$dir/.cache/bench-build.log"; exit 1; }
}

if [ ! -f "$BASE/.bench-built" ] || { [ "$MODE" = full ] && [ "$(cat "$BASE/.bench-built")" != full ]; }; then
  if [ ! -d "$BASE/crates" ]; then
    log "exporting $REV ($SHA) to $BASE"
    mkdir -p "$BASE"
    git archive "$SHA" | tar -x -C "$BASE"
    mkdir -p "$BASE/target" "$BASE/.cache"
    ln -s "$ROOT/node_modules" "$BASE/node_modules"
  fi
  # This checkout's cargo output as a start, where REV's has none yet: the dependencies are
  # the same, and cargo rebuilds what differs (the crates' paths differ, so nothing of this
  # checkout's is taken for REV's).
  for t in x86_64-unknown-linux-gnu $([ "$MODE" = full ] && echo wasm-threads wasm-st); do
    if [ -d "target/$t" ] && [ ! -d "$BASE/target/$t" ]; then cp -a "target/$t" "$BASE/target/"; fi
  done
  log "building $REV ($MODE) in $BASE (log: $BASE/.cache/bench-build.log)"
  build "$BASE" "$MODE"
  echo "$MODE" > "$BASE/.bench-built"
fi
log "building this checkout ($MODE; log: .cache/bench-build.log)"
mkdir -p .cache
build "$ROOT" "$MODE"

# Byte-identical builds (a change outside the addon, or an A/A run) make every difference in
# the table the machine's noise: say so, it calibrates the reading.
same=()
for f in build/native/*.node dist/web/wasm-threads/treeseq_wasm_bg.wasm dist/web/wasm-st/treeseq_wasm_bg.wasm; do
  [ -f "$f" ] && [ -f "$BASE/$f" ] && cmp -s "$f" "$BASE/$f" && same+=("$f")
done
[ ${#same[@]} -gt 0 ] && log "the same bytes in both checkouts (their differences below are noise): ${same[*]}"

exec bash scripts/bench.sh "${FILE[@]}" --baseline "$BASE" "${PASS[@]}"
