/**
 * `Tree` (tskit's Tree) and the variant records of `ts.variants()`.
 *
 * A Tree reads its node arrays (parent, children, sample counts) from typed-array views of
 * the backend's memory, updated in place as the tree moves: walking a tree node by node from
 * JavaScript costs no call into native code or WebAssembly. Moving to another tree is one call.
 */
import type { TreeCursor } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { TREE_STATE as S } from "./generated/cursor.js";
import type { Tables } from "./tables.js";
import { describe, idList, optionsObject, stringValue, toInteger, toNumber } from "./values.js";
import { newick, type NewickOptions } from "./newick.js";
import * as metrics from "./tree-metrics.js";
import type { DrawSequence } from "./draw/layout.js";
import { treeSvg, type TreeDrawSvgOptions } from "./draw/svg.js";
import { treeText, type TreeDrawTextOptions } from "./draw/text.js";

const NULL = -1;

export interface Interval {
  left: number;
  right: number;
}

/** @internal What every Tree of one tree sequence reads besides the cursor: node and mutation
 * columns (views of the tables, made once per tree sequence). */
export interface TreeContext {
  numNodes: number;
  time: Float64Array;
  flags: Uint32Array;
  population: Int32Array;
  /** Sample ids in `samples()` order. */
  samples: Int32Array;
  /** Site of each mutation (sorted by site, as tskit requires). */
  mutationSite: Int32Array;
  /** tskit's `discrete_time`: every node and known mutation time is an integer. */
  discreteTime(): boolean;
  /** The tree sequence as the drawings read it (ts/draw). */
  drawSequence(): DrawSequence;
}

/** @internal A tree sequence's TreeContext, from its tables; `discreteTime` is the tree
 * sequence's own (rows.ts), asked on the first Newick without a precision. */
export function treeContext(
  t: Tables,
  numNodes: number,
  samples: Int32Array,
  discreteTime: () => boolean,
  drawSequence: () => DrawSequence,
): TreeContext {
  return {
    numNodes,
    time: t.nodes.time,
    flags: t.nodes.flags,
    population: t.nodes.population,
    samples,
    mutationSite: t.mutations.site,
    discreteTime,
    drawSequence,
  };
}

/** @internal One mark per node for `trees({ trackedSamples })`: sample ids, each once (as tskit). */
export function trackedMarks(v: unknown, flags: Uint32Array): Uint8Array {
  const ids = idList(v, { where: "trees", path: "trackedSamples" });
  const marks = new Uint8Array(flags.length + 1);
  for (let i = 0; i < ids.length; i++) {
    const u = ids[i];
    if (!Number.isInteger(u) || u < 0 || u >= flags.length || (flags[u] & 1) === 0) {
      throw new TreeSeqError("BAD_PARAM", `trees: trackedSamples[${i}] = ${u} is not a sample node`);
    }
    if (marks[u]) throw new TreeSeqError("BAD_PARAM", `trees: trackedSamples[${i}] = ${u} is listed twice`);
    marks[u] = 1;
  }
  return marks;
}

/** tskit's traversal orders for `nodes({ order })`. */
export type TraversalOrder =
  | "preorder"
  | "inorder"
  | "postorder"
  | "levelorder"
  | "breadthfirst"
  | "timeasc"
  | "timedesc"
  | "minlex_postorder";
const ORDERS: readonly TraversalOrder[] = [
  "preorder",
  "inorder",
  "postorder",
  "levelorder",
  "breadthfirst",
  "timeasc",
  "timedesc",
  "minlex_postorder",
];

/** No more than `max` positional arguments: an extra one is refused, never ignored. */
export function noExtra(args: IArguments | unknown[], max: number, where: string): void {
  if (args.length > max) {
    throw new TreeSeqError(
      "BAD_PARAM",
      `${where}: takes at most ${max} argument${max === 1 ? "" : "s"}, got ${args.length} (an extra argument would be ignored)`,
    );
  }
}

