/**
 * tskit's `draw_svg` for a Tree and for a TreeSequence: SVG text with tskit's structure (the
 * same groups and classes: `tree t<i>` > `plotbox` > nested `node n<id>` groups holding their
 * `edge` path, `mut m<id> s<site>` groups, `sym` symbol and `lab` label; `axes` > `x-axis` /
 * `y-axis` with `tick`s and `site` marks; `background` shading between trees and axis), the same
 * layout (leaves one unit apart in drawing order, a parent midway between its outer children,
 * heights by the time scale), so that tskit's stylesheets and scripts apply to it as they are.
 *
 * Not here: reading the tree (layout.ts), writing elements (element.ts).
 */
import { TreeSeqError } from "../errors.js";
import type { Tree } from "../tree.js";
import { nodeLabelMap } from "../newick.js";
import { booleanValue, describe, isList, isPlainObject, optionsObject, stringValue, toNumber } from "../values.js";
import { El, Raw, Text, rnd, translate } from "./element.js";
import { type DrawOrder, type DrawSequence, least, most, type Scope, type Shape, scopeOf, shapeAt } from "./layout.js";
import { tickLabels } from "./text.js";

const NULL = -1;

/** tskit's time scales: node heights by time, by log(1 + time), or by rank of the distinct times. */
export type TimeScale = "time" | "log_time" | "rank";

/** Options both `tree.drawSvg` and `ts.drawSvg` take (tskit's names, camelCase). */
export interface DrawSvgOptions {
  /** Width and height of the picture (default 200 x 200 for a tree, 200 per tree for a tree sequence). */
  size?: [number, number];
  /** "time" (default), "log_time" or "rank". */
  timeScale?: TimeScale;
  /** Text at the top. */
  title?: string;
  /** Top of the time axis: "tree" (the tree's oldest node or mutation; a Tree's default), "ts" (the tree sequence's; a TreeSequence's default) or a time (not with "rank"). */
  maxTime?: "tree" | "ts" | number;
  /** Bottom of the time axis: "tree", "ts" or a time (not with "rank"). */
  minTime?: "tree" | "ts" | number;
  /** Labels by node id (a Map or an object); nodes not listed get none. Default: the id. */
  nodeLabels?: Map<number, string> | Record<number, string>;
  /** Labels by mutation id; mutations not listed get none. Default: the id. */
  mutationLabels?: Map<number, string> | Record<number, string>;
  /** Tooltips (`<title>`) by node id. */
  nodeTitles?: Map<number, string> | Record<number, string>;
  /** Tooltips (`<title>`) by mutation id. */
  mutationTitles?: Map<number, string> | Record<number, string>;
  /** Attributes of the `<svg>` element (e.g. `{ id: "fig1" }`). */
  rootSvgAttributes?: Record<string, string | number>;
  /** CSS appended to tskit's stylesheet: style by class (`.node.n5 > .sym {fill: red}`). */
  style?: string;
  /** "minlex" (default: children by least leaf id) or "tree" (children as stored). */
  order?: DrawOrder;
  /** A branch above every root (default: only where a mutation sits above a root). */
  forceRootBranch?: boolean;
  /** Size of node and mutation symbols (default 6). */
  symbolSize?: number;
  /** The genome axis (tree sequence default: true; tree default: false). */
  xAxis?: boolean;
  xLabel?: string;
  /** Boxes on the genome axis: `[[left, right, label], ...]`. */
  xRegions?: Array<[number, number, string]>;
  /** The time axis: false (default), true or "left", "right". */
  yAxis?: boolean | "left" | "right";
  yLabel?: string;
  /** Ticks on the time axis: times, or `{ time: label }` (default: every node's time). */
  yTicks?: number[] | Record<number, string> | Map<number, string>;
  yGridlines?: boolean;
  /** Draw no sites or mutations. */
  omitSites?: boolean;
  /** Size of the SVG canvas, when larger than `size` (room for extra drawing). */
  canvasSize?: [number, number];
  /** Markup placed first inside `<svg>` (before the stylesheet). */
  preamble?: string;
}

export interface TreeDrawSvgOptions extends DrawSvgOptions {
  /** Also draw the mutations on this tree's edges outside its interval (marked `extra`). */
  allEdgeMutations?: boolean;
}

export interface TreeSequenceDrawSvgOptions extends DrawSvgOptions {
  /** "physical" (default: the axis in genome coordinates) or "treewise" (one unit per tree). */
  xScale?: "physical" | "treewise";
  /** Draw only the trees over `[left, right)`; either may be null (the span with edges or sites). */
  xLim?: [number | null, number | null];
  /** Draw at most this many trees (at least 2): the first and last ones, the rest "skipped". */
  maxNumTrees?: number;
}

const COMMON = [
  "size",
  "timeScale",
  "title",
  "maxTime",
  "minTime",
  "nodeLabels",
  "mutationLabels",
  "nodeTitles",
  "mutationTitles",
  "rootSvgAttributes",
  "style",
  "order",
  "forceRootBranch",
  "symbolSize",
  "xAxis",
  "xLabel",
  "xRegions",
  "yAxis",
  "yLabel",
  "yTicks",
  "yGridlines",
  "omitSites",
  "canvasSize",
  "preamble",
] as const;
const TREE_OPTIONS = [...COMMON, "allEdgeMutations"];
const TS_OPTIONS = [...COMMON, "xScale", "xLim", "maxNumTrees"];

// tskit's stylesheet, so that pictures look alike and user CSS written for tskit applies.
const STANDARD_STYLE =
  ".background path {fill: #808080; fill-opacity: 0}" +
  ".background path:nth-child(odd) {fill-opacity: .1}" +
  ".x-regions rect {fill: yellow; stroke: black; opacity: 0.5}" +
  ".axes {font-size: 14px}" +
  ".x-axis .tick .lab {font-weight: bold; dominant-baseline: hanging}" +
  ".axes, .tree {font-size: 14px; text-anchor: middle}" +
  ".axes line, .edge {stroke: black; fill: none}" +
  ".axes .ax-skip {stroke-dasharray: 4}" +
  ".y-axis .grid {stroke: #FAFAFA}" +
  ".node > .sym {fill: black; stroke: none}" +
  ".site > .sym {stroke: black}" +
  ".mut text {fill: red; font-style: italic}" +
  ".mut.extra text {fill: hotpink}" +
  ".mut line {fill: none; stroke: none}" +
  ".mut .sym {fill: none; stroke: red}" +
  ".mut.extra .sym {stroke: hotpink}" +
  ".node .mut .sym {stroke-width: 1.5px}" +
  ".tree text, .tree-sequence text {dominant-baseline: central}" +
  ".plotbox .lab.lft {text-anchor: end}" +
  ".plotbox .lab.rgt {text-anchor: start}" +
  ".polytomy line {stroke: black; stroke-dasharray: 1px, 1px}" +
  ".polytomy text {paint-order:stroke;stroke-width:0.3em;stroke:white}";

// Sizes as tskit's (drawing.py): text height, margins, tick lengths, axis offsets.
const TEXT_HEIGHT = 14;
const LINE_HEIGHT = TEXT_HEIGHT * 1.2;
const ROOT_BRANCH_FRACTION = 1 / 8;
const TICK = 5;
const TICK_SITE = 10;
const X_AXIS_OFFSET = 20;
const Y_AXIS_OFFSET = 40;
const DEFAULT_SIZE = 200;

