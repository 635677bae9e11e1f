/**
 * init / load / backendInfo, written once for Node and browsers. Each entry point (index.ts
 * for Node, browser.ts) passes a Platform: how to make each backend and read a source.
 */
import type { Backend, BackendName } from "./backend.js";
import { TreeSeqError, toTreeSeqError } from "./errors.js";
import { TreeSequence } from "./treesequence.js";

export type BackendChoice = "auto" | BackendName;
export interface InitOptions { backend?: BackendChoice; threads?: number }
export interface LoadOptions { backend?: BackendChoice }
export interface BackendInfo { name: BackendName; threads: number; version: string; reason: string }

export interface Platform {
  defaultThreads(): number;
  /** Environment overrides (Node: TREESEQ_BACKEND, TREESEQ_THREADS). */
  env(name: string): string | undefined;
  /** Which backend "auto" means here, and why; throws when `name` cannot be had. */
  create(name: BackendChoice, threads: number): Promise<Backend>;
  readSource(source: unknown): Promise<Uint8Array>;
}

export const VERSION = "0.1.0";

let platform: Platform;
let threads = 0;
let defaultChoice: BackendChoice = "auto";
const backends = new Map<BackendChoice, Promise<Backend>>();
let current: Backend | null = null;

export function setPlatform(p: Platform): void { platform = p; }

function parseChoice(v: unknown, where: string): BackendChoice {
  if (v === undefined || v === null || v === "") return "auto";
  if (v === "auto" || v === "native" || v === "wasm") return v;
  throw new TreeSeqError("BAD_PARAM", `${where}: backend must be "auto", "native" or "wasm", not ${JSON.stringify(v)}`);
}

function parseThreads(v: unknown, where: string): number {
  if (v === undefined || v === null || v === "") return platform.defaultThreads();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new TreeSeqError("BAD_PARAM", `${where}: threads must be an integer from 1 to 1024, not ${JSON.stringify(v)}`);
  }
  return n;
}

function backendFor(choice: BackendChoice): Promise<Backend> {
  let b = backends.get(choice);
  if (!b) {
    b = platform.create(choice, threads).catch((e) => {
      backends.delete(choice);
      throw toTreeSeqError(e);
    });
    backends.set(choice, b);
  }
  return b;
}

/** Chooses the backend and the size of its thread pool. Optional: `load()` calls it. */
export async function init(options: InitOptions = {}): Promise<BackendInfo> {
  defaultChoice = parseChoice(options.backend ?? platform.env("TREESEQ_BACKEND"), "init");
  threads = parseThreads(options.threads ?? platform.env("TREESEQ_THREADS"), "init");
  const old = [...backends.values()];
  backends.clear();
  for (const b of old) b.then((x) => x.close(), () => {});
  current = await backendFor(defaultChoice);
  return backendInfo();
}

/** The default backend: name, pool size, version and why it was chosen. */
export function backendInfo(): BackendInfo {
  if (!current) throw new TreeSeqError("NOT_INITIALIZED", "call init() or load() first");
  return { name: current.name, threads: current.threads, version: current.version, reason: current.reason };
}

/** Loads and validates a `.trees` file. */
export async function load(source: unknown, options: LoadOptions = {}): Promise<TreeSequence> {
  if (!current) await init();
  const choice = options.backend === undefined ? defaultChoice : parseChoice(options.backend, "load");
  const backend = choice === defaultChoice ? current! : await backendFor(choice);
  const bytes = await platform.readSource(source).catch((e) => { throw toTreeSeqError(e); });
  const handle = await backend.load(bytes);
  return new TreeSequence(backend, handle);
}

/** @internal For tests: how many distinct pool threads ran `tasks` pieces of work. */
export async function distinctWorkerThreads(tasks: number, options: LoadOptions = {}): Promise<number> {
  if (!current) await init();
  const choice = options.backend === undefined ? defaultChoice : parseChoice(options.backend, "distinctWorkerThreads");
  return (await backendFor(choice)).distinctWorkerThreads(tasks);
}

export { TreeSequence, TreeSeqError };
