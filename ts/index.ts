/**
 * treeseq for Node: native addon where it loads, else threaded WebAssembly. The README says
 * what each call does, with examples.
 */
import { availableParallelism } from "node:os";
import { open, readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { loadFrom, setPlatform, VERSION, type BackendChoice, type LoadSource } from "./api.js";
import type { Backend, Handle } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { checkWasmFileSize } from "./filesize.js";
import { isTszip } from "./tszip/trees.js";
import { blobSource, responseSource, type ByteSource } from "./sources.js";
import { loadNative } from "./native.js";
import { WasmBackend } from "./wasm.js";
import { nodeHost } from "./wasm-host-node.js";

async function create(choice: BackendChoice, threads: number): Promise<Backend> {
  if (choice === "wasm") return WasmBackend.create(nodeHost, threads, VERSION, "requested: wasm");
  if (choice === "native") {
    try {
      return loadNative(threads, VERSION, "requested: native");
    } catch (e) {
      throw new TreeSeqError("BACKEND_UNAVAILABLE", `the native addon did not load: ${(e as Error).message}`);
    }
  }
  try {
    return loadNative(threads, VERSION, "auto: the native addon loaded");
  } catch (e) {
    return WasmBackend.create(nodeHost, threads, VERSION, `auto: native addon unavailable (${(e as Error).message}), using WebAssembly`);
  }
}

/** A local path (or file: URL) in `source`, or null. */
function localPath(source: LoadSource): string | null {
  if (source instanceof URL) return source.protocol === "file:" ? fileURLToPath(source) : null;
  if (typeof source !== "string") return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return source;
  return source.toLowerCase().startsWith("file:") ? fileURLToPath(new URL(source)) : null;
}

/**
 * A local file is stat'ed first: WebAssembly refuses one too large for its memory before
 * reading it, and the native backend reads the path itself (any size; no 2 GiB `Buffer`). A
 * tszip file (a zip's first bytes) is left to `load`, which reads and decompresses it.
 */
async function loadLocal(source: LoadSource, backend: Backend): Promise<Handle | null> {
  const path = localPath(source);
  if (path === null) return null;
  let size: number;
  const head = new Uint8Array(4);
  try {
    size = (await stat(path)).size;
    const file = await open(path, "r");
    try {
      await file.read(head, 0, 4, 0);
    } finally {
      await file.close();
    }
  } catch (e) {
    throw new TreeSeqError("IO", `cannot read ${path}: ${(e as Error).message}`);
  }
  if (isTszip(head)) return null;
  if (backend.loadPath) return backend.loadPath(path);
  if (backend.name === "wasm") checkWasmFileSize(size, path);
  return loadFrom(backend, fileSource(path, size, head));
}

/** The file at `path` (`size` bytes, first bytes `head`), read by `read` calls straight into
 * where the backend keeps it (sources.ts). */
function fileSource(path: string, size: number, head: Uint8Array): ByteSource {
  return {
    size,
    head,
    async fill(dst) {
      let at = 0;
      try {
        const file = await open(path, "r");
        try {
          while (at < dst.length) {
            // At most 1 GiB a call: Node reads at most 2 GiB at once.
            const { bytesRead } = await file.read(dst, at, Math.min(dst.length - at, 1 << 30), at);
            if (bytesRead === 0) break;
            at += bytesRead;
          }
        } finally {
          await file.close();
        }
      } catch (e) {
        throw new TreeSeqError("IO", `cannot read ${path}: ${(e as Error).message}`);
      }
      // A file that shrank since stat: what it holds now (the load then says what is wrong).
      return at === dst.length ? null : dst.slice(0, at);
    },
    bytes: () => readLocal(path),
  };
}

async function readLocal(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new TreeSeqError("IO", `cannot read ${path}: ${(e as Error).message}`);
  }
}

async function readSource(source: LoadSource): Promise<Uint8Array | ByteSource> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof source === "string" || source instanceof URL) {
    const url = source instanceof URL ? source : /^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? new URL(source) : null;
    if (url && url.protocol !== "file:") return readRemote(await fetch(url));
    return readLocal(url ? fileURLToPath(url) : (source as string));
  }
  if (typeof Blob !== "undefined" && source instanceof Blob) return blobSource(source);
  if (typeof Response !== "undefined" && source instanceof Response) return readRemote(source);
  throw new TreeSeqError(
    "BAD_PARAM",
    "load: source must be a path, a file: or http(s): URL, a Uint8Array, an ArrayBuffer, a Blob or a Response",
  );
}

function readRemote(r: Response): Promise<Uint8Array | ByteSource> {
  if (!r.ok) throw new TreeSeqError("IO", `cannot fetch ${r.url}: HTTP ${r.status}`);
  return responseSource(r);
}

setPlatform({
  defaultThreads: () => availableParallelism(),
  env: (name) => process.env[name],
  create,
  readSource,
  loadLocal,
});

export * from "./public.js";
