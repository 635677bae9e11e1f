/**
 * Trees: the local tree at a position, drawn by the library's `tree.drawSvg` (after tskit's
 * draw_svg); stepping tree by tree, a genome bar to drag along (the trees' breakpoints drawn on
 * it), node details on click, samples coloured by population through tskit's CSS classes
 * (`node n5 p0 ...`). Settings in the URL: `pos` (a position on the genome), `node` (the node
 * whose details are shown), `draw=N` (trees of more than N samples, default LARGE_TREE, are
 * drawn when asked) or `draw=all`.
 */
import type { Tree } from "../../../dist/browser.js";
import type { Context } from "../context.js";
import { type Figure, figureElement, ticks } from "../figures.js";
import { numParam, param, setParams } from "../state.js";
import { COLOURS, csv, escapeHtml, fmt, fmtBytes, fmtPos, metadataText } from "../util.js";

const BAR_W = 900;
/** Samples above which a tree is drawn only when asked: bench-30k's trees (30,000) draw in a
 * few seconds, the 300,000-sample file's would take a minute and gigabytes. */
const LARGE_TREE = 50_000;
const BAR_H = 46;

/** CSS that colours each population's samples (tskit's drawings give a node the class `p<id>`). */
function populationStyle(numPopulations: number): string {
  let s = "";
  for (let p = 0; p < Math.min(numPopulations, 200); p++) s += `.node.p${p}.sample > .sym{fill:${COLOURS[p % COLOURS.length]}}`;
  return s;
}

export const TIME_SCALES = ["time", "log_time", "rank"] as const;
export type TimeScaleName = (typeof TIME_SCALES)[number];

/** Round times up to the tree's oldest root, labelled short: tskit's default ticks every node's
 * time, which on a tree of more than a few dozen nodes is a smear of overlapping labels. */
function timeTicks(tree: Tree, time: Float64Array, timeScale: TimeScaleName): Record<number, string> | undefined {
  let top = 0;
  for (const r of tree.roots) if (time[r] > top) top = time[r];
  if (timeScale === "time") return Object.fromEntries(ticks(0, top, 5).map((t) => [t, fmt(t)]));
  if (timeScale === "log_time") {
    const out: Record<number, string> = { 0: "0" };
    for (let t = 1; t <= top; t *= 10) out[t] = fmt(t);
    return out;
  }
  return undefined; // rank: the times are not evenly placed, so tskit's ticks (every time) stay
}

/** The tree drawn by the library (`tree.drawSvg`, after tskit's draw_svg). */
function drawTree(tree: Tree, time: Float64Array, numPopulations: number, width: number, timeScale: TimeScaleName): string {
  const yTicks = timeTicks(tree, time, timeScale);
  // Ids are legible to a few hundred leaves; beyond that they only blacken the picture (tskit's
  // empty label maps draw none), and the node details say which node was clicked.
  const crowded = tree.numSamples() > 200 ? { nodeLabels: {}, mutationLabels: {}, symbolSize: 3 } : {};
  return tree.drawSvg({
    size: [width, 560],
    timeScale,
    yAxis: true,
    ...(yTicks && { yTicks }),
    ...crowded,
    style: populationStyle(numPopulations),
  });
}

/** The nodes of the tree (every root's subtree), with what the CSV export gives per node. */
function treeCsv(ctx: Context, tree: Tree): string {
  const time = ctx.ts.tables.nodes.time;
  const pop = ctx.ts.tables.nodes.population;
  const rows: unknown[][] = [];
  for (const root of tree.roots)
    for (const u of tree.preorder(root)) rows.push([u, tree.parent(u), time[u], pop[u], tree.numSamples(u), tree.isSample(u) ? 1 : 0]);
  return csv(["node", "parent", "time", "population", "num_samples", "is_sample"], rows);
}