export class Tree {
  private readonly state: Float64Array;
  private readonly parentArr: Int32Array;
  private readonly leftChildArr: Int32Array;
  private readonly rightChildArr: Int32Array;
  private readonly leftSibArr: Int32Array;
  private readonly rightSibArr: Int32Array;
  private readonly numChildrenArr: Int32Array;
  private readonly numSamplesArr: Int32Array;
  private readonly edgeArr: Int32Array;
  private readonly time_: Float64Array;
  private readonly nodes_: number;

  /**
   * @internal Use `ts.trees()`, `ts.at()`, `ts.atIndex()`, `ts.first()` or `ts.last()`. `live`
   * throws DISPOSED once its tree sequence is disposed: every method and getter asks it first,
   * so that a Tree kept past `dispose()` never reads memory the backend has freed (and maybe
   * reused for another file). `tracked`: 1 for each tracked sample (`trees({ trackedSamples })`).
   */
  constructor(
    private readonly cursor: TreeCursor,
    private readonly ctx: TreeContext,
    private readonly live: () => void,
    private readonly tracked: Uint8Array | null = null,
  ) {
    this.state = cursor.state();
    this.parentArr = cursor.array("parent");
    this.leftChildArr = cursor.array("left_child");
    this.rightChildArr = cursor.array("right_child");
    this.leftSibArr = cursor.array("left_sib");
    this.rightSibArr = cursor.array("right_sib");
    this.numChildrenArr = cursor.array("num_children");
    this.numSamplesArr = cursor.array("num_samples");
    this.edgeArr = cursor.array("edge");
    this.time_ = ctx.time;
    this.nodes_ = ctx.numNodes;
  }

  /** @internal */
  step(how: "first" | "last" | "next" | "prev"): boolean {
    this.live();
    return this.cursor.step(how);
  }
  /** @internal */
  seek(position: number): void {
    this.live();
    this.cursor.seek(position);
  }
  /** @internal */
  seekIndex(index: number): void {
    this.live();
    this.cursor.seekIndex(index);
  }

  /** A node id (a number or BigInt), checked against this tree's nodes (the virtual root too). */
  private check(u: unknown, what = "node"): number {
    this.live();
    const i = toInteger(u, { where: "Tree", path: what }, "a node id");
    if (i < 0 || i > this.nodes_) {
      throw new TreeSeqError(
        "BAD_PARAM",
        `Tree: ${what} ${i} is out of bounds (the tree has nodes 0 to ${this.nodes_ - 1}, and ${this.nodes_} is the virtual root)`,
      );
    }
    return i;
  }

  private get st(): Float64Array {
    this.live();
    return this.state;
  }

  get numNodes(): number {
    this.live();
    return this.nodes_;
  }
  /** The tree's index along the genome (-1 when null). */
  get index(): number {
    return this.st[S.INDEX];
  }
  get interval(): Interval {
    const s = this.st;
    return { left: s[S.LEFT], right: s[S.RIGHT] };
  }
  /** Genome length covered: `right - left`. */
  get span(): number {
    const s = this.st;
    return s[S.RIGHT] - s[S.LEFT];
  }
  /** Middle of the interval, as tskit computes it: `left + (right - left) / 2`. */
  get mid(): number {
    const s = this.st;
    return s[S.LEFT] + (s[S.RIGHT] - s[S.LEFT]) / 2;
  }
  /** Sum of all branch lengths (kept up to date as edges move). */
  get totalBranchLength(): number {
    return this.st[S.TOTAL_BRANCH_LENGTH];
  }
  get numEdges(): number {
    return this.st[S.NUM_EDGES];
  }
  /** tskit's virtual root: the parent of all roots, id `numNodes`. */
  get virtualRoot(): number {
    this.live();
    return this.nodes_;
  }

  // ---- one node -------------------------------------------------------------------------

