/**
 * The native backend: the Node-API addon built from crates/treeseq-node, one file per platform
 * named as napi-rs names them (treeseq.linux-x64-gnu.node). It comes from an explicit path in
 * TREESEQ_NATIVE_ADDON, from the platform package npm installed as treeseq's optional
 * dependency (treeseq-linux-x64-gnu), or from build/native/ in a repository checkout; when none
 * fits, `loadNative` throws an Error that says what was tried and what to do, and the caller
 * falls back to WebAssembly.
 */
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import type { Backend, Handle, StatResult, Summary, TypedArray, TreeCursor, VariantCursor } from "./backend.js";
import type { StatArgs } from "./stats.js";
import { typedArrayFor } from "./backend.js";
import { guard, guardAsync, TreeSeqError } from "./errors.js";
import { packageRoot } from "./node-package.js";

// The addon's declarations as `napi build --dts` generated them (scripts/build.sh): type-only,
// gone from the JavaScript, so the TypeScript is checked against the binding as built.
import type * as addon from "../build/native/index.js";

type NativeTs = addon.NativeTreeSequence;
type NativeTreeCursorRaw = addon.NativeTree;
type NativeVariantsRaw = addon.NativeVariants;
/** The addon's exports; one older than the memory ceiling lacks `setMaxMemory` and `maxMemory`. */
type Addon = Omit<typeof addon, "setMaxMemory" | "maxMemory"> & Partial<Pick<typeof addon, "setMaxMemory" | "maxMemory">>;

/** The platforms that have a prebuilt addon package (npm/<triple>/ in the repository). */
export const PREBUILT_TRIPLES = [
  "linux-x64-gnu",
  "linux-arm64-gnu",
  "linux-x64-musl",
  "darwin-x64",
  "darwin-arm64",
  "win32-x64-msvc",
] as const;

export type Libc = "glibc" | "musl" | null;

