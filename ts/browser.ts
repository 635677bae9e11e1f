/**
 * treeseq for browsers: WebAssembly only; threaded where the page is cross-origin isolated
 * (SharedArrayBuffer available), else the single-threaded build.
 */
import { setPlatform, VERSION, type BackendChoice, type LoadSource } from "./api.js";
import type { Backend } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { checkWasmFileSize } from "./filesize.js";
import { blobSource, responseSource, type ByteSource } from "./sources.js";
import { WasmBackend } from "./wasm.js";
import { browserHost } from "./wasm-host-browser.js";

async function create(choice: BackendChoice, threads: number): Promise<Backend> {
  if (choice === "native") throw new TreeSeqError("BACKEND_UNAVAILABLE", "there is no native backend in a browser");
  const why = browserHost.threadedSupported()
    ? "browser: cross-origin isolated, threaded WebAssembly"
    : "browser: not cross-origin isolated (no SharedArrayBuffer), single-threaded WebAssembly";
  return WasmBackend.create(browserHost, threads, VERSION, why);
}

async function readSource(source: LoadSource): Promise<Uint8Array | ByteSource> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (source instanceof Blob) {
    // Refused by size before a byte is read: the whole file would not fit in WebAssembly.
    checkWasmFileSize(source.size, source instanceof File ? source.name : "the Blob");
    return blobSource(source);
  }
  let r: Response;
  if (source instanceof Response) r = source;
  else if (typeof source === "string" || source instanceof URL) r = await fetch(source);
  else throw new TreeSeqError("BAD_PARAM", "load: source must be a Uint8Array, an ArrayBuffer, a Blob, a Response or a URL");
  if (!r.ok) throw new TreeSeqError("IO", `cannot fetch ${r.url}: HTTP ${r.status}`);
  return responseSource(r);
}

setPlatform({
  defaultThreads: () => Math.max(1, navigator.hardwareConcurrency || 1),
  env: () => undefined,
  create,
  readSource,
});

export * from "./public.js";
