/**
 * The WebAssembly backend, in Node and in browsers.
 *
 * Threaded build (where SharedArrayBuffer is available): one shared `WebAssembly.Memory`; this
 * thread instantiates the module for the synchronous calls (summary, columns, dump); n "pool"
 * workers instantiate it on the same memory and become rayon's threads; one "driver" worker runs
 * what blocks on the pool (load, statistics), so the calling thread never waits.
 *
 * Single-threaded build (pages without cross-origin isolation): one instance on this thread,
 * and one in a worker that computes statistics.
 *
 * In both, columns are copied out of the instance's memory: that memory is reused once a file
 * is disposed, and a view kept past `dispose()` would show another file's data; a copy is
 * detached by `dispose()` instead.
 *
 * A trap (a Rust panic, or a failed allocation: both abort) anywhere, on this thread, in the
 * driver or in a pool worker, retires the instance (`retire`): the call that caused it and all
 * calls queued on it are rejected, its workers are stopped, and the next call gets a fresh one.
 *
 * Where the builds' files are and how a worker starts differ between Node and browsers (and
 * bundlers): a `WasmHost` says it (wasm-host-node.ts, wasm-host-browser.ts).
 */
import { checkWasmFileSize } from "./filesize.js";
import type { Backend, Handle, StatResult, Summary, TypedArray, TreeCursor, VariantCursor } from "./backend.js";
import type { StatArgs } from "./stats.js";
import { typedArrayFor } from "./backend.js";
import { toTreeSeqError, TreeSeqError } from "./errors.js";
import { TREE_STATE, VARIANT_STATE } from "./generated/cursor.js";
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
  /** Set once the instance is retired: every later call is refused with it. */
  private failed: TreeSeqError | null = null;
  /** `onTrap`: the driver's instance trapped (or its worker died), with what happened. */
  constructor(private w: WorkerLike, onTrap: (why: string) => void) {
    w.onMessage((m) => {
      if (m?.type !== "reply") return;
      if (!m.ok && m.trap) {
        // Retiring the instance rejects this call and every one queued behind it.
        onTrap(trapDetail(m.error, m.panic, "the worker that runs loads and statistics"));
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.setKeepAlive(false);
      if (m.ok) p.resolve(m.value);
      else p.reject(toTreeSeqError(new Error(m.error)));
    });
    // A worker that dies leaves no call pending: the instance is retired, rejecting each.
    w.onError((e) => onTrap(e.message));
    w.setKeepAlive(false);
  }
  call(msg: Record<string, unknown>, transfer: Transferable[] = []): Promise<any> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    this.w.setKeepAlive(true);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.w.post({ ...msg, id }, transfer);
    });
  }
  /** Rejects every call in flight or queued with `e`, and stops the worker (it may be blocked
   * inside Rust, waiting on a pool thread that died: it never answers). */
  fail(e: TreeSeqError): void {
    if (this.failed) return;
    this.failed = e;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.w.setKeepAlive(false);
    this.w.terminate();
    for (const p of waiting) p.reject(e);
  }
}

/** What a trap was, for its message: the RuntimeError, where, and the panic's message if a
 * panic caused it (with `panic = "abort"` an abort without one is a failed allocation). */
function trapDetail(error: string, panic: string | null | undefined, where: string): string {
  const cause = panic ? `: ${panic}` :
    /unreachable/.test(error) ? " (an abort with no Rust panic before it: an allocation failed, out of memory)" : "";
  return `${error} in ${where}${cause}`;
}

/** The TreeSeqError a trap rejects its call with. */
function trapError(why: string): TreeSeqError {
  return new TreeSeqError("INTERNAL", `the WebAssembly instance trapped (${why}); it was retired, and the next call ` +
    `starts a fresh one (tree sequences loaded in it must be loaded again)`);
}

/**
 * Calls into this thread's copy of `inst`. A trap retires the instance; an object that lived
 * in a retired instance (a tree sequence, a cursor) is never called again.
 */
