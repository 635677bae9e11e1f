/**
 * What the drawings read from a tree sequence, and the shape of one tree as drawn: its nodes in
 * drawing order (tskit's "minlex" or "tree" postorder), children, roots, mutations, and the
 * extent of the tree sequence in view (tskit's `draw_svg(x_lim=...)` draws
 * `keep_intervals([x_lim])` of it; here the same trees are read off the whole one, with the ids
 * tskit's clipped copy would give them).
 *
 * Pure layout over arrays: no backend call per node, one per tree moved to.
 */
import type { Tables } from "../tables.js";
import type { Tree } from "../tree.js";

const NULL = -1;
const SAMPLE = 1;

/** @internal What a drawing needs of its tree sequence (the TreeSequence gives it). */
export interface DrawSequence {
  tables: Tables;
  sequenceLength: number;
  timeUnits: string;
  numTrees: number;
  breakpoints(): Float64Array;
  /** The tree with this index as tskit's `ts.trees()` meets it, walking left to right (so
   * that children and roots are in the order tskit's tree sequence drawings have them): one
   * Tree moved along, to be read before asking for the next. */
  treeAt(index: number): Tree;
}

/** The tree sequence in view: whole, or clipped to [xMin, xMax) as tskit's `clip_ts`. */
export interface Scope {
  seq: DrawSequence;
  xMin: number;
  xMax: number;
  clipped: boolean;
  /** Breakpoints of the tree sequence in view (of the clipped copy when clipped). */
  breaks: number[];
  /** Added to tree indexes (tskit's `Offsets.tree`: the index of the clipped copy's first
   * tree, an empty flank, is one before the first tree in view). Site and mutation ids are
   * the whole tree sequence's: the clipped copy's ids plus its offsets. */
  treeOffset: number;
  /** Sites in view: ids [siteLo, siteHi) of the whole tree sequence. */
  siteLo: number;
  siteHi: number;
  /** Nodes of an edge in view, and samples (tskit's `edge_and_sample_nodes`). */
  used: Uint8Array;
  maxRootTime: number;
  /** The largest known mutation time in view, 0 if none (tskit: nanmax with 0). */
  maxMutationTime: number;
  minUsedTime: number;
  /** An edge's id in the tree sequence in view (edges outside it are dropped, as tskit's). */
  edgeId(e: number): number;
}

const inView = (t: Tables, e: number, xMin: number, xMax: number): boolean => t.edges.left[e] < xMax && t.edges.right[e] > xMin;

function lowerBound(a: ArrayLike<number>, x: number, right = false): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x || (right && a[m] === x)) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** The scope of a drawing over [xMin, xMax) (null: tskit's default, the span with edges or
 * sites). `clip` false: the whole tree sequence, as a Tree's drawing sees it. */
export function scopeOf(seq: DrawSequence, xLim: [number | null, number | null] | null, clip: boolean): Scope {
  if (clip) return makeScope(seq, xLim, true);
  // A Tree's drawing sees the whole tree sequence: worked out once per tree sequence (a pass
  // over every node and edge), not once per picture.
  let s = wholeScopes.get(seq.tables);
  if (s === undefined) wholeScopes.set(seq.tables, (s = makeScope(seq, null, false)));
  return { ...s, seq };
}

const wholeScopes = new WeakMap<object, Scope>();

