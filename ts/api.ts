/**
 * init / load / backendInfo, written once for Node and browsers. Each entry point (index.ts
 * for Node, browser.ts) passes a Platform: how to make each backend and read a source.
 */
import type { Backend, BackendName, Handle } from "./backend.js";
import { TreeSeqError, guardAsync, toTreeSeqError } from "./errors.js";
import { checkWasmFileSize } from "./filesize.js";
import type { ByteSource } from "./sources.js";
import { isTszip, tszipToTrees } from "./tszip/trees.js";
import { TreeSequence } from "./treesequence.js";
import { toInteger } from "./values.js";

export type BackendChoice = "auto" | BackendName;
export interface InitOptions {
  backend?: BackendChoice;
  threads?: number | bigint;
  /** The most memory, in bytes, one call may ask for (a statistic's output and working memory);
   * a call that would need more is refused. Absent: as before (at first, the binding's default). */
  maxMemory?: number | bigint;
}
export interface LoadOptions {
  backend?: BackendChoice;
}
/** What `load` reads: a path or `file:`/`http(s):` URL (Node), bytes, a Blob or a Response. */
export type LoadSource = string | URL | Uint8Array | ArrayBuffer | Blob | Response;
export interface BackendInfo {
  name: BackendName;
  threads: number;
  version: string;
  reason: string;
  /** The memory ceiling in force, in bytes (null where the backend's binding has none). */
  maxMemory: number | null;
}

export interface Platform {
  defaultThreads(): number;
  /** Environment overrides (Node: TREESEQ_BACKEND, TREESEQ_THREADS). */
  env(name: string): string | undefined;
  /** Which backend "auto" means here, and why; throws when `name` cannot be had. */
  create(name: BackendChoice, threads: number): Promise<Backend>;
  /** The bytes of `source`, or, where they can be read straight into a backend, a
   * `ByteSource` (see sources.ts). */
  readSource(source: LoadSource): Promise<Uint8Array | ByteSource>;
  /** Loads `source` into `backend` when it is a local file the platform reads its own way
   * (Node: stat it first, then the native backend reads the path itself); null otherwise. */
  loadLocal?(source: LoadSource, backend: Backend): Promise<Handle | null>;
}

export const VERSION = "0.1.0";

let platform: Platform;
let threads = 0;
let defaultChoice: BackendChoice = "auto";
const backends = new Map<BackendChoice, Promise<Backend>>();
/** The memory ceiling asked for by `init({ maxMemory })`, applied to every backend made. */
let ceiling: number | null = null;
let current: Backend | null = null;

export function setPlatform(p: Platform): void {
  platform = p;
}

function parseChoice(v: unknown, where: string): BackendChoice {
  if (v === undefined || v === null || v === "") return "auto";
  if (v === "auto" || v === "native" || v === "wasm") return v;
  throw new TreeSeqError("BAD_PARAM", `${where}: backend must be "auto", "native" or "wasm", not ${JSON.stringify(v)}`);
}

/** Refuses keys an options object does not have: an option is never silently ignored. */
function checkKeys(options: unknown, known: string[], where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TreeSeqError("BAD_PARAM", `${where}: options must be an object such as { ${known.join(", ")} }`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw new TreeSeqError("BAD_PARAM", `${where}: unknown option '${k}' (known: ${known.join(", ")})`);
  }
}

/** An integer option, given in code (a number or BigInt) or by the environment (decimal text). */
function parseCount(v: unknown, name: string, env: string): number {
  const p = { where: "init", path: name };
  if (typeof v !== "string") return toInteger(v, p);
  if (!/^\s*\d+\s*$/.test(v)) throw new TreeSeqError("BAD_PARAM", `init: ${env} must be a whole number, not ${JSON.stringify(v)}`);
  return toInteger(BigInt(v.trim()), { where: "init", path: env });
}

function parseThreads(v: unknown): number {
  if (v === undefined || v === null || v === "") return platform.defaultThreads();
  const n = parseCount(v, "threads", "TREESEQ_THREADS");
  if (n < 1 || n > 1024) throw new TreeSeqError("BAD_PARAM", `init: threads must be an integer from 1 to 1024, not ${n}`);
  return n;
}

function parseMaxMemory(v: unknown): number | null {
  if (v === undefined || v === null || v === "") return null;
  const n = parseCount(v, "maxMemory", "TREESEQ_MAX_MEMORY");
  if (n < 1) throw new TreeSeqError("BAD_PARAM", `init: maxMemory must be a number of bytes of at least 1, not ${n}`);
  return n;
}

/** The backend for `choice`, made once. An explicit "native" or "wasm" gives that backend or
 * a TreeSeqError at every call that asks for it; it is never substituted. */
