/**
 * `Tree` (tskit's Tree) and the variant records of `ts.variants()`.
 *
 * A Tree reads its node arrays (parent, children, sample counts) from typed-array views of
 * the backend's memory, updated in place as the tree moves: walking a tree node by node from
 * JavaScript costs no call into native code or WebAssembly. Moving to another tree is one call.
 */
import type { TreeCursor } from "./backend.js";
import { TreeSeqError } from "./errors.js";

const NULL = -1;

export interface Interval { left: number; right: number }

export class Tree {
  private readonly state: Float64Array;
  private readonly parentArr: Int32Array;
  private readonly leftChildArr: Int32Array;
  private readonly rightSibArr: Int32Array;
  private readonly numSamplesArr: Int32Array;

  /** @internal Use `ts.trees()`, `ts.at()` or `ts.atIndex()`. */
  constructor(private readonly cursor: TreeCursor, private readonly time: Float64Array, readonly numNodes: number) {
    this.state = cursor.state();
    this.parentArr = cursor.array("parent");
    this.leftChildArr = cursor.array("left_child");
    this.rightSibArr = cursor.array("right_sib");
    this.numSamplesArr = cursor.array("num_samples");
  }

  /** @internal */
  step(how: "first" | "last" | "next" | "prev"): boolean { return this.cursor.step(how); }
  /** @internal */
  seek(position: number): void { this.cursor.seek(position); }
  /** @internal */
  seekIndex(index: number): void { this.cursor.seekIndex(index); }

  private check(u: number): number {
    if (!Number.isInteger(u) || u < 0 || u > this.numNodes) {
      throw new TreeSeqError("BAD_PARAM", `node ${u} is out of bounds (the tree has nodes 0 to ${this.numNodes - 1}, and ${this.numNodes} is the virtual root)`);
    }
    return u;
  }

  /** The tree's index along the genome (-1 when null). */
  get index(): number { return this.state[0]; }
  get interval(): Interval { return { left: this.state[1], right: this.state[2] }; }
  /** Sum of all branch lengths (kept up to date as edges move). */
  get totalBranchLength(): number { return this.state[3]; }
  get numEdges(): number { return this.state[6]; }
  /** tskit's virtual root: the parent of all roots, id `numNodes`. */
  get virtualRoot(): number { return this.numNodes; }

  parent(u: number): number { return this.parentArr[this.check(u)]; }
  numSamples(u: number): number { return this.numSamplesArr[this.check(u)]; }
  /** Children of `u`, left to right. */
  children(u: number): Int32Array {
    const out: number[] = [];
    for (let c = this.leftChildArr[this.check(u)]; c !== NULL; c = this.rightSibArr[c]) out.push(c);
    return Int32Array.from(out);
  }
  /** The roots, left to right (nodes with no parent and samples below). */
  get roots(): Int32Array { return this.children(this.numNodes); }
  /** A copy of the parent array (length numNodes, -1 for none). */
  parentArray(): Int32Array { return this.parentArr.slice(0, this.numNodes); }
  branchLength(u: number): number {
    const p = this.parentArr[this.check(u)];
    return p === NULL || u === this.numNodes ? 0 : this.time[p] - this.time[u];
  }
  /** Nodes in tskit's preorder (from the roots, children left to right). */
  preorder(): Int32Array { return this.cursor.preorder(); }
  postorder(): Int32Array { return this.cursor.postorder(); }
  mrca(u: number, v: number): number { return this.cursor.mrca(this.check(u), this.check(v)); }
  tmrca(u: number, v: number): number { return this.cursor.tmrca(this.check(u), this.check(v)); }
  /** Ids of the sites in this tree's interval. */
  sites(): Int32Array {
    const a = this.state[4], b = this.state[5];
    return Int32Array.from({ length: b - a }, (_, i) => a + i);
  }
}

export interface Variant {
  site: number;
  position: number;
  /** Ancestral state first; `null` last when some sample is missing data. */
  alleles: Array<string | null>;
  /** Index into `alleles` per sample (like `samples()`); -1 for missing data. */
  genotypes: Int32Array;
}
