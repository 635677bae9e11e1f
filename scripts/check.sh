#!/usr/bin/env bash
# npm run check (also `npm run lint`): the gates .ci/run passes before the tests. Each runs even
# when an earlier one failed, so one run names every problem; the exit status is 1 if any
# failed. Nothing is changed: scripts/format-all.sh writes what the format gates ask for.
#
#   cargo fmt --check           Rust formatting (rustfmt.toml)
#   cargo clippy -D warnings    Rust lints ([workspace.lints] in Cargo.toml, and clippy's own)
#   cargo doc -D warnings       broken or private intra-doc links, malformed doc comments
#   tsc --noEmit                the TypeScript's types (needs build/: the bindings' generated
#                               declarations come from scripts/build.sh)
#   biome ci                    TypeScript/JavaScript formatting and lints (biome.jsonc)
#   scripts/version.mjs         package.json's version, and every copy of it the same
#
# Assumes scripts/setup.sh ran (the Rust toolchain with rustfmt and clippy, node_modules) and,
# for tsc, scripts/build.sh. `--rust` or `--ts` runs only that half.
set -uo pipefail
cd "$(dirname "$0")/.."

only=${1:-}
failed=()
gate() { # $1 = name, then the command
  local name=$1 start rc
  shift
  printf '\n== check: %s\n' "$name"
  start=$(date +%s)
  "$@"
  rc=$?
  printf '== check: %s: %s (%ss)\n' "$name" "$([ $rc = 0 ] && echo ok || echo FAILED)" "$(($(date +%s) - start))"
  [ $rc = 0 ] || failed+=("$name")
}

gate "one version" node scripts/version.mjs
if [ "$only" != --ts ]; then
  # The wasm crate is linted and documented for the host target: its code for wasm32 differs
  # only where `target_feature = "atomics"` selects the thread pool, and the build for wasm32
  # (scripts/build.sh) compiles that with warnings shown.
  gate "cargo fmt --check" cargo fmt --all --check
  gate "cargo clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
  gate "cargo doc" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet
fi
if [ "$only" != --rust ]; then
  if [ -e build/native/index.d.ts ] && [ -e build/wasm-threads/treeseq_wasm.d.ts ] && [ -e build/wasm-st/treeseq_wasm.d.ts ]; then
    gate "tsc --noEmit" npx --no-install tsc -p tsconfig.json --noEmit
  else
    echo "== check: tsc --noEmit needs the bindings' declarations in build/: run npm run build first"
    failed+=("tsc --noEmit (no build/)")
  fi
  gate "biome ci" npx --no-install biome ci --colors=off --diagnostic-level=warn .
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '\n== check: FAILED: %s\n' "${failed[*]}"
  echo "   (scripts/format-all.sh fixes formatting; the rest is for you)"
  exit 1
fi
printf '\n== check: all gates passed\n'
