/**
 * The explorer's figures, as SVG text generated here (no plotting library): step lines for
 * windowed statistics, heatmaps, bar charts and scatter plots. Each figure is self-contained
 * SVG (its fonts and colours inline), so the same text is shown, saved as .svg and drawn onto a
 * canvas for .png. `figureElement` wraps one with its caption and its export buttons.
 */
import { COLOURS, escapeHtml, fmt, fmtPos, sequential } from "./util.js";

export interface Figure {
  /** A file-name stem, and the figure's id in the page (`data-figure`). */
  id: string;
  title: string;
  svg: string;
  /** The figure's numbers, as exported (made when asked for: a large one takes a while). */
  csv: () => string;
  caption?: string;
}

export const W = 900;
const M = { left: 70, right: 20, top: 46, bottom: 46 };
/** The legend's row, between the title and the plot. */
const LEGEND_Y = 34;
const STYLE = "<style>text{font:12px system-ui,sans-serif;fill:#333}.title{font-weight:600;font-size:13px}</style>";

function svgOpen(w: number, h: number, title: string, extra = ""): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeHtml(title)}"${extra}>${STYLE}<rect width="${w}" height="${h}" fill="#fff"/><text class="title" x="${M.left}" y="18">${escapeHtml(title)}</text>`;
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export interface Scale {
  (v: number): number;
  lo: number;
  hi: number;
}
function linear(lo: number, hi: number, a: number, b: number): Scale {
  const f = ((v: number) => a + ((v - lo) / (hi - lo || 1)) * (b - a)) as Scale;
  f.lo = lo;
  f.hi = hi;
  return f;
}

function range(values: Iterable<number>, includeZero = true): [number, number] {
  let lo = includeZero ? 0 : Infinity,
    hi = includeZero ? 0 : -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (!(hi > lo)) return [lo - 0.5, hi + 0.5];
  return [lo, hi + (hi - lo) * 0.04];
}

/** The axes, the y grid, tick labels and axis titles; `xFormat` null: no x ticks (the caller
 * labels categories itself). */
function axes(
  h: number,
  x: Scale,
  y: Scale,
  xLabel: string,
  yLabel: string,
  xFormat: ((v: number) => string) | null = fmt,
  yTicks?: number[],
  yFormat: (v: number) => string = fmt,
): string {
  const [x0, x1, y0, y1] = [M.left, x(x.hi), h - M.bottom, M.top];
  let s = `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#888"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#888"/>`;
  for (const t of yTicks ?? ticks(y.lo, y.hi, 5)) {
    const yy = y(t).toFixed(1);
    s += `<line x1="${x0}" x2="${x1}" y1="${yy}" y2="${yy}" stroke="#eee"/><text x="${x0 - 6}" y="${+yy + 4}" text-anchor="end">${yFormat(t)}</text>`;
  }
  for (const t of xFormat ? ticks(x.lo, x.hi, 8) : []) {
    const xx = x(t).toFixed(1);
    s += `<line x1="${xx}" x2="${xx}" y1="${y0}" y2="${y0 + 4}" stroke="#888"/><text x="${xx}" y="${y0 + 17}" text-anchor="middle">${xFormat!(t)}</text>`;
  }
  s += `<text x="${(x0 + x1) / 2}" y="${h - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>`;
  s += `<text transform="translate(14 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`;
  return s;
}

/** The series' names in one row under the title (above the plot, never over the lines). */
function legend(names: string[], colours: string[], x0 = M.left): string {
  let s = "";
  let x = x0;
  names.forEach((name, k) => {
    s += `<rect x="${x}" y="${LEGEND_Y - 4}" width="12" height="4" fill="${colours[k]}"/><text x="${x + 16}" y="${LEGEND_Y}">${escapeHtml(name)}</text>`;
    x += 30 + 6.5 * name.length;
  });
  return s;
}

export interface StepSeries {
  name: string;
  /** One value per window. */
  ys: ArrayLike<number>;
}

/**
 * Windowed values as steps: each window a flat segment over [left, right); NaN leaves a gap.
 * `xlim` is the part of the genome shown (zoom).
 */
export function stepChart(o: {
  title: string;
  yLabel: string;
  windows: ArrayLike<number>;
  series: StepSeries[];
  xlim: [number, number];
}): string {
  const H = 340;
  const x = linear(o.xlim[0], o.xlim[1], M.left, W - M.right);
  const all: number[] = [];
  const n = o.windows.length - 1;
  for (const s of o.series) for (let w = 0; w < n; w++) if (o.windows[w + 1] > o.xlim[0] && o.windows[w] < o.xlim[1]) all.push(s.ys[w]);
  const [lo, hi] = range(all);
  const y = linear(lo, hi, H - M.bottom, M.top);
  let s = svgOpen(W, H, o.title, ' data-kind="steps"');
  s += axes(H, x, y, "position on the genome", o.yLabel, fmtPos);
  s += `<clipPath id="plot-clip"><rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}"/></clipPath><g clip-path="url(#plot-clip)">`;
  o.series.forEach((ser, k) => {
    let d = "";
    let pen = false;
    for (let w = 0; w < n; w++) {
      const v = ser.ys[w];
      if (!Number.isFinite(v) || o.windows[w + 1] <= o.xlim[0] || o.windows[w] >= o.xlim[1]) {
        pen = false;
        continue;
      }
      const yy = y(v).toFixed(1);
      d += `${pen ? "L" : "M"}${x(o.windows[w]).toFixed(1)},${yy}L${x(o.windows[w + 1]).toFixed(1)},${yy}`;
      pen = true;
    }
    s += `<path class="series" d="${d}" fill="none" stroke="${COLOURS[k % COLOURS.length]}" stroke-width="1.5"><title>${escapeHtml(ser.name)}</title></path>`;
  });
  s += "</g>";
  s += legend(
    o.series.map((z) => z.name),
    o.series.map((_, k) => COLOURS[k % COLOURS.length]),
  );
  return `${s}</svg>`;
}

