/**
 * Overview: the file's counts and sizes, time units, populations (names and descriptions from
 * their decoded metadata, with sample counts), top-level metadata and provenance. Each number
 * carries `data-key` (the tests compare them with native treeseq's).
 */
import type { Context } from "../context.js";
import { escapeHtml, fmtBytes, metadataText } from "../util.js";

function kv(rows: [key: string, label: string, value: unknown, shown?: string][]): string {
  return `<dl class="kv">${rows
    .map(
      ([key, label, value, shown]) =>
        `<dt>${escapeHtml(label)}</dt><dd data-key="${key}" data-value="${escapeHtml(String(value))}">${escapeHtml(shown ?? (typeof value === "number" ? value.toLocaleString("en") : String(value)))}</dd>`,
    )
    .join("")}</dl>`;
}

export async function renderOverview(ctx: Context, root: HTMLElement): Promise<void> {
  const ts = ctx.ts;
  const t = ts.tables;
  const card = (title: string, body: string, cls = "") => `<section class="card ${cls}"><h2>${escapeHtml(title)}</h2>${body}</section>`;

  const summary = kv([
    ["file", "file", ctx.name],
    ["fileSize", "file size", ctx.size, fmtBytes(ctx.size)],
    ["sequenceLength", "sequence length", ts.sequenceLength],
    ["timeUnits", "time units", ts.timeUnits],
    ["discreteGenome", "discrete genome", ts.discreteGenome],
    ["discreteTime", "discrete time", ts.discreteTime],
    ["maxRootTime", "oldest root", ts.maxRootTime],
    ["numTrees", "trees", ts.numTrees],
    ["numSamples", "samples", ts.numSamples],
    ["fileUuid", "file UUID", ts.fileUuid],
    ["loadSeconds", "loaded in", ctx.loadSeconds, `${ctx.loadSeconds.toFixed(2)} s`],
  ]);

  const tables: [string, string, number][] = [
    ["numNodes", "nodes", ts.numNodes],
    ["numEdges", "edges", ts.numEdges],
    ["numSites", "sites", ts.numSites],
    ["numMutations", "mutations", ts.numMutations],
    ["numIndividuals", "individuals", ts.numIndividuals],
    ["numPopulations", "populations", ts.numPopulations],
    ["numMigrations", "migrations", ts.numMigrations],
    ["numProvenances", "provenances", ts.numProvenances],
  ];
  const sizes = `<table class="plain"><tr><th>table</th><th>rows</th></tr>${tables
    .map(
      ([key, name, n]) =>
        `<tr><td><a href="?${new URLSearchParams({ ...fileParam(), view: "tables", table: name })}">${name}</a></td><td data-key="${key}" data-value="${n}">${n.toLocaleString("en")}</td></tr>`,
    )
    .join(
      "",
    )}</table><p class="muted">In memory: ${fmtBytes(ts.nbytes)} (tskit's <code>nbytes</code>: <span data-key="nbytes" data-value="${ts.nbytes}">${ts.nbytes.toLocaleString("en")}</span> bytes)</p>`;

  // Populations: every row of the table, with the samples each holds.
  const counts = new Map<number, number>();
  const popCol = t.nodes.population;
  for (const u of ts.samples()) counts.set(popCol[u], (counts.get(popCol[u]) ?? 0) + 1);
  let pops = `<table class="plain" id="populations"><tr><th>id</th><th>name</th><th>description</th><th>samples</th><th>metadata</th></tr>`;
  for (let i = 0; i < ts.numPopulations; i++) {
    let md: any = null;
    try {
      md = ts.population(i).metadata;
    } catch {
      md = null;
    }
    const name = md && typeof md === "object" && typeof md.name === "string" ? md.name : "";
    const desc = md && typeof md === "object" && typeof md.description === "string" ? md.description : "";
    pops += `<tr data-population="${i}"><td>${i}</td><td class="pop-name">${escapeHtml(name)}</td><td>${escapeHtml(desc)}</td><td class="pop-samples" data-value="${counts.get(i) ?? 0}">${(counts.get(i) ?? 0).toLocaleString("en")}</td><td><code>${escapeHtml(metadataText(() => ts.population(i).metadata, 120))}</code></td></tr>`;
  }
  if (counts.has(-1))
    pops += `<tr data-population="-1"><td>–</td><td class="muted">no population</td><td></td><td class="pop-samples" data-value="${counts.get(-1)}">${counts.get(-1)!.toLocaleString("en")}</td><td></td></tr>`;
  pops += "</table>";

  const schema = ts.metadataSchema;
  const top = `<p class="muted">codec: ${escapeHtml(schema.codec ?? "none (raw bytes)")}</p><pre class="json" id="top-metadata">${escapeHtml(prettyMetadata(() => ts.metadata))}</pre>`;

  let prov = `<table class="plain" id="provenance"><tr><th>#</th><th>time</th><th>software</th><th>command</th></tr>`;
  const nProv = ts.numProvenances;
  for (let i = 0; i < Math.min(nProv, 100); i++) {
    const p = ts.provenance(i);
    let rec: any = null;
    try {
      rec = JSON.parse(p.record);
    } catch {
      rec = null;
    }
    const sw = rec?.software ? `${rec.software.name ?? ""} ${rec.software.version ?? ""}` : "";
    const cmd = rec?.parameters?.command ?? "";
    prov += `<tr><td>${i}</td><td>${escapeHtml(p.timestamp)}</td><td>${escapeHtml(sw)}</td><td><details><summary>${escapeHtml(cmd || "record")}</summary><pre class="json">${escapeHtml(rec ? JSON.stringify(rec, null, 1) : p.record)}</pre></details></td></tr>`;
  }
  prov += "</table>";
  if (nProv > 100) prov += `<p class="muted">The first 100 of ${nProv.toLocaleString("en")}; the Tables view lists them all.</p>`;

  root.innerHTML = `<div class="cards">${card("Summary", summary)}${card("Tables", sizes)}</div>${card("Populations", pops)}<div class="cards">${card("Top-level metadata", top)}${card("Provenance", prov)}</div>`;
}

function prettyMetadata(read: () => unknown): string {
  try {
    const v = read();
    if (v instanceof Uint8Array) return v.length ? metadataText(() => v, 2000) : "(none)";
    if (v === null || v === undefined || (typeof v === "object" && Object.keys(v as object).length === 0)) return "(none)";
    return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x), 2);
  } catch (e) {
    return `⚠ ${(e as Error).message}`;
  }
}

export function fileParam(): Record<string, string> {
  const f = new URLSearchParams(location.search).get("file");
  return f ? { file: f } : {};
}