  parent(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.parent");
    return this.parentArr[this.check(u)];
  }
  leftChild(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.leftChild");
    return this.leftChildArr[this.check(u)];
  }
  rightChild(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.rightChild");
    return this.rightChildArr[this.check(u)];
  }
  leftSib(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.leftSib");
    return this.leftSibArr[this.check(u)];
  }
  rightSib(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.rightSib");
    return this.rightSibArr[this.check(u)];
  }
  numChildren(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.numChildren");
    return this.numChildrenArr[this.check(u)];
  }
  /** The edge joining `u` to its parent, or -1. */
  edge(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.edge");
    return this.edgeArr[this.check(u)];
  }

  /** Samples at or below `u`; with no argument, the total number of samples (tskit's `num_samples()`). */
  numSamples(u?: number | bigint): number {
    noExtra(arguments, 1, "Tree.numSamples");
    return this.numSamplesArr[u === undefined ? this.nodes_ : this.check(u)];
  }

  /** Tracked samples (`ts.trees({ trackedSamples })`) at or below `u`: 0 when none are tracked.
   * Counted for every node in one pass the first time it is asked of a tree. */
  numTrackedSamples(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.numTrackedSamples");
    const v = this.check(u);
    const t = this.tracked;
    if (!t) return 0;
    const s = this.state;
    const c = this.trackedCounts;
    if (!c || c.left !== s[S.LEFT] || c.index !== s[S.INDEX]) {
      // Every node with a sample below is reachable from the virtual root, so the others count 0.
      const counts = new Int32Array(this.nodes_ + 1);
      for (const w of this.postorderFrom(this.nodes_)) {
        let n = t[w];
        for (let x = this.leftChildArr[w]; x !== NULL; x = this.rightSibArr[x]) n += counts[x];
        counts[w] = n;
      }
      this.trackedCounts = { index: s[S.INDEX], left: s[S.LEFT], counts };
    }
    return this.trackedCounts!.counts[v];
  }
  private trackedCounts: { index: number; left: number; counts: Int32Array } | null = null;

  /** Children of `u`, left to right. */
  children(u: number | bigint): Int32Array {
    noExtra(arguments, 1, "Tree.children");
    return this.childrenOf(this.check(u));
  }
  private childrenOf(u: number): Int32Array {
    const out = new Int32Array(this.numChildrenArr[u]);
    let i = 0;
    for (let c = this.leftChildArr[u]; c !== NULL; c = this.rightSibArr[c]) out[i++] = c;
    return out;
  }

  /** tskit's `siblings(u)`: the other children of u's parent (the other roots for a root). */
  siblings(u: number | bigint): Int32Array {
    noExtra(arguments, 1, "Tree.siblings");
    const v = this.check(u);
    if (v === this.nodes_) return new Int32Array(0);
    const p = this.isRootId(v) ? this.nodes_ : this.parentArr[v];
    if (p === NULL) return new Int32Array(0);
    return this.childrenOf(p).filter((w) => w !== v);
  }

  /** Nodes between `u` and its root, not counting u (a root: 0; the virtual root: -1). */
  depth(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.depth");
    return this.depthOf(this.check(u));
  }
  private depthOf(u: number): number {
    if (u === this.nodes_) return -1;
    let d = 0;
    for (let v = this.parentArr[u]; v !== NULL; v = this.parentArr[v]) d++;
    return d;
  }

  /** Whether `u` is `v` or below it. */
  isDescendant(u: number | bigint, v: number | bigint): boolean {
    noExtra(arguments, 2, "Tree.isDescendant");
    let a = this.check(u, "u");
    const b = this.check(v, "v");
    // As tskit: a walk up the parents, so no root is below the virtual root (only itself).
    while (a !== NULL && a !== b) a = this.parentArr[a];
    return a === b;
  }