function callIn<T>(inst: Instance, f: () => T): T {
  if (inst.broken) {
    throw new TreeSeqError("DISPOSED", `this object lived in a WebAssembly instance that trapped (${inst.broken}) ` +
      `and was retired: load the file again`);
  }
  try {
    return f();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      throw retire(inst, trapDetail(String(e), lastTrap(inst.glue), "this thread's instance"));
    }
    throw toTreeSeqError(e);
  }
}

/** The message of the panic that trapped this memory's instance, if one did. */
function lastTrap(glue: any): string | null {
  try {
    return glue.last_trap?.() ?? null;
  } catch {
    return null;
  }
}

/**
 * Retires an instance that trapped: it is never called again, its workers are stopped, every
 * call in flight or queued on it is rejected, and the next `WasmBackend` call makes a fresh
 * one. Returns the error for the call that caused it.
 */
function retire(inst: Instance, why: string): TreeSeqError {
  const e = trapError(why);
  if (inst.broken) return e;
  inst.broken = why;
  if (current.get(inst.build) === inst) {
    current.delete(inst.build);
    instances.delete(inst.build);
  }
  inst.driver?.fail(e);
  for (const w of inst.pool) w.terminate();
  inst.pool = [];
  return e;
}

class WasmHandle implements Handle {
  /** `remote`: the id of this file's copy in the single-threaded build's stats worker. */
  constructor(private inst: Instance, private ts: any | null, private remote: number | null = null) {}
  private get t(): any {
    if (!this.ts) throw new Error("TREESEQ:DISPOSED:this tree sequence was disposed");
    return this.ts;
  }
  private call<T>(f: () => T): T { return callIn(this.inst, f); }
  summary(): Summary { return this.call(() => JSON.parse(this.t.summary())); }
  samples(): Int32Array { return this.call(() => this.t.samples()); }
  breakpoints(): Float64Array { return this.call(() => this.t.breakpoints()); }
  /** A copy, in memory of its own: a view of the instance's memory kept past `dispose()`
   * would show whatever the memory holds next (another file's data); a copy can be detached. */
  column(key: string): TypedArray {
    return this.call(() => {
      const d = JSON.parse(this.t.column(key));
      return typedArrayFor(d.dtype, this.inst.memory.buffer, d.ptr, d.length).slice();
    });
  }
  dump(): Uint8Array { return this.call(() => this.t.dump()); }
  treeCursor(): TreeCursor {
    return this.call(() => new WasmTreeCursor(this.inst, this.t.tree_cursor(), JSON.parse(this.t.summary()).numNodes));
  }
  variantCursor(optionsJson?: string, numGenotypes?: number): VariantCursor {
    return this.call(() => optionsJson === undefined
      ? new WasmVariantCursor(this.inst, this.t.variant_cursor(), JSON.parse(this.t.summary()).numSamples)
      : new WasmVariantCursor(this.inst, this.t.variant_cursor_with(optionsJson), numGenotypes ?? 0));
  }
  async genotypeMatrix(optionsJson: string): Promise<{ data: Int32Array; shape: number[] }> {
    // Through `compute`: the one way to the pool (genotypes cross as float64, exact).
    const r = await this.compute("genotype_matrix", { json: optionsJson, i32s: new Int32Array(0), f64s: new Float64Array(0) });
    return { data: Int32Array.from(r.data), shape: r.shape };
  }
  async compute(method: string, args: StatArgs): Promise<StatResult> {
    // The arrays are the caller's own copies (see toKwargs): moved to the worker, not copied.
    const msg = { method, kwargs: args.json, i32s: args.i32s, f64s: args.f64s };
    const transfer = [args.i32s.buffer, args.f64s.buffer];
    const inst = this.inst;
    let flat: Float64Array;
    if (inst.build === "wasm-threads") {
      const ptr = this.call(() => this.t.acquire());
      try {
        flat = await inst.driver!.call({ op: "compute", ptr, ...msg }, transfer);
      } finally {
        // A retired instance is not called again, not even to give the reference back.
        if (!inst.broken) inst.glue.release(ptr);
      }
    } else {
      this.call(() => this.t); // throws DISPOSED after dispose() or a trap
      flat = await inst.driver!.call({ op: "compute", handle: this.remote, ...msg }, transfer);
    }
    const ndim = flat[0];
    const shape = Array.from(flat.subarray(1, 1 + ndim));
    return { data: flat.slice(1 + ndim), shape };
  }
  free(): void {
    if (!this.inst.broken) {
      if (this.ts) this.ts.free();
      if (this.remote !== null) void this.inst.driver?.call({ op: "free", handle: this.remote }).catch(() => {});
    }
    this.ts = null;
    this.remote = null;
  }
}

