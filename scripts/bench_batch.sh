#!/usr/bin/env bash
# npm run bench:batch [-- --runs N --cores C --windows W --json OUT]
# The batch benchmark (scripts/bench_batch.mjs): K tree sequences x six statistics on every
# core, one `treeseq stat` run against tskit in a multiprocessing.Pool (scripts/batch_tskit.py).
# The files are simulated once with msprime into .cache/batch/ (scripts/simulate_bench.py: three
# populations, 30,000 samples, 10 Mb, about 22 MB and 90,000 trees each; a few seconds each):
# BATCH_FILES=K (default 8) and BATCH_SAMPLES=N (default 30000) choose others.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '== bench:batch: %s\n' "$*" >&2; }

if [ ! -f dist/cli.js ] || ! compgen -G 'build/native/*.node' >/dev/null; then
  log "dist/ or build/ missing: setup and build first"
  bash scripts/setup.sh
  bash scripts/build.sh
fi

K=${BATCH_FILES:-8}
SAMPLES=${BATCH_SAMPLES:-30000}
mkdir -p .cache/batch
files=()
for i in $(seq 1 "$K"); do
  f=.cache/batch/batch-$SAMPLES-$i.trees
  if [ ! -f "$f" ]; then
    log "simulating $f with msprime (once)"
    python3 scripts/simulate_bench.py "$f" "$SAMPLES" $((100 + i))
  fi
  files+=("$f")
done

exec node scripts/bench_batch.mjs "$@" "${files[@]}"
