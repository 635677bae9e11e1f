#!/usr/bin/env node
/**
 * A static file server on 127.0.0.1 for the explorer and the browser tests, with the headers
 * that make a page cross-origin isolated (so SharedArrayBuffer and the threaded WebAssembly
 * build are there).
 *
 *   npm run explorer [-- --port N] [-- --no-isolation]
 *
 * serves the built explorer (build/explorer/, made by `npm run build`) and prints its address.
 * Without isolation the page gets the single-threaded build.
 *
 *   node scripts/serve.mjs --root DIR --cors [--port N]
 *
 * serves a folder of .trees files that a page on another origin (the explorer's
 * `?file=http://127.0.0.1:N/x.trees`) may fetch: CORS and CORP headers allow it.
 */
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, extname, normalize, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".trees": "application/octet-stream",
  ".css": "text/css",
  ".map": "application/json",
  ".tsz": "application/octet-stream",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".csv": "text/csv",
};

/**
 * Serves `root` on 127.0.0.1 (`port` 0: any free port); resolves to the server and its URL.
 * `cors`: any origin may fetch the files (Access-Control-Allow-Origin, and
 * Cross-Origin-Resource-Policy for isolated pages that embed them).
 */
export function serve(root, isolated = true, port = 0, { cors = false } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    try {
      const body = await readFile(join(root, path.endsWith("/") ? `${path}index.html` : path));
      const type = path.endsWith("/") ? "text/html" : TYPES[extname(path)];
      const headers = { "Content-Type": type ?? "application/octet-stream", "Cache-Control": "no-store" };
      if (isolated) {
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Embedder-Policy"] = "require-corp";
      }
      if (cors) {
        headers["Access-Control-Allow-Origin"] = "*";
        headers["Cross-Origin-Resource-Policy"] = "cross-origin";
      }
      res.writeHead(200, headers).end(body);
    } catch {
      // With CORS, a page on another origin reads the 404 (and says so) instead of a network error.
      res.writeHead(404, cors ? { "Access-Control-Allow-Origin": "*" } : {}).end("not found");
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const a = server.address();
      resolvePromise({ server, url: `http://127.0.0.1:${a.port}` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Imported only when run: the tests import serve() from here, with no command line to read.
  const { parseScriptArgs } = await import("./script-args.mjs");
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const { port, isolated, dir, cors } = await parseScriptArgs(
    {
      name: "serve.mjs",
      usage: "usage: npm run explorer [-- --port N] [-- --no-isolation]\n       node scripts/serve.mjs --root DIR --cors [--port N]",
      flags: {
        port: { type: "string", value: "N", help: "the port on 127.0.0.1 (default 8080; 0: any free port)" },
        "no-isolation": { type: "boolean", help: "serve without the cross-origin isolation headers (single-threaded WebAssembly)" },
        root: { type: "string", value: "DIR", help: "serve this folder instead of the explorer (build/explorer)" },
        cors: { type: "boolean", help: "let pages on other origins fetch the files (for ?file= in the explorer)" },
      },
      positionals: false,
    },
    ({ values: v }, { integerValue }) => ({
      port: v.port === undefined ? 8080 : integerValue("--port", v.port, 0, 65535),
      isolated: !v["no-isolation"],
      dir: v.root === undefined ? null : resolve(v.root),
      cors: Boolean(v.cors),
    }),
  );
  const explorer = join(root, "build/explorer");
  if (dir === null) {
    const missing = [
      "index.html",
      "explorer.js",
      "treeseq/browser.js",
      "treeseq/web/wasm-threads/treeseq_wasm_bg.wasm",
      "treeseq/web/wasm-st/treeseq_wasm_bg.wasm",
    ].filter((f) => !existsSync(join(explorer, f)));
    if (missing.length) {
      console.error(`missing ${missing.map((f) => `build/explorer/${f}`).join(", ")}: run npm run build first`);
      process.exit(1);
    }
  } else if (!existsSync(dir)) {
    console.error(`--root: ${dir} does not exist`);
    process.exit(1);
  }
  try {
    const { url } = await serve(dir ?? explorer, isolated, port, { cors });
    const how = isolated ? "cross-origin isolated: threaded WebAssembly" : "not isolated: single-threaded WebAssembly";
    if (dir === null) console.log(`treeseq explorer: ${url}/  (${how}; Ctrl-C stops)`);
    else console.log(`serving ${dir}: ${url}/${cors ? " (any origin may fetch)" : ""}  (Ctrl-C stops)`);
  } catch (e) {
    console.error(`cannot listen on 127.0.0.1:${port}: ${e.message} (try --port 0)`);
    process.exit(1);
  }
}