/**
 * Views over this instance's memory by address. A shared memory's buffer only ever grows, so
 * views stay valid; a non-shared one is replaced when it grows, so views are re-made then.
 * Only the cursors use them, behind a Tree or a variant iterator that checks its tree
 * sequence is alive first; nothing hands them to the caller.
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
  constructor(private inst: Instance, private c: any, private numNodes: number) {
    this.views = new Views(inst.memory);
  }
  private call<T>(f: () => T): T { return callIn(this.inst, f); }
  step(how: "first" | "last" | "next" | "prev"): boolean { return this.call(() => this.c.step(how)); }
  seek(position: number): void { this.call(() => this.c.seek(position)); }
  seekIndex(index: number): void { this.call(() => this.c.seek_index(index)); }
  state(): Float64Array {
    return this.views.get("state", (b) => new Float64Array(b, this.call(() => this.c.state_ptr()), TREE_STATE.LEN));
  }
  array(name: string): Int32Array {
    return this.views.get(name, (b) => new Int32Array(b, this.call(() => this.c.array_ptr(name)), this.numNodes + 1));
  }
  mrca(u: number, v: number): number { return this.call(() => this.c.mrca(u, v)); }
  free(): void {
    if (!this.inst.broken && this.c) this.c.free();
    this.c = null;
  }
}

class WasmVariantCursor implements VariantCursor {
  private views: Views;
  /** The genotypes, copied out of the instance's memory into one array reused for every site:
   * what `variants({ copy: false })` hands out, so it never shows memory freed later. */
  private out: Int32Array;
  constructor(private inst: Instance, private c: any, numSamples: number) {
    this.views = new Views(inst.memory);
    this.out = new Int32Array(numSamples);
  }
  private call<T>(f: () => T): T { return callIn(this.inst, f); }
  next(): boolean { return this.call(() => this.c.next()); }
  decode(site: number): void { this.call(() => this.c.decode(site)); }
  state(): Float64Array {
    return this.views.get("state", (b) => new Float64Array(b, this.call(() => this.c.state_ptr()), VARIANT_STATE.LEN));
  }
  allelesJson(): string { return this.call(() => this.c.alleles()); }
  genotypes(): Int32Array {
    const view = this.views.get("genotypes", (b) => new Int32Array(b, this.call(() => this.c.genotypes_ptr()), this.out.length));
    this.out.set(view);
    return this.out;
  }
  free(): void {
    if (!this.inst.broken && this.c) this.c.free();
    this.c = null;
  }
}

/**
 * One instance per build per process: the module, its memory and the driver worker are made
 * once; `init()` with another thread count only replaces the rayon pool (and the pool's
 * workers) on the same memory. An instance that trapped is retired (`retire`), and the next
 * call makes a fresh one, with a fresh copy of the glue (`createGlue`).
 */
