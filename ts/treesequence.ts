/**
 * The TreeSequence class: one implementation over the Backend interface, so that both
 * backends give the same answers through the same code.
 */
import type { Backend, Handle, StatResult, Summary } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { makeTables, type Tables } from "./tables.js";
import { STATISTICS, toKwargs, type StatName, type StatOptions } from "./stats.js";

type StatMethods = { [K in StatName]: (options?: StatOptions) => Promise<StatResult> };

export interface TreeSequence extends StatMethods {}

export class TreeSequence {
  private handle: Handle | null;
  private readonly info: Summary;
  private readonly columns = new Map<string, any>();
  private tablesCache: Tables | null = null;

  /** @internal Use `load()`. */
  constructor(private readonly backendImpl: Backend, handle: Handle) {
    this.handle = handle;
    this.info = handle.summary();
  }

  private get h(): Handle {
    if (!this.handle) throw new TreeSeqError("DISPOSED", "this tree sequence was disposed");
    return this.handle;
  }

  /** The backend this tree sequence lives in: "native" or "wasm". */
  get backend(): "native" | "wasm" { return this.backendImpl.name; }
  get sequenceLength(): number { return this.info.sequenceLength; }
  get numTrees(): number { return this.info.numTrees; }
  get numSamples(): number { return this.info.numSamples; }
  get numNodes(): number { return this.info.numNodes; }
  get numEdges(): number { return this.info.numEdges; }
  get numSites(): number { return this.info.numSites; }
  get numMutations(): number { return this.info.numMutations; }
  get numIndividuals(): number { return this.info.numIndividuals; }
  get numPopulations(): number { return this.info.numPopulations; }
  get numMigrations(): number { return this.info.numMigrations; }
  get numProvenances(): number { return this.info.numProvenances; }
  get timeUnits(): string { return this.info.timeUnits; }

  /** Sample node ids (a copy). */
  samples(): Int32Array { return this.h.samples(); }
  /** Tree boundaries: numTrees + 1 positions from 0 to sequenceLength (a copy). */
  breakpoints(): Float64Array { return this.h.breakpoints(); }

  /** Read-only typed-array columns; views stay valid until `dispose()`. */
  get tables(): Tables {
    this.h;
    if (!this.tablesCache) {
      this.tablesCache = makeTables((key) => {
        const h = this.h;
        let c = this.columns.get(key);
        if (!c) {
          c = h.column(key);
          this.columns.set(key, c);
        }
        return c;
      });
    }
    return this.tablesCache;
  }

  /** A `.trees` file that tskit loads, with the same tables. */
  dump(): Uint8Array { return this.h.dump(); }

  /** Frees the backend's memory; any later call throws `DISPOSED`. */
  dispose(): void {
    this.handle?.free();
    this.handle = null;
    this.columns.clear();
  }

  [Symbol.dispose](): void { this.dispose(); }
}

for (const [name, tskitName] of Object.entries(STATISTICS)) {
  Object.defineProperty(TreeSequence.prototype, name, {
    value: async function (this: TreeSequence, options?: StatOptions): Promise<StatResult> {
      const kwargs = toKwargs(name, options);
      return (this as any).h.compute(tskitName, kwargs);
    },
  });
}
