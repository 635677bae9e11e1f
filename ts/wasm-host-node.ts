/**
 * The WebAssembly backend's host in Node: the builds' files are read from the installed
 * package (node-package.ts), and workers are worker_threads started through a small bootstrap
 * that hands the worker entry (dist/web/worker-threads.js or dist/web/worker-st.js) its parent
 * port.
 */
import { Worker } from "node:worker_threads";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TreeSeqError } from "./errors.js";
import { packageRoot } from "./node-package.js";
import { workerFailed, type WorkerLike } from "./workers.js";
import type { BuildName, WasmHost } from "./wasm.js";

/** Run as a CommonJS script (`eval: true`), so that it needs no file of its own. */
const BOOTSTRAP = `
const { parentPort, workerData } = require("node:worker_threads");
globalThis.__treeseqPort = {
  post: (m, t) => parentPort.postMessage(m, t),
  listen: (cb) => parentPort.on("message", cb),
};
import(workerData.entry).catch((e) => parentPort.postMessage({ type: "failed", error: "cannot import " + workerData.entry + ": " + (e && e.message || e) }));
`;

/**
 * The parent's Node flags minus those that would break a worker or do not belong in one: a
 * worker inherits `process.execArgv`, and `--input-type` (from `node -e`) refuses a worker
 * that is not a string, `--test` would run the worker as a test, and loaders or `--require`d
 * modules are the application's, not treeseq's.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const withValue = new Set([
    "-e",
    "--eval",
    "-p",
    "--print",
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "--input-type",
    "--test-reporter",
    "--test-reporter-destination",
    "--watch-path",
    "--test-name-pattern",
    "--test-skip-pattern",
    "--test-shard",
    "--test-concurrency",
  ]);
  const alone =
    /^(-i|--interactive|--test|--test-only|--watch|--watch-preserve-output|--check|-c|--experimental-test-coverage|--experimental-default-type)$/;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith("--") ? a.split("=", 1)[0] : a;
    if (withValue.has(name)) {
      if (!a.includes("=")) i++; // its value is the next argument
      continue;
    }
    if (alone.test(name) || name.startsWith("--test-") || name.startsWith("--experimental-test")) continue;
    out.push(a);
  }
  return out;
}

/** The flags workers are given: `workerExecArgv()`, less those Node refused for a worker. */
let execArgv: string[] | null = null;

/**
 * A worker with the parent's flags (`workerExecArgv`). Node refuses a worker given V8's flags
 * (`--expose-gc`, `--max-old-space-size=N`, `--perf-basic-prof`, ...), which hold for the
 * whole process anyway, with ERR_WORKER_INVALID_EXEC_ARGV naming them: those are dropped,
 * once per process, so that the backend starts under any flags `node` itself accepts.
 */
function newWorker(code: string, options: Omit<ConstructorParameters<typeof Worker>[1] & object, "execArgv">): Worker {
  execArgv ??= workerExecArgv();
  try {
    return new Worker(code, { ...options, execArgv });
  } catch (e) {
    const m = /invalid execArgv flags: (.*)$/.exec((e as Error).message);
    if ((e as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || !m) throw e;
    const refused = new Set(m[1].split(", "));
    execArgv = execArgv.filter((a) => !refused.has(a));
    return new Worker(code, { ...options, execArgv });
  }
}

const file = (...parts: string[]) => join(packageRoot(), "dist", "web", ...parts);
const workerEntry = (build: BuildName) => file(build === "wasm-threads" ? "worker-threads.js" : "worker-st.js");

export const nodeHost: WasmHost = {
  threadedSupported: () => typeof SharedArrayBuffer !== "undefined",

  async glue(build) {
    const path = file(build, "treeseq_wasm.js");
    try {
      return await import(pathToFileURL(path).href);
    } catch (e) {
      throw new TreeSeqError("BACKEND_UNAVAILABLE", `cannot import treeseq's WebAssembly glue ${path}: ${(e as Error).message}`);
    }
  },

  async compile(build) {
    const path = file(build, "treeseq_wasm_bg.wasm");
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw new TreeSeqError("BACKEND_UNAVAILABLE", `cannot read treeseq's WebAssembly build ${path}: ${(e as Error).message}`);
    }
    try {
      return await WebAssembly.compile(bytes as BufferSource);
    } catch (e) {
      throw new TreeSeqError("BACKEND_UNAVAILABLE", `${path} is not a WebAssembly module this Node can compile: ${(e as Error).message}`);
    }
  },

  spawn(build) {
    const entry = pathToFileURL(workerEntry(build)).href;
    const where = workerEntry(build);
    const w = newWorker(BOOTSTRAP, { eval: true, workerData: { entry } });
    let alive = true;
    const worker: WorkerLike = {
      post: (m, t) => w.postMessage(m, t as any),
      onMessage: (cb) => void w.on("message", cb),
      onError: (cb) => {
        w.on("error", (e) => cb(workerFailed(where, e.message)));
        w.on("exit", (code) => {
          if (alive) cb(workerFailed(where, `it exited (code ${code})`));
        });
      },
      setKeepAlive: (on) => (on ? w.ref() : w.unref()),
      terminate: () => {
        alive = false;
        void w.terminate();
      },
    };
    return { worker, where };
  },
};
