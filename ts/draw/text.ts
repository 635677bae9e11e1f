/**
 * tskit's `draw_text`: a tree (or every tree of a tree sequence, side by side) in box-drawing
 * characters or ASCII, the same text as tskit's. Leaves sit in drawing order, one label width
 * apart; a parent over the middle of its children; rows by the order of distinct times.
 */
import { TreeSeqError } from "../errors.js";
import type { Tree } from "../tree.js";
import { formatFixed, nodeLabelMap } from "../newick.js";
import { booleanValue, describe, optionsObject, stringValue } from "../values.js";
import { type DrawOrder, type DrawSequence, least, most, type Shape, scopeOf, shapeAt } from "./layout.js";

const NULL = -1;

export type Orientation = "top" | "left" | "bottom" | "right";

export interface TreeDrawTextOptions {
  /** Where the root is: "top" (default), "left", "bottom" or "right". */
  orientation?: Orientation;
  /** Labels by node id (a Map or an object); tree nodes not listed get a line. Default: the id. */
  nodeLabels?: Map<number, string> | Record<number, string>;
  /** "tree" (default: rows for this tree's times) or "ts" (rows for all the tree sequence's). */
  maxTime?: "tree" | "ts";
  /** ASCII (`+-|`) instead of box-drawing characters. */
  useAscii?: boolean;
  /** "minlex" (default) or "tree". */
  order?: DrawOrder;
}

export interface TreeSequenceDrawTextOptions {
  nodeLabels?: Map<number, string> | Record<number, string>;
  useAscii?: boolean;
  /** A node time's label (default: two decimals, as tskit's "{:.2f}"). */
  timeLabelFormat?: (time: number) => string;
  /** A breakpoint's label (default: no decimals if every breakpoint is an integer, else two). */
  positionLabelFormat?: (position: number) => string;
  order?: DrawOrder;
}

/** tskit's `create_tick_labels`: no decimals when every value is an integer, else two. */
export function tickLabels(xs: number[]): string[] {
  const digits = xs.every((x) => Math.round(x) === x) ? 0 : 2;
  return xs.map((x) => formatFixed(x, digits));
}

/** Python's round() to an integer: halves to even. */
const roundHalfEven = (x: number): number => {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
};

/** Length in characters (code points), as Python's len. */
const len = (s: string): number => [...s].length;

/** A grid of characters. */
class Canvas {
  readonly rows: string[][];
  constructor(
    public height: number,
    public width: number,
  ) {
    this.rows = Array.from({ length: height }, () => new Array<string>(width).fill(" "));
  }
  put(y: number, x: number, s: string): void {
    const cs = [...s];
    for (let i = 0; i < cs.length; i++) if (x + i < this.width) this.rows[y][x + i] = cs[i];
  }
  set(y: number, x: number, c: string): void {
    this.rows[y][x] = c;
  }
  toString(): string {
    return this.rows.map((r) => r.join("")).join("");
  }
}

interface TreeText {
  canvas: Canvas;
  height: number;
  width: number;
  /** Row of each node (after orientation). */
  timePosition: Map<number, number>;
}

/** Row of each node counted from the present (tskit's `node_time_depth`): nodes at one time
 * share a row, a parent at least `branch(child)` rows above each child, rows 2 apart. */
function timeDepth(shape: Shape, seq: DrawSequence, branch: (u: number) => number, maxTime: "tree" | "ts"): [Map<number, number>, number] {
  const time = seq.tables.nodes.time;
  const depth = new Map<number, number>();
  let current = 0;
  const byTime = new Map<number, number[]>();
  const group = (u: number) => {
    const t = time[u];
    const g = byTime.get(t);
    if (g) g.push(u);
    else byTime.set(t, [u]);
  };
  let below: (u: number) => number[];
  if (maxTime === "tree") {
    for (const u of preorder(shape)) group(u);
    below = (u) => shape.children(u);
  } else {
    for (let u = 0; u < time.length; u++) group(u);
    const e = seq.tables.edges;
    const kids = new Map<number, number[]>();
    for (let i = 0; i < e.numRows; i++) {
      const k = kids.get(e.parent[i]);
      if (k) k.push(e.child[i]);
      else kids.set(e.parent[i], [e.child[i]]);
    }
    below = (u) => kids.get(u) ?? [];
  }
  for (const t of [...byTime.keys()].sort((a, b) => a - b)) {
    const us = byTime.get(t)!;
    for (const u of us) for (const v of below(u)) current = Math.max(current, depth.get(v)! + branch(v));
    for (const u of us) depth.set(u, current);
    current += 2;
  }
  if (maxTime === "tree") for (const r of shape.roots) current = Math.max(current, depth.get(r)! + branch(r));
  return [depth, current];
}

