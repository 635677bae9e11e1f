// treeseq browser demo: load a .trees file, compute a windowed statistic per population (or
// pair of populations) and the allele frequency spectrum, and plot them as SVG.
//
// Everything runs through treeseq's browser entry (dist/browser.js): threaded WebAssembly when
// the page is cross-origin isolated (`npm run demo` serves it so), else single-threaded
// WebAssembly; in both cases statistics run on workers, so this page stays responsive (the
// status line's timer keeps counting during a computation).
//
// URL parameters, for links and for the test that drives this page: file=URL, stat=diversity|
// tajimasD|segregatingSites|divergence|fst, mode=site|branch, windows=N, run=1 (compute on
// load). The last result is kept in `window.__demo` for that test.
import { init, load, backendInfo } from "../dist/browser.js";
import { allPairs, equalWindows, populationSampleSets } from "../dist/grouping.js";

const $ = (id) => document.getElementById(id);
const PAIRWISE = new Set(["divergence", "fst"]);
const LABELS = {
  diversity: "diversity (π)",
  tajimasD: "Tajima's D",
  segregatingSites: "segregating sites",
  divergence: "divergence (dxy)",
  fst: "FST",
};
const COLOURS = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#30343f"];

let ts = null; // the loaded tree sequence
let sets = []; // [{ name, samples: Int32Array }] per population with samples
let busy = false;
window.__demo = { done: false };

