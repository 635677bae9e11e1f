#!/usr/bin/env bash
# Copies the built native addons into their platform packages (npm/<triple>/), so that
# `npm pack ./npm/<triple>` or `npm publish ./npm/<triple>` ships them. The platform packages'
# versions must equal the main package's, which pins them exactly in optionalDependencies:
# a mismatch would make npm install the wrong addon or none. Usage:
#   bash scripts/stage-native.sh [DIR]   # DIR holds treeseq.<triple>.node files; default build/native
# A CI matrix puts each runner's treeseq.<triple>.node into one DIR, then runs this once.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:-build/native}
die() { printf 'stage-native: %s\n' "$*" >&2; exit 1; }

# Every platform package must agree with the main package before anything is staged: the same
# version (scripts/version.mjs checks it and its pins), name, file and package fields.
node scripts/version.mjs >/dev/null || exit 1
node - <<'EOF' || exit 1
const fs = require("fs");
const main = JSON.parse(fs.readFileSync("package.json", "utf8"));
const bad = [];
const dirs = fs.readdirSync("npm", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
for (const triple of dirs) {
  const pkg = JSON.parse(fs.readFileSync(`npm/${triple}/package.json`, "utf8"));
  const at = `npm/${triple}/package.json`;
  if (pkg.name !== `treeseq-${triple}`) bad.push(`${at}: name is ${pkg.name}, not treeseq-${triple}`);
  if (pkg.main !== `treeseq.${triple}.node`) bad.push(`${at}: main is ${pkg.main}, not treeseq.${triple}.node`);
  // Fields the main package does not have yet are not compared.
  for (const k of ["license", "author", "repository", "homepage", "bugs", "engines"]) {
    if (main[k] !== undefined && JSON.stringify(pkg[k]) !== JSON.stringify(main[k])) {
      bad.push(`${at}: ${k} differs from package.json's`);
    }
  }
}
if (bad.length) {
  console.error("stage-native: the platform packages disagree with package.json:\n  " + bad.join("\n  "));
  process.exit(1);
}
EOF

[ -d "$src" ] || die "no $src/: the native addon was not built (run \`npm run build\`, or pass the folder holding the CI's treeseq.<triple>.node files)"

# The host's own triple, as ts/native.ts names it: its addon must also load here.
host=$(node -p 'const r = process.platform === "linux" ? (process.report.getReport().header.glibcVersionRuntime ? "-gnu" : "-musl") : process.platform === "win32" ? "-msvc" : ""; `${process.platform}-${process.arch}${r}`')

staged=0
for dir in npm/*/; do
  triple=$(basename "$dir")
  file="treeseq.$triple.node"
  if [ -f "$src/$file" ]; then
    if [ "$triple" = "$host" ]; then
      node -e 'try { require(process.argv[1]) } catch (e) { console.error(e.message); process.exit(1) }' \
        "$(realpath "$src/$file")" || die "$src/$file does not load on this machine ($host): rebuild it"
    fi
    cp -f "$src/$file" "$dir$file"
    echo "staged $dir$file"
    staged=$((staged + 1))
  elif [ -f "$dir$file" ]; then
    echo "kept   $dir$file (an earlier copy: not in $src/)"
  else
    echo "none   $dir (not built here: a CI runner for $triple builds it)"
  fi
done
[ "$staged" -gt 0 ] || die "no treeseq.<triple>.node in $src/ for any of npm/*/: the native addon was not built (run \`npm run build\`)"
echo "stage-native: $staged platform package(s) staged at version $(node -p 'require("./package.json").version')"