function preorder(shape: Shape, roots: number[] = shape.roots): number[] {
  const out: number[] = [];
  const stack = roots.slice().reverse();
  while (stack.length > 0) {
    const u = stack.pop()!;
    out.push(u);
    const ch = shape.children(u);
    for (let i = ch.length - 1; i >= 0; i--) stack.push(ch[i]);
  }
  return out;
}

function labelsFor(shape: Shape, given: Map<number, string> | null, line: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const u of preorder(shape)) out.set(u, given === null ? String(u) : line);
  if (given !== null) for (const [u, s] of given) out.set(u, s);
  return out;
}

/** Root at the top (or bottom): time runs down the rows. */
function vertical(
  shape: Shape,
  seq: DrawSequence,
  given: Map<number, string> | null,
  maxTime: "tree" | "ts",
  ascii: boolean,
  top: boolean,
): TreeText {
  const vline = ascii ? "|" : "┃";
  const hline = ascii ? "-" : "━";
  const labels = labelsFor(shape, given, vline);
  const [depth, total] = timeDepth(shape, seq, () => 1, maxTime);
  const height = total - 1;
  // Left neighbour: the nearest node drawn to the left at the same level of nesting.
  const neighbour = new Map<number, number>();
  const drawnKids = new Map<number, number[]>();
  for (const u of shape.order) {
    const p = shape.parent[u];
    const k = drawnKids.get(p);
    if (k) k.push(u);
    else drawnKids.set(p, [u]);
  }
  const stack: Array<[number, number]> = [[NULL, NULL]];
  while (stack.length > 0) {
    const [u, n] = stack.pop()!;
    neighbour.set(u, n);
    const ch = drawnKids.get(u) ?? [];
    for (let i = ch.length - 1; i >= 0; i--) stack.push([ch[i], i === 0 ? n : ch[i - 1]]);
  }
  const pos = new Map<number, number>();
  const labelX = new Map<number, number>();
  let x = 0;
  for (const u of shape.order) {
    const size = len(labels.get(u)!);
    const ch = shape.children(u);
    if (ch.length === 0) {
      pos.set(u, x + Math.floor(size / 2));
      labelX.set(u, x);
      x += size + 1;
    } else {
      const xs = ch.map((c) => pos.get(c)!);
      const a = least(xs),
        b = most(xs);
      pos.set(u, xs.length === 1 ? xs[0] : roundHalfEven(a + (b - a) / 2));
      const n = neighbour.get(u)!;
      const lx = Math.max(n === NULL ? 0 : pos.get(n)! + 1, pos.get(u)! - Math.floor(size / 2));
      labelX.set(u, lx);
      x = Math.max(x, lx + size + 1);
    }
  }
  const width = x;
  const canvas = new Canvas(height, width);
  const [lc, rc, midParent, midBoth, midChild] = ascii
    ? ["+", "+", "+", "+", "+"]
    : top
      ? ["┏", "┓", "┻", "╋", "┳"]
      : ["┗", "┛", "┳", "╋", "┻"];
  for (const u of preorder(shape)) {
    const xu = pos.get(u)!,
      yu = depth.get(u)!;
    canvas.put(yu, labelX.get(u)!, labels.get(u)!);
    const ch = shape.children(u);
    if (ch.length === 1) {
      for (let y = depth.get(ch[0])!; y < yu; y++) canvas.set(y, xu, vline);
    } else if (ch.length > 1) {
      const xs = ch.map((c) => pos.get(c)!);
      const left = least(xs),
        right = most(xs);
      const y = yu - 1;
      for (let i = left + 1; i < right; i++) canvas.set(y, i, hline);
      canvas.set(y, xu, midParent);
      for (const v of ch) {
        const xv = pos.get(v)!;
        for (let r = depth.get(v)!; r < yu; r++) canvas.set(r, xv, vline);
        canvas.set(y, xv, xv === xu ? midBoth : midChild);
      }
      canvas.set(y, left, lc);
      canvas.set(y, right, rc);
    }
  }
  const timePosition = new Map<number, number>();
  if (top) {
    canvas.rows.reverse();
    for (const [u, y] of depth) timePosition.set(u, height - y - 1);
  } else for (const [u, y] of depth) timePosition.set(u, y);
  for (const r of canvas.rows) r[width - 1] = "\n";
  return { canvas, height, width, timePosition };
}

