/**
 * tskit's `TreeSequence.edge_diffs`, from the edge table and its insertion and removal
 * indexes (the same walk as tskit's Python, edges as ids).
 */
import { TreeSeqError } from "./errors.js";
import type { Tables } from "./tables.js";
import type { Interval } from "./tree.js";
import { booleanValue, optionsObject, stringValue } from "./values.js";

/** One record of `ts.edgeDiffs()`: a tree's interval and the ids of the edges that leave and
 * enter on the way into it (tskit's EdgeDiff, edges as ids). */
export interface EdgeDiff {
  interval: Interval;
  edgesOut: Int32Array;
  edgesIn: Int32Array;
}

export interface EdgeDiffsOptions {
  includeTerminal?: boolean;
  direction?: "forward" | "reverse";
}

const record = (left: number, right: number, out: number[], inn: number[]): EdgeDiff => ({
  interval: { left, right },
  edgesOut: Int32Array.from(out),
  edgesIn: Int32Array.from(inn),
});

/** Options are read at the call (a bad one throws there), records as the generator is walked. */
export function edgeDiffs(tables: Tables, sequenceLength: number, options: unknown): Generator<EdgeDiff> {
  const o = optionsObject(options, ["includeTerminal", "direction"], "edgeDiffs");
  const terminal =
    o.includeTerminal === undefined ? false : booleanValue(o.includeTerminal, { where: "edgeDiffs", path: "includeTerminal" });
  const direction =
    o.direction === undefined ? "forward" : stringValue(o.direction, { where: "edgeDiffs", path: "direction" }, '"forward" or "reverse"');
  if (direction !== "forward" && direction !== "reverse") {
    throw new TreeSeqError("BAD_PARAM", `edgeDiffs: direction '${direction}' must be "forward" or "reverse"`);
  }
  const left = tables.edges.left,
    right = tables.edges.right;
  const { edgeInsertionOrder, edgeRemovalOrder } = tables.indexes;
  return direction === "forward"
    ? forward(left, right, edgeInsertionOrder, edgeRemovalOrder, sequenceLength, terminal)
    : reverse(left, right, edgeRemovalOrder, edgeInsertionOrder, sequenceLength, terminal);
}

function* forward(
  eLeft: Float64Array,
  eRight: Float64Array,
  I: Int32Array,
  O: Int32Array,
  L: number,
  terminal: boolean,
): Generator<EdgeDiff> {
  const M = eLeft.length;
  let j = 0,
    k = 0,
    left = 0,
    right = L;
  while (j < M || left < L) {
    const out: number[] = [],
      inn: number[] = [];
    while (k < M && eRight[O[k]] === left) out.push(O[k++]);
    while (j < M && eLeft[I[j]] === left) inn.push(I[j++]);
    right = L;
    if (j < M) right = Math.min(right, eLeft[I[j]]);
    if (k < M) right = Math.min(right, eRight[O[k]]);
    yield record(left, right, out, inn);
    left = right;
  }
  if (terminal) {
    const out: number[] = [];
    while (k < M) out.push(O[k++]);
    yield record(left, right, out, []);
  }
}

/** From the right end: edges leave at their left end (insertion order, backward) and enter at
 * their right end (removal order, backward). */
function* reverse(
  eLeft: Float64Array,
  eRight: Float64Array,
  I: Int32Array,
  O: Int32Array,
  L: number,
  terminal: boolean,
): Generator<EdgeDiff> {
  const M = eLeft.length;
  let j = M - 1,
    k = M - 1,
    right = L,
    left = 0;
  while (j >= 0 || right > 0) {
    const out: number[] = [],
      inn: number[] = [];
    while (k >= 0 && eLeft[O[k]] === right) out.push(O[k--]);
    while (j >= 0 && eRight[I[j]] === right) inn.push(I[j--]);
    left = 0;
    if (j >= 0) left = Math.max(left, eRight[I[j]]);
    if (k >= 0) left = Math.max(left, eLeft[O[k]]);
    yield record(left, right, out, inn);
    right = left;
  }
  if (terminal) {
    const out: number[] = [];
    while (k >= 0) out.push(O[k--]);
    yield record(left, right, out, []);
  }
}
