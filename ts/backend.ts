/**
 * The Backend interface: what the native addon and the WebAssembly build each provide. The
 * TreeSequence class and everything above it is written once against this interface.
 */

import type { ByteSource } from "./sources.js";
import type { StatArgs } from "./stats.js";
import type { TREE_ARRAYS } from "./generated/cursor.js";

export type BackendName = "native" | "wasm";
/** The per-node arrays a tree cursor exposes (the core's `cursor::TREE_ARRAYS`). */
export type TreeArrayName = (typeof TREE_ARRAYS)[number];
export type TypedArray = Int8Array | Uint8Array | Int32Array | Uint32Array | BigUint64Array | Float64Array;

export interface StatResult {
  /** Row-major values. */
  data: Float64Array;
  /** tskit's numpy shape (`[]` for a scalar). */
  shape: number[];
}

export interface Summary {
  sequenceLength: number;
  numTrees: number;
  numSamples: number;
  numNodes: number;
  numEdges: number;
  numSites: number;
  numMutations: number;
  numIndividuals: number;
  numPopulations: number;
  numMigrations: number;
  numProvenances: number;
  timeUnits: string;
  formatVersion: [number, number];
}

/** A tree cursor inside a backend: views are updated in place as it moves. */
export interface TreeCursor {
  step(how: "first" | "last" | "next" | "prev"): boolean;
  seek(position: number): void;
  seekIndex(index: number): void;
  /** Float64 view: [index, left, right, totalBranchLength, sitesStart, sitesEnd, numEdges]. */
  state(): Float64Array;
  /** Int32 view of a per-node array (length numNodes + 1; the last is the virtual root). */
  array(name: TreeArrayName): Int32Array;
  mrca(u: number, v: number): number;
  free(): void;
}

/** A variant cursor inside a backend: genotypes decoded into one reused buffer. */
export interface VariantCursor {
  next(): boolean;
  decode(site: number): void;
  /** Float64 view: [site, position, numAlleles, hasMissingData, allelesId] (VARIANT_STATE). */
  state(): Float64Array;
  /** The current site's alleles as JSON (parsed by the caller, once per allelesId). */
  allelesJson(): string;
  /** Int32 view of the genotype buffer. */
  genotypes(): Int32Array;
  free(): void;
}

/** One loaded tree sequence inside a backend. */
export interface Handle {
  summary(): Summary;
  samples(): Int32Array;
  breakpoints(): Float64Array;
  /** The column stored under a `.trees` key, as a typed array (a view where possible). */
  column(key: string): TypedArray;
  dump(): Uint8Array;
  treeCursor(): TreeCursor;
  /** With `optionsJson`: tskit's `variants()` keywords as JSON, and `numGenotypes` genotypes
   * per site (the samples asked for). */
  variantCursor(optionsJson?: string, numGenotypes?: number): VariantCursor;
  /** tskit's `genotype_matrix` (keywords as JSON): row-major, sites × samples. */
  genotypeMatrix(optionsJson: string): Promise<{ data: Int32Array; shape: number[] }>;
  /** tskit's `ts.<method>(**kwargs)`, kwargs in tskit's snake_case with large arrays beside
   * the JSON (see `StatArgs` in stats.ts). */
  compute(method: string, args: StatArgs): Promise<StatResult>;
  free(): void;
}

export interface Backend {
  readonly name: BackendName;
  readonly threads: number;
  readonly version: string;
  /** Why this backend was chosen, for `backendInfo()`. */
  readonly reason: string;
  load(bytes: Uint8Array): Promise<Handle>;
  /** Loads a file read straight into where the backend keeps it (sources.ts). Absent where
   * the backend only takes bytes. */
  loadSource?(source: ByteSource): Promise<Handle>;
  /** Reads and loads the file at `path` itself (native: Rust reads it, so a file over Node's
   * 2 GiB `Buffer` limit loads too). Absent where the backend only takes bytes. */
  loadPath?(path: string): Promise<Handle>;
  /** How many distinct pool threads ran `tasks` pieces of work. */
  distinctWorkerThreads(tasks: number): Promise<number>;
  /** Sets the core's memory ceiling, in bytes, for this backend's later work (`init({ maxMemory })`);
   * a TreeSeqError where the binding has none to set. */
  setMaxMemory(bytes: number): Promise<void>;
  /** The ceiling in force, in bytes; null where the binding has none. */
  maxMemory(): number | null;
  close(): Promise<void>;
}

export function typedArrayFor(dtype: string, buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray {
  switch (dtype) {
    case "int8":
      return new Int8Array(buffer, byteOffset, length);
    case "uint8":
      return new Uint8Array(buffer, byteOffset, length);
    case "int32":
      return new Int32Array(buffer, byteOffset, length);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, length);
    case "uint64":
      return new BigUint64Array(buffer, byteOffset, length);
    case "float64":
      return new Float64Array(buffer, byteOffset, length);
    default:
      throw new Error(`TREESEQ:INTERNAL:unknown column type ${dtype}`);
  }
}

/**
 * Detaches a column's buffer, so that every view of it has length 0: what a view kept past
 * `dispose()` shows. Where a buffer cannot be detached (a SharedArrayBuffer; an external buffer
 * V8 will not give up) nothing happens: backends hand out only buffers that stay valid then.
 */
export function detach(buffer: ArrayBufferLike): void {
  if (buffer.byteLength === 0 || (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer)) return;
  try {
    structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
  } catch {
    // not detachable: see above
  }
}