// ---- options ------------------------------------------------------------------------------

interface Parsed {
  where: string;
  size: [number, number] | null;
  timeScale: TimeScale;
  title: string | null;
  maxTime: "tree" | "ts" | number | null;
  minTime: "tree" | "ts" | number | null;
  nodeLabels: Map<number, string> | null;
  mutationLabels: Map<number, string> | null;
  nodeTitles: Map<number, string>;
  mutationTitles: Map<number, string>;
  rootSvgAttributes: Record<string, string | number>;
  style: string;
  order: DrawOrder;
  forceRootBranch: boolean | null;
  symbolSize: number;
  xAxis: boolean | null;
  xLabel: string | null;
  xRegions: Array<[number, number, string]>;
  yAxis: false | "left" | "right";
  yLabel: string | null;
  yTicks: Array<[number, string]> | null;
  yGridlines: boolean;
  omitSites: boolean;
  canvasSize: [number, number] | null;
  preamble: string | null;
  allEdgeMutations: boolean;
  xScale: "physical" | "treewise";
  xLim: [number | null, number | null] | null;
  maxNumTrees: number | null;
}

const bad = (where: string, msg: string): never => {
  throw new TreeSeqError("BAD_PARAM", `${where}: ${msg}`);
};

function pair(v: unknown, where: string, name: string): [number, number] {
  if (!isList(v) || v.length !== 2) bad(where, `${name} is ${describe(v)}, not [width, height]`);
  const a = v as ArrayLike<unknown>;
  const out = [toNumber(a[0], { where, path: `${name}[0]` }), toNumber(a[1], { where, path: `${name}[1]` })] as [number, number];
  if (!(out[0] > 0 && out[1] > 0 && Number.isFinite(out[0]) && Number.isFinite(out[1]))) {
    bad(where, `${name} [${out}] must be two positive finite numbers`);
  }
  return out;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string, name: string): T {
  const s = stringValue(v, { where, path: name }, `one of ${allowed.join(", ")}`);
  if (!allowed.includes(s as T)) bad(where, `${name} '${s}' is not one of ${allowed.join(", ")}`);
  return s as T;
}

function timeLimit(v: unknown, where: string, name: string): "tree" | "ts" | number | null {
  if (v === undefined || v === null) return null;
  if (v === "tree" || v === "ts") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  return bad(where, `${name} is ${describe(v)}, not "tree", "ts" or a finite time`);
}

function textOption(v: unknown, where: string, name: string): string | null {
  return v === undefined || v === null ? null : stringValue(v, { where, path: name }, "a string");
}

function flag(v: unknown, where: string, name: string): boolean | null {
  return v === undefined || v === null ? null : booleanValue(v, { where, path: name });
}

function parse(options: unknown, known: readonly string[], where: string): Parsed {
  const o = optionsObject(options ?? {}, known, where);
  const timeScale =
    o.timeScale === undefined || o.timeScale === null ? "time" : oneOf(o.timeScale, ["time", "log_time", "rank"], where, "timeScale");
  const maxTime = timeLimit(o.maxTime, where, "maxTime");
  const minTime = timeLimit(o.minTime, where, "minTime");
  if (timeScale === "rank") {
    if (typeof maxTime === "number") bad(where, `maxTime must be "tree" or "ts" with timeScale "rank" (tskit), not ${maxTime}`);
    if (typeof minTime === "number") bad(where, `minTime must be "tree" or "ts" with timeScale "rank" (tskit), not ${minTime}`);
  }
  const labels = (v: unknown, name: string) => (v === undefined || v === null ? null : idMap(v, where, name));
  let yAxis: false | "left" | "right" = false;
  if (o.yAxis === true) yAxis = "left";
  else if (o.yAxis !== undefined && o.yAxis !== null && o.yAxis !== false)
    yAxis = oneOf<"left" | "right">(o.yAxis, ["left", "right"], where, "yAxis");
  let symbolSize = 6;
  if (o.symbolSize !== undefined && o.symbolSize !== null) {
    symbolSize = toNumber(o.symbolSize, { where, path: "symbolSize" });
    if (!(symbolSize >= 0 && Number.isFinite(symbolSize))) bad(where, `symbolSize ${symbolSize} must be a finite number >= 0`);
  }
  const attrs = o.rootSvgAttributes ?? {};
  if (!isPlainObject(attrs)) bad(where, `rootSvgAttributes is ${describe(attrs)}, not an object of attributes`);
  for (const [k, v] of Object.entries(attrs as Record<string, unknown>)) {
    if (!/^[A-Za-z_:][-A-Za-z0-9_:.]*$/.test(k)) bad(where, `rootSvgAttributes: '${k}' is not an attribute name`);
    if (typeof v !== "string" && typeof v !== "number") bad(where, `rootSvgAttributes.${k} is ${describe(v)}, not a string or a number`);
  }
  const maxNumTrees =
    o.maxNumTrees === undefined || o.maxNumTrees === null ? null : toNumber(o.maxNumTrees, { where, path: "maxNumTrees" });
  if (maxNumTrees !== null && !(maxNumTrees >= 2)) bad(where, `maxNumTrees ${maxNumTrees}: must show at least 2 trees (tskit)`);
  return {
    where,
    size: o.size === undefined || o.size === null ? null : pair(o.size, where, "size"),
    timeScale,
    title: textOption(o.title, where, "title"),
    maxTime,
    minTime,
    nodeLabels: labels(o.nodeLabels, "nodeLabels"),
    mutationLabels: labels(o.mutationLabels, "mutationLabels"),
    nodeTitles: labels(o.nodeTitles, "nodeTitles") ?? new Map(),
    mutationTitles: labels(o.mutationTitles, "mutationTitles") ?? new Map(),
    rootSvgAttributes: attrs as Record<string, string | number>,
    style: textOption(o.style, where, "style") ?? "",
    order: o.order === undefined || o.order === null ? "minlex" : oneOf(o.order, ["minlex", "tree"], where, "order"),
    forceRootBranch: flag(o.forceRootBranch, where, "forceRootBranch"),
    symbolSize,
    xAxis: flag(o.xAxis, where, "xAxis"),
    xLabel: textOption(o.xLabel, where, "xLabel"),
    xRegions: regions(o.xRegions, where),
    yAxis,
    yLabel: textOption(o.yLabel, where, "yLabel"),
    yTicks: ticks(o.yTicks, where),
    yGridlines: flag(o.yGridlines, where, "yGridlines") ?? false,
    omitSites: flag(o.omitSites, where, "omitSites") ?? false,
    canvasSize: o.canvasSize === undefined || o.canvasSize === null ? null : pair(o.canvasSize, where, "canvasSize"),
    preamble: textOption(o.preamble, where, "preamble"),
    allEdgeMutations: flag(o.allEdgeMutations, where, "allEdgeMutations") ?? false,
    xScale: o.xScale === undefined || o.xScale === null ? "physical" : oneOf(o.xScale, ["physical", "treewise"], where, "xScale"),
    xLim: xLimit(o.xLim, where),
    maxNumTrees,
  };
}

/** An id -> text option (labels, titles) as a Map: nodeLabelMap's reading, its messages
 * naming the option they are about. */
function idMap(v: unknown, where: string, name: string): Map<number, string> {
  try {
    return nodeLabelMap(v, where);
  } catch (e) {
    if (e instanceof TreeSeqError) throw new TreeSeqError(e.code, e.message.replace(/nodeLabels/g, name));
    throw e;
  }
}

