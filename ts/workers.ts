/**
 * One small interface over Node's worker_threads and the browser's Web Workers, so that the
 * WebAssembly backend drives its workers the same way in both. How a worker is started
 * differs (wasm-host-node.ts, wasm-host-browser.ts); what is said to it does not.
 *
 * This module imports nothing from Node: it is part of the browser bundle.
 */
import { TreeSeqError } from "./errors.js";

export interface WorkerLike {
  post(msg: unknown, transfer?: Transferable[]): void;
  onMessage(cb: (msg: any) => void): void;
  /** Start-up and uncaught errors, as TreeSeqErrors that name the worker's file. */
  onError(cb: (err: TreeSeqError) => void): void;
  /** Lets the process exit while this worker idles (Node); no-op in browsers. */
  setKeepAlive(on: boolean): void;
  terminate(): void;
}

/** A worker that could not start or died: what failed, and where. */
export function workerFailed(where: string, detail: string): TreeSeqError {
  return new TreeSeqError("BACKEND_UNAVAILABLE", `the WebAssembly worker ${where} failed: ${detail}`);
}

/** Wraps a browser (or Deno) Web Worker. A script that cannot be fetched fires a bare `error`
 * Event with no message: say so instead of passing an empty string on. */
export function wrapWebWorker(w: Worker, where: string): WorkerLike {
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (cb) => w.addEventListener("message", (e) => cb((e as MessageEvent).data)),
    onError: (cb) => {
      w.addEventListener("error", (e) => {
        const ev = e as ErrorEvent;
        e.preventDefault?.();
        cb(
          workerFailed(
            where,
            ev.message || "its script did not load (not found, not served as JavaScript, or blocked by the page's security headers)",
          ),
        );
      });
      w.addEventListener("messageerror", () => cb(workerFailed(where, "a message could not be deserialised")));
    },
    setKeepAlive: () => {},
    terminate: () => w.terminate(),
  };
}

/** Resolves with the first message of the given type; rejects if the worker fails first or
 * reports `{ type: "failed" }` (its start-up threw). */
export function nextMessage(w: WorkerLike, type: string, where = "worker"): Promise<any> {
  return new Promise((resolve, reject) => {
    w.onMessage((m) => {
      if (m?.type === type) resolve(m);
      else if (m?.type === "failed") reject(workerFailed(where, m.error));
    });
    w.onError(reject);
  });
}