/** Root at the left (or right): time runs along the columns. */
function horizontal(shape: Shape, seq: DrawSequence, given: Map<number, string> | null, ascii: boolean, left: boolean): string {
  const vline = ascii ? "|" : "┃";
  const hline = ascii ? "-" : "━";
  const labels = labelsFor(shape, given, hline);
  const [depth, total] = timeDepth(shape, seq, (u) => 1 + len(labels.get(u)!), "tree");
  const width = total;
  const pos = new Map<number, number>();
  let y = 0;
  // Roots in the tree's own order; within each, the drawing order.
  const rank = new Map(shape.order.map((u, i) => [u, i]));
  for (const root of shape.roots) {
    const nodes = [...preorder(shape, [root])].sort((a, b) => rank.get(a)! - rank.get(b)!);
    for (const u of nodes) {
      const ch = shape.children(u);
      if (ch.length === 0) {
        pos.set(u, y);
        y += 2;
      } else {
        const ys = ch.map((c) => pos.get(c)!);
        const a = least(ys),
          b = most(ys);
        pos.set(u, ys.length === 1 ? ys[0] : roundHalfEven(a + (b - a) / 2));
      }
    }
    y += 1;
  }
  const height = y - 2;
  const canvas = new Canvas(height, width);
  const [topAcross, botAcross, midParent, midBoth, midChild] = ascii
    ? ["+", "+", "+", "+", "+"]
    : left
      ? ["┏", "┗", "┫", "╋", "┣"]
      : ["┓", "┛", "┣", "╋", "┫"];
  for (const u of preorder(shape)) {
    const yu = pos.get(u)!,
      xu = depth.get(u)!;
    let label = labels.get(u)!;
    if (left) label = [...label].reverse().join(""); // the canvas is mirrored below
    canvas.put(yu, xu, label);
    const ch = shape.children(u);
    if (ch.length === 1) {
      for (let i = depth.get(ch[0])!; i < xu; i++) canvas.set(yu, i, hline);
    } else if (ch.length > 1) {
      const ys = ch.map((c) => pos.get(c)!);
      const bot = least(ys),
        top = most(ys);
      const x = xu - 1;
      for (let i = bot + 1; i < top; i++) canvas.set(i, x, vline);
      canvas.set(yu, x, midParent);
      for (const v of ch) {
        const yv = pos.get(v)!;
        for (let i = depth.get(v)!; i < x; i++) canvas.set(yv, i, hline);
        canvas.set(yv, x, yv === yu ? midBoth : midChild);
      }
      canvas.set(bot, x, topAcross);
      canvas.set(top, x, botAcross);
    }
  }
  if (left) {
    for (const r of canvas.rows) {
      r.reverse();
      r.push(" ");
      r.shift();
    }
  }
  for (const r of canvas.rows) r[width - 1] = "\n";
  return canvas.toString();
}

const bad = (where: string, msg: string): never => {
  throw new TreeSeqError("BAD_PARAM", `${where}: ${msg}`);
};

function orderOption(v: unknown, where: string): DrawOrder {
  if (v === undefined || v === null) return "minlex";
  const s = stringValue(v, { where, path: "order" }, '"minlex" or "tree"');
  if (s !== "minlex" && s !== "tree") bad(where, `order '${s}' is not one of minlex, tree`);
  return s as DrawOrder;
}

function labelsOption(v: unknown, where: string): Map<number, string> | null {
  return v === undefined || v === null ? null : nodeLabelMap(v, where);
}

function flagOption(v: unknown, where: string, name: string): boolean {
  return v === undefined || v === null ? false : booleanValue(v, { where, path: name });
}