function regions(v: unknown, where: string): Array<[number, number, string]> {
  if (v === undefined || v === null) return [];
  if (!isList(v)) return bad(where, `xRegions is ${describe(v)}, not a list of [left, right, label]`);
  return Array.from(v as ArrayLike<unknown>, (r, i) => {
    if (!isList(r) || r.length !== 3) bad(where, `xRegions[${i}] is ${describe(r)}, not [left, right, label]`);
    const a = r as ArrayLike<unknown>;
    return [
      toNumber(a[0], { where, path: `xRegions[${i}][0]` }),
      toNumber(a[1], { where, path: `xRegions[${i}][1]` }),
      stringValue(a[2], { where, path: `xRegions[${i}][2]` }, "a label"),
    ];
  });
}

function ticks(v: unknown, where: string): Array<[number, string]> | null {
  if (v === undefined || v === null) return null;
  if (isList(v)) {
    const xs = Array.from(v as ArrayLike<unknown>, (x, i) => toNumber(x, { where, path: `yTicks[${i}]` }));
    const labs = tickLabels(xs);
    return xs.map((x, i) => [x, labs[i]]);
  }
  const entries = v instanceof Map ? [...v] : isPlainObject(v) ? Object.entries(v) : null;
  if (entries === null) return bad(where, `yTicks is ${describe(v)}, not a list of times or an object of time: label`);
  return entries.map(([k, s]) => [
    toNumber(typeof k === "string" ? Number(k) : k, { where, path: "yTicks key" }),
    typeof s === "number" ? tickLabels([s])[0] : stringValue(s, { where, path: `yTicks[${k}]` }, "a label"),
  ]);
}

function xLimit(v: unknown, where: string): [number | null, number | null] | null {
  if (v === undefined || v === null) return null;
  if (!isList(v) || v.length !== 2) return bad(where, `xLim is ${describe(v)}, not [left, right]`);
  const a = v as ArrayLike<unknown>;
  const end = (x: unknown, i: number) => (x === null || x === undefined ? null : toNumber(x, { where, path: `xLim[${i}]` }));
  return [end(a[0], 0), end(a[1], 1)];
}

// ---- time scaling -------------------------------------------------------------------------

/** tskit's Timescaling: time to y (plot coordinates grow downwards). */
class Timescale {
  constructor(
    readonly maxTime: number,
    readonly minTime: number,
    readonly plotMin: number,
    readonly plotRange: number,
    readonly log: boolean,
    where: string,
  ) {
    if (plotRange < 0) bad(where, "the picture is too small to leave room for the tree (tskit: image size too small)");
    if (log && minTime < 0) bad(where, `timeScale "log_time" cannot show negative times (the least is ${minTime})`);
  }
  y(t: number): number {
    if (this.log) {
      // log(t + 1) where the least time is 0, so that 0 has a place.
      const d = this.minTime === 0 ? 1 : 0;
      const lo = Math.log(this.minTime + d);
      return this.plotMin - ((Math.log(t + d) - lo) * this.plotRange) / (Math.log(this.maxTime + d) - lo);
    }
    return this.plotMin - ((t - this.minTime) * this.plotRange) / (this.maxTime - this.minTime);
  }
  shifted(dy: number, where: string): Timescale {
    return new Timescale(this.maxTime, this.minTime, this.plotMin + dy, this.plotRange, this.log, where);
  }
  same(o: Timescale): boolean {
    return o.maxTime === this.maxTime && o.minTime === this.minTime && o.plotMin === this.plotMin && o.plotRange === this.plotRange;
  }
}

// ---- the plot box -------------------------------------------------------------------------

class Box {
  top = 0;
  left = 0;
  padBottom = 0;
  padRight = 0;
  constructor(
    readonly maxX: number,
    readonly maxY: number,
    readonly where: string,
  ) {
    this.check();
  }
  pad(top: number, left: number, bottom: number, right: number): void {
    this.top = top;
    this.left = left;
    this.padBottom = bottom;
    this.padRight = right;
    this.check();
  }
  get bottom(): number {
    return this.maxY - this.padBottom;
  }
  get right(): number {
    return this.maxX - this.padRight;
  }
  get width(): number {
    return this.right - this.left;
  }
  get height(): number {
    return this.bottom - this.top;
  }
  private check(): void {
    if (this.width < 1 || this.height < 1) bad(this.where, `the picture (${this.maxX} x ${this.maxY}) is too small to fit the drawing`);
  }
}

const textIn = (parent: El, text: string, x: number, y: number, groupClass: string | null, attrs: Record<string, string | number>): El => {
  const g = parent.add(
    new El("g", groupClass === null ? { transform: translate(x, y) } : { class: groupClass, transform: translate(x, y) }),
  );
  g.add(new El("text", attrs)).add(new Text(text));
  return g;
};

/** What both kinds of plot share: the SVG root, stylesheet, axes and their spacing. */
class AxisPlot {
  readonly svg: El;
  readonly base: El;
  readonly box: Box;
  readonly groups = new Map<string, El>();
  xAxisOffset = X_AXIS_OFFSET;
  yAxisOffset = Y_AXIS_OFFSET;
  xLabel: string | null;
  yLabel: string | null;
  yAxis: false | "left" | "right";
  timescale: Timescale | null = null;
  xTransform: (x: number) => number = (x) => x;
  preamble: string | null;
  constructor(
    readonly p: Parsed,
    readonly scope: Scope,
    readonly size: [number, number],
    svgClass: string,
    readonly xAxis: boolean,
    /** false for a tree inside a tree sequence's drawing: no axes, labels or title of its own. */
    axes = true,
  ) {
    const canvas = p.canvasSize ?? size;
    const attrs: Record<string, string | number> = {
      baseProfile: "full",
      height: canvas[1],
      version: "1.1",
      width: canvas[0],
      xmlns: "http://www.w3.org/2000/svg",
      "xmlns:ev": "http://www.w3.org/2001/xml-events",
      "xmlns:xlink": "http://www.w3.org/1999/xlink",
    };
    for (const [k, v] of Object.entries(p.rootSvgAttributes)) attrs[k] = v;
    this.svg = new El("svg", attrs);
    this.preamble = p.preamble;
    if (p.preamble !== null) this.svg.add(new Raw(p.preamble));
    this.svg
      .add(new El("defs"))
      .add(new El("style", { type: "text/css" }))
      .add(new Raw(`<![CDATA[${STANDARD_STYLE + p.style}]]>`));
    this.base = this.svg.add(new El("g", { class: svgClass }));
    this.box = new Box(size[0], size[1], p.where);
    this.yAxis = axes ? p.yAxis : false;
    this.xLabel = axes ? (p.xLabel ?? (xAxis ? "Genome position" : null)) : null;
    let yLabel = axes ? p.yLabel : null;
    if (yLabel === null && this.yAxis) {
      yLabel = p.timeScale === "rank" ? "Node time" : "Time ago";
      if (scope.seq.timeUnits !== "unknown") yLabel += ` (${scope.seq.timeUnits})`;
    }
    this.yLabel = yLabel;
  }
  group(name: string, cls: string = name): El {
    let g = this.groups.get(name);
    if (!g) {
      g = this.base.add(new El("g", { class: cls }));
      this.groups.set(name, g);
    }
    return g;
  }
  spacing(top: number, left: number, bottom: number, right: number): void {
    if (this.xLabel) this.xAxisOffset += LINE_HEIGHT;
    if (this.yLabel) this.yAxisOffset += LINE_HEIGHT;
    if (this.xAxis) bottom += this.xAxisOffset;
    if (this.yAxis === "left") left = this.yAxisOffset;
    if (this.yAxis === "right") right = this.yAxisOffset;
    this.box.pad(top, left, bottom, right);
  }
  title(): void {
    if (this.p.title === null) return;
    textIn(this.svg, this.p.title, this.box.maxX / 2, 0, "title", { "dominant-baseline": "hanging", "text-anchor": "middle" });
  }