interface Instance {
  glue: any;
  memory: WebAssembly.Memory;
  build: BuildName;
  module: WebAssembly.Module;
  driver: Driver | null;
  pool: WorkerLike[];
  threads: number;
  /** Pool resizes, one after another. */
  resizing: Promise<void>;
  /** Why the instance was retired (it trapped): it is never called again. */
  broken: string | null;
}

const instances = new Map<BuildName, Promise<Instance>>();
/** The instance `instances` resolved to, per build, until it is retired. */
const current = new Map<BuildName, Instance>();
/** The memory ceiling asked for, per build: applied to every instance made later too. */
const ceilings = new Map<BuildName, number>();

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
    glue.install_trap_reporting?.();
  } catch (e) {
    throw new TreeSeqError("BACKEND_UNAVAILABLE", `the ${build} WebAssembly module did not start: ${(e as Error).message}`);
  }
  const inst: Instance = {
    glue, memory, build, module, driver: null, pool: [], threads: build === "wasm-st" ? 1 : 0,
    resizing: Promise.resolve(), broken: null,
  };
  // Without shared memory, statistics run on a second instance in a worker (with its own copy
  // of each file), so that they never block the page's main thread.
  const worker = await startWorker(host, inst, build === "wasm-st" ? "st" : "driver", 0);
  inst.driver = new Driver(worker, (why) => void retire(inst, why));
  const ceiling = ceilings.get(build);
  if (ceiling !== undefined) {
    try {
      await applyCeiling(inst, ceiling);
    } catch (e) {
      retire(inst, `its memory ceiling could not be set: ${(e as Error).message}`); // stops its worker
      throw e;
    }
  }
  return inst;
}

/** The build's live instance, made (or remade, after a trap) when there is none. */
async function acquire(host: WasmHost, build: BuildName): Promise<Instance> {
  for (;;) {
    let p = instances.get(build);
    if (!p) {
      const made = instantiate(host, build).then((inst) => (current.set(build, inst), inst));
      p = made;
      instances.set(build, made);
      made.catch(() => { if (instances.get(build) === made) instances.delete(build); });
    }
    const inst = await p;
    if (!inst.broken) return inst;
    if (instances.get(build) === p) instances.delete(build);
  }
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
  if (role === "pool") {
    // A pool thread that traps (a panic or a failed allocation inside a parallel part of a
    // statistic) leaves the driver waiting for it forever: retire the instance instead.
    worker.onMessage((m) => {
      if (m?.type === "trapped") retire(inst, trapDetail(m.error, m.panic, "a worker of the thread pool"));
    });
    worker.onError((e) => void retire(inst, e.message));
  }
  worker.setKeepAlive(false);
  return worker;
}

/** Replaces the instance's rayon pool with one of `n` threads. */
function resizePool(host: WasmHost, inst: Instance, n: number): Promise<void> {
  inst.resizing = inst.resizing.catch(() => {}).then(async () => {
    if (inst.threads === n || inst.broken) return;
    const setup = inst.glue.pool_prepare(n);
    // The pool's workers must be running before the pool is built: a browser does not start
    // a worker while its creator blocks.
    const fresh = await Promise.all(Array.from({ length: n }, () => startWorker(host, inst, "pool", setup)));
    const old = inst.pool;
    const exits = old.map((w) => nextMessage(w, "exit"));
    inst.pool = fresh;
    inst.threads = await inst.driver!.call({ op: "build", setup });
    // The old pool ends once nothing uses it; its workers then return from Rust and say so.
    // Only then are they terminated: stopping a worker inside Rust could leave a lock held.
    void Promise.all(exits).then(() => old.forEach((w) => w.terminate()), () => {});
  });
  return inst.resizing;
}

/** Sets the core's memory ceiling in every memory of the instance (the single-threaded
 * build's worker has a memory of its own). */
