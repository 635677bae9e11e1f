/**
 * Along the genome: a statistic in windows (by count or by size) per population, pair, triple
 * or quadruple of populations, in site or branch mode, with zoom (wheel, buttons) and pan (drag)
 * on the genome axis; and the mutations in time × position, coloured by their frequency.
 *
 * Windows cover the part of the genome in view, [xmin, xmax], plus one window each side of it
 * where it does not reach the ends (tskit's windows must cover the genome); zooming in computes
 * finer windows. Settings in the URL: stat, mode, by (count|size), windows, wsize, pops,
 * xmin, xmax, logt.
 */
import type { StatResult, TreeSequence } from "../../../dist/browser.js";
import { allPairs } from "../../../dist/grouping.js";
import { type Context, sampleSets } from "../context.js";
import { type Figure, figureElement, PLOT, scatter, stepChart } from "../figures.js";
import { type Job, runJob } from "../jobs.js";
import { numParam, param, setParams } from "../state.js";
import { csv, escapeHtml, fmtPos } from "../util.js";

/** The statistics offered, with their arity (sets per value) and a label. */
export const STATS: Record<string, { arity: 1 | 2 | 3 | 4; label: string }> = {
  diversity: { arity: 1, label: "diversity (π)" },
  segregatingSites: { arity: 1, label: "segregating sites" },
  tajimasD: { arity: 1, label: "Tajima's D" },
  y1: { arity: 1, label: "Y1" },
  divergence: { arity: 2, label: "divergence (dxy)" },
  fst: { arity: 2, label: "Fst" },
  f2: { arity: 2, label: "f2" },
  y2: { arity: 2, label: "Y2" },
  geneticRelatedness: { arity: 2, label: "genetic relatedness" },
  f3: { arity: 3, label: "f3" },
  y3: { arity: 3, label: "Y3" },
  f4: { arity: 4, label: "f4" },
};
const MAX_SERIES = 12;
const MAX_WINDOWS = 100_000;
const MAX_POINTS = 5000;

/** Index tuples of `arity` distinct sets among n, in lexicographic order (at most MAX_SERIES). */
export function tuples(n: number, arity: number): number[][] {
  if (arity === 2) return allPairs(n).slice(0, MAX_SERIES);
  const out: number[][] = [];
  const rec = (start: number, cur: number[]) => {
    if (out.length >= MAX_SERIES) return;
    if (cur.length === arity) {
      out.push(cur.slice());
      return;
    }
    for (let i = start; i < n; i++) rec(i + 1, [...cur, i]);
  };
  rec(0, []);
  return out;
}

/**
 * The windows for the part [a, b] of a genome of length L: `count` equal windows, or windows
 * of `size` (the last one shorter), plus [0, a] and [b, L] where those are not empty.
 */
export function genomeWindows(L: number, a: number, b: number, by: "count" | "size", count: number, size: number): number[] {
  const inner: number[] = [];
  if (by === "count") for (let i = 0; i <= count; i++) inner.push(i === count ? b : a + (i * (b - a)) / count);
  else {
    for (let x = a; x < b; x += size) inner.push(x);
    inner.push(b);
  }
  return [...(a > 0 ? [0] : []), ...inner, ...(b < L ? [L] : [])];
}

interface MutationPoints {
  position: Float64Array;
  time: Float64Array;
  frequency: Float64Array;
}
const mutationCache = new WeakMap<TreeSequence, MutationPoints>();

/**
 * Each mutation's position, time (its node's where the time is unknown) and frequency (the
 * samples below its node over all samples), from one walk along the trees on this thread,
 * yielding to the page every few milliseconds.
 */
async function mutationPoints(ts: TreeSequence, job: Job): Promise<MutationPoints> {
  const cached = mutationCache.get(ts);
  if (cached) return cached;
  const m = ts.tables.mutations;
  const n = m.numRows;
  // The columns once, as local arrays: each `m.site` is a getter call.
  const [site, node, mTime] = [m.site, m.node, m.time];
  const sitePos = ts.tables.sites.position;
  const nodeTime = ts.tables.nodes.time;
  const position = new Float64Array(n);
  const time = new Float64Array(n);
  const frequency = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    position[i] = sitePos[site[i]];
    time[i] = Number.isNaN(mTime[i]) ? nodeTime[node[i]] : mTime[i];
    if ((i & 4095) === 4095) await job.tick();
  }
  await job.yieldNow();
  const N = ts.numSamples;
  const T = ts.numTrees;
  for (const tree of ts.trees()) {
    for (const id of tree.mutations()) frequency[id] = tree.numSamples(node[id]) / N;
    await job.tick(tree.index / T);
  }
  const r = { position, time, frequency };
  mutationCache.set(ts, r);
  return r;
}