  /** The genome axis: a line (dashed across skipped trees), ticks, site marks with mutation chevrons. */
  drawXAxis(a: {
    ticks: number[];
    labels: string[];
    upper: number | null;
    siteMuts: Map<number, number[]> | null;
    dashes: number[];
    extra: Set<number>;
  }): void {
    if (!this.xAxis) return;
    const box = this.box;
    const xAxis = this.group("axes").add(new El("g", { class: "x-axis" }));
    if (this.xLabel) {
      textIn(xAxis, this.xLabel, (box.left + box.right) / 2, box.maxY, "title", {
        class: "lab",
        "text-anchor": "middle",
        transform: "translate(0 -11)",
      });
    }
    if (this.p.xRegions.length > 0) {
      const rg = xAxis.add(new El("g", { class: "x-regions" }));
      this.p.xRegions.forEach(([l, r, label], i) => {
        if (!(l >= 0 && l < r && r <= this.scope.seq.sequenceLength))
          bad(this.p.where, `xRegions[${i}]: invalid coordinates (${l} to ${r})`);
        const x1 = this.xTransform(l),
          x2 = this.xTransform(r);
        const y = box.maxY - this.xAxisOffset;
        const g = rg.add(new El("g", { class: `r${i}` }));
        g.add(new El("rect", { class: `r${i}`, height: LINE_HEIGHT, width: x2 - x1, x: x1, y }));
        textIn(g, label, (x1 + x2) / 2, y + LINE_HEIGHT / 2, null, { class: "lab", "text-anchor": "middle" });
      });
    }
    const upper = a.upper ?? TICK;
    const y = rnd(box.maxY - this.xAxisOffset);
    const stops = [box.left, ...a.dashes.map((x) => this.xTransform(x)), box.right];
    for (let i = 0; i + 1 < stops.length; i++) {
      xAxis.add(new El("line", { class: i % 2 ? "ax-skip" : "ax-line", x1: rnd(stops[i]), x2: rnd(stops[i + 1]), y1: y, y2: y }));
    }
    const ticks = xAxis.add(new El("g", { class: "ticks" }));
    a.ticks.forEach((pos, i) => {
      const tick = ticks.add(new El("g", { class: "tick", transform: `translate(${rnd(this.xTransform(pos))} ${y})` }));
      tick.add(new El("line", { x1: 0, x2: 0, y1: rnd(a.siteMuts === null ? -upper : 0), y2: rnd(TICK) }));
      textIn(tick, a.labels[i], 0, TICK + 1, null, { class: "lab" });
    });
    if (this.p.omitSites || a.siteMuts === null) return;
    for (const [s, muts] of a.siteMuts) {
      const x = this.xTransform(this.scope.seq.tables.sites.position[s]);
      const site = xAxis.add(new El("g", { class: `site s${s}`, transform: `translate(${rnd(x)} ${y})` }));
      site.add(new El("line", { class: "sym", x1: 0, x2: 0, y1: 0, y2: rnd(-upper) }));
      for (let i = 0; i < muts.length; i++) {
        const m = muts[muts.length - 1 - i];
        const id = this.mutationId(m);
        const g = site.add(new El("g", { class: `mut m${id}${a.extra.has(m) ? " extra" : ""}` }));
        const h = -i * 4 - 1.5,
          w = upper / 4;
        const sym = g.add(
          new El("polyline", { class: "sym", points: `${rnd(w)},${rnd(h - 2 * w)} 0,${rnd(h)} ${rnd(-w)},${rnd(h - 2 * w)}` }),
        );
        const title = this.p.mutationTitles.get(id);
        if (title !== undefined) sym.title(title);
      }
    }
  }

  /** The time axis: a line, a tick per time (with gridlines if asked), its title. */
  drawYAxis(ticks: Array<[number, string]>, upper: number, lower: number): void {
    if (!this.yAxis && !this.yLabel) return;
    const box = this.box;
    const left = this.yAxis !== "right";
    const x = rnd(left ? this.yAxisOffset : box.maxX - this.yAxisOffset);
    const width = left ? box.right - x : x - box.left;
    const dir = left ? -1 : 1;
    const yAxis = this.group("axes").add(new El("g", { class: "y-axis" }));
    if (this.yLabel) {
      textIn(yAxis, this.yLabel, left ? 0 : box.maxX, (upper + lower) / 2, "title", {
        class: "lab",
        "text-anchor": "middle",
        transform: left ? "translate(11) rotate(-90)" : "translate(-11) rotate(90)",
      });
    }
    if (!this.yAxis) return;
    yAxis.add(new El("line", { class: "ax-line", x1: x, x2: x, y1: rnd(lower), y2: rnd(upper) }));
    const g = yAxis.add(new El("g", { class: "ticks" }));
    for (const [t, label] of ticks) {
      const tick = g.add(new El("g", { class: "tick", transform: `translate(${x} ${rnd(this.timescale!.y(t))})` }));
      if (this.p.yGridlines) tick.add(new El("line", { class: "grid", x1: 0, x2: rnd(width), y1: 0, y2: 0 }));
      tick.add(new El("line", { x1: 0, x2: rnd(dir * TICK), y1: 0, y2: 0 }));
      textIn(tick, label, rnd(dir * (TICK + 1)), 0, null, { class: "lab", "text-anchor": left ? "end" : "start" });
    }
  }

  /** Shaded bands from each tree's box down to its interval on the genome axis. */
  shadeBackground(breaks: number[], treeWidth: number, bottomPadding: number): void {
    if (!this.xAxis) return;
    const bg = this.group("background");
    const box = this.box;
    const y = box.maxY - this.xAxisOffset - box.top;
    const diagH = y - (box.maxY - bottomPadding) + box.top;
    for (let i = 1; i < breaks.length; i++) {
      const bx = this.xTransform(breaks[i]),
        pbx = this.xTransform(breaks[i - 1]);
      const tx = i * treeWidth + box.left,
        ptx = (i - 1) * treeWidth + box.left;
      bg.add(
        new El("path", {
          d:
            `M${rnd(ptx)},${rnd(box.top)} l${rnd(tx - ptx)},0 ` +
            `l0,${rnd(y - diagH)} l${rnd(bx - tx)},${rnd(diagH)} ` +
            `l0,${rnd(TICK)} l${rnd(pbx - bx)},0 l0,-${rnd(TICK)} ` +
            `l${rnd(rnd(ptx) - rnd(pbx))},-${rnd(diagH)} l0,-${rnd(y - diagH)}z`,
        }),
      );
    }
  }

  /** A mutation's id in the drawing: the same as in the whole tree sequence (tskit's clipped
   * copy renumbers, then adds its offsets back). */
  mutationId(m: number): number {
    return m;
  }
}

