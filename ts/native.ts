/**
 * The native backend: the Node-API addon built from crates/treeseq-node. Loaded with
 * `require` from build/native/; if that fails, `loadNative` says why and the caller falls back.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import type { Backend, Handle, StatResult, Summary, TypedArray } from "./backend.js";
import { typedArrayFor } from "./backend.js";
import { guard, guardAsync } from "./errors.js";

interface NativeTs {
  summary(): string;
  samples(): Int32Array;
  breakpoints(): Float64Array;
  fileBuffer(): ArrayBuffer | null;
  column(key: string): { dtype: string; length: number; inFile: boolean; byteOffset: number; copy?: Uint8Array | null };
  dump(): Uint8Array;
  compute(method: string, kwargsJson: string): Promise<{ data: Float64Array; shape: number[] }>;
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
  compute(method: string, kwargs: Record<string, unknown>): Promise<StatResult> {
    return guardAsync(async () => {
      const r = await this.t.compute(method, JSON.stringify(kwargs));
      return { data: r.data, shape: Array.from(r.shape) };
    });
  }
  free(): void { this.ts = null; this.file = null; }
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
