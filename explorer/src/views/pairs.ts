/**
 * Between populations: heatmaps of Fst and of divergence among populations, a relatedness
 * heatmap among individuals, each population's genealogical nearest neighbours (mean GNN
 * proportions, stacked bars), and the allele frequency spectrum of one population. Settings in
 * the URL: mode (site|branch), afs (the spectrum's population), polarised, nind (how many
 * individuals the relatedness heatmap shows).
 */
import type { StatResult } from "../../../dist/browser.js";
import { allPairs } from "../../../dist/grouping.js";
import { type Context, sampleSets } from "../context.js";
import { barChart, type Figure, figureElement, heatmap } from "../figures.js";
import { runJob } from "../jobs.js";
import { numParam, param, setParams } from "../state.js";
import { csv, escapeHtml } from "../util.js";

const MAX_INDIVIDUALS = 200;

/** The individuals whose nodes include samples (their sample nodes), at most `max`; where the
 * file has none, each sample alone. */
export function relatednessSets(ctx: Context, max: number): { labels: string[]; sets: Int32Array[]; what: string } {
  const ts = ctx.ts;
  const isSample = new Uint8Array(ts.numNodes);
  for (const u of ts.samples()) isSample[u] = 1;
  const labels: string[] = [];
  const sets: Int32Array[] = [];
  for (let i = 0; i < ts.numIndividuals && sets.length < max; i++) {
    const nodes = ts.individual(i).nodes.filter((u) => isSample[u] === 1);
    if (nodes.length) {
      labels.push(`i${i}`);
      sets.push(nodes);
    }
  }
  if (sets.length) return { labels, sets, what: "individuals" };
  for (const u of ts.samples().subarray(0, max)) {
    labels.push(`n${u}`);
    sets.push(Int32Array.of(u));
  }
  return { labels, sets, what: "sample nodes (the file has no individuals)" };
}