// ---- one tree -----------------------------------------------------------------------------

/** A mutation as placed: its id in the whole tree sequence, and its (maybe spaced) time. */
interface Placed {
  m: number;
  time: number;
}

interface TreeArgs {
  shape: Shape;
  size: [number, number];
  /** Axes, title and extra mutations only for a tree drawn alone. */
  alone: boolean;
  forceRootBranch: boolean;
  maxTime: "tree" | "ts" | number;
  minTime: "tree" | "ts" | number;
}

class TreePlot extends AxisPlot {
  readonly nodeMuts = new Map<number, Placed[]>();
  readonly x = new Map<number, number>();
  readonly height = new Map<number, number>();
  readonly extra = new Set<number>();
  mutationsOverRoots = false;
  minRootBranch = 0;
  leftExtent: number;
  rightExtent: number;
  constructor(
    p: Parsed,
    scope: Scope,
    readonly a: TreeArgs,
  ) {
    super(p, scope, a.size, `tree t${a.shape.index}`, a.alone && (p.xAxis ?? false), a.alone);
    const shape = a.shape;
    const t = scope.seq.tables;
    this.leftExtent = shape.left;
    this.rightExtent = shape.right;
    const inTree = new Uint8Array(shape.numNodes);
    for (const u of shape.order) inTree[u] = 1;
    if (!p.omitSites) {
      for (const m of shape.mutations) {
        const u = t.mutations.node[m];
        if (!inTree[u]) continue; // above a node not in this tree: tskit leaves it out too
        this.pushMutation(u, m);
        if (shape.parent[u] === NULL) this.mutationsOverRoots = true;
      }
      if (a.alone && p.allEdgeMutations) this.edgeMutations(inTree);
    }
    this.spacing(10 + (a.alone && p.title !== null ? LINE_HEIGHT : 0), 20, 15, 20);
    if (a.alone) this.title();
    this.assignX();
    this.assignY();
    if (!a.alone) return;
    if (p.allEdgeMutations) this.shadeBackground([shape.left, shape.right], this.box.width, this.box.padBottom);
    const pos = t.sites.position;
    const siteMuts = new Map<number, number[]>();
    for (let s = lowerBound(pos, this.leftExtent); s < pos.length && pos[s] < this.rightExtent; s++) siteMuts.set(s, []);
    for (const muts of this.nodeMuts.values()) for (const { m } of muts) siteMuts.get(t.mutations.site[m])?.push(m);
    this.drawXAxis({
      ticks: [shape.left, shape.right],
      labels: tickLabels([shape.left, shape.right]),
      upper: TICK_SITE,
      siteMuts,
      dashes: [],
      extra: this.extra,
    });
    const yTicks = p.yTicks ?? this.defaultTicks();
    this.drawYAxis(yTicks, this.box.top, this.timescale!.y(this.timescale!.minTime));
    this.drawTree();
  }

  private pushMutation(u: number, m: number): void {
    let list = this.nodeMuts.get(u);
    if (!list) this.nodeMuts.set(u, (list = []));
    list.push({ m, time: this.scope.seq.tables.mutations.time[m] });
  }

  /** tskit's `all_edge_mutations`: mutations on this tree's edges beyond its interval. */
  private edgeMutations(inTree: Uint8Array): void {
    const t = this.scope.seq.tables;
    const shape = this.a.shape;
    const pos = t.sites.position;
    for (let m = 0; m < t.mutations.node.length; m++) {
      const u = t.mutations.node[m];
      if (!inTree[u]) continue;
      const e = shape.edge(u);
      if (e === NULL) continue;
      const x = pos[t.mutations.site[m]];
      if (t.edges.left[e] <= x && x < shape.left) {
        this.pushMutation(u, m);
        this.extra.add(m);
        this.leftExtent = Math.min(this.leftExtent, x);
      } else if (shape.right <= x && x < t.edges.right[e]) {
        this.pushMutation(u, m);
        this.extra.add(m);
        this.rightExtent = Math.max(this.rightExtent, x);
      }
    }
    // Just past the rightmost mutation, so that it lies inside the extent.
    if (this.rightExtent !== shape.right) this.rightExtent = nextUp(this.rightExtent);
  }

  private defaultTicks(): Array<[number, string]> {
    // One tick per height, labelled with the time of the least node id at it (tskit's dict).
    const byHeight = new Map<number, number>();
    const ids = [...this.height.keys()].sort((a, b) => a - b);
    for (const u of ids) byHeight.set(this.height.get(u)!, this.scope.seq.tables.nodes.time[u]);
    const labels = tickLabels([...byHeight.values()]);
    return [...byHeight.keys()].map((h, i) => [h, labels[i]]);
  }

  /** Leaves one unit apart in drawing order; a parent midway between its outer children. */
  private assignX(): void {
    const shape = this.a.shape;
    const box = this.box;
    this.xTransform = (x) => ((x - this.leftExtent) / (this.rightExtent - this.leftExtent)) * box.width + box.left;
    const pos = new Map<number, number>();
    let leaf = 0;
    let prev = shape.numNodes; // the virtual root
    const parentOf = (u: number) => (u === shape.numNodes ? NULL : shape.parent[u]);
    for (const u of shape.order) {
      if (parentOf(prev) !== u) pos.set(u, ++leaf);
      else {
        const xs = shape.children(u).map((c) => pos.get(c)!);
        const lo = least(xs),
          hi = most(xs);
        pos.set(u, lo + (hi - lo) / 2);
      }
      prev = u;
    }
    const scale = box.width / leaf;
    const lft = box.left - scale / 2;
    for (const [u, v] of pos) this.x.set(u, lft + v * scale);
  }