function backendFor(choice: BackendChoice): Promise<Backend> {
  let b = backends.get(choice);
  if (!b) {
    const max = ceiling;
    b = platform
      .create(choice, threads)
      .then(async (backend) => {
        if (choice !== "auto" && backend.name !== choice) {
          throw new TreeSeqError("INTERNAL", `asked for the ${choice} backend, made ${backend.name}`);
        }
        if (max !== null) await backend.setMaxMemory(max);
        return backend;
      })
      .catch((e) => {
        backends.delete(choice);
        throw toTreeSeqError(e);
      });
    backends.set(choice, b);
  }
  return b;
}

/** Chooses the backend and the size of its thread pool. Optional: `load()` calls it. When it
 * fails, the earlier choice (if any) stays in force. */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  checkKeys(options, ["backend", "threads", "maxMemory"], "init");
  const choice = parseChoice(options.backend ?? platform.env("TREESEQ_BACKEND"), "init");
  const n = parseThreads(options.threads ?? platform.env("TREESEQ_THREADS"));
  const max = parseMaxMemory(options.maxMemory ?? platform.env("TREESEQ_MAX_MEMORY"));
  const old = new Map(backends);
  const oldThreads = threads;
  const oldCeiling = ceiling;
  backends.clear();
  threads = n;
  if (max !== null) ceiling = max;
  let made: Backend;
  try {
    made = await backendFor(choice);
  } catch (e) {
    backends.clear();
    for (const [k, v] of old) backends.set(k, v);
    threads = oldThreads;
    ceiling = oldCeiling;
    throw e;
  }
  for (const b of old.values())
    b.then(
      (x) => {
        if (x !== made) void x.close();
      },
      () => {},
    );
  defaultChoice = choice;
  current = made;
  return backendInfo();
}

/** The default backend: name, pool size, version and why it was chosen. */
export function backendInfo(): BackendInfo {
  if (!current) throw new TreeSeqError("NOT_INITIALIZED", "call init() or load() first");
  return {
    name: current.name,
    threads: current.threads,
    version: current.version,
    reason: current.reason,
    maxMemory: current.maxMemory(),
  };
}

/** The backend a call asks for: the default one, or the one named in its options. */
async function backendOf(options: LoadOptions, where: string): Promise<Backend> {
  if (!current) await init();
  const choice = options.backend === undefined ? defaultChoice : parseChoice(options.backend, where);
  return choice === defaultChoice ? current! : backendFor(choice);
}

/**
 * Loads and validates a `.trees` file, or a tszip (`.tsz`) file: one is told from the other by
 * its first bytes (a zip's), not its name, and a tszip file loads as the `.trees` file
 * `tszip.decompress` gives, with the same checks.
 */
export async function load(source: LoadSource, options: LoadOptions = {}): Promise<TreeSequence> {
  checkKeys(options, ["backend"], "load");
  const backend = await backendOf(options, "load");
  const local = await platform.loadLocal?.(source, backend).catch((e) => {
    throw toTreeSeqError(e);
  });
  if (local) return new TreeSequence(backend, local);
  const read = await platform.readSource(source).catch((e) => {
    throw toTreeSeqError(e);
  });
  if (!isTszip(read instanceof Uint8Array ? read : read.head)) return new TreeSequence(backend, await loadFrom(backend, read));
  const tsz = read instanceof Uint8Array ? read : await read.bytes();
  const what = typeof source === "string" || source instanceof URL ? String(source) : "the tszip file";
  const trees = await guardAsync(() =>
    tszipToTrees(tsz, (size) => {
      if (backend.name === "wasm") checkWasmFileSize(size, `${what}, decompressed,`);
      // A few bytes of zip can claim a column of 10^9 zeros (tszip leaves all-zero chunks
      // out): the memory ceiling bounds what a claim may make us allocate, natively too.
      const max = backend.maxMemory();
      if (max !== null && size > max)
        throw new TreeSeqError(
          "FILE_TOO_LARGE",
          `${what}, decompressed, has ${size} bytes, over the memory ceiling of ${max} bytes (init({ maxMemory }) raises it)`,
        );
    }),
  );
  return new TreeSequence(backend, await loadFrom(backend, trees));
}

/** Loads a file's bytes, or a source (sources.ts) that a backend which loads in place reads
 * straight where it keeps the file; another backend gets its bytes. */
export async function loadFrom(backend: Backend, source: Uint8Array | ByteSource): Promise<Handle> {
  if (source instanceof Uint8Array) return backend.load(source);
  return backend.loadSource ? backend.loadSource(source) : backend.load(await source.bytes());
}

/** @internal For tests: how many distinct pool threads ran `tasks` pieces of work. */
export async function distinctWorkerThreads(tasks: number, options: LoadOptions = {}): Promise<number> {
  return (await backendOf(options, "distinctWorkerThreads")).distinctWorkerThreads(tasks);
}

export { TreeSequence, TreeSeqError };