function makeScope(seq: DrawSequence, xLim: [number | null, number | null] | null, clip: boolean): Scope {
  const t = seq.tables;
  const L = seq.sequenceLength;
  const nEdges = t.edges.numRows;
  const pos = t.sites.position;
  let xMin = 0,
    xMax = L;
  if (clip) {
    xMin = xLim?.[0] ?? NaN;
    xMax = xLim?.[1] ?? NaN;
    if (Number.isNaN(xMin)) {
      if (nEdges === 0) xMin = 0;
      else {
        xMin = least(t.edges.left);
        if (pos.length > 0 && pos[0] < xMin) xMin = 0;
      }
    }
    if (Number.isNaN(xMax)) {
      if (nEdges === 0) xMax = L;
      else {
        xMax = most(t.edges.right);
        if (pos.length > 0 && pos[pos.length - 1] > xMax) xMax = L;
      }
    }
  }
  const clipped = xMin > 0 || xMax < L;
  const old = Array.from(seq.breakpoints());
  let breaks = old;
  let treeOffset = 0;
  let edgeMap: Int32Array | null = null;
  if (clipped) {
    treeOffset = lowerBound(old, xMin, true) - 2;
    const set = new Set<number>([0, L]);
    edgeMap = new Int32Array(nEdges).fill(NULL);
    let k = 0;
    for (let e = 0; e < nEdges; e++) {
      if (!inView(t, e, xMin, xMax)) continue;
      edgeMap[e] = k++;
      set.add(Math.max(t.edges.left[e], xMin));
      set.add(Math.min(t.edges.right[e], xMax));
    }
    breaks = [...set].sort((a, b) => a - b);
  }
  const siteLo = clipped ? lowerBound(pos, xMin) : 0;
  const siteHi = clipped ? lowerBound(pos, xMax) : pos.length;
  const nodes = t.nodes;
  const used = new Uint8Array(nodes.numRows);
  let maxRootTime = -Infinity;
  for (let u = 0; u < nodes.numRows; u++) {
    if (nodes.flags[u] & SAMPLE) {
      used[u] = 1;
      maxRootTime = Math.max(maxRootTime, nodes.time[u]);
    }
  }
  for (let e = 0; e < nEdges; e++) {
    if (clipped && !inView(t, e, xMin, xMax)) continue;
    used[t.edges.parent[e]] = 1;
    used[t.edges.child[e]] = 1;
    maxRootTime = Math.max(maxRootTime, nodes.time[t.edges.parent[e]]);
  }
  let minUsedTime = Infinity;
  for (let u = 0; u < used.length; u++) if (used[u]) minUsedTime = Math.min(minUsedTime, nodes.time[u]);
  let maxMutationTime = 0;
  const mLo = lowerBound(t.mutations.site, siteLo),
    mHi = lowerBound(t.mutations.site, siteHi);
  for (let m = mLo; m < mHi; m++) {
    const x = t.mutations.time[m];
    if (!Number.isNaN(x)) maxMutationTime = Math.max(maxMutationTime, x);
  }
  return {
    seq,
    xMin,
    xMax,
    clipped,
    breaks,
    treeOffset,
    siteLo,
    siteHi,
    used,
    maxRootTime,
    maxMutationTime,
    minUsedTime,
    edgeId: (e) => (e === NULL || edgeMap === null ? e : edgeMap[e]),
  };
}

/** The least of some numbers (Infinity for none): a loop, as a spread into Math.min
 * overflows the stack for a node with 10^5 children. */
export function least(xs: Iterable<number>): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

/** The greatest of some numbers (-Infinity for none). */
export function most(xs: Iterable<number>): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** One tree as drawn. */
export interface Shape {
  /** The index tskit's drawing gives it (`t<index>`), offsets included. */
  index: number;
  left: number;
  right: number;
  /** Nodes in drawing order: a postorder, children left to right as drawn. */
  order: number[];
  /** Parent of each node (-1 for a root or a node not in the tree). */
  parent: Int32Array;
  /** Children of each node in the tree's own order (the SVG nests them so). */
  children: (u: number) => number[];
  /** Roots as drawn, left to right. */
  roots: number[];
  isSample: (u: number) => boolean;
  /** The edge above `u` in the tree sequence in view, or -1. */
  edge: (u: number) => number;
  /** The tree's sites in view: ids [lo, hi). */
  sites: [number, number];
  /** Mutation ids (of the whole tree sequence) at the tree's sites in view, in table order. */
  mutations: number[];
  /** Node of each mutation (the whole tree sequence's table). */
  numNodes: number;
}

/** The drawing order: "minlex" (children by their least leaf id) or "tree" (as stored). */
export type DrawOrder = "minlex" | "tree";