  isSample(u: number | bigint): boolean {
    noExtra(arguments, 1, "Tree.isSample");
    return this.isSampleId(this.check(u));
  }
  private isSampleId(u: number): boolean {
    return u < this.nodes_ && (this.ctx.flags[u] & 1) !== 0;
  }
  /** No children (true also for a node not in this tree: tskit's "dead leaves"). */
  isLeaf(u: number | bigint): boolean {
    noExtra(arguments, 1, "Tree.isLeaf");
    return this.numChildrenArr[this.check(u)] === 0;
  }
  isInternal(u: number | bigint): boolean {
    noExtra(arguments, 1, "Tree.isInternal");
    return this.numChildrenArr[this.check(u)] !== 0;
  }
  /** No parent and some sample at or below (tskit's root threshold of 1). */
  isRoot(u: number | bigint): boolean {
    noExtra(arguments, 1, "Tree.isRoot");
    return this.isRootId(this.check(u));
  }
  private isRootId(u: number): boolean {
    return this.numSamplesArr[u] >= 1 && this.parentArr[u] === NULL;
  }
  /** No parent and no children. */
  isIsolated(u: number | bigint): boolean {
    noExtra(arguments, 1, "Tree.isIsolated");
    const v = this.check(u);
    return this.numChildrenArr[v] === 0 && this.parentArr[v] === NULL;
  }
  /** The node's time (the virtual root's is Infinity, as tskit's). */
  time(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.time");
    return this.timeOf(this.check(u));
  }
  private timeOf(u: number): number {
    return u === this.nodes_ ? Infinity : this.time_[u];
  }
  population(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.population");
    const v = this.check(u);
    if (v === this.nodes_) throw new TreeSeqError("BAD_PARAM", `Tree.population: node ${v} is the virtual root, which has no population`);
    return this.ctx.population[v];
  }
  branchLength(u: number | bigint): number {
    noExtra(arguments, 1, "Tree.branchLength");
    const i = this.check(u);
    const p = this.parentArr[i];
    return p === NULL || i === this.nodes_ ? 0 : this.time_[p] - this.time_[i];
  }

  /** The roots, left to right (nodes with no parent and samples below). */
  get roots(): Int32Array {
    this.live();
    return this.childrenOf(this.nodes_);
  }
  get numRoots(): number {
    this.live();
    return this.numChildrenArr[this.nodes_];
  }
  /** The single root; a BAD_PARAM where the tree has several (use `roots`), as tskit raises. */
  get root(): number {
    this.live();
    const n = this.numChildrenArr[this.nodes_];
    if (n > 1) throw new TreeSeqError("BAD_PARAM", `Tree.root: the tree has ${n} roots; use tree.roots`);
    return this.leftChildArr[this.nodes_];
  }

  // ---- arrays (copies; length numNodes + 1, the last entry the virtual root's, as tskit's) --

  /** A copy of the parent array (length numNodes, -1 for none). */
  parentArray(): Int32Array {
    noExtra(arguments, 0, "Tree.parentArray");
    this.live();
    return this.parentArr.slice(0, this.nodes_);
  }
  leftChildArray(): Int32Array {
    noExtra(arguments, 0, "Tree.leftChildArray");
    this.live();
    return this.leftChildArr.slice();
  }
  rightChildArray(): Int32Array {
    noExtra(arguments, 0, "Tree.rightChildArray");
    this.live();
    return this.rightChildArr.slice();
  }
  leftSibArray(): Int32Array {
    noExtra(arguments, 0, "Tree.leftSibArray");
    this.live();
    return this.leftSibArr.slice();
  }
  rightSibArray(): Int32Array {
    noExtra(arguments, 0, "Tree.rightSibArray");
    this.live();
    return this.rightSibArr.slice();
  }
  numChildrenArray(): Int32Array {
    noExtra(arguments, 0, "Tree.numChildrenArray");
    this.live();
    return this.numChildrenArr.slice();
  }
  edgeArray(): Int32Array {
    noExtra(arguments, 0, "Tree.edgeArray");
    this.live();
    return this.edgeArr.slice();
  }