function setStatus(text, { error = false, spinning = false } = {}) {
  const el = $("status");
  el.className = error ? "error" : "";
  el.innerHTML = (spinning ? '<span class="spinner"></span>' : "") + escapeHtml(text);
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

/** Runs `work` with a status line that counts the seconds (it keeps counting: no blocking). */
async function withProgress(what, work) {
  const t0 = performance.now();
  setStatus(`${what}…`, { spinning: true });
  const timer = setInterval(() => setStatus(`${what}… ${((performance.now() - t0) / 1000).toFixed(1)} s`, { spinning: true }), 100);
  try {
    const value = await work();
    return { value, seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

/** The samples of each population that has any; without populations, all samples as one set. */
function samplesByPopulation() {
  const sets = populationSampleSets(ts);
  return sets.length ? sets : [{ name: "all samples", samples: ts.samples() }];
}

async function openFile(source, label) {
  if (busy) return;
  busy = true;
  try {
    ts?.dispose?.();
    ts = null;
    const { value, seconds } = await withProgress(`loading ${label}`, () => load(source));
    ts = value;
    sets = samplesByPopulation();
    showSummary(label, seconds);
    setStatus(`loaded ${label} in ${seconds.toFixed(2)} s`);
  } catch (e) {
    setStatus(`cannot load ${label}: ${e.code ?? "ERROR"}: ${e.message}`, { error: true });
    window.__demo = { done: true, error: `${e.code}: ${e.message}` };
  } finally {
    busy = false;
  }
}

function showSummary(label, seconds) {
  const rows = [
    ["file", label],
    ["samples", ts.numSamples.toLocaleString()],
    ["trees", ts.numTrees.toLocaleString()],
    ["sites", ts.numSites.toLocaleString()],
    ["sequence length", ts.sequenceLength.toLocaleString()],
    ["sample sets", sets.map((s) => `${s.name} (${s.samples.length})`).join(", ")],
    ["loaded in", `${seconds.toFixed(2)} s`],
  ];
  $("summary").innerHTML = rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("");
}

async function compute() {
  if (busy || !ts) return;
  const stat = $("stat").value;
  const mode = $("mode").value;
  const n = Number($("windows").value);
  if (!Number.isInteger(n) || n < 1 || n > 10000) {
    setStatus("windows: a whole number from 1 to 10,000", { error: true });
    return;
  }
  if (PAIRWISE.has(stat) && sets.length < 2) {
    setStatus(`${LABELS[stat]} needs two sample sets; this file has one`, { error: true });
    return;
  }
  busy = true;
  $("run").disabled = true;
  try {
    const windows = equalWindows(ts.sequenceLength, n);
    const sampleSets = sets.map((s) => s.samples);
    const pairs = allPairs(sets.length);
    const names = PAIRWISE.has(stat) ? pairs.map(([i, j]) => `${sets[i].name} vs ${sets[j].name}`) : sets.map((s) => s.name);
    const options = { sampleSets, windows, mode, ...(PAIRWISE.has(stat) ? { indexes: pairs } : {}) };
    const { value: r, seconds } = await withProgress(`computing ${LABELS[stat]} (${mode} mode) in ${n} windows`, () => ts[stat](options));
    // The spectrum of the first set: site mode counts sites, branch mode branch lengths.
    const { value: afs } = await withProgress("computing the allele frequency spectrum", () =>
      ts.alleleFrequencySpectrum({ sampleSets: [sets[0].samples], mode }),
    );
    const m = r.shape[1];
    const series = names.map((name, c) => ({ name, ys: Array.from({ length: n }, (_, w) => r.data[w * m + c]) }));
    const mids = windows.slice(0, -1).map((a, w) => (a + windows[w + 1]) / 2);
    $("along").innerHTML =
      lineChart({
        title: `${LABELS[stat]}, ${mode} mode, ${n} windows`,
        xLabel: "position on the genome",
        xMax: ts.sequenceLength,
        xs: mids,
        series,
      }) +
      `<figcaption>One value per window and ${PAIRWISE.has(stat) ? "pair of sample sets" : "sample set"}; gaps are windows where the statistic is undefined (NaN). Computed in ${seconds.toFixed(3)} s on ${escapeHtml(describeBackend())}.</figcaption>`;
    $("afs").innerHTML =
      barChart({
        title: `allele frequency spectrum of ${sets[0].name} (folded, ${mode} mode)`,
        xLabel: "minor allele count",
        values: Array.from(afs.data),
      }) +
      `<figcaption>${mode === "site" ? "Sites" : "Branch length"} per minor allele count, span-normalised, as tskit's <code>allele_frequency_spectrum</code>.</figcaption>`;
    $("values").innerHTML = valuesTable(mids, series);
    setStatus(`done in ${seconds.toFixed(3)} s`);
    window.__demo = { done: true, stat, mode, windows: n, shape: r.shape, values: Array.from(r.data), afs: Array.from(afs.data), names };
  } catch (e) {
    setStatus(`${e.code ?? "ERROR"}: ${e.message}`, { error: true });
    window.__demo = { done: true, error: `${e.code}: ${e.message}` };
  } finally {
    busy = false;
    $("run").disabled = false;
  }
}

function describeBackend() {
  const b = backendInfo();
  return `${b.name}, ${b.threads} thread${b.threads === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------- plots (plain SVG)

const W = 900,
  H = 320,
  M = { left: 64, right: 16, top: 28, bottom: 44 };

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const fmt = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(+v.toPrecision(4)));
/** A genome position: bases, kb or Mb. */
const fmtPos = (v) =>
  v >= 1e6 ? `${+(v / 1e6).toPrecision(4)} Mb` : v >= 1e3 ? `${+(v / 1e3).toPrecision(4)} kb` : String(+v.toPrecision(4));

function frame(title, xLabel, xTicks, xPos, yTicks, yPos, xFormat = fmt) {
  const [x0, x1, y0, y1] = [M.left, W - M.right, H - M.bottom, M.top];
  let s = `<text x="${x0}" y="18" font-weight="600">${escapeHtml(title)}</text>`;
  s += `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#888"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#888"/>`;
  for (const t of yTicks) {
    const y = yPos(t);
    s += `<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${x0 - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`;
  }
  for (const t of xTicks) {
    const x = xPos(t);
    s += `<line x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + 4}" stroke="#888"/><text x="${x}" y="${y0 + 17}" text-anchor="middle">${xFormat(t)}</text>`;
  }
  s += `<text x="${(x0 + x1) / 2}" y="${H - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`;
  return s;
}

function yRange(values) {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(0, ...finite),
    hi = Math.max(0, ...finite);
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi + (hi - lo) * 0.05];
}

function lineChart({ title, xLabel, xMax, xs, series }) {
  const [lo, hi] = yRange(series.flatMap((s) => s.ys));
  const xPos = (v) => M.left + (v / xMax) * (W - M.left - M.right);
  const yPos = (v) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  let s = frame(title, xLabel, ticks(0, xMax, 8), xPos, ticks(lo, hi, 5), yPos, fmtPos);
  series.forEach(({ name, ys }, k) => {
    const colour = COLOURS[k % COLOURS.length];
    // A NaN (no sites in a window, say) breaks the line.
    let d = "",
      pen = false;
    ys.forEach((y, i) => {
      if (!Number.isFinite(y)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${xPos(xs[i]).toFixed(1)},${yPos(y).toFixed(1)}`;
      pen = true;
    });
    s += `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"><title>${escapeHtml(name)}</title></path>`;
    const lx = W - M.right - 230,
      ly = M.top + 4 + k * 16;
    s += `<rect x="${lx}" y="${ly}" width="12" height="3" fill="${colour}"/><text x="${lx + 18}" y="${ly + 5}">${escapeHtml(name)}</text>`;
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(title)}">${s}</svg>`;
}

function barChart({ title, xLabel, values }) {
  const [lo, hi] = yRange(values);
  const n = values.length;
  const band = (W - M.left - M.right) / n;
  const xPos = (i) => M.left + (i + 0.5) * band;
  const yPos = (v) => H - M.bottom - ((v - lo) / (hi - lo)) * (H - M.top - M.bottom);
  let s = frame(title, xLabel, ticks(0, n - 1, Math.min(10, n)).filter(Number.isInteger), xPos, ticks(lo, hi, 5), yPos);
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || v === 0) return;
    const y = yPos(Math.max(v, 0)),
      h = Math.abs(yPos(v) - yPos(0));
    s += `<rect x="${(xPos(i) - band * 0.4).toFixed(1)}" y="${y.toFixed(1)}" width="${(band * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOURS[0]}"><title>${i}: ${fmt(v)}</title></rect>`;
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(title)}">${s}</svg>`;
}

function valuesTable(mids, series) {
  const head = `<tr><th>window middle</th>${series.map((s) => `<th>${escapeHtml(s.name)}</th>`).join("")}</tr>`;
  const rows = mids.map((x, w) => `<tr><td>${fmtPos(x)}</td>${series.map((s) => `<td>${fmt(s.ys[w])}</td>`).join("")}</tr>`);
  return `<table class="values">${head}${rows.join("")}</table>`;
}

// ---------------------------------------------------------------- wiring

const params = new URLSearchParams(location.search);
for (const key of ["stat", "mode", "windows"]) if (params.has(key)) $(key).value = params.get(key);
$("run").addEventListener("click", compute);
$("example").addEventListener("change", () => openFile($("example").value, $("example").value.split("/").pop()));
$("file").addEventListener("change", () => {
  const f = $("file").files[0];
  if (f) openFile(f, f.name);
});

try {
  const info = await init();
  $("backend").textContent = `Backend: ${info.name}, ${info.threads} thread${info.threads === 1 ? "" : "s"} (${info.reason})`;
  const file = params.get("file") ?? $("example").value;
  await openFile(file, file.split("/").pop());
  if (params.get("run") === "1" && ts) await compute();
} catch (e) {
  setStatus(`cannot start treeseq: ${e.code ?? "ERROR"}: ${e.message}`, { error: true });
  window.__demo = { done: true, error: `${e.code}: ${e.message}` };
}