/** The postorder tskit draws: roots then children in `kids` order, least leaf first for minlex. */
function drawingOrder(roots: number[], kids: (u: number) => number[], order: DrawOrder): number[] {
  let sortKids = kids;
  let sortedRoots = roots;
  if (order === "minlex") {
    // Least leaf below each node, by a plain postorder first.
    const minLeaf = new Map<number, number>();
    for (const u of postorder(roots, kids)) {
      const ch = kids(u);
      minLeaf.set(u, ch.length === 0 ? u : least(ch.map((c) => minLeaf.get(c)!)));
    }
    const byLeaf = (a: number, b: number) => minLeaf.get(a)! - minLeaf.get(b)!;
    sortKids = (u) => kids(u).slice().sort(byLeaf);
    sortedRoots = roots.slice().sort(byLeaf);
  }
  return postorder(sortedRoots, sortKids);
}

function postorder(roots: number[], kids: (u: number) => number[]): number[] {
  const out: number[] = [];
  const stack: Array<[number, boolean]> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push([roots[i], false]);
  while (stack.length > 0) {
    const [u, done] = stack.pop()!;
    if (done) {
      out.push(u);
      continue;
    }
    stack.push([u, true]);
    const ch = kids(u);
    for (let i = ch.length - 1; i >= 0; i--) stack.push([ch[i], false]);
  }
  return out;
}

/**
 * The shape of the tree `i` of the tree sequence in view ([breaks[i], breaks[i + 1])). A tree
 * of a clipped flank (outside [xMin, xMax)) has no edges: its samples stand alone. `given`:
 * that tree, already there (a Tree's own drawing).
 */
export function shapeAt(scope: Scope, i: number, order: DrawOrder, given?: Tree): Shape {
  const { seq } = scope;
  const t = seq.tables;
  const left = scope.breaks[i],
    right = scope.breaks[i + 1];
  const numNodes = t.nodes.numRows;
  const flags = t.nodes.flags;
  const isSample = (u: number) => (flags[u] & SAMPLE) !== 0;
  const lo = lowerBound(t.sites.position, Math.max(left, scope.xMin));
  const hi = lowerBound(t.sites.position, Math.min(right, scope.xMax));
  const sites: [number, number] = [Math.max(lo, scope.siteLo), Math.min(hi, scope.siteHi)];
  const mutations: number[] = [];
  for (let m = lowerBound(t.mutations.site, sites[0]); m < t.mutations.site.length && t.mutations.site[m] < sites[1]; m++) {
    mutations.push(m);
  }
  const base = { index: i + scope.treeOffset, left, right, numNodes, isSample, sites, mutations };
  if (left < scope.xMin || left >= scope.xMax) {
    const roots: number[] = [];
    for (let u = 0; u < numNodes; u++) if (isSample(u)) roots.push(u);
    const none = () => [];
    return {
      ...base,
      order: drawingOrder(roots, none, order),
      parent: new Int32Array(numNodes).fill(NULL),
      children: none,
      roots,
      edge: () => NULL,
    };
  }
  const tree = given ?? seq.treeAt(lowerBound(seq.breakpoints(), left, true) - 1);
  const v = tree.view();
  const parent = v.parent.slice(0, numNodes);
  const lc = v.leftChild,
    rs = v.rightSib;
  const edges = tree.edgeArray();
  // tskit draws a clipped view from a copy (`keep_intervals`), walked from its start: there
  // each node's children are in the order their edges came in, by the edge's left end in the
  // copy, then child id. Unclipped, the walk here is tskit's own.
  const sweep = given === undefined && scope.clipped;
  const edgeLeft = (c: number) => Math.max(t.edges.left[edges[c]], scope.xMin);
  const kidsOf = new Map<number, number[]>();
  const kids = (u: number): number[] => {
    let k = kidsOf.get(u);
    if (k === undefined) {
      k = [];
      for (let c = lc[u]; c !== NULL; c = rs[c]) k.push(c);
      if (sweep && u !== numNodes) k.sort((a, b) => edgeLeft(a) - edgeLeft(b) || a - b);
      kidsOf.set(u, k);
    }
    return k;
  };
  const roots = kids(numNodes).slice();
  const drawn = drawingOrder(roots, kids, order);
  for (const u of drawn) kids(u); // read every child list before the Tree moves on
  return {
    ...base,
    order: drawn,
    parent,
    children: (u) => kidsOf.get(u) ?? [],
    roots,
    edge: (u) => scope.edgeId(edges[u]),
  };
}