  // ---- traversals -----------------------------------------------------------------------

  /** Scratch for the walks: an output and a stack, each of numNodes + 1 (no node twice). */
  private scratch: [Int32Array, Int32Array] | null = null;
  private buffers(): [Int32Array, Int32Array] {
    return (this.scratch ??= [new Int32Array(this.nodes_ + 1), new Int32Array(this.nodes_ + 1)]);
  }

  /** Preorder from `u` (included), or from every root left to right; the one walk the other
   * orders and the subtree queries build on. */
  private subtree(u: number): Int32Array {
    const [out, stack] = this.buffers();
    const rc = this.rightChildArr,
      ls = this.leftSibArr;
    let top = 0,
      n = 0;
    // The virtual root is listed only when asked for by id, as tskit does.
    if (u === NULL) for (let r = rc[this.nodes_]; r !== NULL; r = ls[r]) stack[top++] = r;
    else stack[top++] = u;
    while (top > 0) {
      const v = stack[--top];
      out[n++] = v;
      // Children pushed right to left, so that the leftmost is visited first.
      for (let c = rc[v]; c !== NULL; c = ls[c]) stack[top++] = c;
    }
    return out.slice(0, n);
  }

  /** Postorder: the reverse of a preorder that visits children right to left. */
  private postorderFrom(u: number): Int32Array {
    const [out, stack] = this.buffers();
    const lc = this.leftChildArr,
      rs = this.rightSibArr;
    let top = 0,
      n = 0;
    if (u === NULL) for (let r = lc[this.nodes_]; r !== NULL; r = rs[r]) stack[top++] = r;
    else stack[top++] = u;
    while (top > 0) {
      const v = stack[--top];
      out[n++] = v;
      for (let c = lc[v]; c !== NULL; c = rs[c]) stack[top++] = c;
    }
    return out.slice(0, n).reverse();
  }

  private rootArg(u: unknown, where: string): number {
    return u === undefined || u === null ? NULL : this.check(u, `${where} root`);
  }

  /** Nodes in preorder: the subtree of `u` (u first), or the whole tree from its roots. */
  preorder(u?: number | bigint): Int32Array {
    noExtra(arguments, 1, "Tree.preorder");
    this.live();
    return this.subtree(this.rootArg(u, "preorder"));
  }
  /** Nodes in postorder: the subtree of `u` (u last), or the whole tree. */
  postorder(u?: number | bigint): Int32Array {
    noExtra(arguments, 1, "Tree.postorder");
    this.live();
    return this.postorderFrom(this.rootArg(u, "postorder"));
  }

  /** tskit's `nodes(root, order)`: every order of tskit's, from `root` (the virtual root
   * included when given) or from all roots. */
  nodes(options: { root?: number | bigint | null; order?: TraversalOrder } = {}): Int32Array {
    noExtra(arguments, 1, "Tree.nodes");
    const o = optionsObject(options, ["root", "order"], "Tree.nodes");
    this.live();
    const root = this.rootArg(o.root, "nodes");
    const order = o.order === undefined ? "preorder" : stringValue(o.order, { where: "Tree.nodes", path: "order" }, "a traversal order");
    switch (order as TraversalOrder) {
      case "preorder":
        return this.subtree(root);
      case "postorder":
        return this.postorderFrom(root);
      case "inorder":
        return this.inorder(root);
      case "levelorder":
      case "breadthfirst":
        return this.levelorder(root);
      case "timeasc":
        return this.timeasc(root);
      case "timedesc":
        return this.timeasc(root).reverse();
      case "minlex_postorder":
        return this.minlexPostorder(root);
      default:
        throw new TreeSeqError("BAD_PARAM", `Tree.nodes: order '${order}' is not one of ${ORDERS.join(", ")}`);
    }
  }

