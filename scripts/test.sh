#!/usr/bin/env bash
# npm test: installs and builds what is needed, then runs the Rust tests (cargo test) and the
# TypeScript tests (Vitest, both backends, headless Chromium), and ends with one line
# "N passed, N failed" summing both.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache
bash scripts/setup.sh || exit 1
bash scripts/build.sh > .cache/build.log 2>&1 || { tail -40 .cache/build.log; echo "build failed"; exit 1; }

cargo test -p treeseq-core --no-fail-fast 2>&1 | tee .cache/cargo-test.log
cargo_rc=${PIPESTATUS[0]}
npx --no-install vitest run --reporter=default --reporter=json --outputFile=.cache/vitest.json
vitest_rc=$?

node - <<'JS'
const fs = require("fs");
let passed = 0, failed = 0;
for (const m of fs.readFileSync(".cache/cargo-test.log", "utf8").matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
  passed += +m[1]; failed += +m[2];
}
try {
  const v = JSON.parse(fs.readFileSync(".cache/vitest.json", "utf8"));
  passed += v.numPassedTests; failed += v.numFailedTests;
  if (!v.success && v.numFailedTests === 0) failed += 1; // a file that failed to load
} catch { failed += 1; }
console.log(`${passed} passed, ${failed} failed`);
JS
[ "$cargo_rc" = 0 ] && [ "$vitest_rc" = 0 ]
