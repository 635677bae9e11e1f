/**
 * tskit's `Tree.as_newick`, the same text: children left to right, samples labelled `n<id>`
 * unless `nodeLabels` says otherwise, branch lengths printed as C's `%.<precision>f`.
 */
import { TreeSeqError } from "./errors.js";
import type { TreeView } from "./tree-metrics.js";
import { booleanValue, describe, isPlainObject, optionsObject, stringValue, toInteger } from "./values.js";

const NULL = -1;

export interface NewickOptions {
  /** The subtree to write; default the tree's single root (several roots: refused, as tskit). */
  root?: number | bigint;
  /** Digits after the point; default 0 when every time is an integer, else 17. */
  precision?: number;
  /** Labels by node id (a Map or an object); nodes without one are unlabelled. Default: `n<id>` for samples. */
  nodeLabels?: Map<number, string> | Record<number, string>;
  includeBranchLengths?: boolean;
}

/**
 * `x` with `p` digits after the point, rounded as C's printf (to nearest, exact ties to even);
 * JavaScript's toFixed is exact too but takes ties away from zero.
 */
export function formatFixed(x: number, p: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + (p > 0 ? "." + "0".repeat(p) : ""); // an integer here
  // An exact tie has p + 1 digits after the point, the last a 5, so toFixed(p + 1) ends in 5;
  // any other x is rounded alike by both, and skips the 100-digit expansion (6x the time:
  // 28 s for medium.trees' 6719 trees).
  if (p < 99 && !x.toFixed(p + 1).endsWith("5")) return x.toFixed(p);
  const exact = x.toFixed(100);
  const point = exact.indexOf(".");
  const frac = exact.slice(point + 1);
  if (p < 100 && frac[p] === "5" && /^0*$/.test(frac.slice(p + 1))) {
    const kept = exact.slice(0, p > 0 ? point + 1 + p : point);
    const last = kept.charCodeAt(kept.length - 1) - 48;
    if (last % 2 === 0) return kept; // the tie goes to the even neighbour, below
  }
  return x.toFixed(p);
}

/** `nodeLabels` (a Map or an object of id -> label) as a Map, checked: Newick's and NEXUS's. */
export function nodeLabelMap(v: unknown, where: string): Map<number, string> {
  const out = new Map<number, string>();
  const entries = v instanceof Map ? [...v] : isPlainObject(v) ? Object.entries(v) : null;
  if (entries === null) throw new TreeSeqError("BAD_PARAM", `${where}: nodeLabels is ${describe(v)}, not a Map or an object of labels`);
  for (const [k, s] of entries) {
    const id = toInteger(typeof k === "string" && /^-?\d+$/.test(k) ? Number(k) : k, { where, path: "nodeLabels key" }, "a node id");
    out.set(id, stringValue(s, { where, path: `nodeLabels[${id}]` }, "a string"));
  }
  return out;
}

export function newick(t: TreeView, options: unknown, discreteTime: () => boolean, checkNode: (u: unknown) => number): string {
  const o = optionsObject(options, ["root", "precision", "nodeLabels", "includeBranchLengths"], "Tree.asNewick");
  let root: number;
  if (o.root === undefined || o.root === null) {
    const n = t.numChildren[t.numNodes];
    if (n !== 1) {
      throw new TreeSeqError(
        "BAD_PARAM",
        `Tree.asNewick: the tree has ${n} roots; give { root } for each of tree.roots (tskit refuses a newick string of several trees)`,
      );
    }
    root = t.leftChild[t.numNodes];
  } else {
    root = checkNode(o.root);
  }
  const lengths =
    o.includeBranchLengths === undefined
      ? true
      : booleanValue(o.includeBranchLengths, { where: "Tree.asNewick", path: "includeBranchLengths" });
  const custom = o.nodeLabels !== undefined && o.nodeLabels !== null;
  let precision: number;
  if (o.precision === undefined || o.precision === null) precision = discreteTime() ? 0 : 17;
  else precision = toInteger(o.precision, { where: "Tree.asNewick", path: "precision" });
  // tskit's C writer (branch lengths, default labels) takes 0 to 17 digits; its Python writer any.
  const max = lengths && !custom ? 17 : 99;
  if (precision < 0 || precision > max) {
    throw new TreeSeqError("BAD_PARAM", `Tree.asNewick: precision ${precision} must be between 0 and ${max}, inclusive`);
  }
  if (root === t.numNodes && lengths && !custom) {
    // tskit's C writer fails here (the virtual root's infinite time); its Python writer
    // (topology only, or custom labels) writes the roots side by side.
    throw new TreeSeqError(
      "BAD_PARAM",
      "Tree.asNewick: the virtual root has no Newick text with branch lengths and default labels (tskit fails too); give a root, or includeBranchLengths: false",
    );
  }
  const names = custom ? nodeLabelMap(o.nodeLabels, "Tree.asNewick") : null;
  const label = (u: number): string => (names ? (names.get(u) ?? "") : u < t.numNodes && (t.flags[u] & 1) !== 0 ? `n${u}` : "");

  return write(t, root, label, lengths, precision) + ";";
}

/** tskit's `branch_length`: 0 for a root (below the virtual root). */
const branchLength = (t: TreeView, u: number): number => {
  const p = t.parent[u];
  return p === NULL ? 0 : t.time[p] - t.time[u];
};

/** The text of the subtree of `root` (no ';'), written with an explicit stack. */
function write(t: TreeView, root: number, label: (u: number) => string, lengths: boolean, precision: number): string {
  const out: string[] = [];
  // Frames: a node to open, or a node to close; the branch length of a child is written when
  // it closes (or right after a leaf), and a comma before every child but the first.
  const stack: Array<{ u: number; close: boolean; first: boolean }> = [{ u: root, close: false, first: true }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const u = f.u;
    if (!f.close) {
      if (!f.first) out.push(",");
      if (t.leftChild[u] === NULL) {
        out.push(label(u));
        if (u !== root && lengths) out.push(":" + formatFixed(branchLength(t, u), precision));
        continue;
      }
      out.push("(");
      stack.push({ u, close: true, first: f.first });
      const kids: number[] = [];
      for (let c = t.leftChild[u]; c !== NULL; c = t.rightSib[c]) kids.push(c);
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ u: kids[i], close: false, first: i === 0 });
    } else {
      out.push(")" + label(u));
      if (u !== root && lengths) out.push(":" + formatFixed(branchLength(t, u), precision));
    }
  }
  return out.join("");
}
