#!/usr/bin/env bash
# The main job on the bundled example data: install and build what is missing, then summarise
# the example files with both backends and compute statistics over them as one table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
[ -f dist/cli.js ] && [ -f dist/web/wasm-st/treeseq_wasm_bg.wasm ] && ls build/native/*.node >/dev/null 2>&1 \
  || bash scripts/build.sh >&2
# Summaries from both backends, then the batch job: three statistics per population (or pair)
# in four windows over both bundled files, as one table.
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(examples/small.trees test/fixtures/medium.trees)
for backend in native wasm; do node dist/cli.js summary "${files[@]}" --backend "$backend"; done
node dist/cli.js stat "${files[@]}" --stat diversity --stat tajimasD --stat 'fst:{"mode":"branch"}' \
  --sample-sets populations --windows 4 --format tsv