/** napi-rs's name for a platform: linux-x64-gnu, linux-x64-musl, darwin-arm64, win32-x64-msvc. */
export function platformTriple(platform: string, arch: string, libc: Libc): string {
  if (platform === "linux") return `linux-${arch}-${libc === "musl" ? "musl" : "gnu"}`;
  if (platform === "win32") return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** The C library this Node runs on: Node's report names glibc's version, and names none on musl. */
export function detectLibc(): Libc {
  if (process.platform !== "linux") return null;
  const report = process.report as { excludeNetwork?: boolean; getReport(): object } | undefined;
  if (!report) return "glibc";
  // A report with network details can wait on DNS for seconds; the header needs none.
  const before = report.excludeNetwork;
  report.excludeNetwork = true;
  try {
    const header = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
    return header?.glibcVersionRuntime ? "glibc" : "musl";
  } finally {
    report.excludeNetwork = before;
  }
}

export function hostTriple(): string {
  return platformTriple(process.platform, process.arch, detectLibc());
}

/** The addon file chosen, and a one-line reason (it ends up in `backendInfo().reason`). */
export interface AddonChoice {
  path: string;
  reason: string;
}

/** What the choice depends on, so that it can be decided without touching this machine. */
export interface AddonSearch {
  triple: string;
  /** The treeseq package directory and its version. */
  root: string;
  version: string;
  /** The root is a repository checkout, not an installed package. */
  checkout: boolean;
  exists(path: string): boolean;
  /** The platform package as resolved from the treeseq package, or null where npm installed none. */
  findPackage(name: string): { dir: string; version: string; main?: string } | null;
}

/** (a) An explicit path wins over everything, and a wrong one is an error, not a reason to guess. */
export function explicitAddon(envPath: string, exists: (path: string) => boolean): AddonChoice {
  const path = resolve(envPath);
  if (!exists(path)) {
    throw new Error(
      `TREESEQ_NATIVE_ADDON is ${envPath}, but there is no file ${path}: point it at a built treeseq.<triple>.node, or unset it`,
    );
  }
  return { path, reason: `TREESEQ_NATIVE_ADDON=${path}` };
}

/** (b) the platform package and (c) build/native/; throws with what was tried and what to do. */
export function chooseAddon(s: AddonSearch): AddonChoice {
  const name = `treeseq-${s.triple}`;
  const tried: string[] = [];
  const miss = (what: string): null => (tried.push(what), null);
  const fromPackage = (): AddonChoice | null => {
    const pkg = s.findPackage(name);
    if (!pkg) return miss(`no package ${name} installed`);
    // The addon and the JavaScript talk through an interface that changes between versions.
    if (pkg.version !== s.version) return miss(`${name} is ${pkg.version}, treeseq is ${s.version}`);
    const path = join(pkg.dir, pkg.main ?? `treeseq.${s.triple}.node`);
    if (!s.exists(path)) return miss(`${name} has no ${path}`);
    return { path, reason: `platform package ${name}@${pkg.version} (${path})` };
  };
  const fromBuild = (): AddonChoice | null => {
    const path = join(s.root, "build", "native", `treeseq.${s.triple}.node`);
    if (!s.exists(path)) return miss(`no ${path}`);
    return { path, reason: s.checkout ? `development build ${path}` : `the addon inside the treeseq package (${path})` };
  };
  // In a checkout, npm also installs the published platform package: the fresh build must win.
  for (const f of s.checkout ? [fromBuild, fromPackage] : [fromPackage, fromBuild]) {
    const choice = f();
    if (choice) return choice;
  }
  const what = `no native addon for ${s.triple} (tried: ${tried.join("; ")})`;
  const fallback = `meanwhile treeseq falls back to WebAssembly with backend "auto"`;
  if ((PREBUILT_TRIPLES as readonly string[]).includes(s.triple)) {
    throw new Error(
      `${what}. npm installed no ${name}@${s.version}, treeseq's optional dependency for this platform: ` +
        `reinstall treeseq without --no-optional / --omit=optional, or with a lockfile written on this platform ` +
        `(npm/cli#4828: remove node_modules and package-lock.json, then npm install), or run \`npm install ${name}@${s.version}\`; ` +
        fallback,
    );
  }
  throw new Error(
    `${what}. treeseq has no prebuilt native addon for ${s.triple} (prebuilt: ${PREBUILT_TRIPLES.join(", ")}); ` +
      `${fallback}. For a native addon, build it from source with cargo and @napi-rs/cli as the "Platforms" section ` +
      `of treeseq's README says, then set TREESEQ_NATIVE_ADDON to the built treeseq.${s.triple}.node`,
  );
}

/** The addon for this machine, and why it was chosen. */
export function findAddon(): AddonChoice {
  const envPath = process.env.TREESEQ_NATIVE_ADDON;
  if (envPath) return explicitAddon(envPath, existsSync);
  const root = packageRoot();
  // Resolved from treeseq's own package.json: that is where npm put its optional dependency.
  const fromRoot = createRequire(join(root, "package.json"));
  return chooseAddon({
    triple: hostTriple(),
    root,
    version: JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version,
    checkout: existsSync(join(root, "crates", "treeseq-node", "Cargo.toml")),
    exists: existsSync,
    findPackage(name) {
      let file: string;
      try {
        file = fromRoot.resolve(`${name}/package.json`);
      } catch {
        return null;
      }
      const pkg = JSON.parse(readFileSync(file, "utf8"));
      return { dir: dirname(file), version: pkg.version, main: pkg.main };
    },
  });
}

class NativeHandle implements Handle {
  private file: ArrayBuffer | null | undefined;
  constructor(
    private ts: NativeTs | null,
    private detach: (b: ArrayBuffer) => void,
  ) {}
  private get t(): NativeTs {
    if (!this.ts) throw new Error("TREESEQ:DISPOSED:this tree sequence was disposed");
    return this.ts;
  }
  summary(): Summary {
    return guard(() => JSON.parse(this.t.summary()));
  }
  samples(): Int32Array {
    return guard(() => this.t.samples());
  }
  breakpoints(): Float64Array {
    return guard(() => this.t.breakpoints());
  }
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
  dump(): Uint8Array {
    return guard(() => new Uint8Array(this.t.dump()));
  }
  treeCursor(): TreeCursor {
    return guard(() => new NativeTreeCursor(this.t.treeCursor(), this.detach));
  }
  variantCursor(optionsJson?: string): VariantCursor {
    return guard(
      () =>
        new NativeVariantCursor(optionsJson === undefined ? this.t.variantCursor() : this.t.variantCursorWith(optionsJson), this.detach),
    );
  }
  genotypeMatrix(optionsJson: string): Promise<{ data: Int32Array; shape: number[] }> {
    return guardAsync(async () => {
      const r = await this.t.genotypeMatrix(optionsJson);
      return { data: r.data, shape: Array.from(r.shape) };
    });
  }
  compute(method: string, args: StatArgs): Promise<StatResult> {
    return guardAsync(async () => {
      const r = await this.t.compute(method, args.json, args.i32s, args.f64s);
      return { data: r.data, shape: Array.from(r.shape) };
    });
  }
  /** Column views kept past this read as empty (the file buffer is detached), not the file;
   * the addon lets the tree sequence's memory go now, not when V8 collects this wrapper. */
  free(): void {
    // The addon detaches the file's buffer itself, then lets its bytes go with the rest.
    this.ts?.free(this.file ?? undefined);
    this.ts = null;
    this.file = null;
  }
}

/**
 * The views below are external ArrayBuffers over the cursor's own memory: each is made once
 * (V8 refuses two buffers over the same memory) and kept beside the cursor, never alone.
 */
class NativeTreeCursor implements TreeCursor {
  private stateView: Float64Array;
  private arrays = new Map<string, Int32Array>();
  constructor(
    private c: NativeTreeCursorRaw,
    private detach: (b: ArrayBuffer) => void,
  ) {
    this.stateView = new Float64Array(c.stateBuffer());
  }
  step(how: "first" | "last" | "next" | "prev"): boolean {
    return guard(() => this.c.step(how));
  }
  seek(position: number): void {
    guard(() => this.c.seek(position));
  }
  seekIndex(index: number): void {
    guard(() => this.c.seekIndex(index));
  }
  state(): Float64Array {
    return this.stateView;
  }
  array(name: string): Int32Array {
    let a = this.arrays.get(name);
    if (!a) {
      a = new Int32Array(guard(() => this.c.arrayBuffer(name)));
      this.arrays.set(name, a);
    }
    return a;
  }
  mrca(u: number, v: number): number {
    return guard(() => this.c.mrca(u, v));
  }
  /** Every view is detached before the addon frees the memory it views. */
  free(): void {
    for (const a of [this.stateView, ...this.arrays.values()]) this.detach(a.buffer as ArrayBuffer);
    this.arrays.clear();
    this.c.free();
  }
}

class NativeVariantCursor implements VariantCursor {
  private genotypesView: Int32Array | null = null;
  private stateView: Float64Array;
  constructor(
    private c: NativeVariantsRaw,
    private detach: (b: ArrayBuffer) => void,
  ) {
    this.stateView = new Float64Array(c.stateBuffer());
  }
  next(): boolean {
    return guard(() => this.c.next());
  }
  decode(site: number): void {
    guard(() => this.c.decode(site));
  }
  state(): Float64Array {
    return this.stateView;
  }
  allelesJson(): string {
    return this.c.alleles();
  }
  genotypes(): Int32Array {
    if (!this.genotypesView) this.genotypesView = new Int32Array(this.c.genotypesBuffer());
    return this.genotypesView;
  }
  /** As the tree cursor's. */
  free(): void {
    for (const a of [this.stateView, this.genotypesView]) if (a) this.detach(a.buffer as ArrayBuffer);
    this.genotypesView = null;
    this.c.free();
  }
}

export class NativeBackend implements Backend {
  readonly name = "native" as const;
  constructor(
    private addon: Addon,
    readonly threads: number,
    readonly version: string,
    readonly reason: string,
  ) {}
  private readonly detach = (b: ArrayBuffer): void => guard(() => this.addon.detach(b));
  async load(bytes: Uint8Array): Promise<Handle> {
    return new NativeHandle(await guardAsync(() => this.addon.load(bytes)), this.detach);
  }
  async loadPath(path: string): Promise<Handle> {
    return new NativeHandle(await guardAsync(() => this.addon.loadPath(path)), this.detach);
  }
  async distinctWorkerThreads(tasks: number): Promise<number> {
    return guard(() => this.addon.distinctWorkerThreads(tasks));
  }
  async setMaxMemory(bytes: number): Promise<void> {
    const set = this.addon.setMaxMemory;
    if (typeof set !== "function") {
      throw new TreeSeqError(
        "BACKEND_UNAVAILABLE",
        `init: maxMemory: this native addon has no memory ceiling ` +
          `(no setMaxMemory): it is older than this TypeScript; rebuild it or install the matching treeseq-<platform> package`,
      );
    }
    guard(() => set.call(this.addon, bytes));
  }
  maxMemory(): number | null {
    return typeof this.addon.maxMemory === "function" ? Number(guard(() => this.addon.maxMemory!())) : null;
  }
  async close(): Promise<void> {}
}

/**
 * Loads the addon and sizes its pool; throws an Error saying why when it cannot. The backend's
 * reason is `reason` followed by where the addon came from.
 */
export function loadNative(threads: number, version: string, reason: string): NativeBackend {
  const choice = findAddon();
  let addon: Addon;
  try {
    addon = createRequire(choice.path)(choice.path) as Addon;
  } catch (e) {
    throw new Error(`${choice.path} (${choice.reason}) cannot be opened here: ${(e as Error).message}`);
  }
  const n = addon.initThreads(threads);
  return new NativeBackend(addon, n, version, `${reason}: ${choice.reason}`);
}
