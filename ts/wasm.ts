/**
 * The WebAssembly backend, in Node and in browsers.
 *
 * Threaded build (where SharedArrayBuffer is available): one shared `WebAssembly.Memory`; this
 * thread instantiates the module for the synchronous calls (summary, columns, dump); n "pool"
 * workers instantiate it on the same memory and become rayon's threads; one "driver" worker runs
 * what blocks on the pool (load, statistics), so the calling thread never waits. Columns are
 * typed-array views over the shared memory (no copy).
 *
 * Single-threaded build (pages without cross-origin isolation): one instance on this thread;
 * columns are copied, since a non-shared memory's buffer is detached when it grows.
 *
 * Where the builds' files are and how a worker starts differ between Node and browsers (and
 * bundlers): a `WasmHost` says it (wasm-host-node.ts, wasm-host-browser.ts).
 */
import { checkWasmFileSize } from "./filesize.js";
import type { Backend, Handle, StatResult, Summary, TypedArray, TreeCursor, VariantCursor } from "./backend.js";
import type { StatArgs } from "./stats.js";
import { typedArrayFor } from "./backend.js";
import { toTreeSeqError, TreeSeqError } from "./errors.js";
import { nextMessage, type WorkerLike } from "./workers.js";

const INITIAL_PAGES = 256; // 16 MiB; grows as needed
const MAX_PAGES = 65536; // 4 GiB, as linked (--max-memory)

export type BuildName = "wasm-threads" | "wasm-st";

/** What differs between Node and browsers: where a build's files are, and how its workers start. */
export interface WasmHost {
  /** Whether the threaded build can run here (SharedArrayBuffer, cross-origin isolation). */
  threadedSupported(): boolean;
  /** The build's glue module (wasm-bindgen's, made a factory by scripts/glue-factory.mjs). */
  glue(build: BuildName): Promise<{ createGlue(): any }>;
  /** The build's compiled module; a TreeSeqError naming the file or URL when it cannot be had. */
  compile(build: BuildName): Promise<WebAssembly.Module>;
  /** Starts a worker of the build; `where` names its file or URL in errors. */
  spawn(build: BuildName): { worker: WorkerLike; where: string };
}

/** Calls into the driver worker, one promise per request. */
class Driver {
  private next = 1;
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  broken: string | null = null;
  constructor(private w: WorkerLike) {
    w.onMessage((m) => {
      if (m?.type !== "reply") return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.setKeepAlive(false);
      if (m.ok) p.resolve(m.value);
      else {
        if (m.trap) this.broken = m.error;
        p.reject(toTreeSeqError(new Error(m.error)));
      }
    });
    // A worker that dies leaves no call pending: each is rejected with what happened.
    w.onError((e) => {
      this.broken = e.message;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      w.setKeepAlive(false);
      for (const p of waiting) p.reject(e);
    });
    w.setKeepAlive(false);
  }
  call(msg: Record<string, unknown>, transfer: Transferable[] = []): Promise<any> {
    if (this.broken) {
      return Promise.reject(new TreeSeqError("INTERNAL", `the WebAssembly instance trapped earlier (${this.broken}); call init() again`));
    }
    const id = this.next++;
    this.w.setKeepAlive(true);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.w.post({ ...msg, id }, transfer);
    });
  }
}

class WasmHandle implements Handle {
  /** `remote`: the id of this file's copy in the single-threaded build's stats worker. */
  constructor(private backend: WasmBackend, private ts: any | null, private remote: number | null = null) {}
  private get t(): any {
    if (!this.ts) throw new Error("TREESEQ:DISPOSED:this tree sequence was disposed");
    return this.ts;
  }
  summary(): Summary { return this.backend.call(() => JSON.parse(this.t.summary())); }
  samples(): Int32Array { return this.backend.call(() => this.t.samples()); }
  breakpoints(): Float64Array { return this.backend.call(() => this.t.breakpoints()); }
  column(key: string): TypedArray {
    return this.backend.call(() => {
      const d = JSON.parse(this.t.column(key));
      const view = typedArrayFor(d.dtype, this.backend.memory.buffer, d.ptr, d.length);
      return this.backend.threaded ? view : view.slice();
    });
  }
  dump(): Uint8Array { return this.backend.call(() => this.t.dump()); }
  treeCursor(): TreeCursor { return this.backend.call(() => new WasmTreeCursor(this.backend, this.t.tree_cursor(), this.summary().numNodes)); }
  variantCursor(): VariantCursor { return this.backend.call(() => new WasmVariantCursor(this.backend, this.t.variant_cursor(), this.summary().numSamples)); }
  async compute(method: string, args: StatArgs): Promise<StatResult> {
    // The arrays are the caller's own copies (see toKwargs): moved to the worker, not copied.
    const msg = { method, kwargs: args.json, i32s: args.i32s, f64s: args.f64s };
    const transfer = [args.i32s.buffer, args.f64s.buffer];
    let flat: Float64Array;
    const driver = this.backend.driver!;
    if (this.backend.threaded) {
      const ptr = this.backend.call(() => this.t.acquire());
      try {
        flat = await driver.call({ op: "compute", ptr, ...msg }, transfer);
      } finally {
        this.backend.glue.release(ptr);
      }
    } else {
      this.t; // throws DISPOSED after dispose()
      flat = await driver.call({ op: "compute", handle: this.remote, ...msg }, transfer);
    }
    const ndim = flat[0];
    const shape = Array.from(flat.subarray(1, 1 + ndim));
    return { data: flat.slice(1 + ndim), shape };
  }
  free(): void {
    if (this.ts) this.ts.free();
    if (this.remote !== null) void this.backend.driver?.call({ op: "free", handle: this.remote }).catch(() => {});
    this.ts = null;
    this.remote = null;
  }
}

