#!/usr/bin/env bash
# Writes what the format gates of scripts/check.sh ask for, over the whole tree: rustfmt
# (rustfmt.toml) on every crate, and Biome's formatting and safe fixes (biome.jsonc) on the
# TypeScript and JavaScript. Then runs the gates again and lists what remains for a person:
# lints without a safe fix, clippy's warnings, broken doc links, type errors.
#
# Run it once after a change that touched many files (it rewrites files: commit first); while
# editing, format only the files you changed (rustfmt FILE, npx biome check --write FILE).
set -uo pipefail
cd "$(dirname "$0")/.."

printf '== format-all: cargo fmt --all\n'
cargo fmt --all || exit 1
printf '== format-all: biome check --write (formatting and safe fixes)\n'
# Exits non-zero while lints without a safe fix remain; they are listed by the check below.
npx --no-install biome check --write --colors=off . >/dev/null 2>&1 || true
printf '== format-all: files changed\n'
git status --short -- . ':!node_modules' || true

printf '\n== format-all: what remains (scripts/check.sh)\n'
bash scripts/check.sh