/** Where a step chart's plot area is, for zoom and pan in the page. */
export const PLOT = { left: M.left, right: W - M.right, width: W };

/** A matrix as coloured cells, with a colour bar; NaN cells are grey. */
export function heatmap(o: { title: string; rows: string[]; cols: string[]; values: number[][]; valueLabel: string }): string {
  const k = o.rows.length,
    m = o.cols.length;
  const labelW = Math.min(160, 12 + 7 * Math.max(...o.rows.map((r) => r.length), 1));
  const cell = Math.max(4, Math.min(60, Math.floor(Math.min(560 / Math.max(k, m), 60))));
  const left = labelW + 10,
    top = 40;
  const w = Math.max(left + m * cell + 140, 420);
  const colLabelH = cell >= 9 ? 60 : 0;
  const h = top + k * cell + colLabelH + 20;
  const flat = o.values.flat();
  const [lo, hi] = range(flat, false);
  const t = (v: number) => (v - lo) / (hi - lo || 1);
  let s = svgOpen(w, h, o.title, ' data-kind="heatmap"').replace(`x="${M.left}" y="18"`, `x="${left}" y="18"`);
  const labels = cell >= 9;
  for (let i = 0; i < k; i++) {
    if (labels) s += `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeHtml(o.rows[i])}</text>`;
    for (let j = 0; j < m; j++) {
      const v = o.values[i][j];
      s += `<rect class="cell" x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${sequential(t(v))}"><title>${escapeHtml(`${o.rows[i]} × ${o.cols[j]}: ${fmt(v)}`)}</title></rect>`;
    }
  }
  if (labels && colLabelH)
    for (let j = 0; j < m; j++) {
      const cx = left + j * cell + cell / 2 + 4,
        cy = top + k * cell + 6;
      s += `<text transform="translate(${cx} ${cy}) rotate(-90)" text-anchor="end">${escapeHtml(o.cols[j].slice(0, 10))}</text>`;
    }
  // Colour bar
  const bx = left + m * cell + 30,
    bh = Math.max(80, Math.min(200, k * cell));
  for (let i = 0; i < 20; i++)
    s += `<rect x="${bx}" y="${top + (bh * (19 - i)) / 20}" width="14" height="${bh / 20 + 0.5}" fill="${sequential(i / 19)}"/>`;
  s += `<text x="${bx + 20}" y="${top + 10}">${fmt(hi)}</text><text x="${bx + 20}" y="${top + bh}">${fmt(lo)}</text>`;
  s += `<text x="${bx}" y="${top + bh + 18}">${escapeHtml(o.valueLabel)}</text>`;
  return `${s}</svg>`;
}

/** Bars: one group per category, one bar per series (stacked when `stacked`). */
export function barChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: StepSeries[];
  stacked?: boolean;
}): string {
  const H = 320;
  const n = o.categories.length;
  const totals = o.stacked
    ? o.categories.map((_, i) => o.series.reduce((a, s) => a + (Number.isFinite(s.ys[i]) ? s.ys[i] : 0), 0))
    : o.series.flatMap((s) => Array.from(s.ys));
  const [lo, hi] = range(totals);
  const y = linear(lo, hi, H - M.bottom, M.top);
  const x = linear(-0.5, n - 0.5, M.left, W - M.right - (o.series.length > 1 ? 200 : 0));
  const band = (x(1) - x(0)) * 0.8;
  let s = svgOpen(W, H, o.title, ' data-kind="bars"');
  // Category ticks: at most ~12 labels.
  const every = Math.max(1, Math.ceil(n / 12));
  s += axes(H, x, y, o.xLabel, o.yLabel, null);
  for (let i = 0; i < n; i += every)
    s += `<text x="${x(i).toFixed(1)}" y="${H - M.bottom + 17}" text-anchor="middle">${escapeHtml(o.categories[i])}</text>`;
  // Many bars are drawn as one path per series (a spectrum of 30,000 counts stays light).
  o.series.forEach((ser, k) => {
    const colour = COLOURS[k % COLOURS.length];
    let d = "";
    for (let i = 0; i < n; i++) {
      const v = ser.ys[i];
      if (!Number.isFinite(v) || v === 0) continue;
      let base = 0;
      if (o.stacked) for (let q = 0; q < k; q++) base += Number.isFinite(o.series[q].ys[i]) ? o.series[q].ys[i] : 0;
      const bw = o.stacked || o.series.length === 1 ? band : band / o.series.length;
      const bx = x(i) - band / 2 + (o.stacked || o.series.length === 1 ? 0 : k * bw);
      const top = y(base + v),
        bottom = y(base);
      d += `M${bx.toFixed(2)},${bottom.toFixed(1)}V${top.toFixed(1)}H${(bx + Math.max(bw, 0.5)).toFixed(2)}V${bottom.toFixed(1)}Z`;
    }
    s += `<path class="bars" d="${d}" fill="${colour}"><title>${escapeHtml(ser.name)}</title></path>`;
  });
  if (o.series.length > 1)
    s += legend(
      o.series.map((z) => z.name),
      o.series.map((_, k) => COLOURS[k % COLOURS.length]),
    );
  return `${s}</svg>`;
}