  private topRoots(root: number): number[] {
    return root === NULL ? Array.from(this.childrenOf(this.nodes_)) : [root];
  }

  /** The first floor(n/2) children, the node, the rest (explicit stack: no recursion limit). */
  private inorder(root: number): Int32Array {
    const out: number[] = [];
    for (const r of this.topRoots(root)) {
      const frame = (u: number) => ({ u, ch: this.childrenOf(u), i: 0, done: false });
      const stack = [frame(r)];
      while (stack.length > 0) {
        const f = stack[stack.length - 1];
        // The node itself comes once its first half of children is done.
        if (!f.done && f.i === f.ch.length >> 1) {
          out.push(f.u);
          f.done = true;
        }
        if (f.i < f.ch.length) stack.push(frame(f.ch[f.i++]));
        else stack.pop();
      }
    }
    return Int32Array.from(out);
  }

  private levelorder(root: number): Int32Array {
    const queue = this.topRoots(root);
    for (let i = 0; i < queue.length; i++) {
      for (let c = this.leftChildArr[queue[i]]; c !== NULL; c = this.rightSibArr[c]) queue.push(c);
    }
    return Int32Array.from(queue);
  }

  /** Increasing time, then increasing id (tskit's lexsort of the preorder's nodes). */
  private timeasc(root: number): Int32Array {
    const nodes = Array.from(this.subtree(root));
    nodes.sort((a, b) => this.timeOf(a) - this.timeOf(b) || a - b);
    return Int32Array.from(nodes);
  }

  /** A postorder whose leaves, listed, are lexicographically least: children visited in order
   * of the least leaf below each. */
  private minlexPostorder(root: number): Int32Array {
    const start = root === NULL ? this.nodes_ : root;
    const minLeaf = new Map<number, number>();
    for (const u of this.postorderFrom(start)) {
      if (this.numChildrenArr[u] === 0) minLeaf.set(u, u);
      else {
        let m = Infinity;
        for (let c = this.leftChildArr[u]; c !== NULL; c = this.rightSibArr[c]) m = Math.min(m, minLeaf.get(c)!);
        minLeaf.set(u, m);
      }
    }
    const out: number[] = [];
    const stack: Array<[number, boolean]> = [[start, false]];
    while (stack.length > 0) {
      const [u, visited] = stack.pop()!;
      if (visited) {
        if (u !== this.nodes_ || root === this.nodes_) out.push(u);
      } else {
        stack.push([u, true]);
        // Pushed largest first, so the child with the least leaf is visited first (distinct
        // children have disjoint leaves, so no two keys are equal).
        const ch = Array.from(this.childrenOf(u)).sort((a, b) => minLeaf.get(b)! - minLeaf.get(a)!);
        for (const c of ch) stack.push([c, false]);
      }
    }
    return Int32Array.from(out);
  }

  /** Samples at or below `u` (all the tree's samples, root by root, without `u`), in preorder. */
  samples(u?: number | bigint): Int32Array {
    noExtra(arguments, 1, "Tree.samples");
    this.live();
    return this.subtree(this.rootArg(u, "samples")).filter((v) => this.isSampleId(v));
  }
  /** Leaves (nodes without children) at or below `u` (or below the roots), in preorder. */
  leaves(u?: number | bigint): Int32Array {
    noExtra(arguments, 1, "Tree.leaves");
    this.live();
    return this.subtree(this.rootArg(u, "leaves")).filter((v) => this.numChildrenArr[v] === 0);
  }

  // ---- ancestors ------------------------------------------------------------------------