/** @internal `tree.drawText(options)`. */
export function treeText(tree: Tree, seq: DrawSequence, options: unknown): string {
  const where = "Tree.drawText";
  const o = optionsObject(options ?? {}, ["orientation", "nodeLabels", "maxTime", "useAscii", "order"], where);
  const orientation =
    o.orientation === undefined || o.orientation === null
      ? "top"
      : stringValue(o.orientation, { where, path: "orientation" }, "an orientation").toLowerCase();
  if (!["top", "left", "bottom", "right"].includes(orientation))
    bad(where, `orientation '${orientation}' is not one of top, left, bottom, right`);
  let maxTime: "tree" | "ts" = "tree";
  if (o.maxTime !== undefined && o.maxTime !== null) {
    if (o.maxTime !== "tree" && o.maxTime !== "ts")
      bad(where, `maxTime is ${describe(o.maxTime)}, not "tree" or "ts" (a text tree has no numeric time axis)`);
    maxTime = o.maxTime as "tree" | "ts";
  }
  const ascii = flagOption(o.useAscii, where, "useAscii");
  const order = orderOption(o.order, where);
  const labels = labelsOption(o.nodeLabels, where);
  const shape = shapeAt(scopeOf(seq, null, false), tree.index, order, tree);
  if (orientation === "left" || orientation === "right") return horizontal(shape, seq, labels, ascii, orientation === "left");
  return vertical(shape, seq, labels, maxTime, ascii, orientation === "top").canvas.toString();
}

/** @internal `ts.drawText(options)`. */
export function treeSequenceText(seq: DrawSequence, options: unknown): string {
  const where = "TreeSequence.drawText";
  const o = optionsObject(options ?? {}, ["nodeLabels", "useAscii", "timeLabelFormat", "positionLabelFormat", "order"], where);
  const ascii = flagOption(o.useAscii, where, "useAscii");
  const order = orderOption(o.order, where);
  const labels = labelsOption(o.nodeLabels, where);
  const format = (v: unknown, name: string): ((x: number) => string) | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== "function")
      bad(where, `${name} is ${describe(v)}, not a function of a number giving its label (tskit takes a Python format string)`);
    return (x) => {
      const s = (v as (x: number) => unknown)(x);
      if (typeof s !== "string") bad(where, `${name}(${x}) gave ${describe(s)}, not a string`);
      return s as string;
    };
  };
  const timeFormat = format(o.timeLabelFormat, "timeLabelFormat") ?? ((x: number) => formatFixed(x, 2));
  const positionFormat = format(o.positionLabelFormat, "positionLabelFormat");
  const breaks = Array.from(seq.breakpoints());
  const positionLabels = positionFormat === null ? tickLabels(breaks) : breaks.map(positionFormat);
  const time = seq.tables.nodes.time;
  const timeLabels = Array.from(time, (t) => timeFormat(t));
  const scope = scopeOf(seq, null, false);
  const trees: TreeText[] = [];
  for (let i = 0; i + 1 < breaks.length; i++) trees.push(vertical(shapeAt(scope, i, order), seq, labels, "ts", ascii, true));
  const height = 1 + most(trees.map((t) => t.height));
  let width = trees.reduce((s, t) => s + t.width + 2, 0) - 1;
  const maxLabel = most(timeLabels.map(len));
  width += 3 + maxLabel + Math.floor(len(positionLabels[positionLabels.length - 1]) / 2);
  const canvas = new Canvas(height, width);
  const sep = ascii ? "|" : "┊";
  const rows = trees[0].timePosition;
  timeLabels.forEach((label, u) => {
    canvas.put(rows.get(u)!, 0, label);
  });
  for (let y = 0; y < height; y++) canvas.set(y, maxLabel, sep);
  let x = 2 + maxLabel;
  const positionLabel = (label: string) => canvas.put(height - 1, Math.max(x - Math.floor(len(label) / 2) - 2, 0), label);
  trees.forEach((t, j) => {
    positionLabel(positionLabels[j]);
    for (let r = 0; r < t.height; r++) {
      const row = t.canvas.rows[r];
      for (let c = 0; c + 1 < t.width; c++) canvas.set(height - t.height - 1 + r, x + c, row[c]);
    }
    x += t.width;
    for (let y = 0; y < height; y++) canvas.set(y, x, sep);
    x += 2;
  });
  positionLabel(positionLabels[positionLabels.length - 1]);
  for (const r of canvas.rows) r[width - 1] = "\n";
  return canvas.toString();
}
