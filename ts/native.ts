/**
 * The native backend: the Node-API addon built from crates/treeseq-node. Loaded with
 * `require` from build/native/; if that fails, `loadNative` says why and the caller falls back.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import type { Backend, Handle, StatResult, Summary, TypedArray, TreeCursor, VariantCursor } from "./backend.js";
import type { StatArgs } from "./stats.js";
import { typedArrayFor } from "./backend.js";
import { guard, guardAsync } from "./errors.js";

interface NativeTreeCursorRaw {
  step(how: string): boolean;
  seek(position: number): void;
  seekIndex(index: number): void;
  stateBuffer(): ArrayBuffer;
  arrayBuffer(name: string): ArrayBuffer;
  preorder(): Int32Array;
  postorder(): Int32Array;
  mrca(u: number, v: number): number;
  tmrca(u: number, v: number): number;
}
interface NativeVariantsRaw {
  next(): boolean;
  decode(site: number): void;
  alleles(): string;
  stateBuffer(): ArrayBuffer;
  genotypesBuffer(): ArrayBuffer;
}
interface NativeTs {
  treeCursor(): NativeTreeCursorRaw;
  variantCursor(): NativeVariantsRaw;
  summary(): string;
  samples(): Int32Array;
  breakpoints(): Float64Array;
  fileBuffer(): ArrayBuffer | null;
  column(key: string): { dtype: string; length: number; inFile: boolean; byteOffset: number; copy?: Uint8Array | null };
  dump(): Uint8Array;
  compute(method: string, kwargsJson: string, i32s: Int32Array, f64s: Float64Array): Promise<{ data: Float64Array; shape: number[] }>;
}
interface Addon {
  load(bytes: Uint8Array): Promise<NativeTs>;
  initThreads(n: number): number;
  threads(): number;
  distinctWorkerThreads(tasks: number): number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The addon's file for this platform, named as napi-rs names it (e.g. linux-x64-gnu). */
export function addonPath(): string {
  let abi = "";
  if (process.platform === "linux") {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    abi = report?.header?.glibcVersionRuntime ? "-gnu" : "-musl";
  }
  return join(here, "..", "build", "native", `treeseq.${process.platform}-${process.arch}${abi}.node`);
}

class NativeHandle implements Handle {
  private file: ArrayBuffer | null | undefined;
  constructor(private ts: NativeTs | null) {}
  private get t(): NativeTs {
    if (!this.ts) throw new Error("TREESEQ:DISPOSED:this tree sequence was disposed");
    return this.ts;
  }
  summary(): Summary { return guard(() => JSON.parse(this.t.summary())); }
  samples(): Int32Array { return guard(() => this.t.samples()); }
  breakpoints(): Float64Array { return guard(() => this.t.breakpoints()); }
  column(key: string): TypedArray {
    return guard(() => {
      const d = this.t.column(key);
      if (d.inFile) {
        // One external ArrayBuffer per file: V8 refuses two over the same memory.
        if (this.file === undefined) this.file = this.t.fileBuffer();
        if (this.file) return typedArrayFor(d.dtype, this.file, d.byteOffset, d.length);
      }
      const c = d.copy ?? new Uint8Array(0);
      return typedArrayFor(d.dtype, c.buffer, c.byteOffset, d.length);
    });
  }
  dump(): Uint8Array { return guard(() => new Uint8Array(this.t.dump())); }
  treeCursor(): TreeCursor { return guard(() => new NativeTreeCursor(this.t.treeCursor())); }
  variantCursor(): VariantCursor { return guard(() => new NativeVariantCursor(this.t.variantCursor())); }
  compute(method: string, args: StatArgs): Promise<StatResult> {
    return guardAsync(async () => {
      const r = await this.t.compute(method, args.json, args.i32s, args.f64s);
      return { data: r.data, shape: Array.from(r.shape) };
    });
  }
  free(): void { this.ts = null; this.file = null; }
}

/**
 * The views below are external ArrayBuffers over the cursor's own memory: each is made once
 * (V8 refuses two buffers over the same memory) and kept beside the cursor, never alone.
 */
class NativeTreeCursor implements TreeCursor {
  private stateView: Float64Array;
  private arrays = new Map<string, Int32Array>();
  constructor(private c: NativeTreeCursorRaw) {
    this.stateView = new Float64Array(c.stateBuffer());
  }
  step(how: "first" | "last" | "next" | "prev"): boolean { return guard(() => this.c.step(how)); }
  seek(position: number): void { guard(() => this.c.seek(position)); }
  seekIndex(index: number): void { guard(() => this.c.seekIndex(index)); }
  state(): Float64Array { return this.stateView; }
  array(name: string): Int32Array {
    let a = this.arrays.get(name);
    if (!a) {
      a = new Int32Array(guard(() => this.c.arrayBuffer(name)));
      this.arrays.set(name, a);
    }
    return a;
  }
  preorder(): Int32Array { return this.c.preorder(); }
  postorder(): Int32Array { return this.c.postorder(); }
  mrca(u: number, v: number): number { return guard(() => this.c.mrca(u, v)); }
  tmrca(u: number, v: number): number { return guard(() => this.c.tmrca(u, v)); }
  free(): void { this.arrays.clear(); }
}

class NativeVariantCursor implements VariantCursor {
  private genotypesView: Int32Array | null = null;
  private stateView: Float64Array;
  constructor(private c: NativeVariantsRaw) {
    this.stateView = new Float64Array(c.stateBuffer());
  }
  next(): boolean { return guard(() => this.c.next()); }
  decode(site: number): void { guard(() => this.c.decode(site)); }
  state(): Float64Array { return this.stateView; }
  allelesJson(): string { return this.c.alleles(); }
  genotypes(): Int32Array {
    if (!this.genotypesView) this.genotypesView = new Int32Array(this.c.genotypesBuffer());
    return this.genotypesView;
  }
  free(): void { this.genotypesView = null; }
}

export class NativeBackend implements Backend {
  readonly name = "native" as const;
  constructor(private addon: Addon, readonly threads: number, readonly version: string, readonly reason: string) {}
  async load(bytes: Uint8Array): Promise<Handle> {
    return new NativeHandle(await guardAsync(() => this.addon.load(bytes)));
  }
  async distinctWorkerThreads(tasks: number): Promise<number> {
    return guard(() => this.addon.distinctWorkerThreads(tasks));
  }
  async close(): Promise<void> {}
}

/** Loads the addon and sizes its pool; throws an Error saying why when it cannot. */
export function loadNative(threads: number, version: string, reason: string): NativeBackend {
  const path = addonPath();
  if (!existsSync(path)) throw new Error(`no native addon at ${path} (run \`npm run build\`)`);
  const addon = createRequire(import.meta.url)(path) as Addon;
  const n = addon.initThreads(threads);
  return new NativeBackend(addon, n, version, reason);
}