  /** The most recent common ancestor of two or more nodes; -1 when they have none (tskit). */
  mrca(...nodes: Array<number | bigint>): number {
    if (nodes.length < 2) throw new TreeSeqError("BAD_PARAM", `Tree.mrca: needs at least two nodes, got ${nodes.length}`);
    const ids = nodes.map((u, i) => this.check(u, `nodes[${i}]`));
    let m = ids[0];
    for (let i = 1; i < ids.length && m !== NULL; i++) m = this.cursor.mrca(m, ids[i]);
    return m;
  }
  /** The time of `mrca(...nodes)`; a BAD_PARAM when they share no ancestor, as tskit raises. */
  tmrca(...nodes: Array<number | bigint>): number {
    const m = this.mrca(...nodes);
    if (m === NULL) {
      throw new TreeSeqError("BAD_PARAM", `Tree.tmrca: nodes (${nodes.join(", ")}) do not share a common ancestor in the tree`);
    }
    return this.timeOf(m);
  }
  /** Edges between `u` and `v` (Infinity when they share no ancestor). */
  pathLength(u: number | bigint, v: number | bigint): number {
    noExtra(arguments, 2, "Tree.pathLength");
    const m = this.mrca(u, v);
    if (m === NULL) return Infinity;
    return this.depthOf(this.check(u)) + this.depthOf(this.check(v)) - 2 * this.depthOf(m);
  }
  /** Branch length between `u` and `v` through their MRCA. */
  distanceBetween(u: number | bigint, v: number | bigint): number {
    noExtra(arguments, 2, "Tree.distanceBetween");
    const t = this.tmrca(u, v);
    return t - this.timeOf(this.check(u)) + t - this.timeOf(this.check(v));
  }

  // ---- sites and mutations --------------------------------------------------------------

