#!/usr/bin/env node
/**
 * A static file server on 127.0.0.1 for the browser demo and the browser tests, with the
 * headers that make a page cross-origin isolated (so SharedArrayBuffer and the threaded
 * WebAssembly build are there).
 *
 *   npm run demo [-- --port N] [-- --no-isolation]
 *
 * serves this repository and prints the demo's address (demo/index.html). Without isolation
 * the page gets the single-threaded build. Needs the builds (`npm run build`).
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
};

/** Serves `root` on 127.0.0.1 (`port` 0: any free port); resolves to the server and its URL. */
export function serve(root, isolated = true, port = 0) {
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
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end("not found");
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
  const { port, isolated } = await parseScriptArgs(
    {
      name: "serve.mjs",
      usage: "usage: npm run demo [-- --port N] [-- --no-isolation]",
      flags: {
        port: { type: "string", value: "N", help: "the port on 127.0.0.1 (default 8080; 0: any free port)" },
        "no-isolation": { type: "boolean", help: "serve without the cross-origin isolation headers (single-threaded WebAssembly)" },
      },
      positionals: false,
    },
    ({ values: v }, { integerValue }) => ({
      port: v.port === undefined ? 8080 : integerValue("--port", v.port, 0, 65535),
      isolated: !v["no-isolation"],
    }),
  );
  const missing = ["dist/browser.js", "dist/web/wasm-threads/treeseq_wasm_bg.wasm", "dist/web/wasm-st/treeseq_wasm_bg.wasm"].filter(
    (f) => !existsSync(join(root, f)),
  );
  if (missing.length) {
    console.error(`missing ${missing.join(", ")}: run npm run build first`);
    process.exit(1);
  }
  try {
    const { url } = await serve(root, isolated, port);
    console.log(
      `treeseq demo: ${url}/demo/  (${isolated ? "cross-origin isolated: threaded WebAssembly" : "not isolated: single-threaded WebAssembly"}; Ctrl-C stops)`,
    );
  } catch (e) {
    console.error(`cannot listen on 127.0.0.1:${port}: ${e.message} (try --port 0)`);
    process.exit(1);
  }
}
