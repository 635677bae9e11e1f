#!/usr/bin/env node
/**
 * Builds the explorer into build/explorer/, a static site with nothing outside it:
 *
 *   index.html, explorer.css    copied from explorer/
 *   explorer.js                 explorer/src bundled by esbuild (one file, no framework)
 *   treeseq/                    the library's browser entry as users get it: dist/'s browser
 *                               modules and dist/web/ (the WebAssembly builds and workers)
 *
 * The explorer imports the library as `../../dist/browser.js` (so that tsc checks it against the
 * library's own declarations); the bundle keeps that import out and points it at
 * `./treeseq/browser.js`, so the page loads the same modules a user of the package does.
 * Run by scripts/build.sh after the TypeScript; needs dist/ (npm run build).
 */
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "build/explorer");
const DIST = join(ROOT, "dist");

if (!existsSync(join(DIST, "browser.js")) || !existsSync(join(DIST, "web"))) {
  console.error("explorer: dist/browser.js or dist/web/ is missing: build the library first (npm run build)");
  process.exit(1);
}

// Types first: the explorer is checked against the library's declarations in dist/.
execFileSync("npx", ["--no-install", "tsc", "-p", join(ROOT, "explorer/tsconfig.json")], { stdio: "inherit", cwd: ROOT });

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [join(ROOT, "explorer/src/main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  outfile: join(OUT, "explorer.js"),
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "treeseq-external",
      setup(b) {
        b.onResolve({ filter: /\/dist\/[\w-]+\.js$/ }, (a) => ({ path: `./treeseq/${a.path.split("/").pop()}`, external: true }));
      },
    },
  ],
});
for (const f of ["index.html", "explorer.css"]) cpSync(join(ROOT, "explorer", f), join(OUT, f));

// The library's browser modules: dist/ without the Node-only modules (the addon's loader, the
// command line), the declarations, the source maps and the CommonJS build.
const NODE_ONLY = new Set(["index.js", "native.js", "cli.js", "cli", "wasm-host-node.js", "node-package.js"]);
cpSync(DIST, join(OUT, "treeseq"), {
  recursive: true,
  filter: (src) => {
    const rel = relative(DIST, src);
    return !NODE_ONLY.has(rel) && !/\.(d\.ts|map|cjs)$/.test(rel);
  },
});
// The library's one dependency in a browser, fzstd (zstd for tszip files): its ES module, which
// index.html's import map names for the library's `import … from "fzstd"`.
mkdirSync(join(OUT, "treeseq/vendor"), { recursive: true });
cpSync(join(ROOT, "node_modules/fzstd/esm/index.mjs"), join(OUT, "treeseq/vendor/fzstd.js"));
console.log(`explorer built: ${OUT}`);