  /** Ids of the sites in this tree's interval. */
  sites(): Int32Array {
    noExtra(arguments, 0, "Tree.sites");
    const a = this.st[S.SITES_START],
      b = this.state[S.SITES_END];
    return Int32Array.from({ length: b - a }, (_, i) => a + i);
  }
  get numSites(): number {
    const s = this.st;
    return s[S.SITES_END] - s[S.SITES_START];
  }
  /** Ids of the mutations at this tree's sites, in table order. */
  mutations(): Int32Array {
    noExtra(arguments, 0, "Tree.mutations");
    const [a, b] = this.mutationRange();
    return Int32Array.from({ length: b - a }, (_, i) => a + i);
  }
  get numMutations(): number {
    const [a, b] = this.mutationRange();
    return b - a;
  }
  private mutationRange(): [number, number] {
    const s = this.st;
    const site = this.ctx.mutationSite;
    const lower = (x: number): number => {
      let lo = 0,
        hi = site.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (site[m] < x) lo = m + 1;
        else hi = m;
      }
      return lo;
    };
    return [lower(s[S.SITES_START]), lower(s[S.SITES_END])];
  }

  // ---- text and shape -------------------------------------------------------------------

  /** tskit's `as_newick`: the same text. */
  asNewick(options: NewickOptions = {}): string {
    noExtra(arguments, 1, "Tree.asNewick");
    this.live();
    return newick(this.view(), options, this.ctx.discreteTime.bind(this.ctx), (u) => this.check(u, "asNewick root"));
  }

  /**
   * tskit's `draw_svg`: an SVG picture of this tree, as text, with tskit's groups and classes
   * (`node n<id>`, `edge`, `mut m<id> s<site>`, `sym`, `lab`...), so that CSS can style it
   * (`style`). Options (camelCase of tskit's): `size`, `timeScale` ("time", "log_time",
   * "rank"), `maxTime`, `minTime`, `nodeLabels`, `mutationLabels`, `nodeTitles`,
   * `mutationTitles`, `title`, `order` ("minlex", "tree"), `forceRootBranch`, `symbolSize`,
   * `xAxis`, `xLabel`, `xRegions`, `yAxis`, `yLabel`, `yTicks`, `yGridlines`, `omitSites`,
   * `allEdgeMutations`, `rootSvgAttributes`, `style`, `canvasSize`, `preamble`. The same in
   * Node and in the browser; write the text to a file or put it in a page yourself.
   */
  drawSvg(options: TreeDrawSvgOptions = {}): string {
    noExtra(arguments, 1, "Tree.drawSvg");
    this.live();
    return treeSvg(this, this.ctx.drawSequence(), options);
  }

  /** tskit's `draw_text`: this tree in box-drawing characters (or ASCII with `useAscii`), the
   * same text as tskit's. Options: `orientation` ("top", "left", "bottom", "right"),
   * `nodeLabels`, `maxTime` ("tree", "ts"), `useAscii`, `order` ("minlex", "tree"). */
  drawText(options: TreeDrawTextOptions = {}): string {
    noExtra(arguments, 1, "Tree.drawText");
    this.live();
    return treeText(this, this.ctx.drawSequence(), options);
  }

  /** @internal The arrays the algorithms in tree-metrics.ts and newick.ts read. */
  view(): metrics.TreeView {
    this.live();
    return {
      numNodes: this.nodes_,
      time: this.time_,
      flags: this.ctx.flags,
      samples: this.ctx.samples,
      parent: this.parentArr,
      leftChild: this.leftChildArr,
      rightChild: this.rightChildArr,
      leftSib: this.leftSibArr,
      rightSib: this.rightSibArr,
      numChildren: this.numChildrenArr,
      postorder: (u: number) => this.postorderFrom(u),
    };
  }

  collessIndex(): number {
    noExtra(arguments, 0, "Tree.collessIndex");
    return metrics.collessIndex(this.view());
  }
  sackinIndex(): number {
    noExtra(arguments, 0, "Tree.sackinIndex");
    return metrics.sackinIndex(this.view());
  }
  b1Index(): number {
    noExtra(arguments, 0, "Tree.b1Index");
    return metrics.b1Index(this.view());
  }
  b2Index(options: { base?: number } = {}): number {
    noExtra(arguments, 1, "Tree.b2Index");
    const o = optionsObject(options, ["base"], "Tree.b2Index");
    const base = o.base === undefined ? 10 : toNumber(o.base, { where: "Tree.b2Index", path: "base" });
    // What Python's math.log(10, base) refuses, as tskit asks it; NaN and Infinity pass there.
    if (base <= 0 || base === 1) {
      throw new TreeSeqError("BAD_PARAM", `Tree.b2Index: base ${base} is not a logarithm base (positive, not 1)`);
    }
    return metrics.b2Index(this.view(), base);
  }
  /** Branches crossing time `t` (a node at exactly t counts as one lineage). */
  numLineages(t: number): number {
    noExtra(arguments, 1, "Tree.numLineages");
    const x = toNumber(t, { where: "Tree.numLineages", path: "t" });
    if (!Number.isFinite(x)) throw new TreeSeqError("BAD_PARAM", `Tree.numLineages: time ${x} is not finite`);
    return metrics.numLineages(this.view(), x);
  }
  /** Kendall–Colijn distance to `other` (same samples; both with one root and no unary nodes). */
  kcDistance(other: Tree, options: { lambda?: number } = {}): number {
    noExtra(arguments, 2, "Tree.kcDistance");
    if (!(other instanceof Tree)) throw new TreeSeqError("BAD_PARAM", `Tree.kcDistance: other is ${describe(other)}, not a Tree`);
    const o = optionsObject(options, ["lambda"], "Tree.kcDistance");
    const lambda = o.lambda === undefined ? 0 : toNumber(o.lambda, { where: "Tree.kcDistance", path: "lambda" });
    return metrics.kcDistance(this.view(), other.view(), lambda);
  }
  /** Robinson–Foulds distance to `other` (both with one root). */
  rfDistance(other: Tree): number {
    noExtra(arguments, 1, "Tree.rfDistance");
    if (!(other instanceof Tree)) throw new TreeSeqError("BAD_PARAM", `Tree.rfDistance: other is ${describe(other)}, not a Tree`);
    return metrics.rfDistance(this.view(), other.view());
  }
}
