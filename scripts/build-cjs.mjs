#!/usr/bin/env node
/**
 * dist/index.cjs: treeseq's Node entry as one CommonJS file, for `require("treeseq")` on every
 * Node version `engines` admits (Node 20 cannot `require` an ES module). It is dist/index.js
 * bundled by esbuild; `import.meta.url` becomes this file's URL, so that the package's files
 * (workers, WebAssembly builds, the addon's package) are found as from dist/index.js. Its
 * WebAssembly glue and workers stay ES modules, loaded with `import()`.
 */
import { build } from "esbuild";

await build({
  entryPoints: ["dist/index.js"],
  outfile: "dist/index.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  define: { "import.meta.url": "__treeseq_import_meta_url" },
  banner: { js: 'const __treeseq_import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: true,
  sourcesContent: true,
  logLevel: "warning",
});
