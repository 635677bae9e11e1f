#!/usr/bin/env node
/**
 * The results digest: a SHA-256 of the exact bytes of every statistic result on the bundled
 * fixtures, kept in test/digest/results.tsv, so that a change meant to leave the numbers alone
 * (a refactor, a faster loop) can show it did, to the bit. test/digest.test.ts recomputes it
 * and compares.
 *
 *   node scripts/digest.mjs            recompute (from the built dist/) and compare with the
 *                                      committed file; exit 1 listing the calls that changed
 *   node scripts/digest.mjs --write    recompute and write test/digest/results.tsv: only when a
 *                                      change of results is meant (say why in the commit)
 *
 * The calls are the ones the tests replay, not a list of our own: every `stats` case of each
 * test/fixtures/NAME.expected.json.gz (general statistics, the divergence and relatedness
 * matrices, mean descendants, GNN, the allele frequency spectra, and the refusals), every call
 * of differential.json.gz and nan_weights.json.gz, and every option case of the genotypes/
 * answers (genotypeMatrix and the variants' genotypes). Two additions: the public Tree's walk
 * over each fixture, forwards and backwards (`treeWalk`); and, since the fixtures have no
 * call with more than 16 index pairs, which the core computes on a path of its own
 * (stats/pairs.rs, MANY_PAIRS), the four pair statistics with 21 pairs of six sample sets on
 * each fixture, in site and branch mode, with and without windows (`manyPairs`).
 * Only the committed fixtures count (TREESEQ_FIXTURES is not followed): the digest must be
 * reproducible from a fresh clone.
 *
 * Each call runs on every configuration the tests use: native at 1 and 2 threads, the
 * threaded WebAssembly build at 1 and 2 threads, and the single-threaded WebAssembly build.
 * The file has one line per call: fixture, call, method, a hash of its arguments (so an edited
 * fixture shows as such), then shape and result hash, or `error` and the TreeSeqError's code.
 * Every configuration must give that line's result; a configuration that differs is named.
 * Nothing machine-dependent is hashed: the results' bits only (chunking depends on the data,
 * never on the thread count or the machine), with thread counts fixed here.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = join(ROOT, "test", "fixtures");
export const DIGEST_FILE = join(ROOT, "test", "digest", "results.tsv");
const HEADER = "# fixture\tcall\tmethod\targs\tshape\tresult   (written by node scripts/digest.mjs --write; see its header)";

/** The configurations: the tests' backends and thread counts, and the single-threaded build. */
export const CONFIGS = [
  { name: "native-1", backend: "native", threads: 1 },
  { name: "native-2", backend: "native", threads: 2 },
  { name: "wasm-1", backend: "wasm", threads: 1 },
  { name: "wasm-2", backend: "wasm", threads: 2 },
  { name: "wasm-st", backend: "wasm", threads: 1, singleThreaded: true },
];

const gz = (path) => JSON.parse(gunzipSync(readFileSync(path)).toString("utf8"));
const camel = (s) => s.replace(/_(\w)/g, (_, c) => c.toUpperCase());
/** tskit's method name as ours: Tajimas_D -> tajimasD, Y1 -> y1, divergence_matrix -> divergenceMatrix. */
const methodName = (m) => {
  const c = camel(m);
  return c[0].toLowerCase() + c.slice(1);
};
/** tskit's keyword arguments as our options: W -> weights, snake_case -> camelCase. */
const options = (kwargs) => Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k === "W" ? "weights" : camel(k), v]));
const short = (s) => createHash("sha256").update(s).digest("hex").slice(0, 12);