  private assignY(): void {
    const p = this.p;
    const a = this.a;
    const scope = this.scope;
    const shape = a.shape;
    const nodeTime = scope.seq.tables.nodes.time;
    const rootBranch = this.mutationsOverRoots || a.forceRootBranch;
    let rootBranchLen = 0;
    let maxTime: number, minTime: number;
    if (p.timeScale === "rank") {
      const t = new Float64Array(nodeTime.length);
      if (a.maxTime === "tree") for (const u of this.x.keys()) t[u] = nodeTime[u];
      else for (let u = 0; u < t.length; u++) if (scope.used[u]) t[u] = nodeTime[u];
      const times = [...new Set(Array.from(t).filter((x) => x <= scope.maxRootTime))].sort((x, y) => x - y);
      const depth = new Map(times.map((x, j) => [x, j]));
      if (rootBranch) rootBranchLen = 1;
      maxTime = times.length - 1 + rootBranchLen;
      minTime = 0;
      if (maxTime === minTime) maxTime = minTime + 1;
      for (const u of this.x.keys()) this.height.set(u, depth.get(t[u])!);
      for (const [u, muts] of this.nodeMuts) {
        const pu = shape.parent[u];
        const top = pu === NULL ? this.height.get(u)! + rootBranchLen : depth.get(t[pu])!;
        spaceOut(muts, this.height.get(u)!, top, true, scope);
      }
    } else {
      for (const u of this.x.keys()) this.height.set(u, nodeTime[u]);
      let maxNodeHeight: number;
      if (a.maxTime === "tree") {
        maxNodeHeight = most(this.height.values());
        let maxMut = 0;
        for (const muts of this.nodeMuts.values()) for (const { time } of muts) if (!Number.isNaN(time)) maxMut = Math.max(maxMut, time);
        maxTime = Math.max(maxNodeHeight, maxMut);
      } else if (a.maxTime === "ts") {
        maxNodeHeight = scope.maxRootTime;
        maxTime = Math.max(maxNodeHeight, scope.maxMutationTime);
      } else {
        maxNodeHeight = a.maxTime;
        maxTime = a.maxTime;
      }
      if (a.minTime === "tree") minTime = least(this.height.values());
      else if (a.minTime === "ts") minTime = scope.minUsedTime;
      else minTime = a.minTime;
      if (minTime === maxTime) maxTime = minTime + 1;
      if (rootBranch) {
        if (p.timeScale !== "log_time") rootBranchLen = (maxTime - minTime) * ROOT_BRANCH_FRACTION;
        else {
          const top = Math.log(maxTime + 1);
          const rootY = top + (top - Math.log(minTime + 1)) * ROOT_BRANCH_FRACTION;
          rootBranchLen = Math.exp(rootY) - 1 - maxTime;
        }
        if (maxNodeHeight + rootBranchLen > maxTime) maxTime = maxNodeHeight + rootBranchLen;
      }
      for (const [u, muts] of this.nodeMuts) {
        const pu = shape.parent[u];
        const top = pu === NULL ? this.height.get(u)! + rootBranchLen : nodeTime[pu];
        spaceOut(muts, this.height.get(u)!, top, false, scope);
      }
    }
    const box = this.box;
    const topSpace = rootBranchLen > 0 ? 0 : LINE_HEIGHT;
    this.timescale = new Timescale(
      maxTime,
      minTime,
      box.height + box.top - LINE_HEIGHT,
      box.height - topSpace - LINE_HEIGHT,
      p.timeScale === "log_time",
      p.where,
    );
    this.minRootBranch = this.timescale.y(maxTime) - this.timescale.y(maxTime + rootBranchLen);
  }

  /** The nested node groups, each with its edge, mutations, symbol and label. */
  drawTree(): void {
    const p = this.p;
    const shape = this.a.shape;
    const ts = this.timescale!;
    const t = this.scope.seq.tables;
    const half = rnd(p.symbolSize / 2),
      sz = rnd(p.symbolSize);
    const s = p.symbolSize;
    const textAt = {
      below: () => `translate(0 ${rnd(TEXT_HEIGHT - s / 2)})`,
      above: () => `translate(0 ${rnd(-(TEXT_HEIGHT - s / 2))})`,
      aboveLeft: () => `translate(${rnd(-s / 2)} ${rnd(-TEXT_HEIGHT / 2)})`,
      aboveRight: () => `translate(${rnd(s / 2)} ${-rnd(TEXT_HEIGHT / 2)})`,
      left: () => `translate(${-rnd(2 + s / 2)} 0)`,
      right: () => `translate(${rnd(2 + s / 2)} 0)`,
    };
    // The leftmost child of each node as drawn: its labels go on the left.
    const leftChild = new Map<number, number>();
    for (const u of shape.order) {
      const pu = shape.parent[u];
      if (pu !== NULL && !leftChild.has(pu)) leftChild.set(pu, u);
    }
    const isLeft = (u: number) => shape.parent[u] !== NULL && leftChild.get(shape.parent[u]) === u;
    const pos = (u: number): [number, number] => [this.x.get(u)!, ts.y(this.height.get(u)!)];
    const roots = shape.order.filter((u) => shape.parent[u] === NULL || !this.x.has(shape.parent[u]));
    const plotbox = this.group("plotbox");
    const stack: Array<[number, El]> = [];
    for (const u of roots) {
      const [x, y] = pos(u);
      stack.push([u, plotbox.add(new El("g", { class: this.classes(u).join(" "), transform: translate(x, y) }))]);
    }
    let prev = shape.numNodes;
    const tip = new Set<number>();
    for (const u of shape.order) {
      if (prev === shape.numNodes || shape.parent[prev] !== u) tip.add(u);
      prev = u;
    }
    while (stack.length > 0) {
      const [u, g] = stack.pop()!;
      const [ux, uy] = pos(u);
      for (const c of shape.children(u)) {
        if (!this.x.has(c)) continue;
        const [cx, cy] = pos(c);
        stack.push([c, g.add(new El("g", { class: this.classes(c).join(" "), transform: translate(cx - ux, cy - uy) }))]);
      }
      // The edge above the node first, so that everything else lies over it.
      const pu = shape.parent[u];
      const muts = this.nodeMuts.get(u) ?? [];
      let edge: [number, number] | null = null;
      if (pu !== NULL && this.x.has(pu)) {
        const [px, py] = pos(pu);
        edge = [px - ux, py - uy];
      } else if (this.minRootBranch > 0) {
        let len = this.minRootBranch;
        if (muts.length > 0) len = Math.max(len, uy - ts.y(muts[0].time));
        edge = [0, -len];
      }
      if (edge !== null) {
        const e = shape.edge(u);
        g.add(new El("path", { class: `edge ${e === NULL ? "root" : `e${e}`}`, d: `M 0 0 V ${rnd(edge[1])} H ${rnd(edge[0])}` }));
      }
      for (const { m, time } of muts) {
        const dy = ts.y(time) - uy;
        const id = this.mutationId(m);
        const site = t.mutations.site[m];
        let cls = `mut m${id} s${site}`;
        if (Number.isNaN(t.mutations.time[m])) cls += " unknown_time";
        if (this.extra.has(m)) cls += " extra";
        const mg = g.add(new El("g", { class: cls, transform: `translate(0 ${rnd(dy)})` }));
        mg.add(new El("line", { x1: 0, x2: 0, y1: 0, y2: -rnd(dy) }));
        const sym = mg.add(new El("path", { class: "sym", d: `M -${half},-${half} l ${sz},${sz} M -${half},${half} l ${sz},-${sz}` }));
        const title = p.mutationTitles.get(id);
        if (title !== undefined) sym.title(title);
        const left = isLeft(u);
        const label = p.mutationLabels === null ? String(id) : (p.mutationLabels.get(id) ?? "");
        const text = mg.add(new El("text", { class: `lab ${left ? "lft" : "rgt"}`, transform: left ? textAt.left() : textAt.right() }));
        if (label) text.add(new Text(label));
      }
      const sym = shape.isSample(u)
        ? g.add(new El("rect", { class: "sym", height: sz, width: sz, x: -half, y: -half }))
        : g.add(new El("circle", { class: "sym", cx: 0, cy: 0, r: half }));
      const title = p.nodeTitles.get(u);
      if (title !== undefined) sym.title(title);
      const label = p.nodeLabels === null ? String(u) : (p.nodeLabels.get(u) ?? "");
      let attrs: Record<string, string>;
      if (tip.has(u)) attrs = { class: "lab", transform: textAt.below() };
      else if (roots.includes(u) && this.minRootBranch === 0) attrs = { class: "lab", transform: textAt.above() };
      else if (isLeft(u)) attrs = { class: "lab lft", transform: textAt.aboveLeft() };
      else attrs = { class: "lab rgt", transform: textAt.aboveRight() };
      const text = g.add(new El("text", attrs));
      if (label) text.add(new Text(label));
    }
  }

