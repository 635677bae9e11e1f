/**
 * `Tree` (tskit's Tree) and the variant records of `ts.variants()`.
 *
 * A Tree reads its node arrays (parent, children, sample counts) from typed-array views of
 * the backend's memory, updated in place as the tree moves: walking a tree node by node from
 * JavaScript costs no call into native code or WebAssembly. Moving to another tree is one call.
 */
import type { TreeCursor } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { toInteger } from "./values.js";

const NULL = -1;

export interface Interval { left: number; right: number }

export class Tree {
  private readonly state: Float64Array;
  private readonly parentArr: Int32Array;
  private readonly leftChildArr: Int32Array;
  private readonly rightSibArr: Int32Array;
  private readonly numSamplesArr: Int32Array;

  /**
   * @internal Use `ts.trees()`, `ts.at()` or `ts.atIndex()`. `live` throws DISPOSED once its
   * tree sequence is disposed: every method and getter asks it first, so that a Tree kept past
   * `dispose()` never reads memory the backend has freed (and maybe reused for another file).
   */
  constructor(
    private readonly cursor: TreeCursor, private readonly time: Float64Array, private readonly nodes: number,
    private readonly live: () => void,
  ) {
    this.state = cursor.state();
    this.parentArr = cursor.array("parent");
    this.leftChildArr = cursor.array("left_child");
    this.rightSibArr = cursor.array("right_sib");
    this.numSamplesArr = cursor.array("num_samples");
  }

  /** @internal */
  step(how: "first" | "last" | "next" | "prev"): boolean { this.live(); return this.cursor.step(how); }
  /** @internal */
  seek(position: number): void { this.live(); this.cursor.seek(position); }
  /** @internal */
  seekIndex(index: number): void { this.live(); this.cursor.seekIndex(index); }

  /** A node id (a number or BigInt), checked against this tree's nodes. */
  private check(u: number | bigint, what = "node"): number {
    this.live();
    const i = toInteger(u, { where: "Tree", path: what }, "a node id");
    if (i < 0 || i > this.nodes) {
      throw new TreeSeqError("BAD_PARAM", `Tree: ${what} ${i} is out of bounds (the tree has nodes 0 to ${this.nodes - 1}, and ${this.nodes} is the virtual root)`);
    }
    return i;
  }

  private get st(): Float64Array { this.live(); return this.state; }

  get numNodes(): number { this.live(); return this.nodes; }
  /** The tree's index along the genome (-1 when null). */
  get index(): number { return this.st[0]; }
  get interval(): Interval { const s = this.st; return { left: s[1], right: s[2] }; }
  /** Sum of all branch lengths (kept up to date as edges move). */
  get totalBranchLength(): number { return this.st[3]; }
  get numEdges(): number { return this.st[6]; }
  /** tskit's virtual root: the parent of all roots, id `numNodes`. */
  get virtualRoot(): number { this.live(); return this.nodes; }

  parent(u: number | bigint): number { return this.parentArr[this.check(u)]; }
  numSamples(u: number | bigint): number { return this.numSamplesArr[this.check(u)]; }
  /** Children of `u`, left to right. */
  children(u: number | bigint): Int32Array {
    const out: number[] = [];
    for (let c = this.leftChildArr[this.check(u)]; c !== NULL; c = this.rightSibArr[c]) out.push(c);
    return Int32Array.from(out);
  }
  /** The roots, left to right (nodes with no parent and samples below). */
  get roots(): Int32Array { return this.children(this.nodes); }
  /** A copy of the parent array (length numNodes, -1 for none). */
  parentArray(): Int32Array { this.live(); return this.parentArr.slice(0, this.nodes); }
  branchLength(u: number | bigint): number {
    const i = this.check(u);
    const p = this.parentArr[i];
    return p === NULL || i === this.nodes ? 0 : this.time[p] - this.time[i];
  }
  /** Nodes in tskit's preorder (from the roots, children left to right). */
  preorder(): Int32Array { this.live(); return this.cursor.preorder(); }
  postorder(): Int32Array { this.live(); return this.cursor.postorder(); }
  mrca(u: number | bigint, v: number | bigint): number { return this.cursor.mrca(this.check(u, "u"), this.check(v, "v")); }
  tmrca(u: number | bigint, v: number | bigint): number { return this.cursor.tmrca(this.check(u, "u"), this.check(v, "v")); }
  /** Ids of the sites in this tree's interval. */
  sites(): Int32Array {
    const a = this.st[4], b = this.state[5];
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
