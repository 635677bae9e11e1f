#!/usr/bin/env bash
# The main job on the bundled example data: install and build what is missing, then load the
# example tree sequence with both backends and print its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
[ -f dist/cli.js ] && [ -f dist/web/wasm-st/treeseq_wasm_bg.wasm ] && ls build/native/*.node >/dev/null 2>&1 \
  || bash scripts/build.sh >&2
file="${1:-test/fixtures/medium.trees}"
for backend in native wasm; do node dist/cli.js summary "$file" --backend "$backend"; done
