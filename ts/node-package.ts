/**
 * Where treeseq's own files are on disk, in Node: the native addon's package, the WebAssembly
 * builds and the worker entry files are read from the installed package, never from the file
 * that is running, since a bundler for Node (esbuild, webpack) may have copied treeseq's
 * JavaScript into a bundle elsewhere.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TreeSeqError } from "./errors.js";

declare const __filename: string | undefined;

/** The running file: `import.meta.url` in ES modules; `__filename` in the CommonJS build
 * (dist/index.cjs) and in CommonJS bundles, where `import.meta` is empty. */
function runningFile(): string {
  const url = import.meta.url;
  if (url) return fileURLToPath(url);
  if (typeof __filename === "string") return __filename;
  return join(process.cwd(), "treeseq");
}

function isTreeseqRoot(dir: string): boolean {
  const pkg = join(dir, "package.json");
  if (!existsSync(pkg)) return false;
  try {
    return JSON.parse(readFileSync(pkg, "utf8")).name === "treeseq" && existsSync(join(dir, "dist"));
  } catch {
    return false;
  }
}

let cached: string | null = null;

/** The treeseq package directory (holding package.json, dist/ and build/). */
export function packageRoot(): string {
  if (cached) return cached;
  const here = dirname(runningFile());
  // Unbundled: this file is <root>/dist/node-package.js (or <root>/dist/index.cjs).
  const beside = resolve(here, "..");
  if (isTreeseqRoot(beside)) return (cached = beside);
  // Bundled: the bundle sits in the user's project; find the installed package from there,
  // then from the working directory.
  for (const from of [join(here, "noop.js"), join(process.cwd(), "noop.js")]) {
    try {
      const root = dirname(createRequire(from).resolve("treeseq/package.json"));
      if (isTreeseqRoot(root)) return (cached = root);
    } catch {
      // not found from here: try the next place
    }
  }
  throw new TreeSeqError(
    "BACKEND_UNAVAILABLE",
    `treeseq's files (its native addon, WebAssembly builds and workers) are not next to ${runningFile()} ` +
      `and no installed treeseq package can be found from there or from ${process.cwd()}: ` +
      "when bundling for Node, keep treeseq external (esbuild: --external:treeseq; webpack: externals) and install it beside the bundle",
  );
}