/** The result's hash: its element type, shape and the exact bytes of its values. */
function resultHash(r) {
  const d = r.data;
  const h = createHash("sha256").update(`${d.constructor.name}:${JSON.stringify(r.shape)}:`);
  h.update(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  return h.digest("hex").slice(0, 32);
}

/**
 * Every call, as { fixture, call, method, args, file, run(ts) -> {data, shape} }. `file` is the
 * .trees path the call runs on; `args` identifies the call's arguments.
 */
export function calls() {
  const out = [];
  const stat = (fixture, call, file, method, kwargs) =>
    out.push({
      fixture,
      call,
      method,
      file,
      args: short(JSON.stringify(kwargs)),
      run: (ts) => ts[methodName(method)](options(kwargs)),
    });
  const expected = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".expected.json.gz"))
    .sort();
  for (const f of expected) {
    const name = f.replace(".expected.json.gz", "");
    const file = join(FIXTURES, `${name}.trees`);
    const want = gz(join(FIXTURES, f));
    for (const [i, c] of want.stats.entries()) {
      stat(name, `stats.${String(i).padStart(3, "0")}`, file, c.method, c.kwargs);
    }
    manyPairs(name, file, want.summary.samples, stat);
    for (const reverse of [false, true]) {
      out.push({
        fixture: name,
        call: `trees.${reverse ? "reverse" : "forward"}`,
        method: "trees",
        file,
        args: short(String(reverse)),
        run: (ts) => treeWalk(ts, reverse),
      });
    }
  }
  const diff = gz(join(FIXTURES, "differential.json.gz"));
  for (const [i, c] of diff.calls.entries()) {
    stat(c.file, `differential.${String(i).padStart(3, "0")}`, join(FIXTURES, `${c.file}.trees`), c.method, c.kwargs);
  }
  const nan = gz(join(FIXTURES, "nan_weights.json.gz"));
  nan.cases.forEach((c, i) => {
    const kwargs = { ...c.kwargs, W: nan.W[c.file][c.pattern].map((r) => r.map((x) => (x === null ? NaN : x))) };
    for (const k of Object.keys(kwargs)) if (kwargs[k] === null) delete kwargs[k]; // as nan_weights.test.ts
    if (kwargs.centre !== false) delete kwargs.centre;
    out.push({
      fixture: c.file,
      call: `nan_weights.${String(i).padStart(3, "0")}`,
      method: c.method,
      file: join(FIXTURES, `${c.file}.trees`),
      args: short(JSON.stringify({ ...c.kwargs, pattern: c.pattern })),
      run: (ts) => ts[methodName(c.method)](options(kwargs)),
    });
  });
  const gdir = join(FIXTURES, "genotypes");
  for (const f of readdirSync(gdir)
    .filter((x) => x.endsWith(".json.gz"))
    .sort()) {
    const g = gz(join(gdir, f));
    const fixture = `genotypes/${f.replace(".json.gz", "")}`;
    g.cases.forEach((c, i) => {
      const base = { fixture, file: join(FIXTURES, g.file), args: short(JSON.stringify(c.options)) };
      const n = String(i).padStart(2, "0");
      out.push({ ...base, call: `genotypes.${n}`, method: "genotype_matrix", run: (ts) => ts.genotypeMatrix(c.options) });
      out.push({ ...base, call: `genotypes.${n}`, method: "variants", run: (ts) => variantGenotypes(ts, c.options) });
    });
  }
  return out;
}

/** The many-pairs path's calls on one fixture: 21 pairs (i <= j) of six sets (samples dealt round). */
function manyPairs(name, file, samples, stat) {
  const sets = Array.from({ length: 6 }, (_, k) => samples.filter((_, j) => j % 6 === k));
  const indexes = [];
  for (let i = 0; i < 6; i++) for (let j = i; j < 6; j++) indexes.push([i, j]);
  for (const method of ["divergence", "Fst", "f2", "genetic_relatedness"]) {
    for (const mode of ["site", "branch"]) {
      for (const windows of [null, "trees"]) {
        const kwargs = { sample_sets: sets, indexes, mode, ...(windows ? { windows } : {}) };
        stat(name, `pairs.${method}.${mode}.${windows ?? "whole"}`, file, method, kwargs);
      }
    }
  }
}

/**
 * The public Tree's walk (a cursor of its own, which issue 17 moves onto the engine's): per
 * tree its index, interval, total branch length (the one float it sums), and numbers of edges
 * and roots. The parent arrays are integers, checked exactly against tskit's by trees.test.ts.
 */
function treeWalk(ts, reverse) {
  const rows = [];
  for (const t of ts.trees({ reverse })) {
    const { left, right } = t.interval;
    rows.push(t.index, left, right, t.totalBranchLength, t.numEdges, t.numRoots);
  }
  return { data: Float64Array.from(rows), shape: [rows.length / 6, 6] };
}

/** The genotypes of every site `variants(options)` yields, end to end, with their shape. */
function variantGenotypes(ts, o) {
  const parts = [];
  for (const v of ts.variants(o)) parts.push(Int32Array.from(v.genotypes));
  const data = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, shape: [parts.length, parts[0]?.length ?? 0] };
}

/** A loader for one configuration: `open(file)` gives a tree sequence on it. */
async function configuration(cfg) {
  const dist = (m) => import(join(ROOT, "dist", m));
  const api = await dist("index.js");
  if (!cfg.singleThreaded) {
    const info = await api.init({ backend: cfg.backend, threads: cfg.threads });
    if (info.name !== cfg.backend || info.threads !== cfg.threads)
      throw new Error(`${cfg.name}: got ${info.name} with ${info.threads} threads`);
    return { open: (file) => api.load(file, { backend: cfg.backend }) };
  }
  const [{ WasmBackend }, { nodeHost }, { TreeSequence }] = await Promise.all([
    dist("wasm.js"),
    dist("wasm-host-node.js"),
    dist("treesequence.js"),
  ]);
  const b = await WasmBackend.create(nodeHost, 1, "digest", "digest", true);
  if (b.threaded) throw new Error(`${cfg.name}: got the threaded build`);
  return { open: async (file) => new TreeSequence(b, await b.load(readFileSync(file))) };
}