/**
 * Views over this instance's memory by address. A shared memory's buffer only ever grows, so
 * views stay valid; a non-shared one is replaced when it grows, so views are re-made then.
 */
class Views {
  private buffer: ArrayBufferLike | null = null;
  private cache = new Map<string, TypedArray>();
  constructor(private memory: WebAssembly.Memory) {}
  get(key: string, make: (buffer: ArrayBufferLike) => TypedArray): any {
    if (this.memory.buffer !== this.buffer) {
      this.buffer = this.memory.buffer;
      this.cache.clear();
    }
    let v = this.cache.get(key);
    if (!v) {
      v = make(this.buffer);
      this.cache.set(key, v);
    }
    return v;
  }
}

class WasmTreeCursor implements TreeCursor {
  private views: Views;
  constructor(private backend: WasmBackend, private c: any, private numNodes: number) {
    this.views = new Views(backend.memory);
  }
  step(how: "first" | "last" | "next" | "prev"): boolean { return this.backend.call(() => this.c.step(how)); }
  seek(position: number): void { this.backend.call(() => this.c.seek(position)); }
  seekIndex(index: number): void { this.backend.call(() => this.c.seek_index(index)); }
  state(): Float64Array {
    return this.views.get("state", (b) => new Float64Array(b, this.c.state_ptr(), 8));
  }
  array(name: string): Int32Array {
    return this.views.get(name, (b) => new Int32Array(b, this.backend.call(() => this.c.array_ptr(name)), this.numNodes + 1));
  }
  preorder(): Int32Array { return Int32Array.from(this.c.preorder()); }
  postorder(): Int32Array { return Int32Array.from(this.c.postorder()); }
  mrca(u: number, v: number): number { return this.backend.call(() => this.c.mrca(u, v)); }
  tmrca(u: number, v: number): number { return this.backend.call(() => this.c.tmrca(u, v)); }
  free(): void { this.c.free(); }
}

class WasmVariantCursor implements VariantCursor {
  private views: Views;
  private numSamples: number;
  constructor(private backend: WasmBackend, private c: any, numSamples: number) {
    this.views = new Views(backend.memory);
    this.numSamples = numSamples;
  }
  next(): boolean { return this.backend.call(() => this.c.next()); }
  decode(site: number): void { this.backend.call(() => this.c.decode(site)); }
  state(): Float64Array {
    return this.views.get("state", (b) => new Float64Array(b, this.c.state_ptr(), 4));
  }
  allelesJson(): string { return this.c.alleles(); }
  genotypes(): Int32Array {
    return this.views.get("genotypes", (b) => new Int32Array(b, this.c.genotypes_ptr(), this.numSamples));
  }
  free(): void { this.c.free(); }
}

/**
 * One instance per build per process: the module, its memory and the driver worker are made
 * once; `init()` with another thread count only replaces the rayon pool (and the pool's
 * workers) on the same memory. An instance that trapped is replaced by a fresh one, with a
 * fresh copy of the glue (`createGlue`).
 */
interface Instance {
  glue: any;
  memory: WebAssembly.Memory;
  build: BuildName;
  module: WebAssembly.Module;
  driver: Driver | null;
  pool: WorkerLike[];
  threads: number;
  /** Set when the instance trapped (a Rust panic aborts): it is never called again. */
  broken: string | null;
}

const instances = new Map<BuildName, Promise<Instance>>();