  /** tskit's classes for a node's group, sorted: node n<id>, i<individual>, p<population>,
   * a<parent> or root, sample, leaf or c<children>, and m<id> s<site> of its mutations. */
  private classes(u: number): string[] {
    const shape = this.a.shape;
    const t = this.scope.seq.tables;
    const out = new Set<string>([`node n${u}`]);
    if (t.nodes.individual[u] !== NULL) out.add(`i${t.nodes.individual[u]}`);
    if (t.nodes.population[u] !== NULL) out.add(`p${t.nodes.population[u]}`);
    out.add(shape.parent[u] === NULL ? "root" : `a${shape.parent[u]}`);
    if (shape.isSample(u)) out.add("sample");
    const k = shape.children(u).length;
    out.add(k === 0 ? "leaf" : `c${k}`);
    for (const { m } of this.nodeMuts.get(u) ?? []) {
      out.add(`m${this.mutationId(m)}`);
      out.add(`s${t.mutations.site[m]}`);
    }
    return [...out].sort(codeOrder);
  }
}

/** Python's string order (by code point); localeCompare would not be. */
const codeOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A node's mutations, oldest first: by time, or (times unknown, or "rank") by site then
 * parent, spaced evenly between the node and the top of its branch. */
function spaceOut(muts: Placed[], low: number, high: number, ignoreTimes: boolean, scope: Scope): void {
  if (ignoreTimes || muts.every(({ time }) => Number.isNaN(time))) {
    const t = scope.seq.tables.mutations;
    muts.sort((a, b) => t.site[a.m] - t.site[b.m] || t.parent[a.m] - t.parent[b.m]);
    const diff = high - low;
    muts.forEach((x, i) => {
      x.time = high - (diff * (i + 1)) / (muts.length + 1);
    });
  } else {
    muts.sort((a, b) => b.time - a.time); // stable: ties keep table order, as tskit's
  }
}

function nextUp(x: number): number {
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  if (x === 0) return Number.MIN_VALUE;
  i[0] += x > 0 ? 1n : -1n;
  return b[0];
}

function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

// ---- entry points -------------------------------------------------------------------------

/** @internal `tree.drawSvg(options)`. */
export function treeSvg(tree: Tree, seq: DrawSequence, options: unknown): string {
  const where = "Tree.drawSvg";
  const p = parse(options, TREE_OPTIONS, where);
  const scope = scopeOf(seq, null, false);
  const shape = shapeAt(scope, tree.index, p.order, tree);
  const plot = new TreePlot(p, scope, {
    shape,
    size: p.size ?? [DEFAULT_SIZE, DEFAULT_SIZE],
    alone: true,
    forceRootBranch: p.forceRootBranch ?? false,
    maxTime: p.maxTime ?? "tree",
    minTime: p.minTime ?? "tree",
  });
  return plot.svg.toString();
}

const OMIT = 1,
  LEFT_CLIP = 2,
  RIGHT_CLIP = 4,
  OMIT_MIDDLE = 8;