/** `{ "error CODE" | "shape hash" }` of one call. */
async function outcome(c, ts) {
  try {
    const r = await c.run(ts);
    return `${JSON.stringify(r.shape)}\t${resultHash(r)}`;
  } catch (e) {
    if (typeof e?.code !== "string") throw e;
    return `error\t${e.code}`;
  }
}

/**
 * Runs every call on every configuration (or those named); returns Map key -> { head, results:
 * Map config -> "shape\thash" }, key = fixture, call and method.
 */
export async function compute(configs = CONFIGS, log = () => {}) {
  const all = calls();
  const byFile = new Map();
  for (const c of all) byFile.set(c.file, [...(byFile.get(c.file) ?? []), c]);
  const out = new Map(all.map((c) => [`${c.fixture}\t${c.call}\t${c.method}`, { args: c.args, results: new Map() }]));
  for (const cfg of configs) {
    const t0 = Date.now();
    const { open } = await configuration(cfg);
    for (const [file, cs] of byFile) {
      if (!existsSync(file)) throw new Error(`no fixture ${file}`);
      const ts = await open(file);
      for (const c of cs) out.get(`${c.fixture}\t${c.call}\t${c.method}`).results.set(cfg.name, await outcome(c, ts));
      ts.dispose();
    }
    log(`${cfg.name}: ${all.length} calls in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return out;
}

/** The file's lines of computed results (the first configuration's; `disagree` lists the others). */
export function lines(computed) {
  const rows = [];
  const disagree = [];
  for (const [key, { args, results }] of computed) {
    const [[first, value], ...rest] = results;
    for (const [name, v] of rest) if (v !== value) disagree.push(`${key.replaceAll("\t", " ")}: ${name} gives ${v}, ${first} ${value}`);
    rows.push(`${key}\t${args}\t${value}`);
  }
  return { rows: rows.sort(), disagree };
}

/** The committed digest: Map key -> "args\tshape\thash". */
export function readDigest(path = DIGEST_FILE) {
  const m = new Map();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const f = line.split("\t");
    m.set(f.slice(0, 3).join("\t"), f.slice(3).join("\t"));
  }
  return m;
}

/** The differences between the committed digest and `computed`, one readable line each. */
export function compare(computed, committed = readDigest()) {
  const diffs = [];
  for (const [key, { args, results }] of computed) {
    const where = key.replaceAll("\t", " ");
    const want = committed.get(key);
    if (want === undefined) {
      diffs.push(`${where}: not in the digest (a new call?)`);
      continue;
    }
    const [wantArgs, ...wantResult] = want.split("\t");
    if (wantArgs !== args) {
      diffs.push(`${where}: its arguments changed (the fixture was edited?)`);
      continue;
    }
    for (const [cfg, got] of results) {
      if (got !== wantResult.join("\t")) diffs.push(`${where} on ${cfg}: ${got.replace("\t", " ")}, digest ${wantResult.join(" ")}`);
    }
  }
  for (const key of committed.keys()) if (!computed.has(key)) diffs.push(`${key.replaceAll("\t", " ")}: in the digest, no longer computed`);
  return diffs;
}

async function main() {
  const { parseScriptArgs } = await import("./script-args.mjs");
  const { write } = await parseScriptArgs(
    {
      name: "digest.mjs",
      usage: "usage: node scripts/digest.mjs [--write]",
      positionals: false,
      flags: { write: { type: "boolean", help: "record the results in test/digest/results.tsv (a deliberate change)" } },
    },
    ({ values }) => ({ write: Boolean(values.write) }),
  );
  const computed = await compute(CONFIGS, (m) => console.error(`[digest] ${m}`));
  if (write) {
    const { rows, disagree } = lines(computed);
    if (disagree.length) {
      console.error(`[digest] not written: the configurations disagree:\n${disagree.slice(0, 40).join("\n")}`);
      process.exit(1);
    }
    mkdirSync(dirname(DIGEST_FILE), { recursive: true });
    writeFileSync(DIGEST_FILE, [HEADER, ...rows, ""].join("\n"));
    console.error(`[digest] wrote ${rows.length} calls to ${DIGEST_FILE}`);
    return;
  }
  const diffs = compare(computed);
  if (diffs.length) {
    console.error(`[digest] ${diffs.length} difference(s):\n${diffs.join("\n")}`);
    process.exit(1);
  }
  console.error(`[digest] ${computed.size} calls on ${CONFIGS.length} configurations: the same as the digest`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(e?.stack ?? e);
      process.exit(1);
    },
  );
}
