#!/usr/bin/env bash
# npm run bench [FILE] [-- --repeats N --cases a,b --json OUT ...]
# Times treeseq (native and WASM, 1 thread and all threads) against tskit on FILE; see
# scripts/bench.mjs. FILE defaults to ../shared/bench/bench-30k.trees, or else to a tree
# sequence simulated once with msprime into .cache/bench-sim.trees.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== bench: %s\n' "$*" >&2; }

if [ ! -f dist/index.js ] || ! compgen -G 'build/native/*.node' >/dev/null \
   || [ ! -f build/wasm-threads/treeseq_wasm_bg.wasm ]; then
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
      python3 - "$FILE" <<'PY'
import sys
import msprime

# Three populations of 3,000 diploids each (18,000 sample nodes), split 2,000 generations ago.
demography = msprime.Demography()
for name in ("A", "B", "C"):
    demography.add_population(name=name, initial_size=10_000)
demography.add_population(name="ANC", initial_size=10_000)
demography.add_population_split(time=2_000, derived=["A", "B", "C"], ancestral="ANC")
ts = msprime.sim_ancestry(
    samples={"A": 3_000, "B": 3_000, "C": 3_000},
    demography=demography,
    sequence_length=1e7,
    recombination_rate=1e-8,
    random_seed=42,
)
ts = msprime.sim_mutations(ts, rate=1e-8, random_seed=43)
tmp = sys.argv[1] + ".tmp"
ts.dump(tmp)
import os
os.replace(tmp, sys.argv[1])
print(f"{ts.num_samples} samples, {ts.num_trees} trees, {ts.num_sites} sites", file=sys.stderr)
PY
    fi
  fi
fi
[ -f "$FILE" ] || { echo "bench: no such file: $FILE" >&2; exit 2; }

exec node scripts/bench.mjs "$FILE" "$@"
