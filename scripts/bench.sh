#!/usr/bin/env bash
# npm run bench [FILE] [-- --repeats N --cases a,b --json OUT ...]
# Times treeseq (native and WASM, 1 thread and all threads) against tskit on FILE; see
# scripts/bench.mjs. FILE defaults to ../shared/bench/bench-30k.trees, or else to a tree
# sequence simulated once with msprime into .cache/bench-sim.trees. The singleton_sets cases
# run on .cache/bench-360.trees (made here once); --singleton-sets K sets their number.
# npm run bench -- --render RESULTS.json prints the table of an earlier run (its --json) again.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== bench: %s\n' "$*" >&2; }

if [ "${1:-}" = "--render" ]; then exec node scripts/bench.mjs "$@"; fi

if [ ! -f dist/index.js ] || ! compgen -G 'build/native/*.node' >/dev/null \
   || [ ! -f dist/web/wasm-threads/treeseq_wasm_bg.wasm ]; then
  log "dist/ or build/ missing: setup and build first"
  bash scripts/setup.sh
  bash scripts/build.sh
fi

FILE=""
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then FILE="$1"; shift; fi
if [ -z "$FILE" ]; then
  if [ -f ../shared/bench/bench-30k.trees ]; then
    FILE=../shared/bench/bench-30k.trees
  else
    FILE=.cache/bench-sim.trees
    if [ ! -f "$FILE" ]; then
      log "no ../shared/bench/bench-30k.trees: simulating $FILE with msprime (once)"
      mkdir -p .cache
      python3 scripts/simulate_bench.py "$FILE" 18000 42
    fi
  fi
fi
[ -f "$FILE" ] || { echo "bench: no such file: $FILE" >&2; exit 2; }

# The singleton-set cases' file (bench.mjs --singleton-file): 360 samples over 500 kb, the
# size of file the many-sets cost was reported on; simulated once (a second or two).
if [ ! -f .cache/bench-360.trees ]; then
  log "simulating .cache/bench-360.trees (360 samples, 500 kb) for the singleton_sets cases"
  mkdir -p .cache
  python3 scripts/simulate_bench.py .cache/bench-360.trees 360 42 5e5
fi

exec node scripts/bench.mjs "$FILE" "$@"