/** @internal `ts.drawSvg(options)`. */
export function treeSequenceSvg(seq: DrawSequence, options: unknown): string {
  const where = "TreeSequence.drawSvg";
  const p = parse(options, TS_OPTIONS, where);
  const L = seq.sequenceLength;
  const t = seq.tables;
  if (p.xLim !== null) {
    const [a, b] = p.xLim;
    if (a !== null && a < 0) bad(where, `xLim[0] = ${a} cannot be negative`);
    if (b !== null && b > L) bad(where, `xLim[1] = ${b} cannot be greater than the sequence length ${L}`);
    if (a !== null && b !== null && a >= b) bad(where, `xLim [${a}, ${b}]: xLim[0] must be less than xLim[1]`);
  }
  if ((p.xLim?.[0] ?? null) === null || (p.xLim?.[1] ?? null) === null) {
    if (t.edges.numRows === 0 && t.sites.numRows === 0) {
      bad(where, `the tree sequence is empty (no edges, no sites): give xLim: [0, ${L}] to draw it`);
    }
  }
  const scope = scopeOf(seq, p.xLim, true);
  const n = scope.breaks.length - 1;
  // Which trees are drawn (tskit's clip_ts): empty flanks left out, the middle skipped.
  const status = new Uint8Array(n);
  if (scope.clipped) {
    let start = Infinity,
      end = -Infinity;
    for (let e = 0; e < t.edges.numRows; e++) {
      if (t.edges.left[e] < scope.xMax && t.edges.right[e] > scope.xMin) {
        start = Math.min(start, Math.max(t.edges.left[e], scope.xMin));
        end = Math.max(end, Math.min(t.edges.right[e], scope.xMax));
      }
    }
    if (start === Infinity) bad(where, `cannot draw ${scope.xMin} to ${scope.xMax}: the whole region is empty`);
    const pos = t.sites.position;
    const noSites = scope.siteHi === scope.siteLo;
    if (scope.xMin > 0 && scope.xMin <= start && (noSites || start <= pos[scope.siteLo])) status[0] = OMIT;
    if (end <= scope.xMax && scope.xMax < L && (noSites || end >= pos[scope.siteHi - 1])) status[n - 1] = OMIT;
    const old = new Set(Array.from(seq.breakpoints()));
    for (let i = 0; i < n; i++) {
      if (!old.has(scope.breaks[i])) status[i] |= LEFT_CLIP;
      if (!old.has(scope.breaks[i + 1])) status[i] |= RIGHT_CLIP;
    }
  }
  const first = status[0] & OMIT ? 1 : 0;
  const last = status[n - 1] & OMIT ? n - 2 : n - 1;
  if (p.maxNumTrees !== null && last - first + 1 > p.maxNumTrees) {
    const m = Math.floor(p.maxNumTrees);
    const startTrees = Math.floor(m / 2) + (m % 2);
    const endTrees = Math.floor(m / 2);
    for (let i = first + startTrees; i < last - endTrees + 1; i++) status[i] = OMIT | OMIT_MIDDLE;
  }
  const used = Array.from(status, (s) => (s & OMIT) === 0);
  // A skipped run is drawn as one box, where its last tree would be.
  const skippedEnd = Array.from(status, (s, i) => (s & OMIT_MIDDLE) !== 0 && i + 1 < n && (status[i + 1] & OMIT_MIDDLE) === 0);
  const boxes = used.filter((u, i) => u || skippedEnd[i]).length;
  const size = p.size ?? [DEFAULT_SIZE * boxes, DEFAULT_SIZE];
  const xAxis = p.xAxis ?? true;
  const plot = new AxisPlot(p, scope, size, "tree-sequence", xAxis);
  const shapes = new Map<number, Shape>();
  for (let i = 0; i < n; i++) if (used[i]) shapes.set(i, shapeAt(scope, i, p.order));
  let forceRootBranch = p.forceRootBranch;
  if (forceRootBranch === null) {
    forceRootBranch = false;
    for (const s of shapes.values()) for (const m of s.mutations) if (s.parent[t.mutations.node[m]] === NULL) forceRootBranch = true;
  }
  plot.spacing(p.title === null ? 0 : LINE_HEIGHT, 20, 10, 20);
  const sub: [number, number] = [plot.box.width / boxes, plot.box.height];
  const subplots: Array<TreePlot | { skipped: number; box: Box }> = [];
  let lastUsed = 0;
  for (let i = 0; i < n; i++) {
    if (used[i]) {
      subplots.push(
        new TreePlot(p, scope, {
          shape: shapes.get(i)!,
          size: sub,
          alone: false,
          forceRootBranch,
          maxTime: p.maxTime ?? "ts",
          minTime: p.minTime ?? "ts",
        }),
      );
      lastUsed = i;
    } else if (skippedEnd[i]) subplots.push({ skipped: i - lastUsed, box: new Box(sub[0], sub[1], where) });
  }
  const yOffset = plot.box.top;
  plot.title();
  const trees = subplots.filter((s): s is TreePlot => s instanceof TreePlot);
  const treeBox = subplots[0] instanceof TreePlot ? subplots[0].box : trees[0].box;
  // The genome axis: breakpoints of the trees drawn, dashed over skipped runs.
  const breakUsed = (j: number) => (j < n && used[j]) || (j > 0 && used[j - 1]);
  const breaks: number[] = [];
  const skipAt: number[] = [];
  for (let j = 0; j <= n; j++) {
    if (!breakUsed(j)) continue;
    const before = j > 0 ? status[j - 1] & OMIT_MIDDLE : 0;
    const after = j < n ? status[j] & OMIT_MIDDLE : 0;
    if (j > 0 && j < n && before !== after) skipAt.push(breaks.length);
    breaks.push(scope.breaks[j]);
  }
  const skipPairs: Array<[number, number]> = [];
  for (let k = 0; k + 1 < skipAt.length; k += 2) skipPairs.push([skipAt[k], skipAt[k + 1]]);
  if (xAxis || plot.xLabel) {
    let ticks: number[];
    let siteMuts: Map<number, number[]> | null = null;
    let dashes: number[];
    let upper: number | null = TICK_SITE;
    if (p.xScale === "physical") {
      const skipWidth = treeBox.width;
      const spans = skipPairs.map(([a, b]) => breaks[b] - breaks[a]);
      const std = (plot.box.width - skipWidth * spans.length) / (breaks[breaks.length - 1] - breaks[0] - spans.reduce((x, y) => x + y, 0));
      dashes = skipPairs.flatMap(([a, b]) => [breaks[a], breaks[b]]);
      const genome = [breaks[0], ...dashes, breaks[breaks.length - 1]];
      const plotPos = [plot.box.left];
      for (let k = 0; k + 1 < genome.length; k++) plotPos.push(plotPos[k] + (k % 2 === 0 ? std * (genome[k + 1] - genome[k]) : skipWidth));
      const slope = genome.slice(1).map((g, k) => (plotPos[k + 1] - plotPos[k]) / (g - genome[k]));
      const intercept = slope.map((s, k) => plotPos[k + 1] - s * genome[k + 1]);
      plot.xTransform = (x) => {
        const k = lowerBound(dashes, x);
        return x * slope[k] + intercept[k];
      };
      ticks = breaks;
      // Every site of the trees drawn, with all its mutations (tskit marks them on the axis
      // whether or not they are drawn on a tree).
      siteMuts = new Map();
      for (const sh of shapes.values()) {
        let m = lowerBound(t.mutations.site, sh.sites[0]);
        for (let site = sh.sites[0]; site < sh.sites[1]; site++) {
          const list: number[] = [];
          for (; m < t.mutations.site.length && t.mutations.site[m] === site; m++) list.push(m);
          siteMuts.set(site, list);
        }
      }
      plot.shadeBackground(breaks, treeBox.maxX, plot.box.padBottom + treeBox.padBottom);
    } else {
      plot.xTransform = (x) => plot.box.left + (x / (breaks.length - 1)) * plot.box.width;
      ticks = breaks.map((_, k) => k);
      upper = null;
      if (p.xRegions.length > 0) bad(where, 'xRegions are not supported with xScale "treewise" (tskit)');
      dashes = skipPairs.flat();
    }
    const usedStatus = Array.from(status).filter((_, i) => used[i]);
    const firstTick = usedStatus.some((s) => s & LEFT_CLIP) ? 1 : 0;
    const lastTick = usedStatus.some((s) => s & RIGHT_CLIP) ? ticks.length - 1 : ticks.length;
    plot.drawXAxis({
      ticks: ticks.slice(firstTick, lastTick),
      labels: tickLabels(breaks.slice(firstTick, lastTick)),
      upper,
      siteMuts,
      dashes,
      extra: new Set(),
    });
  }
  let yLow = treeBox.bottom + yOffset;
  let yTicks = p.yTicks;
  if (p.yAxis) {
    const scales = trees.map((s) => s.timescale!);
    if (scales.some((s) => !s.same(scales[0]))) bad(where, "cannot draw a time axis: the trees have different time scales");
    plot.timescale = scales[0].shifted(yOffset, where);
    yLow = plot.timescale.y(plot.timescale.minTime);
    if (yTicks === null) {
      const times = [
        ...new Set(
          usedNodeTimes(
            scope,
            skipPairs.map(([a, b]) => [breaks[a], breaks[b]]),
          ),
        ),
      ].sort((a, b) => a - b);
      const labels = tickLabels(times);
      yTicks = times.map((x, k) => [p.timeScale === "rank" ? k : x, labels[k]]);
    }
  }
  plot.drawYAxis(yTicks ?? [], treeBox.top + yOffset, yLow);
  const container = plot.group("plotbox", "plotbox trees");
  let x = plot.box.left;
  for (const s of subplots) {
    if (s instanceof TreePlot) {
      const g = container.add(new El("g", { class: s.base.attrs.class, transform: `translate(${rnd(x)} ${yOffset})` }));
      s.drawTree();
      for (const part of s.groups.values()) g.add(part);
      x += s.box.maxX;
    } else {
      const g = container.add(new El("g", { class: "skipped", transform: `translate(${rnd(x)} ${yOffset})` }));
      const box = g.add(new El("g", { class: "plotbox" }));
      textIn(box, `${s.skipped} trees`, s.box.width / 2, s.box.height / 2 - LINE_HEIGHT / 2, null, { "text-anchor": "middle" });
      textIn(box, "skipped", s.box.width / 2, s.box.height / 2 + LINE_HEIGHT / 2, null, { "text-anchor": "middle" });
      x += s.box.maxX;
    }
  }
  return plot.svg.toString();
}

/** Times of the nodes the time axis marks: tskit's `edge_and_sample_nodes` with skipped
 * regions left out (an edge counts where it lies in a drawn region, its right end strictly
 * inside, as tskit tests it). */
function usedNodeTimes(scope: Scope, skipped: Array<[number, number]>): number[] {
  const t = scope.seq.tables;
  const time = t.nodes.time;
  const out: number[] = [];
  for (let u = 0; u < t.nodes.numRows; u++) if (t.nodes.flags[u] & 1) out.push(time[u]);
  if (skipped.length === 0) {
    for (let u = 0; u < scope.used.length; u++) if (scope.used[u]) out.push(time[u]);
    return out;
  }
  const cuts = [0, ...skipped.flat(), scope.seq.sequenceLength];
  for (let e = 0; e < t.edges.numRows; e++) {
    if (scope.clipped && !(t.edges.left[e] < scope.xMax && t.edges.right[e] > scope.xMin)) continue;
    const l = Math.max(t.edges.left[e], scope.xMin),
      r = Math.min(t.edges.right[e], scope.xMax);
    for (let k = 0; k + 1 < cuts.length; k += 2) {
      if (l >= cuts[k] && r < cuts[k + 1]) {
        out.push(time[t.edges.parent[e]], time[t.edges.child[e]]);
        break;
      }
    }
  }
  return out;
}
