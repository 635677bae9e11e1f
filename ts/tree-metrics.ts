/**
 * Tree shape measures (tskit's balance indexes, lineage counts, KC and RF distances), computed
 * from the node arrays a Tree views: no call into the backend. Each follows tskit 1.0.3's C
 * implementation (trees.c), including its visiting order, so that sums round the same way,
 * and refuses what tskit refuses.
 */
import { TreeSeqError } from "./errors.js";

const NULL = -1;

/** @internal The arrays of one tree (length numNodes + 1; the last is the virtual root). */
export interface TreeView {
  numNodes: number;
  time: Float64Array;
  flags: Uint32Array;
  samples: Int32Array;
  parent: Int32Array;
  leftChild: Int32Array;
  rightChild: Int32Array;
  leftSib: Int32Array;
  rightSib: Int32Array;
  numChildren: Int32Array;
  /** Postorder from a node (-1: from every root). */
  postorder(u: number): Int32Array;
}

function singleRoot(t: TreeView, what: string): void {
  const n = t.numChildren[t.numNodes];
  if (n !== 1) throw new TreeSeqError("BAD_PARAM", `Tree.${what}: undefined for a tree with ${n} roots (tskit: not singly-rooted)`);
}

/** Sum over leaves of their depth (tskit's stack walk from the right). */
export function sackinIndex(t: TreeView): number {
  const stack: Array<[number, number]> = [];
  for (let u = t.rightChild[t.numNodes]; u !== NULL; u = t.leftSib[u]) stack.push([u, 0]);
  let total = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    const u = t.rightChild[node];
    if (u === NULL) total += depth;
    else for (let v = u; v !== NULL; v = t.leftSib[v]) stack.push([v, depth + 1]);
  }
  return total;
}

/** Sum over internal nodes of |leaves left − leaves right|; binary trees with one root only. */
export function collessIndex(t: TreeView): number {
  singleRoot(t, "collessIndex");
  const leaves = new Int32Array(t.numNodes + 1);
  let total = 0;
  for (const u of t.postorder(NULL)) {
    let k = 0;
    for (let v = t.rightChild[u]; v !== NULL; v = t.leftSib[v]) {
      k++;
      leaves[u] += leaves[v];
    }
    if (k === 0) leaves[u] = 1;
    else if (k === 2) {
      const v = t.rightChild[u];
      total += Math.abs(leaves[v] - leaves[t.leftSib[v]]);
    } else throw new TreeSeqError("BAD_PARAM", `Tree.collessIndex: undefined for a nonbinary tree (node ${u} has ${k} children)`);
  }
  return total;
}

/** Sum over internal non-root nodes of 1 / (longest path to a leaf below). */
export function b1Index(t: TreeView): number {
  const mpl = new Float64Array(t.numNodes + 1);
  let total = 0;
  for (const u of t.postorder(NULL)) {
    if (t.parent[u] !== NULL && t.rightChild[u] !== NULL) {
      let m = 0;
      for (let v = t.rightChild[u]; v !== NULL; v = t.leftSib[v]) m = Math.max(m, mpl[v]);
      mpl[u] = m + 1;
      total += 1 / mpl[u];
    }
  }
  return total;
}

/** Shannon entropy (in `base`) of the leaf reached by a random walk down from the root. */
export function b2Index(t: TreeView, base: number): number {
  singleRoot(t, "b2Index");
  const logBase = Math.log(base);
  const stack: Array<[number, number]> = [[t.leftChild[t.numNodes], 1]];
  let total = 0;
  while (stack.length > 0) {
    const [node, p] = stack.pop()!;
    const u = t.rightChild[node];
    if (u === NULL) total -= p * (Math.log(p) / logBase);
    else {
      let k = 0;
      for (let v = u; v !== NULL; v = t.leftSib[v]) k++;
      const q = p * (1 / k);
      for (let v = u; v !== NULL; v = t.leftSib[v]) stack.push([v, q]);
    }
  }
  return total;
}

/** Branches whose child is at or below `x` and parent above it (tskit's num_lineages). */
export function numLineages(t: TreeView, x: number): number {
  const stack: number[] = [];
  for (let u = t.rightChild[t.numNodes]; u !== NULL; u = t.leftSib[u]) stack.push(u);
  let n = 0;
  while (stack.length > 0) {
    const u = stack.pop()!;
    const pt = t.time[u];
    for (let v = t.rightChild[u]; v !== NULL; v = t.leftSib[v]) {
      if (t.time[v] > x) stack.push(v);
      else if (x < pt) n++;
    }
  }
  return n;
}

