/**
 * The WebAssembly backend's host in browsers, written for bundlers: every file is named by a
 * literal `new URL("…", import.meta.url)` or `new Worker(new URL("…", import.meta.url),
 * { type: "module" })`, and every glue module by a literal `import("…")`, the patterns that
 * Vite, webpack and Parcel follow (they copy the .wasm, bundle the worker and split the glue
 * into a chunk loaded only when its build is used). Served unbundled, the same URLs are the
 * package's own files. Every file they name is in dist/web/, which is self-contained: a
 * bundler that follows none of these patterns (esbuild) works once that folder is copied
 * next to its bundle. Nothing here imports from Node.
 */
import { TreeSeqError } from "./errors.js";
import { wrapWebWorker } from "./workers.js";
import type { BuildName, WasmHost } from "./wasm.js";

function wasmUrl(build: BuildName): URL {
  return build === "wasm-threads"
    ? new URL("./web/wasm-threads/treeseq_wasm_bg.wasm", import.meta.url)
    : new URL("./web/wasm-st/treeseq_wasm_bg.wasm", import.meta.url);
}

/**
 * Vite's dev server before Vite 8 serves a dependency pre-bundled into node_modules/.vite/deps/,
 * where the URLs above name files that are not there (and get index.html back); the package's
 * own files are served from node_modules/treeseq/dist/. Null where that is not the case.
 */
function outOfViteDeps(url: URL): URL | null {
  const at = url.pathname.indexOf("/node_modules/.vite/deps/");
  if (at < 0) return null;
  const rest = url.pathname.slice(at + "/node_modules/.vite/deps/".length);
  return new URL(`${url.pathname.slice(0, at)}/node_modules/treeseq/dist/${rest}`, url);
}

function unavailable(url: URL | string, why: string): TreeSeqError {
  return new TreeSeqError("BACKEND_UNAVAILABLE", `cannot load treeseq's WebAssembly build ${url}: ${why}`);
}

export const browserHost: WasmHost = {
  threadedSupported: () =>
    typeof SharedArrayBuffer !== "undefined" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false,

  async glue(build) {
    try {
      return build === "wasm-threads" ? await import("./web/wasm-threads/treeseq_wasm.js") : await import("./web/wasm-st/treeseq_wasm.js");
    } catch (e) {
      throw new TreeSeqError("BACKEND_UNAVAILABLE", `cannot import treeseq's ${build} glue module: ${(e as Error).message}`);
    }
  },

  async compile(build) {
    const url = outOfViteDeps(wasmUrl(build)) ?? wasmUrl(build);
    let r: Response;
    try {
      r = await fetch(url);
    } catch (e) {
      throw unavailable(url, `the request failed (${(e as Error).message})`);
    }
    if (!r.ok) {
      throw unavailable(
        url,
        `HTTP ${r.status} ${r.statusText}`.trim() +
          (r.status === 404
            ? ' (a bundler that does not follow new URL("…", import.meta.url), such as esbuild, needs node_modules/treeseq/dist/web copied next to its bundle as web/)'
            : ""),
      );
    }
    try {
      return await WebAssembly.compile(await r.arrayBuffer());
    } catch (e) {
      const type = r.headers.get("Content-Type");
      throw unavailable(url, `what was served (${type ?? "no Content-Type"}) is not WebAssembly: ${(e as Error).message}`);
    }
  },

  spawn(build) {
    const dev = outOfViteDeps(wasmUrl(build));
    if (dev) {
      const url = new URL(build === "wasm-threads" ? "../worker-threads.js" : "../worker-st.js", dev);
      return { worker: wrapWebWorker(new Worker(url, { type: "module" }), url.href), where: url.href };
    }
    if (build === "wasm-threads") {
      const where = "worker-threads.js (treeseq's threaded WebAssembly worker)";
      return { worker: wrapWebWorker(new Worker(new URL("./web/worker-threads.js", import.meta.url), { type: "module" }), where), where };
    }
    const where = "worker-st.js (treeseq's single-threaded WebAssembly worker)";
    return { worker: wrapWebWorker(new Worker(new URL("./web/worker-st.js", import.meta.url), { type: "module" }), where), where };
  },
};
