/**
 * The TreeSequence class: one implementation over the Backend interface, so that both
 * backends give the same answers through the same code.
 */
import type { Backend, Handle, StatResult, Summary } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { makeTables, type Tables } from "./tables.js";
import { Tree, type Variant } from "./tree.js";
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

  private newTree(): Tree {
    return new Tree(this.h.treeCursor(), this.tables.nodes.time as Float64Array, this.info.numNodes);
  }

  /**
   * Every tree, left to right (or right to left with `{ reverse: true }`). As in tskit, the
   * same `Tree` object is yielded each time and updated in place: copy what you keep
   * (`tree.parentArray()` returns a copy).
   */
  *trees(options: { reverse?: boolean } = {}): Generator<Tree> {
    const tree = this.newTree();
    const how = options.reverse ? "prev" : "next";
    while (tree.step(how)) {
      yield tree;
      this.h; // throws DISPOSED if the tree sequence was disposed meanwhile
    }
  }

  /** The tree covering `position` (a new Tree, found without walking from the start). */
  at(position: number): Tree {
    if (typeof position !== "number" || !(position >= 0 && position < this.sequenceLength)) {
      throw new TreeSeqError("BAD_PARAM", `position ${position} is outside [0, ${this.sequenceLength})`);
    }
    const tree = this.newTree();
    tree.seek(position);
    return tree;
  }

  /** The tree with the given index (negative counts from the end, as in tskit). */
  atIndex(index: number): Tree {
    const i = index < 0 ? this.numTrees + index : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.numTrees) {
      throw new TreeSeqError("BAD_PARAM", `tree index ${index} is out of range for ${this.numTrees} trees`);
    }
    const tree = this.newTree();
    tree.seekIndex(i);
    return tree;
  }

  /**
   * Every site's variant: alleles and genotypes as tskit's `variants()` gives them (isolated
   * samples are missing data, -1). With `{ copy: false }` the genotypes array is one buffer
   * reused for every site (faster; copy what you keep).
   */
  *variants(options: { copy?: boolean } = {}): Generator<Variant> {
    const copy = options.copy ?? true;
    const cursor = this.h.variantCursor();
    const state = cursor.state();
    // Most sites repeat a few allele lists: parse each distinct one once.
    let lastJson = "";
    let lastAlleles: Array<string | null> = [];
    try {
      while (cursor.next()) {
        const g = cursor.genotypes();
        const json = cursor.allelesJson();
        if (json !== lastJson) {
          lastJson = json;
          lastAlleles = JSON.parse(json);
        }
        yield { site: state[0], position: state[1], alleles: lastAlleles.slice(), genotypes: copy ? g.slice() : g };
        this.h;
      }
    } finally {
      cursor.free();
    }
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