export async function renderPairs(ctx: Context, root: HTMLElement): Promise<void> {
  const ts = ctx.ts;
  const sets = sampleSets(ctx);
  const k = sets.length;
  const names = sets.map((s) => s.name);
  const mode = param("mode") === "branch" ? "branch" : "site";
  const afsPop = Math.min(k - 1, Math.max(0, Math.round(numParam("afs", 0))));
  const polarised = param("polarised") === "1";
  const nind = Math.min(MAX_INDIVIDUALS, Math.max(2, Math.round(numParam("nind", 50))));
  const opt = (v: string | number, label: string, cur: string | number) =>
    `<option value="${v}"${String(v) === String(cur) ? " selected" : ""}>${escapeHtml(label)}</option>`;
  root.innerHTML = `<form class="controls" id="pairs-form">
      <label>Mode <select name="mode">${opt("site", "site", mode)}${opt("branch", "branch", mode)}</select></label>
      <label>Spectrum of <select name="afs">${sets.map((s, i) => opt(i, s.name, afsPop)).join("")}</select></label>
      <label><input type="checkbox" name="polarised"${polarised ? " checked" : ""}> polarised</label>
      <label>Individuals in the relatedness heatmap <input type="number" name="nind" min="2" max="${MAX_INDIVIDUALS}" value="${nind}"></label>
      <button type="submit">Compute</button></form>
    <div class="cards"><div id="fst"></div><div id="divergence"></div></div><div id="relatedness"></div><div id="gnn"></div><div id="afs"></div>`;
  const form = root.querySelector<HTMLFormElement>("#pairs-form")!;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = new FormData(form);
    setParams({
      mode: String(f.get("mode")),
      afs: String(f.get("afs")),
      polarised: f.get("polarised") ? 1 : null,
      nind: String(f.get("nind")),
    });
    ctx.rerender();
  });
  const put = (id: string, fig: Figure | string) => {
    const host = root.querySelector<HTMLElement>(`#${id}`)!;
    host.innerHTML = "";
    if (typeof fig === "string") host.innerHTML = `<p class="muted">${fig}</p>`;
    else host.append(figureElement(fig));
  };
  const run = async (label: string, work: () => Promise<StatResult>) => runJob(label, (job) => job.wait(work()));
  const failed = (id: string, e: unknown) => put(id, `${escapeHtml((e as any).code ?? "ERROR")}: ${escapeHtml((e as Error).message)}`);
  const samples = sets.map((s) => s.samples);

  // Fst and divergence: one value per pair (and, for divergence, each population with itself).
  if (k >= 2) {
    const pairs = allPairs(k);
    try {
      const r = await run(`Fst among ${k} populations (${mode})`, () => ts.fst({ sampleSets: samples, indexes: pairs, mode }));
      if (!ctx.alive()) return;
      if (r) {
        const m = names.map(() => names.map(() => Number.NaN));
        pairs.forEach(([i, j], c) => {
          m[i][j] = m[j][i] = r.data[c];
        });
        put("fst", {
          id: `fst-${mode}`,
          title: "Fst",
          svg: heatmap({ title: `Fst, ${mode} mode`, rows: names, cols: names, values: m, valueLabel: "Fst" }),
          csv: () =>
            csv(
              ["i", "j", "population_i", "population_j", "fst"],
              pairs.map(([i, j], c) => [i, j, names[i], names[j], r.data[c]]),
            ),
          caption: "Hudson's Fst between each pair of populations, as tskit's <code>Fst</code>; the diagonal is blank.",
        });
      }
    } catch (e) {
      failed("fst", e);
    }
  } else put("fst", "Fst needs two populations with samples.");
  const withSelf: number[][] = [];
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) withSelf.push([i, j]);
  try {
    const r = await run(`divergence among ${k} populations (${mode})`, () =>
      ts.divergence({ sampleSets: samples, indexes: withSelf, mode }),
    );
    if (!ctx.alive()) return;
    if (r) {
      const m = names.map(() => names.map(() => Number.NaN));
      withSelf.forEach(([i, j], c) => {
        m[i][j] = m[j][i] = r.data[c];
      });
      put("divergence", {
        id: `divergence-${mode}`,
        title: "divergence",
        svg: heatmap({ title: `divergence (dxy), ${mode} mode`, rows: names, cols: names, values: m, valueLabel: "divergence" }),
        csv: () =>
          csv(
            ["i", "j", "population_i", "population_j", "divergence"],
            withSelf.map(([i, j], c) => [i, j, names[i], names[j], r.data[c]]),
          ),
        caption:
          "Mean divergence between the populations' samples, as tskit's <code>divergence</code>; on the diagonal, within one population.",
      });
    }
  } catch (e) {
    failed("divergence", e);
  }

  // Relatedness among individuals.
  const rel = relatednessSets(ctx, nind);
  if (rel.sets.length >= 2) {
    try {
      const r = await run(`relatedness among ${rel.sets.length} ${rel.what.split(" ")[0]} (${mode})`, () =>
        ts.geneticRelatednessMatrix({ sampleSets: rel.sets, mode }),
      );
      if (!ctx.alive()) return;
      if (r) {
        const n = rel.sets.length;
        const m = rel.labels.map((_, i) => rel.labels.map((_, j) => r.data[i * n + j]));
        const rows: unknown[][] = [];
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rows.push([rel.labels[i], rel.labels[j], r.data[i * n + j]]);
        put("relatedness", {
          id: `relatedness-${mode}`,
          title: "relatedness",
          svg: heatmap({
            title: `genetic relatedness among the first ${n} ${rel.what.split(" ")[0]}, ${mode} mode`,
            rows: rel.labels,
            cols: rel.labels,
            values: m,
            valueLabel: "relatedness",
          }),
          csv: () => csv(["a", "b", "relatedness"], rows),
          caption: `tskit's <code>genetic_relatedness_matrix</code> among the first ${n} ${escapeHtml(rel.what)} (each one's sample nodes as a set).`,
        });
      }
    } catch (e) {
      failed("relatedness", e);
    }
  } else put("relatedness", "The relatedness heatmap needs two individuals (or samples).");

  // GNN: every sample's proportions, averaged per population.
  try {
    const focal = Int32Array.from(samples.flatMap((s) => Array.from(s)));
    const r = await run(`genealogical nearest neighbours of ${focal.length.toLocaleString("en")} samples`, () =>
      ts.genealogicalNearestNeighbours({ focal, sampleSets: samples }),
    );
    if (!ctx.alive()) return;
    if (r) {
      const mean = gnnMeans(
        r,
        samples.map((s) => s.length),
        k,
      );
      put("gnn", {
        id: "gnn",
        title: "GNN",
        svg: barChart({
          title: "genealogical nearest neighbours: mean proportions per population",
          xLabel: "population of the focal samples",
          yLabel: "mean proportion",
          categories: names,
          series: names.map((name, j) => ({ name, ys: mean.map((row) => row[j]) })),
          stacked: true,
        }),
        csv: () =>
          csv(
            ["focal_population", "reference_population", "mean_gnn"],
            mean.flatMap((row, i) => row.map((v, j) => [names[i], names[j], v])),
          ),
        caption:
          "Each sample's genealogical nearest neighbours (tskit's <code>genealogical_nearest_neighbours</code>, the populations as reference sets), averaged over the samples of each population.",
      });
    }
  } catch (e) {
    failed("gnn", e);
  }

  // The allele frequency spectrum of one population.
  try {
    const r = await run(`allele frequency spectrum of ${names[afsPop]}`, () =>
      ts.alleleFrequencySpectrum({ sampleSets: [samples[afsPop]], mode, polarised }),
    );
    if (!ctx.alive()) return;
    if (r) {
      put("afs", {
        id: `afs-${afsPop}-${mode}`,
        title: "allele frequency spectrum",
        svg: barChart({
          title: `allele frequency spectrum of ${names[afsPop]} (${polarised ? "polarised" : "folded"}, ${mode} mode)`,
          xLabel: polarised ? "derived allele count" : "minor allele count",
          yLabel: mode === "site" ? "sites per unit length" : "branch length per unit length",
          categories: Array.from(r.data, (_, i) => String(i)),
          series: [{ name: names[afsPop], ys: r.data }],
        }),
        csv: () =>
          csv(
            ["count", "value"],
            Array.from(r.data, (v, i) => [i, v]),
          ),
        caption: "tskit's <code>allele_frequency_spectrum</code> of the population's samples, span-normalised.",
      });
    }
  } catch (e) {
    failed("afs", e);
  }
}

/** Mean GNN proportions per focal population: rows of `r` are the focal samples, population
 * after population, in the order given (sizes `counts`). */
export function gnnMeans(r: StatResult, counts: number[], k: number): number[][] {
  const out: number[][] = [];
  let row = 0;
  for (const c of counts) {
    const sum = new Array<number>(k).fill(0);
    for (let s = 0; s < c; s++, row++) for (let j = 0; j < k; j++) sum[j] += r.data[row * k + j];
    out.push(sum.map((v) => v / c));
  }
  return out;
}