/** Points in x × y, each coloured by a value in [0, 1] (viridis), with a colour bar. */
export function scatter(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  xlim: [number, number];
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  colour: ArrayLike<number>;
  colourLabel: string;
  logY?: boolean;
}): string {
  const H = 360;
  const ty = (v: number) => (o.logY ? Math.log10(v + 1) : v);
  const yvals: number[] = [];
  for (let i = 0; i < o.ys.length; i++) yvals.push(ty(o.ys[i]));
  const [lo, hi] = range(yvals);
  const x = linear(o.xlim[0], o.xlim[1], M.left, W - M.right - 70);
  const y = linear(lo, hi, H - M.bottom, M.top);
  let s = svgOpen(W, H, o.title, ' data-kind="scatter"');
  // Log time: log10(t + 1) (samples sit at time 0), ticks at 0 and the powers of ten.
  const yTicks = o.logY ? [0, ...Array.from({ length: Math.floor(hi) }, (_, k) => Math.log10(10 ** (k + 1) + 1))] : undefined;
  const yFormat = o.logY ? (v: number) => fmt(Math.round(10 ** v - 1)) : fmt;
  s += axes(H, x, y, o.xLabel, o.yLabel, fmtPos, yTicks, yFormat);
  let d = "";
  // Points grouped by colour bucket: one path per bucket keeps the SVG small.
  const buckets = new Map<number, string[]>();
  for (let i = 0; i < o.xs.length; i++) {
    const b = Math.round(Math.min(1, Math.max(0, o.colour[i])) * 19);
    const px = x(o.xs[i]).toFixed(1),
      py = y(ty(o.ys[i])).toFixed(1);
    if (!buckets.has(b)) buckets.set(b, []);
    buckets.get(b)!.push(`M${px},${py}h0`);
  }
  for (const [b, parts] of [...buckets].sort((p, q) => p[0] - q[0]))
    d += `<path class="points" d="${parts.join("")}" stroke="${sequential(b / 19)}" stroke-width="4" stroke-linecap="round" fill="none"/>`;
  s += d;
  const bx = W - M.right - 40,
    bh = 200;
  for (let i = 0; i < 20; i++)
    s += `<rect x="${bx}" y="${M.top + (bh * (19 - i)) / 20}" width="12" height="${bh / 20 + 0.5}" fill="${sequential(i / 19)}"/>`;
  s += `<text x="${bx - 4}" y="${M.top + 10}" text-anchor="end">1</text><text x="${bx - 4}" y="${M.top + bh}" text-anchor="end">0</text>`;
  s += `<text transform="translate(${bx + 28} ${M.top + bh / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.colourLabel)}</text>`;
  return `${s}</svg>`;
}

// ---------------------------------------------------------------- export

function download(name: string, blob: Blob): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** The SVG as a PNG at twice its size: drawn onto a canvas from an image of the SVG text. */
export async function svgToPng(svg: string): Promise<Blob> {
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    img.src = url;
    await img.decode();
    const scale = 2;
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth * scale;
    canvas.height = img.naturalHeight * scale;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("no PNG"))), "image/png"));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** A figure in the page: the SVG, its caption and its SVG / PNG / CSV buttons. */
export function figureElement(fig: Figure): HTMLElement {
  const f = document.createElement("figure");
  f.className = "fig";
  f.dataset.figure = fig.id;
  f.innerHTML = `<div class="fig-tools"><button type="button" data-export="svg">SVG</button><button type="button" data-export="png">PNG</button><button type="button" data-export="csv">CSV</button></div><div class="fig-svg">${fig.svg}</div>${fig.caption ? `<figcaption>${fig.caption}</figcaption>` : ""}`;
  f.querySelector('[data-export="svg"]')!.addEventListener("click", () =>
    download(`${fig.id}.svg`, new Blob([fig.svg], { type: "image/svg+xml" })),
  );
  f.querySelector('[data-export="csv"]')!.addEventListener("click", () =>
    download(`${fig.id}.csv`, new Blob([fig.csv()], { type: "text/csv" })),
  );
  f.querySelector('[data-export="png"]')!.addEventListener("click", async () => download(`${fig.id}.png`, await svgToPng(fig.svg)));
  return f;
}