async function applyCeiling(inst: Instance, bytes: number): Promise<void> {
  if (typeof inst.glue.set_max_memory !== "function") {
    throw new TreeSeqError("BACKEND_UNAVAILABLE", `init: maxMemory: this ${inst.build} WebAssembly build has no memory ceiling ` +
      `(no set_max_memory export): it is older than this TypeScript; rebuild it`);
  }
  callIn(inst, () => inst.glue.set_max_memory(bytes));
  if (inst.build === "wasm-st") await inst.driver!.call({ op: "maxMemory", bytes });
}

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  private constructor(
    private host: WasmHost, private inst: Instance, readonly threads: number, readonly version: string, readonly reason: string,
  ) {}

  /** The live instance: this one's, or a fresh one (with this backend's pool size) after a trap. */
  private async live(): Promise<Instance> {
    if (!this.inst.broken) return this.inst;
    const inst = await acquire(this.host, this.inst.build);
    if (inst.build === "wasm-threads") await resizePool(this.host, inst, this.threads);
    this.inst = inst;
    return inst;
  }

  /** Whether this backend runs the threaded build (the tests check which build was picked). */
  get threaded(): boolean { return this.inst.build === "wasm-threads"; }

  /** `singleThreaded` forces the build without atomics (what pages without isolation get). */
  static async create(host: WasmHost, threads: number, version: string, reason: string, singleThreaded = false): Promise<WasmBackend> {
    const threaded = !singleThreaded && host.threadedSupported();
    const key: BuildName = threaded ? "wasm-threads" : "wasm-st";
    const inst = await acquire(host, key);
    if (!threaded) return new WasmBackend(host, inst, 1, version, reason + " (single-threaded build)");
    await resizePool(host, inst, Math.max(1, threads));
    return new WasmBackend(host, inst, inst.threads, version, reason);
  }

  async load(bytes: Uint8Array): Promise<Handle> {
    checkWasmFileSize(bytes.length, "the file");
    const inst = await this.live();
    if (inst.build === "wasm-threads") {
      const ptr = await inst.driver!.call({ op: "load", bytes });
      return new WasmHandle(inst, callIn(inst, () => inst.glue.WasmTreeSequence.from_acquired(ptr)));
    }
    const local = callIn(inst, () => inst.glue.load(bytes, false));
    try {
      const remote = await inst.driver!.call({ op: "load", bytes });
      return new WasmHandle(inst, local, remote);
    } catch (e) {
      if (!inst.broken) local.free();
      throw e;
    }
  }

  async distinctWorkerThreads(tasks: number): Promise<number> {
    return (await this.live()).driver!.call({ op: "distinct", tasks });
  }

  /** The core's memory ceiling in bytes (kept for instances made after a trap), or null
   * where this build has none to set. */
  async setMaxMemory(bytes: number): Promise<void> {
    const inst = await this.live();
    await applyCeiling(inst, bytes);
    ceilings.set(inst.build, bytes);
  }

  maxMemory(): number | null {
    const glue = this.inst.broken ? null : this.inst.glue;
    return typeof glue?.max_memory === "function" ? Number(callIn(this.inst, () => glue.max_memory())) : ceilings.get(this.inst.build) ?? null;
  }

  /**
   * @internal For tests: traps on purpose. `kind` "panic" or "oom" (a failed allocation);
   * `where` "pool" (a thread of the pool: a worker, in the threaded build), "driver" (the
   * worker that runs loads and statistics) or "main" (this thread's instance).
   */
  async trapForTests(kind: "panic" | "oom", where: "pool" | "driver" | "main"): Promise<void> {
    // Posted before this returns (when the instance is live), so that calls made next queue behind it.
    const inst = this.inst.broken ? await this.live() : this.inst;
    if (where === "main") callIn(inst, () => inst.glue.trap_in_pool_for_tests(kind, "here"));
    else await inst.driver!.call({ op: "trap", kind, where: where === "pool" ? "pool" : "here" });
  }

  /** Nothing to free: the instance lives for the process and is shared by later inits. */
  async close(): Promise<void> {}
}