export async function renderGenome(ctx: Context, root: HTMLElement): Promise<void> {
  const ts = ctx.ts;
  const L = ts.sequenceLength;
  const sets = sampleSets(ctx);
  const stat = STATS[param("stat")] ? param("stat") : "diversity";
  const mode = param("mode") === "branch" ? "branch" : "site";
  const by = param("by") === "size" ? "size" : "count";
  const count = Math.round(numParam("windows", 50));
  const size = numParam("wsize", Math.max(1, Math.round(L / 50)));
  const logt = param("logt", "1") !== "0";
  const chosen = param("pops")
    ? param("pops")
        .split(",")
        .map(Number)
        .filter((i) => Number.isInteger(i) && i >= 0 && i < sets.length)
    : sets.map((_, i) => i);
  let xlim: [number, number] = [Math.max(0, numParam("xmin", 0)), Math.min(L, numParam("xmax", L))];
  if (!(xlim[1] > xlim[0])) xlim = [0, L];

  const opt = (v: string, label: string, cur: string) =>
    `<option value="${v}"${v === cur ? " selected" : ""}>${escapeHtml(label)}</option>`;
  root.innerHTML = `<form class="controls" id="genome-form">
      <label>Statistic <select name="stat">${Object.entries(STATS)
        .map(([k, s]) =>
          opt(
            k,
            `${s.label}${s.arity === 1 ? ", per population" : s.arity === 2 ? ", per pair" : s.arity === 3 ? ", per triple" : ", per quadruple"}`,
            stat,
          ),
        )
        .join("")}</select></label>
      <label>Mode <select name="mode">${opt("site", "site", mode)}${opt("branch", "branch", mode)}</select></label>
      <label>Windows by <select name="by">${opt("count", "count", by)}${opt("size", "size (bp)", by)}</select></label>
      <label data-by="count">count <input type="number" name="windows" min="1" max="${MAX_WINDOWS}" value="${count}"></label>
      <label data-by="size">size <input type="number" name="wsize" min="0" step="any" value="${size}"></label>
      <span>Populations ${sets.map((s, i) => `<label><input type="checkbox" name="pop" value="${i}"${chosen.includes(i) ? " checked" : ""}> ${escapeHtml(s.name)}</label>`).join(" ")}</span>
      <label><input type="checkbox" name="logt"${logt ? " checked" : ""}> log time</label>
      <button type="submit">Compute</button>
      <span class="zoom"><button type="button" data-zoom="in">zoom in</button><button type="button" data-zoom="out">zoom out</button><button type="button" data-zoom="reset">whole genome</button></span>
      <span class="muted" id="xlim"></span>
    </form><div id="stat-figure"></div><div id="mut-figure"></div><p class="muted">Wheel over a figure zooms the genome axis; dragging pans it. Zooming in computes finer windows.</p>`;
  const form = root.querySelector<HTMLFormElement>("#genome-form")!;
  for (const lab of form.querySelectorAll<HTMLElement>("[data-by]")) lab.hidden = lab.dataset.by !== by;
  form.querySelector('select[name="by"]')!.addEventListener("change", (e) => {
    for (const lab of form.querySelectorAll<HTMLElement>("[data-by]"))
      lab.hidden = lab.dataset.by !== (e.target as HTMLSelectElement).value;
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const pops = f.getAll("pop").map(String);
    setParams({
      stat: String(f.get("stat")),
      mode: String(f.get("mode")),
      by: String(f.get("by")),
      windows: String(f.get("windows")),
      wsize: String(f.get("wsize")),
      pops: pops.length === sets.length ? null : pops.join(",") || "none",
      logt: f.get("logt") ? null : "0",
    });
    ctx.rerender();
  });

  const statFig = root.querySelector<HTMLElement>("#stat-figure")!;
  const mutFig = root.querySelector<HTMLElement>("#mut-figure")!;
  const info = STATS[stat];
  const setIdx = chosen;
  const tup = info.arity === 1 ? [] : tuples(setIdx.length, info.arity).map((t) => t.map((k) => setIdx[k]));
  const names = info.arity === 1 ? setIdx.map((i) => sets[i].name) : tup.map((t) => t.map((i) => sets[i].name).join(" vs "));

  let result: { windows: number[]; r: StatResult; inner: [number, number] } | null = null;
  let points: MutationPoints | null = null;

  const drawStat = () => {
    if (!result) return;
    const { windows, r } = result;
    const m = r.shape[1] ?? 1;
    const nw = windows.length - 1;
    const series = names.map((name, c) => ({ name, ys: Float64Array.from({ length: nw }, (_, w) => r.data[w * m + c]) }));
    // The CSV: the windows in view when computed (not the coarse ones either side), every value.
    const [a, b] = result.inner;
    const rows: unknown[][] = [];
    for (let w = 0; w < nw; w++)
      if (windows[w] >= a && windows[w + 1] <= b) rows.push([windows[w], windows[w + 1], ...series.map((s) => s.ys[w])]);
    const fig: Figure = {
      id: `${stat}-${mode}`,
      title: `${info.label}, ${mode} mode, ${rows.length} windows`,
      svg: stepChart({ title: `${info.label}, ${mode} mode`, yLabel: info.label, windows, series, xlim }),
      csv: () => csv(["left", "right", ...names], rows),
      caption: `${info.arity === 1 ? "One line per population" : `One line per ${["", "", "pair", "triple", "quadruple"][info.arity]} of populations`}; each window's value spans it. Gaps: windows where the statistic is undefined (NaN).`,
    };
    statFig.innerHTML = "";
    statFig.append(figureElement(fig));
    statFig.querySelector(".fig-svg")!.classList.add("zoomable");
    root.querySelector("#xlim")!.textContent = `${fmtPos(xlim[0])} – ${fmtPos(xlim[1])}`;
  };

  const drawMutations = () => {
    if (!points) return;
    const ids: number[] = [];
    for (let i = 0; i < points.position.length; i++) if (points.position[i] >= xlim[0] && points.position[i] < xlim[1]) ids.push(i);
    const every = Math.max(1, Math.ceil(ids.length / MAX_POINTS));
    const drawn = ids.filter((_, k) => k % every === 0);
    const pick = (a: Float64Array) => Float64Array.from(drawn, (i) => a[i]);
    const fig: Figure = {
      id: "mutations",
      title: "mutations: time × position",
      svg: scatter({
        title: `mutations in view: ${ids.length.toLocaleString("en")}`,
        xLabel: "position on the genome",
        yLabel: `time (${ts.timeUnits})`,
        xlim,
        xs: pick(points.position),
        ys: pick(points.time),
        colour: pick(points.frequency),
        colourLabel: "frequency",
        logY: logt,
      }),
      csv: () =>
        csv(
          ["mutation", "position", "time", "frequency"],
          ids.map((i) => [i, points!.position[i], points!.time[i], points!.frequency[i]]),
        ),
      caption: `Each mutation at its site's position and its time (its node's time where the mutation's is unknown), coloured by its frequency: the samples below its node over all ${ts.numSamples.toLocaleString("en")} samples.${every > 1 ? ` One in ${every} of the ${ids.length.toLocaleString("en")} mutations in view is drawn; the CSV has them all.` : ""}`,
    };
    mutFig.innerHTML = "";
    mutFig.append(figureElement(fig));
    mutFig.querySelector(".fig-svg")!.classList.add("zoomable");
  };

  let computeSeq = 0;
  const compute = async () => {
    const seq = ++computeSeq;
    const a = xlim[0],
      b = xlim[1];
    if (by === "count" && !(Number.isInteger(count) && count >= 1 && count <= MAX_WINDOWS))
      throw new Error(`windows: a whole number from 1 to ${MAX_WINDOWS.toLocaleString("en")}`);
    if (by === "size" && !(size > 0 && (b - a) / size <= MAX_WINDOWS))
      throw new Error(`window size: more than 0, and at most ${MAX_WINDOWS.toLocaleString("en")} windows in view`);
    if (setIdx.length < info.arity) {
      statFig.innerHTML = `<p class="muted">${escapeHtml(info.label)} needs ${info.arity} populations with samples; ${setIdx.length} chosen.</p>`;
      result = null;
      return;
    }
    const windows = genomeWindows(L, a, b, by, count, size);
    const options: Record<string, unknown> = { windows, mode };
    if (info.arity === 1) options.sampleSets = setIdx.map((i) => sets[i].samples);
    else {
      options.sampleSets = sets.map((s) => s.samples);
      options.indexes = tup;
    }
    const r = await runJob(`${info.label} (${mode}) in ${windows.length - 1} windows`, (job) =>
      job.wait((ts as any)[stat](options) as Promise<StatResult>),
    );
    // A newer request (the view zoomed again) wins over this one.
    if (!r || !ctx.alive() || seq !== computeSeq) return;
    // One set or one tuple: tskit drops the axis; put it back for the plot.
    result = { windows, r: r.shape.length === 1 ? { data: r.data, shape: [r.shape[0], 1] } : r, inner: [a, b] };
    drawStat();
  };

  const all = async () => {
    await compute();
    if (!ctx.alive()) return;
    if (!points) {
      const p = await runJob("mutation frequencies (one walk along the trees)", (job) => mutationPoints(ts, job));
      if (!p || !ctx.alive()) return;
      points = p;
    }
    drawMutations();
  };

  // Zoom and pan: the figures redraw at once from what was computed; new windows follow.
  let refresh = 0;
  const setXlim = (lo: number, hi: number) => {
    const w = Math.min(L, Math.max(hi - lo, L * 1e-6, 1e-9));
    lo = Math.max(0, Math.min(lo, L - w));
    xlim = [lo, lo + w];
    drawStat();
    drawMutations();
    clearTimeout(refresh);
    refresh = window.setTimeout(() => {
      if (!ctx.alive()) return;
      const whole = xlim[0] === 0 && xlim[1] === L;
      setParams({ xmin: whole ? null : xlim[0], xmax: whole ? null : xlim[1] });
      void compute().catch(showError);
    }, 400);
  };
  const genomeAt = (e: MouseEvent, host: HTMLElement) => {
    const svg = host.querySelector("svg")!;
    const r = svg.getBoundingClientRect();
    const xv = ((e.clientX - r.left) / r.width) * PLOT.width;
    return xlim[0] + ((xv - PLOT.left) / (PLOT.right - PLOT.left)) * (xlim[1] - xlim[0]);
  };
  for (const host of [statFig, mutFig]) {
    host.addEventListener(
      "wheel",
      (e) => {
        if (!host.querySelector(".zoomable")) return;
        e.preventDefault();
        const at = Math.min(xlim[1], Math.max(xlim[0], genomeAt(e, host)));
        const f = e.deltaY > 0 ? 1.25 : 0.8;
        setXlim(at - (at - xlim[0]) * f, at + (xlim[1] - at) * f);
      },
      { passive: false },
    );
    let drag: { x: number; lim: [number, number]; width: number } | null = null;
    host.addEventListener("pointerdown", (e) => {
      const z = host.querySelector<HTMLElement>(".zoomable");
      if (!z || (e.target as HTMLElement).closest("button")) return;
      drag = { x: e.clientX, lim: [...xlim], width: z.getBoundingClientRect().width };
      z.classList.add("dragging");
      host.setPointerCapture(e.pointerId);
    });
    host.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = ((e.clientX - drag.x) / drag.width) * PLOT.width;
      const shift = (dx / (PLOT.right - PLOT.left)) * (drag.lim[1] - drag.lim[0]);
      if (Math.abs(dx) > 2) setXlim(drag.lim[0] - shift, drag.lim[1] - shift);
    });
    host.addEventListener("pointerup", () => {
      drag = null;
      host.querySelector(".zoomable")?.classList.remove("dragging");
    });
  }
  for (const b of root.querySelectorAll<HTMLButtonElement>("[data-zoom]"))
    b.addEventListener("click", () => {
      const mid = (xlim[0] + xlim[1]) / 2,
        half = (xlim[1] - xlim[0]) / 2;
      if (b.dataset.zoom === "reset") setXlim(0, L);
      else if (b.dataset.zoom === "in") setXlim(mid - half / 2, mid + half / 2);
      else setXlim(mid - half * 2, mid + half * 2);
    });

  const showError = (e: unknown) => {
    statFig.innerHTML = `<p class="error">${escapeHtml((e as any).code ?? "ERROR")}: ${escapeHtml((e as Error).message)}</p>`;
  };
  await all().catch(showError);
}