/** Samples at or below `u`, as indexes into `samples`, for the KC vectors. */
function sampleIndexes(t: TreeView, index: Int32Array, u: number): number[] {
  const out: number[] = [];
  const stack = [u];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (index[v] >= 0) out.push(index[v]);
    for (let c = t.leftChild[v]; c !== NULL; c = t.rightSib[c]) stack.push(c);
  }
  return out;
}

/** tskit's KC vectors: per pair of samples the depth and root distance of their MRCA, then per
 * sample 1 and its branch length. */
function kcVectors(t: TreeView, index: Int32Array): { m: Float64Array; M: Float64Array } {
  const n = t.samples.length;
  const N = (n * (n - 1)) / 2;
  const m = new Float64Array(N + n),
    M = new Float64Array(N + n);
  const root = t.leftChild[t.numNodes];
  const stack: Array<[number, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [u, depth] = stack.pop()!;
    if (index[u] >= 0) {
      const p = t.parent[u];
      m[N + index[u]] = 1;
      M[N + index[u]] = p === NULL ? 0 : t.time[p] - t.time[u];
    }
    const children: number[] = [];
    for (let c = t.leftChild[u]; c !== NULL; c = t.rightSib[c]) {
      stack.push([c, depth + 1]);
      children.push(c);
    }
    if (children.length < 2) continue;
    const below = children.map((c) => sampleIndexes(t, index, c));
    const time = t.time[root] - t.time[u];
    for (let i = 0; i < below.length; i++) {
      for (let j = i + 1; j < below.length; j++) {
        for (const a of below[i]) {
          for (const b of below[j]) {
            const n1 = Math.min(a, b),
              n2 = Math.max(a, b);
            const pair = n2 - n1 - 1 + (-1 * n1 * (n1 - 2 * n + 1)) / 2;
            m[pair] = depth;
            M[pair] = time;
          }
        }
      }
    }
  }
  return { m, M };
}

function kcCheck(t: TreeView): void {
  const r = t.numChildren[t.numNodes];
  if (r !== 1) throw new TreeSeqError("BAD_PARAM", `Tree.kcDistance: trees with multiple roots (here ${r}) are not supported`);
  for (let u = 0; u < t.numNodes; u++) {
    if (t.leftChild[u] !== NULL && t.leftChild[u] === t.rightChild[u]) {
      throw new TreeSeqError("BAD_PARAM", `Tree.kcDistance: trees with unary nodes (node ${u}) are not supported`);
    }
  }
}

export function kcDistance(a: TreeView, b: TreeView, lambda: number): number {
  if (a.samples.length !== b.samples.length || a.samples.some((s, i) => s !== b.samples[i])) {
    throw new TreeSeqError("BAD_PARAM", "Tree.kcDistance: the trees' tree sequences have different samples");
  }
  kcCheck(a);
  kcCheck(b);
  const index = new Int32Array(a.numNodes + 1).fill(-1);
  a.samples.forEach((s, i) => {
    index[s] = i;
  });
  const va = kcVectors(a, index),
    vb = kcVectors(b, index);
  let sum = 0;
  for (let i = 0; i < va.m.length; i++) {
    const x = va.m[i] * (1 - lambda) + lambda * va.M[i];
    const y = vb.m[i] * (1 - lambda) + lambda * vb.M[i];
    sum += (x - y) * (x - y);
  }
  return Math.sqrt(sum);
}

/** The distinct sets of samples below each node (tskit's `_get_sample_sets`), as keys. */
function splits(t: TreeView): Set<string> {
  const sets = new Map<number, number[]>();
  for (const u of t.postorder(NULL)) {
    const s: number[] = (t.flags[u] & 1) !== 0 ? [u] : [];
    for (let c = t.leftChild[u]; c !== NULL; c = t.rightSib[c]) s.push(...sets.get(c)!);
    sets.set(u, s);
  }
  const out = new Set<string>();
  for (const s of sets.values())
    out.add(
      s
        .slice()
        .sort((x, y) => x - y)
        .join(","),
    );
  return out;
}

export function rfDistance(a: TreeView, b: TreeView): number {
  if (a.numChildren[a.numNodes] !== 1 || b.numChildren[b.numNodes] !== 1) {
    throw new TreeSeqError("BAD_PARAM", "Tree.rfDistance: trees must have a single root");
  }
  const sa = splits(a),
    sb = splits(b);
  let d = 0;
  for (const k of sa) if (!sb.has(k)) d++;
  for (const k of sb) if (!sa.has(k)) d++;
  return d;
}