async function instantiate(host: WasmHost, build: BuildName): Promise<Instance> {
  const [factory, module] = await Promise.all([host.glue(build), host.compile(build)]);
  const glue = factory.createGlue();
  let memory: WebAssembly.Memory;
  try {
    if (build === "wasm-st") memory = glue.initSync({ module }).memory;
    else {
      memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
      glue.initSync({ module, memory });
    }
  } catch (e) {
    throw new TreeSeqError("BACKEND_UNAVAILABLE", `the ${build} WebAssembly module did not start: ${(e as Error).message}`);
  }
  const inst: Instance = { glue, memory, build, module, driver: null, pool: [], threads: build === "wasm-st" ? 1 : 0, broken: null };
  // Without shared memory, statistics run on a second instance in a worker (with its own copy
  // of each file), so that they never block the page's main thread.
  inst.driver = new Driver(await startWorker(host, inst, build === "wasm-st" ? "st" : "driver", 0));
  return inst;
}

async function startWorker(host: WasmHost, inst: Instance, role: "pool" | "driver" | "st", setup: number): Promise<WorkerLike> {
  let started: { worker: WorkerLike; where: string };
  try {
    started = host.spawn(inst.build);
  } catch (e) {
    throw e instanceof TreeSeqError ? e : new TreeSeqError("BACKEND_UNAVAILABLE", `the WebAssembly worker did not start: ${(e as Error).message}`);
  }
  const { worker, where } = started;
  const ready = nextMessage(worker, "ready", where);
  const memory = inst.build === "wasm-threads" ? inst.memory : undefined;
  worker.post({ type: "init", role, module: inst.module, memory, setup });
  try {
    await ready;
  } catch (e) {
    worker.terminate();
    throw e;
  }
  worker.setKeepAlive(false);
  return worker;
}

/** Replaces the instance's rayon pool with one of `n` threads. */
async function resizePool(host: WasmHost, inst: Instance, n: number): Promise<void> {
  if (inst.threads === n) return;
  const setup = inst.glue.pool_prepare(n);
  // The pool's workers must be running before the pool is built: a browser does not start
  // a worker while its creator blocks.
  const fresh = await Promise.all(Array.from({ length: n }, () => startWorker(host, inst, "pool", setup)));
  const old = inst.pool;
  const exits = old.map((w) => nextMessage(w, "exit"));
  inst.threads = await inst.driver!.call({ op: "build", setup });
  inst.pool = fresh;
  // The old pool ends once nothing uses it; its workers then return from Rust and say so.
  // Only then are they terminated: stopping a worker inside Rust could leave a lock held.
  void Promise.all(exits).then(() => old.forEach((w) => w.terminate()), () => {});
}

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  private constructor(private inst: Instance, readonly threads: number, readonly version: string, readonly reason: string) {}

  /** Calls into this thread's instance; a trap marks the instance broken for good. */
  call<T>(f: () => T): T {
    const broken = this.inst.broken ?? this.inst.driver?.broken;
    if (broken) {
      throw new TreeSeqError("INTERNAL", `the WebAssembly instance trapped earlier (${broken}); call init() and load again`);
    }
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) this.inst.broken = e.message;
      throw toTreeSeqError(e);
    }
  }

  get glue(): any { return this.inst.glue; }
  get memory(): WebAssembly.Memory { return this.inst.memory; }
  get threaded(): boolean { return this.inst.build === "wasm-threads"; }
  get driver(): Driver | null { return this.inst.driver; }

  /** `singleThreaded` forces the build without atomics (what pages without isolation get). */
  static async create(host: WasmHost, threads: number, version: string, reason: string, singleThreaded = false): Promise<WasmBackend> {
    const threaded = !singleThreaded && host.threadedSupported();
    const key: BuildName = threaded ? "wasm-threads" : "wasm-st";
    let p = instances.get(key);
    if (p) {
      const old = await p.catch(() => null);
      if (!old || old.broken || old.driver?.broken) {
        old?.pool.forEach((w) => w.terminate());
        p = undefined;
      }
    }
    if (!p) {
      p = instantiate(host, key);
      instances.set(key, p);
      p.catch(() => instances.delete(key));
    }
    const inst = await p;
    if (!threaded) return new WasmBackend(inst, 1, version, reason + " (single-threaded build)");
    await resizePool(host, inst, Math.max(1, threads));
    return new WasmBackend(inst, inst.threads, version, reason);
  }

  async load(bytes: Uint8Array): Promise<Handle> {
    checkWasmFileSize(bytes.length, "the file");
    if (this.threaded) {
      const ptr = await this.driver!.call({ op: "load", bytes });
      return new WasmHandle(this, this.glue.WasmTreeSequence.from_acquired(ptr));
    }
    const local = this.call(() => this.glue.load(bytes, false));
    try {
      const remote = await this.driver!.call({ op: "load", bytes });
      return new WasmHandle(this, local, remote);
    } catch (e) {
      local.free();
      throw e;
    }
  }

  async distinctWorkerThreads(tasks: number): Promise<number> {
    return this.driver!.call({ op: "distinct", tasks });
  }

  /** Nothing to free: the instance lives for the process and is shared by later inits. */
  async close(): Promise<void> {}
}
