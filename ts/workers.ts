/**
 * One small interface over Node's worker_threads and the browser's Web Workers, so that the
 * WebAssembly backend spawns its pool the same way in both.
 */

export interface WorkerLike {
  post(msg: unknown, transfer?: Transferable[]): void;
  onMessage(cb: (msg: any) => void): void;
  onError(cb: (err: Error) => void): void;
  /** Lets the process exit while this worker idles (Node); no-op in browsers. */
  setKeepAlive(on: boolean): void;
  terminate(): void;
}

export const isNode = typeof process !== "undefined" && !!process.versions?.node;

export async function spawnWorker(url: URL): Promise<WorkerLike> {
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(url);
    return {
      post: (m, t) => w.postMessage(m, t as any),
      onMessage: (cb) => void w.on("message", cb),
      onError: (cb) => void w.on("error", cb),
      setKeepAlive: (on) => (on ? w.ref() : w.unref()),
      terminate: () => void w.terminate(),
    };
  }
  const w = new Worker(url, { type: "module" });
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (cb) => w.addEventListener("message", (e) => cb((e as MessageEvent).data)),
    onError: (cb) => w.addEventListener("error", (e) => cb(new Error((e as ErrorEvent).message))),
    setKeepAlive: () => {},
    terminate: () => w.terminate(),
  };
}

/** Resolves with the first message of the given type. */
export function nextMessage(w: WorkerLike, type: string): Promise<any> {
  return new Promise((resolve, reject) => {
    w.onMessage((m) => { if (m?.type === type) resolve(m); });
    w.onError(reject);
  });
}

export async function readBytes(url: URL): Promise<Uint8Array> {
  if (isNode && url.protocol === "file:") {
    const { readFile } = await import("node:fs/promises");
    return new Uint8Array(await readFile(url));
  }
  const r = await fetch(url);
  if (!r.ok) throw new Error(`cannot fetch ${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