export async function renderTrees(ctx: Context, root: HTMLElement): Promise<void> {
  const ts = ctx.ts;
  const L = ts.sequenceLength;
  const breaks = ts.breakpoints();
  /** A position inside the genome: [0, L) (L itself is the last tree's). */
  const clamp = (p: number) => (p >= L ? breaks[breaks.length - 2] : Math.max(0, p));
  let pos = clamp(numParam("pos", 0));
  let tree = ts.at(pos);
  let selected = param("node") === "" ? -1 : numParam("node", -1);
  // Trees above `draw=N` samples (default LARGE_TREE) are drawn once asked for (`draw=all`).
  const limit = numParam("draw", LARGE_TREE);
  let drawLarge = param("draw") === "all";
  const timeScale: TimeScaleName = (TIME_SCALES as readonly string[]).includes(param("tscale"))
    ? (param("tscale") as TimeScaleName)
    : "time";

  root.innerHTML = `<div class="controls">
      <button type="button" data-step="first" title="first tree">first</button>
      <button type="button" data-step="prev" title="previous tree (←)">◀</button>
      <span id="tree-index"></span>
      <button type="button" data-step="next" title="next tree (→)">▶</button>
      <button type="button" data-step="last" title="last tree">last</button>
      <label>Position <input type="number" id="pos" min="0" max="${L}" step="any"></label>
      <span class="muted" id="interval"></span>
      <label>Time scale <select id="tscale">${TIME_SCALES.map((t) => `<option${t === timeScale ? " selected" : ""}>${t}</option>`).join("")}</select></label>
    </div>
    <svg class="genome-bar" id="genome-bar" viewBox="0 0 ${BAR_W} ${BAR_H}" preserveAspectRatio="none"></svg>
    <div class="muted" style="margin-bottom:0.6rem">${ctx.pops
      .map(
        (p) =>
          `<span class="legend-pop"><span class="swatch" style="background:${COLOURS[p.population % COLOURS.length]}"></span>${escapeHtml(p.name)}</span>`,
      )
      .join("")}</div>
    <div class="tree-layout"><div id="tree-figure"></div><aside><div class="node-details" id="tree-info"></div><div class="node-details" id="node-details" style="margin-top:0.8rem"></div></aside></div>`;

  const bar = root.querySelector<SVGSVGElement>("#genome-bar")!;
  const xOf = (p: number) => (p / L) * BAR_W;
  // The breakpoints: each one a tick, or (many trees) their density in 300 bins.
  let base = `<rect width="${BAR_W}" height="${BAR_H}" fill="#f4f4f4"/>`;
  if (breaks.length <= 1500) {
    let d = "";
    for (const b of breaks) d += `M${xOf(b).toFixed(2)},22V40`;
    base += `<path d="${d}" stroke="#999" stroke-width="0.6"/>`;
  } else {
    const bins = new Float64Array(300);
    for (const b of breaks) bins[Math.min(299, Math.floor((b / L) * 300))]++;
    const max = Math.max(...bins);
    bins.forEach((c, i) => {
      const h = (c / max) * 18;
      base += `<rect x="${(i * BAR_W) / 300}" y="${40 - h}" width="${BAR_W / 300}" height="${h}" fill="#aaa"/>`;
    });
  }
  base += `<text x="2" y="12" font-size="11" fill="#666">0</text><text x="${BAR_W - 2}" y="12" font-size="11" fill="#666" text-anchor="end">${fmtPos(L)}</text>`;

  const show = () => {
    const { left, right } = tree.interval;
    bar.innerHTML = `${base}<rect id="bar-tree" x="${xOf(left)}" y="20" width="${Math.max(2, xOf(right) - xOf(left))}" height="22" fill="rgba(31,119,180,0.35)" stroke="#1f77b4"/><line x1="${xOf(pos)}" x2="${xOf(pos)}" y1="4" y2="${BAR_H}" stroke="#d62728" stroke-width="2"/>`;
    root.querySelector("#tree-index")!.textContent = `tree ${tree.index.toLocaleString("en")} of ${ts.numTrees.toLocaleString("en")}`;
    (root.querySelector("#pos") as HTMLInputElement).value = String(pos);
    root.querySelector("#interval")!.textContent = `[${fmtPos(left)}, ${fmtPos(right)})`;
    const info = root.querySelector("#tree-info")!;
    info.innerHTML = `<dl class="kv"><dt>tree</dt><dd data-key="index">${tree.index}</dd><dt>interval</dt><dd data-key="interval">${left} – ${right}</dd>
      <dt>roots</dt><dd data-key="numRoots">${tree.numRoots}</dd><dt>total branch length</dt><dd data-key="totalBranchLength" data-value="${tree.totalBranchLength}">${fmt(tree.totalBranchLength)}</dd>
      <dt>sites</dt><dd data-key="numSites">${tree.numSites}</dd><dt>mutations</dt><dd data-key="numMutations">${tree.numMutations}</dd></dl>`;
    const fig = root.querySelector("#tree-figure")!;
    fig.innerHTML = "";
    const width = Math.max(500, Math.min(1400, (fig as HTMLElement).clientWidth - 20 || 860));
    const n = tree.numSamples();
    const wait = n > limit && !drawLarge;
    const figure: Figure = {
      id: `tree-${tree.index}`,
      title: `tree ${tree.index}`,
      svg: wait ? "" : drawTree(tree, ts.tables.nodes.time, ts.numPopulations, width, timeScale),
      csv: () => treeCsv(ctx, tree),
    };
    const f = figureElement(figure);
    const holder = f.querySelector<HTMLElement>(".fig-svg")!;
    if (wait) {
      // tskit's drawing has an SVG group per node: some 340 bytes each, and the browser's
      // elements for them take gigabytes past a few hundred thousand nodes, so it is asked for.
      holder.innerHTML = `<div class="large-tree" id="large-tree"><p>This tree has ${n.toLocaleString("en")} samples. Its drawing would be an SVG of some ${fmtBytes(n * 2 * 340)} (a group per node, as tskit draws), which takes a browser tens of seconds and gigabytes of memory; the tree's numbers (CSV) and node details work without it.</p><button type="button" id="draw-large">Draw it anyway</button></div>`;
      holder.querySelector("#draw-large")!.addEventListener("click", () => {
        drawLarge = true;
        setParams({ draw: "all" });
        show();
      });
      for (const b of f.querySelectorAll<HTMLButtonElement>('[data-export="svg"], [data-export="png"]')) b.disabled = true;
    } else holder.classList.add("tree-svg");
    fig.append(f);
    markSelected();
  };

  const details = () => {
    const box = root.querySelector("#node-details")!;
    if (selected < 0 || selected >= ts.numNodes) {
      box.innerHTML = `<p class="muted">Click a node to see its details.</p>`;
      return;
    }
    const u = selected;
    const node = ts.node(u);
    const popName =
      ctx.pops.find((p) => p.population === node.population)?.name ?? (node.population >= 0 ? `population ${node.population}` : "none");
    const inTree = tree.parent(u) !== -1 || tree.numChildren(u) > 0 || tree.isSample(u);
    box.innerHTML = `<h2 style="margin-top:0">node ${u}</h2><dl class="kv" data-node="${u}">
      <dt>time</dt><dd data-key="time" data-value="${node.time}">${fmt(node.time)} ${escapeHtml(ts.timeUnits)}</dd>
      <dt>flags</dt><dd>${node.flags}${tree.isSample(u) ? " (sample)" : ""}</dd>
      <dt>population</dt><dd data-key="population">${node.population} ${escapeHtml(popName)}</dd>
      <dt>individual</dt><dd>${node.individual}</dd>
      ${
        inTree
          ? `<dt>parent</dt><dd data-key="parent">${tree.parent(u)}</dd><dt>children</dt><dd data-key="children">${Array.from(tree.children(u)).join(", ") || "–"}</dd>
      <dt>samples below</dt><dd data-key="numSamples">${tree.numSamples(u)}</dd><dt>branch length</dt><dd>${fmt(tree.branchLength(u))}</dd>`
          : `<dt>in this tree</dt><dd>no</dd>`
      }
      <dt>metadata</dt><dd><code>${escapeHtml(metadataText(() => node.metadata, 400))}</code></dd></dl>`;
  };

  const markSelected = () => {
    for (const g of root.querySelectorAll(".tree-svg .node.selected")) g.classList.remove("selected");
    if (selected >= 0) root.querySelector(`.tree-svg .node.n${selected}`)?.classList.add("selected");
    details();
  };

  const goTo = (p: number) => {
    if (!Number.isFinite(p)) return;
    pos = clamp(p);
    if (!(pos >= tree.interval.left && pos < tree.interval.right)) tree = ts.at(pos);
    setParams({ pos });
    show();
  };
  const step = (how: string) => {
    const i = how === "first" ? 0 : how === "last" ? ts.numTrees - 1 : tree.index + (how === "next" ? 1 : -1);
    if (i < 0 || i >= ts.numTrees) return;
    tree = ts.atIndex(i);
    pos = tree.interval.left;
    setParams({ pos });
    show();
  };

  for (const b of root.querySelectorAll<HTMLButtonElement>("[data-step]")) b.addEventListener("click", () => step(b.dataset.step!));
  root.querySelector("#pos")!.addEventListener("change", (e) => goTo(Number((e.target as HTMLInputElement).value)));
  root.querySelector("#tscale")!.addEventListener("change", (e) => {
    setParams({ tscale: (e.target as HTMLSelectElement).value === "time" ? null : (e.target as HTMLSelectElement).value });
    ctx.rerender();
  });
  const keys = (e: KeyboardEvent) => {
    if (!ctx.alive()) return document.removeEventListener("keydown", keys);
    if ((e.target as HTMLElement).tagName === "INPUT") return;
    if (e.key === "ArrowRight") step("next");
    else if (e.key === "ArrowLeft") step("prev");
  };
  document.addEventListener("keydown", keys);

  // Dragging along the genome bar: the tree under the pointer, one draw per frame.
  let dragging = false;
  let pending: number | null = null;
  const fromPointer = (e: PointerEvent) => {
    const r = bar.getBoundingClientRect();
    return (Math.min(Math.max(0, e.clientX - r.left), r.width - 0.01) / r.width) * L;
  };
  bar.addEventListener("pointerdown", (e) => {
    dragging = true;
    bar.setPointerCapture(e.pointerId);
    goTo(fromPointer(e));
  });
  bar.addEventListener("pointermove", (e) => {
    if (!dragging) return;
    const first = pending === null;
    pending = fromPointer(e);
    if (first)
      requestAnimationFrame(() => {
        if (pending !== null) goTo(pending);
        pending = null;
      });
  });
  bar.addEventListener("pointerup", () => {
    dragging = false;
  });

  root.querySelector("#tree-figure")!.addEventListener("click", (e) => {
    const g = (e.target as Element).closest(".node");
    const m = g?.getAttribute("class")?.match(/\bn(\d+)\b/);
    if (!m) return;
    selected = Number(m[1]);
    setParams({ node: selected });
    markSelected();
  });

  show();
}
