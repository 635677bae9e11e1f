#!/usr/bin/env node
/**
 * treeseq's benchmark: node scripts/bench.mjs FILE [--repeats N] [--passes P] [--cases a,b]
 *   [--json OUT] [--no-tskit] [--max-case-seconds S] [--timeout S]
 * or node scripts/bench.mjs --render RESULTS.json: the table of an earlier run, again.
 *
 * For native and WASM, each with 1 thread and with all threads (os.availableParallelism()), it
 * loads FILE and times the cases of /work/shared/bench/time_tskit.py plus the loops over trees
 * and variants (with and without copy), genotype_matrix and write_vcf (500 individuals to
 * /dev/null), as bench_tskit.py times them: one warm-up call, then N timed calls (default 5); the median is reported.
 * Each configuration runs in its own Node process (a fresh backend and heap each time). A case
 * whose warm-up takes long gets fewer timed calls (N * warm-up <= --max-case-seconds, default
 * 300; at least one; the JSON says so); a case silent for --timeout seconds (default 1800) is
 * killed and recorded as TIMEOUT, and the remaining cases go on in a new process.
 * If Python's tskit is importable it runs scripts/bench_tskit.py on the same cases. A case that
 * throws is recorded as an error and shown as "error: CODE"; no time is ever invented for it.
 * With --passes P (default 3) the statistics (tskit, then each configuration) run P times in
 * turn and each median is taken over all P * N timed calls: on a shared machine a busy spell
 * then falls on several configurations a little rather than on one a lot. The two loops,
 * which take minutes on large files and run at 1 thread only, run in the first pass only.
 * Output: a markdown table on stdout and in bench-results/latest.md; everything (every run,
 * medians, errors, machine) as JSON in --json (default bench-results/latest.json). The table's
 * ratios compare tskit with native on 1 thread, native on all threads with native on 1, and
 * WASM with native at the same thread count (1 and all).
 * The cases singleton_sets_site and singleton_sets_branch time diversity with K singleton
 * sample sets (sample i mod n for i < K; --singleton-sets K, default 10,000) on a second file,
 * --singleton-file (default .cache/bench-360.trees: 360 samples, 500 kb, made by bench.sh with
 * scripts/simulate_bench.py), so that many sets cost what they cost on the file the issue
 * measured them on, not K times the main file's work.
 * --backends native (or wasm) and --one-thread time only those configurations.
 * --baseline DIR times a second built checkout (its dist/ and build/native/, as
 * scripts/bench-compare.sh makes for a git revision) beside this one: each pass runs every
 * configuration of the two in turn (baseline first in odd passes, this checkout first in even
 * ones), tskit is not run, and the table gives per case and configuration the two medians and
 * their ratio, flagging a case more than --slower P percent (default 5) slower than the baseline.
 * Progress goes to stderr.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { parseScriptArgs } from "./script-args.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

const NAME = "bench.mjs";
const USAGE =
  "usage: node scripts/bench.mjs FILE [--repeats N] [--passes P] [--cases a,b] [--json OUT] [--no-tskit] [--max-case-seconds S] [--timeout S] [--singleton-sets K] [--singleton-file FILE] [--backends native,wasm] [--one-thread] [--baseline DIR [--slower P]]\n       node scripts/bench.mjs --render RESULTS.json";
const CASES = [
  "diversity_site",
  "diversity_branch",
  "divergence_branch",
  "tajimas_d_site",
  "fst_site",
  "divergence_435pairs_branch",
  "afs_site",
  "singleton_sets_site",
  "singleton_sets_branch",
  "trees_total_branch_length",
  "variants_decode",
  "variants_decode_nocopy",
  "genotype_matrix",
  "write_vcf",
  "ld_matrix",
  "pair_coalescence_rates",
  "general_stat",
  "genetic_relatedness_vector",
  "pca",
];
/** Cases on the --singleton-file rather than FILE. */
const SINGLETON = new Set(["singleton_sets_site", "singleton_sets_branch"]);

const BACKENDS = ["native", "wasm"];

const FLAGS = {
  repeats: { type: "string", value: "N", help: "timed calls per case after one warm-up (default 5)" },
  passes: { type: "string", value: "P", help: "passes over tskit and the configurations, each median over all (default 3)" },
  cases: { type: "string", value: "a,b", help: `the cases to time (default all: ${CASES.join(", ")})` },
  json: { type: "string", value: "OUT", help: "where the results go as JSON (default bench-results/latest.json)" },
  "no-tskit": { type: "boolean", help: "do not run tskit (scripts/bench_tskit.py)" },
  "max-case-seconds": { type: "string", value: "S", help: "fewer timed calls where N times the warm-up would exceed S (default 300)" },
  timeout: { type: "string", value: "S", help: "kill a case silent for S seconds, record TIMEOUT (default 1800)" },
  "singleton-sets": { type: "string", value: "K", help: "the number of one-sample sets of the singleton_sets cases (default 10000)" },
  "singleton-file": { type: "string", value: "FILE", help: "the singleton_sets cases' file (default .cache/bench-360.trees)" },
  backends: { type: "string", value: "native,wasm", help: "the backends to time (default both)" },
  "one-thread": { type: "boolean", help: "time 1 thread only, not also all threads" },
  render: { type: "string", value: "RESULTS.json", help: "print the table of an earlier run's --json again" },
  baseline: { type: "string", value: "DIR", help: "a built checkout to time beside this one, interleaved (see scripts/bench-compare.sh)" },
  slower: { type: "string", value: "P", help: "with --baseline: flag a case more than P percent slower (default 5)" },
  child: { type: "string", value: "BACKEND:THREADS", help: "(internal) run one configuration in this process, as the parent's child" },
  root: { type: "string", value: "DIR", help: "(internal) the checkout whose dist/ the child times (default this one)" },
};

/** The options, checked; a mistake is a UsageError (parseScriptArgs prints it, exit 2). */
function readArgs({ values: v, positionals }, { integerValue, choiceValue, positiveNumberValue, UsageError }) {
  const a = {
    file: null,
    repeats: 5,
    passes: 3,
    cases: CASES,
    json: path.join(root, "bench-results/latest.json"),
    tskit: !v["no-tskit"],
    maxCaseSeconds: 300,
    timeout: 1800,
    child: null,
    render: null,
    singletonSets: 10000,
    singletonFile: path.join(root, ".cache/bench-360.trees"),
    backends: BACKENDS,
    oneThread: Boolean(v["one-thread"]),
    baseline: null,
    slower: 5,
    root,
  };
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}' (one FILE)`);
  if (positionals.length) a.file = path.resolve(positionals[0]);
  if (v.repeats !== undefined) a.repeats = integerValue("--repeats", v.repeats);
  if (v.passes !== undefined) a.passes = integerValue("--passes", v.passes);
  if (v.cases !== undefined) a.cases = v.cases.split(",").filter(Boolean);
  if (v.json !== undefined) a.json = path.resolve(v.json);
  if (v["max-case-seconds"] !== undefined) a.maxCaseSeconds = positiveNumberValue("--max-case-seconds", v["max-case-seconds"]);
  if (v.timeout !== undefined) a.timeout = positiveNumberValue("--timeout", v.timeout);
  if (v.render !== undefined) a.render = path.resolve(v.render);
  if (v["singleton-sets"] !== undefined) a.singletonSets = integerValue("--singleton-sets", v["singleton-sets"]);
  if (v["singleton-file"] !== undefined) a.singletonFile = path.resolve(v["singleton-file"]);
  if (v.root !== undefined) a.root = path.resolve(v.root);
  if (v.baseline !== undefined) {
    a.baseline = path.resolve(v.baseline);
    if (!fs.existsSync(path.join(a.baseline, "dist", "index.js")))
      throw new UsageError(`--baseline: no built checkout at ${a.baseline} (no dist/index.js)`);
    if (path.relative(a.baseline, root) === "") throw new UsageError("--baseline: that is this checkout");
    a.tskit = false;
  }
  if (v.slower !== undefined) {
    if (a.baseline === null) throw new UsageError("--slower: only with --baseline");
    a.slower = positiveNumberValue("--slower", v.slower);
  }
  if (v.backends !== undefined) {
    a.backends = v.backends
      .split(",")
      .filter(Boolean)
      .map((b) => choiceValue("--backends", b, BACKENDS));
    if (!a.backends.length) throw new UsageError("--backends: expected native, wasm or both");
  }
  if (v.child !== undefined) {
    const [backend, threads, ...rest] = v.child.split(":");
    if (threads === undefined || rest.length) throw new UsageError(`--child: expected BACKEND:THREADS, got '${v.child}'`);
    a.child = { backend: choiceValue("--child", backend, BACKENDS), threads: integerValue("--child", threads) };
  }
  if (a.render) return a;
  if (!a.file) throw new UsageError("no FILE");
  const unknown = a.cases.filter((c) => !CASES.includes(c));
  if (unknown.length) throw new UsageError(`--cases: unknown case(s) ${unknown.join(", ")} (known: ${CASES.join(", ")})`);
  return a;
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** `CODE: message` for the JSON; the table shows only CODE. */
function errorString(e) {
  const code = e && typeof e === "object" && typeof e.code === "string" ? e.code : (e?.name ?? "Error");
  return `${code}: ${e?.message ?? String(e)}`;
}
const errorCode = (s) => s.split(":")[0];

/** A number summarising a result (sum of finite entries), to compare with tskit's `check`. */
function checkValue(r) {
  if (typeof r === "number") return Number.isFinite(r) ? r : null;
  if (r && r.data) {
    let s = 0;
    for (const x of r.data) if (Number.isFinite(x)) s += x;
    return s;
  }
  return null;
}

/** The case functions over one loaded tree sequence, built as time_tskit.py builds them. */
function makeCases(ts, { populationSampleSets }, single) {
  const samples = ts.samples();
  // As time_tskit.py: ts.samples(population=p.id) for each population with samples.
  const sets = populationSampleSets(ts).map((s) => s.samples);
  const L = ts.sequenceLength;
  const step = L / 100; // as np.linspace(0, L, 101): i * step, the last exactly L
  const w = Array.from({ length: 101 }, (_, i) => (i === 100 ? L : i * step));
  const pairs = [];
  for (let i = 0; i < sets.length; i++) for (let j = i; j < sets.length; j++) pairs.push([i, j]);
  // np.array_split(samples, 30): the first n % 30 parts have one more element.
  const many = [];
  const n = samples.length,
    base = Math.floor(n / 30),
    extra = n % 30;
  for (let k = 0, start = 0; k < 30; k++) {
    const len = base + (k < extra ? 1 : 0);
    many.push(samples.slice(start, start + len));
    start += len;
  }
  const manyPairs = [];
  for (let i = 0; i < 30; i++) for (let j = i + 1; j < 30; j++) manyPairs.push([i, j]);

  // general_stat: the sets' indicator weights, and diversity's x (n - x) as a JavaScript
  // summary function (its set sizes written into its source: f may not use outside variables).
  const indicator = new Float64Array(n * sets.length);
  const row = new Map(Array.from(samples, (u, i) => [u, i]));
  sets.forEach((s, j) => {
    for (const u of s) indicator[row.get(u) * sets.length + j] = 1;
  });
  const diversityF = new Function("x", `return [${sets.map((s, j) => `x[${j}] * (${s.length} - x[${j}])`).join(", ")}];`);

  /** The relatedness vector's weights, the same numbers as bench_tskit.py's. */
  const benchWeights = (n, k) => {
    const data = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) data[i * k + j] = ((i * 7 + j * 13) % 17) / 17 - 0.5;
    return { data, shape: [n, k] };
  };
  const cases = {
    diversity_site: () => ts.diversity({ sampleSets: sets, windows: w, mode: "site" }),
    diversity_branch: () => ts.diversity({ sampleSets: sets, windows: w, mode: "branch" }),
    divergence_branch: () => ts.divergence({ sampleSets: sets, indexes: pairs, windows: w, mode: "branch" }),
    tajimas_d_site: () => ts.tajimasD({ sampleSets: sets, windows: w, mode: "site" }),
    fst_site: () =>
      ts.fst({
        sampleSets: sets,
        indexes: [
          [0, 1],
          [0, 2],
          [1, 2],
        ],
        windows: w,
        mode: "site",
      }),
    divergence_435pairs_branch: () => ts.divergence({ sampleSets: many, indexes: manyPairs, mode: "branch" }),
    afs_site: () => ts.alleleFrequencySpectrum({ sampleSets: [sets[0]], mode: "site" }),
    singleton_sets_site: () => single.ts.diversity({ sampleSets: single.sets, mode: "site" }),
    singleton_sets_branch: () => single.ts.diversity({ sampleSets: single.sets, mode: "branch" }),
    trees_total_branch_length: () => {
      let s = 0;
      for (const tree of ts.trees()) s += tree.totalBranchLength;
      return s;
    },
    variants_decode: () => {
      let n = 0;
      for (const v of ts.variants()) n += v.genotypes[0];
      return n;
    },
    // As variants_decode, with one genotype buffer reused for every site (tskit's copy=False).
    variants_decode_nocopy: () => {
      let n = 0;
      for (const v of ts.variants({ copy: false })) n += v.genotypes[0];
      return n;
    },
    // The VCF of the first 500 individuals (or 500 haploid columns without individuals), to
    // /dev/null (as bench_tskit.py): all of bench-30k's would be about 6 GB of text.
    write_vcf: async () => {
      const opts = ts.numIndividuals > 0 ? { individuals: Array.from({ length: Math.min(500, ts.numIndividuals) }, (_, i) => i) } : {};
      const sink = fs.createWriteStream("/dev/null");
      await ts.writeVcf(sink, opts);
      await new Promise((resolve, reject) => sink.end((e) => (e ? reject(e) : resolve())));
      return null;
    },
    // The first 1,000 samples (as bench_tskit.py): every sample of bench-30k would be a
    // 12 GB matrix on each side.
    genotype_matrix: () => ts.genotypeMatrix({ samples: ts.samples().subarray(0, 1000) }),
    // r² between the first 2,000 sites (as bench_tskit.py): a 2,000 × 2,000 matrix.
    ld_matrix: () =>
      ts.ldMatrix({ sites: [Int32Array.from({ length: Math.min(2000, ts.numSites) }, (_, i) => i)], stat: "r2", mode: "site" }),
    // Coalescence rates within and between populations in 20 time windows (as bench_tskit.py
    // and tskit's documentation): 0, then 19 log-spaced from 1 to 1e5, then infinity. (Not up
    // to the oldest root: a last window starting at a node's time has a rate of 1 / rounding.)
    pair_coalescence_rates: () => {
      const timeWindows = [0, ...Array.from({ length: 19 }, (_, i) => 10 ** ((5 * i) / 18)), Infinity];
      return ts.pairCoalescenceRates({ timeWindows, sampleSets: sets, indexes: pairs });
    },
    general_stat: () =>
      ts.generalStat({
        weights: { data: indicator, shape: [n, sets.length] },
        f: diversityF,
        outputDim: sets.length,
        windows: w,
        mode: "site",
      }),
    // W: 10 columns of fixed weights per sample (as bench_tskit.py), branch mode.
    genetic_relatedness_vector: () => ts.geneticRelatednessVector({ weights: benchWeights(ts.numSamples, 10), mode: "branch" }),
    // 10 components with tskit's defaults (5 iterations, 10 oversamples) and a fixed seed;
    // the eigenvalues are the value checked against tskit's.
    pca: async () => (await ts.pca({ numComponents: 10, randomSeed: 1 })).eigenvalues,
  };
  return { cases, numSampleSets: sets.length };
}

/** One warm-up call, then up to `repeats` timed calls (fewer only if they would exceed the budget). */
async function timeCase(f, repeats, maxSeconds) {
  let check;
  const t0 = performance.now();
  try {
    check = checkValue(await f());
  } catch (e) {
    return { error: errorString(e) };
  }
  const warm = (performance.now() - t0) / 1000;
  const n = Math.max(1, Math.min(repeats, Math.floor(maxSeconds / Math.max(warm, 1e-9))));
  const runs = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await f();
      runs.push((performance.now() - t) / 1000);
    }
  } catch (e) {
    return { error: errorString(e), runs };
  }
  const out = { median: median(runs), min: Math.min(...runs), runs, warmup: warm, check };
  if (n < repeats) out.note = `only ${n} of ${repeats} repeats: the warm-up took ${warm.toFixed(1)} s (--max-case-seconds ${maxSeconds})`;
  return out;
}

/** One result (`{median, min, runs, ...}`) with the timed calls of a later pass added: the
 * median and minimum are over all of them. An error in either pass stays an error. */
function mergeResult(a, b) {
  if (!a || a.error || a.skipped || !a.runs) return a;
  if (!b || b.error) return b ?? a;
  if (!b.runs) return a;
  const runs = [...a.runs, ...b.runs];
  // Each pass's own median too: how much the passes disagree says how noisy the machine was.
  const passMedians = [...(a.passMedians ?? [a.median]), b.median];
  return { ...a, runs, median: median(runs), min: Math.min(...runs), passMedians };
}

/** A configuration's (or tskit's) results with a later pass's merged in, case by case. */
function mergeRuns(a, b) {
  if (a.error || a.skipped) return a;
  if (b.error || b.skipped) return b;
  const out = { ...a, load: mergeResult(a.load, b.load), cases: { ...a.cases } };
  for (const [name, r] of Object.entries(b.cases ?? {})) out.cases[name] = mergeResult(a.cases?.[name], r);
  return out;
}

async function runTskit(args) {
  const probe = spawnSync("python3", ["-c", "import tskit"], { stdio: "ignore" });
  if (probe.status !== 0) {
    log("python3 cannot import tskit: no tskit column");
    return { skipped: "python3 cannot import tskit" };
  }
  log(`tskit: python3 scripts/bench_tskit.py (${args.repeats} repeats)`);
  const r = spawnSync(
    "python3",
    [
      path.join(root, "scripts/bench_tskit.py"),
      args.file,
      String(args.repeats),
      args.cases.join(","),
      String(args.maxCaseSeconds),
      args.singletonFile,
      String(args.singletonSets),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 1 << 28,
    },
  );
  if (r.status !== 0) return { error: `bench_tskit.py exited with ${r.status ?? r.signal}` };
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    return { error: `bench_tskit.py printed no JSON (${e.message})` };
  }
}

/** Child mode: one configuration in this process; one JSON line on stdout per result. */
async function child(backend, threads, args) {
  const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");
  const label = `${backend} ${threads}T`;
  const api = await import(path.join(args.root, "dist/index.js"));
  let info;
  try {
    info = await api.init({ backend, threads });
  } catch (e) {
    emit({ type: "fatal", error: errorString(e) });
    return;
  }
  emit({ type: "info", info });
  log(`${label}: ${info.name}, ${info.threads} thread(s), treeseq ${info.version} (${info.reason}) from ${args.root}`);
  if (info.name !== backend || info.threads !== threads) {
    log(`${label}: warning: asked for ${backend} with ${threads} threads, got ${info.name} with ${info.threads}`);
  }
  // Load: one warm-up + repeats; the last tree sequence is kept for the cases.
  let ts = null;
  const loadRuns = [];
  try {
    for (let i = 0; i <= args.repeats; i++) {
      ts?.dispose();
      const t = performance.now();
      ts = await api.load(args.file);
      if (i > 0) loadRuns.push((performance.now() - t) / 1000);
    }
  } catch (e) {
    emit({ type: "fatal", error: errorString(e) });
    return;
  }
  const load = { median: median(loadRuns), min: Math.min(...loadRuns), runs: loadRuns };
  emit({ type: "load", result: load });
  log(`${label}: load ${fmt(load.median)} s`);
  // The singleton-set cases' file, loaded once: K sets of one sample each, sample i mod n.
  let single = null;
  if (args.cases.some((c) => SINGLETON.has(c))) {
    try {
      const sts = await api.load(args.singletonFile);
      const s = Array.from(sts.samples());
      single = { ts: sts, sets: Array.from({ length: args.singletonSets }, (_, i) => [s[i % s.length]]) };
    } catch (e) {
      for (const name of args.cases.filter((c) => SINGLETON.has(c))) emit({ type: "case", name, result: { error: errorString(e) } });
      args = { ...args, cases: args.cases.filter((c) => !SINGLETON.has(c)) };
    }
  }
  const { cases, numSampleSets } = makeCases(ts, await import(path.join(args.root, "dist/grouping.js")), single);
  emit({ type: "sets", numSampleSets });
  for (const name of args.cases) {
    log(`${label}: ${name} ...`);
    const r = await timeCase(cases[name], args.repeats, args.maxCaseSeconds);
    emit({ type: "case", name, result: r });
    log(`${label}: ${name}: ${r.error ? `error ${r.error}` : `median ${fmt(r.median)} s${r.note ? ` (${r.note})` : ""}`}`);
  }
  ts.dispose();
  single?.ts.dispose();
}

/** Runs `cases` of one configuration in a child process; restarts it after a hang or crash. */
function spawnChild(backend, threads, cases, args, cfg) {
  return new Promise((resolve) => {
    const argv = [
      fileURLToPath(import.meta.url),
      "--child",
      `${backend}:${threads}`,
      args.file,
      "--repeats",
      String(args.repeats),
      "--cases",
      cases.join(","),
      "--max-case-seconds",
      String(args.maxCaseSeconds),
      "--singleton-sets",
      String(args.singletonSets),
      "--singleton-file",
      args.singletonFile,
      "--root",
      cfg.root,
    ];
    // Each checkout's own addon (its build/native/): an explicit one would stand for both.
    const env = { ...process.env };
    if (args.baseline) delete env.TREESEQ_NATIVE_ADDON;
    const p = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"], env });
    let buf = "",
      timedOut = false,
      timer = null;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        p.kill("SIGKILL");
      }, args.timeout * 1000);
    };
    arm();
    p.stdout.setEncoding("utf8");
    p.stdout.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.trim()) continue;
        arm();
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          log(`${backend} ${threads}T: ignored output: ${line}`);
          continue;
        }
        if (m.type === "info") cfg.info = m.info;
        else if (m.type === "load") cfg.load = m.result;
        else if (m.type === "sets") cfg.numSampleSets = m.numSampleSets;
        else if (m.type === "case") cfg.cases[m.name] = m.result;
        else if (m.type === "fatal") cfg.error = m.error;
      }
    });
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(
        timedOut
          ? `TIMEOUT: no result for ${args.timeout} s (--timeout)`
          : code === 0
            ? null
            : `CRASH: child exited with ${code ?? signal}`,
      );
    });
  });
}

/** Loops that walk one cursor from start to end: threads cannot change them, so they run only
 * in the 1-thread configurations (they take minutes on large files). */
const SEQUENTIAL = new Set(["trees_total_branch_length", "variants_decode", "variants_decode_nocopy", "write_vcf"]);

async function runConfig(backend, threads, args, role, tree = { name: "current", root: args.root }) {
  const cfg = { backend, threads, cases: {}, tree: tree.name, root: tree.root };
  let todo = args.cases.filter((c) => role === "one" || !SEQUENTIAL.has(c));
  for (const c of args.cases) if (!todo.includes(c)) cfg.cases[c] = { skipped: "sequential: run at 1 thread only" };
  while (todo.length && !cfg.error) {
    const failure = await spawnChild(backend, threads, todo, args, cfg);
    todo = todo.filter((c) => !cfg.cases[c]);
    if (!failure) break;
    log(`${backend} ${threads}T: ${failure}`);
    if (!cfg.load) {
      cfg.error ??= failure;
      break;
    } // failed before the cases began
    if (todo.length) {
      cfg.cases[todo[0]] = { error: failure };
      todo.shift();
    }
  }
  for (const c of todo) cfg.cases[c] ??= { error: cfg.error ?? "NOT_RUN: the child process stopped early" };
  return cfg;
}

const fmt = (x) => (x === undefined || x === null || !Number.isFinite(x) ? "" : Number(x.toPrecision(3)).toString());
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${Number((a / b).toPrecision(3))}×` : "–");

function cell(r) {
  if (!r) return "–";
  if (r.error) return `error: ${errorCode(r.error)}`;
  if (r.skipped) return "–";
  return (r.extrapolated ? "≈" : "") + fmt(r.median) + (r.note && !r.extrapolated ? "*" : "");
}

function table(results) {
  const cols = [["tskit", results.tskit], ...results.configs.map((c) => [`${c.backend} ${c.threads === 1 ? "1T" : `${c.threads}T`}`, c])];
  const get = (src, name) => {
    if (!src || (src.error && !src.cases)) return src?.error ? { error: src.error } : undefined;
    return name === "load" ? src.load : src.cases?.[name];
  };
  const cfg = (backend, one) => results.configs.find((c) => c.backend === backend && (one ? c.threads === 1 : c.role === "all"));
  const n1 = cfg("native", true),
    nN = cfg("native", false),
    w1 = cfg("wasm", true),
    wN = cfg("wasm", false);
  const head = [
    "case",
    ...cols.map(([l]) => `${l} (s)`),
    "tskit / native 1T",
    `native 1T / native ${nN?.threads ?? "N"}T`,
    "native 1T / wasm 1T",
    `native ${nN?.threads ?? "N"}T / wasm ${wN?.threads ?? "N"}T`,
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i ? " ---: " : " --- ")).join("|")}|`];
  for (const name of ["load", ...results.cases]) {
    const m = (src) => {
      const r = get(src, name);
      return r && !r.error ? r.median : NaN;
    };
    const row = [
      name,
      ...cols.map(([, src]) => cell(get(src, name))),
      ratio(m(results.tskit), m(n1)),
      ratio(m(n1), m(nN)),
      ratio(m(n1), m(w1)),
      ratio(m(nN), m(wN)),
    ];
    lines.push(`| ${row.join(" | ")} |`);
  }
  return lines.join("\n");
}

/**
 * Beside a baseline: per case and configuration, the two medians (over all passes' timed
 * calls), their ratio, each pass's ratio of medians, and a flag where this checkout is more
 * than `slower` percent slower.
 */
function compareTable(results) {
  const limit = 1 + results.slower / 100;
  const head = ["case", "configuration", "baseline (s)", "current (s)", "current / baseline", "per pass", ""];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i > 1 && i < 6 ? " ---: " : " --- ")).join("|")}|`];
  const flagged = [];
  const pairs = [];
  for (let i = 0; i + 1 < results.configs.length; i += 2) pairs.push([results.configs[i], results.configs[i + 1]]);
  for (const name of ["load", ...results.cases]) {
    for (const [b, c] of pairs) {
      const get = (cfg) => (cfg.error ? { error: cfg.error } : name === "load" ? cfg.load : cfg.cases?.[name]);
      const [rb, rc] = [get(b), get(c)];
      if (rb?.skipped && rc?.skipped) continue;
      const label = `${c.backend} ${c.threads}T`;
      const ok = rb && rc && !rb.error && !rc.error && !rb.skipped && !rc.skipped;
      const r = ok ? rc.median / rb.median : NaN;
      const perPass = ok ? (rc.passMedians ?? [rc.median]).map((m, k) => fmt(m / (rb.passMedians ?? [rb.median])[k])).join(" ") : "";
      const slow = r > limit;
      if (slow) flagged.push(`${name} (${label}) ${fmt(r)}×`);
      lines.push(
        `| ${[name, label, cell(rb), cell(rc), ok ? `${fmt(r)}×` : "–", perPass, slow ? `**slower than ${results.slower}%**` : ""].join(" | ")} |`,
      );
    }
  }
  return { table: lines.join("\n"), flagged };
}

/** The markdown report of a run beside a baseline. */
function renderComparison(results) {
  const { table: t, flagged } = compareTable(results);
  const n = results.repeats * results.passes;
  return [
    `## treeseq benchmark beside a baseline: ${path.basename(results.file)}`,
    "",
    `baseline: ${results.baseline}; current: ${results.root}. Median of ${n} timed call${n === 1 ? "" : "s"} per case (${results.passes} passes of ${results.repeats}, after one warm-up each; in each pass the two checkouts run every configuration in turn, in alternating order), in seconds; a ratio > 1 means the current checkout is slower. "per pass" is each pass's ratio of medians: their spread is the machine's noise.`,
    "",
    t,
    "",
    flagged.length
      ? `**${flagged.length} case(s) more than ${results.slower}% slower**: ${flagged.join(", ")}.`
      : `No case more than ${results.slower}% slower.`,
    "",
    `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, ${results.machine.platform}, ${results.machine.date}`,
    "",
  ].join("\n");
}

/** The markdown report of a run's results (what --render prints again from the JSON). */
function render(results) {
  if (results.baseline) return renderComparison(results);
  const t = results.tskit;
  const tskitLine =
    t && !t.error ? `tskit ${t.tskit_version} (Python ${t.python_version})` : `tskit: ${t?.error ?? t?.skipped ?? "not run"}`;
  const n1 = results.configs.find((c) => c.backend === "native" && c.role === "one");
  const shape = t && !t.error ? `${t.num_samples} samples, ${t.num_trees} trees, ${t.num_sites} sites` : "";
  return [
    `## treeseq benchmark: ${path.basename(results.file)}${shape ? ` (${shape})` : ""}`,
    "",
    `Median of ${results.repeats * results.passes} run${results.repeats * results.passes === 1 ? "" : "s"} after one warm-up${results.passes > 1 ? ` (${results.passes} passes of ${results.repeats}, each pass running every configuration in turn)` : ""}, in seconds (3 significant digits); ratios > 1 mean the right-hand side is faster.` +
      ([...results.configs, results.tskit ?? {}].some((c) => Object.values(c.cases ?? {}).some((r) => r.note && !r.extrapolated))
        ? " * = fewer repeats (see JSON)."
        : "") +
      (Object.values(results.tskit?.cases ?? {}).some((r) => r.extrapolated)
        ? " ≈ = tskit's Python loop stopped at --max-case-seconds and its time extrapolated from the part done (see JSON)."
        : "") +
      (results.cases.some((c) => SEQUENTIAL.has(c))
        ? ` The trees and variants loops are sequential and run at 1 thread only${results.passes > 1 ? `, in the first pass (median of ${results.repeats})` : ""}.`
        : ""),
    "",
    table(results),
    "",
    ...Object.values(results.tskit?.cases ?? {})
      .filter((c) => c.note_exact)
      .flatMap((c) => [`Note: ${c.note_exact}.`, ""]),
    ...(results.cases.some((c) => SINGLETON.has(c))
      ? [
          `singleton_sets_*: diversity of ${results.singletonSets} sample sets of one sample each on ${path.basename(results.singletonFile ?? "")}.`,
          "",
        ]
      : []),
    ...(results.checkMismatches.length
      ? [`**Warning**: ${results.checkMismatches.length} result(s) differ from tskit's (checkMismatches in the JSON).`, ""]
      : []),
    `Machine: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}, ${results.machine.platform}, ${results.machine.date}; ${tskitLine}` +
      (n1?.info ? `; treeseq ${n1.info.version}` : ""),
    "",
  ].join("\n");
}

/** Writes the report to bench-results/latest.md and stdout. */
function publish(md) {
  const mdPath = path.join(root, "bench-results/latest.md");
  fs.mkdirSync(path.dirname(mdPath), { recursive: true });
  fs.writeFileSync(mdPath, md);
  process.stdout.write(md);
  return mdPath;
}

async function main() {
  const args = await parseScriptArgs({ name: NAME, usage: USAGE, flags: FLAGS }, readArgs);
  if (args.render) {
    let results;
    try {
      results = JSON.parse(fs.readFileSync(args.render, "utf8"));
    } catch (e) {
      console.error(`cannot read ${args.render}: ${e.message}`);
      process.exit(2);
    }
    const mdPath = publish(render(results));
    log(`wrote ${path.relative(process.cwd(), mdPath)}`);
    return;
  }
  if (!fs.existsSync(args.file)) {
    console.error(`no such file: ${args.file}`);
    process.exit(2);
  }
  if (args.child) return child(args.child.backend, args.child.threads, args);
  const all = os.availableParallelism();
  const machine = {
    cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
    cores: all,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
  log(`${path.relative(process.cwd(), args.file) || args.file}: ${args.repeats} repeats, ${machine.cpu}, ${all} cores`);

  // The loops (minutes on large files, and no threads to compare) run in the first pass only,
  // but in every pass beside a baseline (each case compared over the same passes).
  const passes = args.baseline || args.cases.some((c) => !SEQUENTIAL.has(c)) ? args.passes : 1;
  const results = {
    file: args.file,
    repeats: args.repeats,
    passes,
    cases: args.cases,
    machine,
    tskit: null,
    configs: [],
    singletonSets: args.singletonSets,
    singletonFile: args.singletonFile,
    baseline: args.baseline,
    slower: args.slower,
    root: args.root,
  };
  // Beside a baseline, the two checkouts run each configuration in turn, in alternating order.
  const trees = args.baseline
    ? [
        { name: "baseline", root: args.baseline },
        { name: "current", root: args.root },
      ]
    : [{ name: "current", root: args.root }];
  for (let pass = 1; pass <= passes; pass++) {
    const passArgs = pass === 1 || args.baseline ? args : { ...args, cases: args.cases.filter((c) => !SEQUENTIAL.has(c)) };
    if (passes > 1) log(`pass ${pass} of ${passes}`);
    const t = args.tskit ? await runTskit(passArgs) : { skipped: args.baseline ? "skipped (--baseline)" : "skipped (--no-tskit)" };
    results.tskit = results.tskit ? mergeRuns(results.tskit, t) : t;
    let i = 0;
    for (const backend of args.backends) {
      for (const [role, threads] of args.oneThread
        ? [["one", 1]]
        : [
            ["one", 1],
            ["all", all],
          ]) {
        for (const tree of pass % 2 ? trees : [...trees].reverse()) {
          const c = await runConfig(backend, threads, passArgs, role, tree);
          c.role = role;
          const k = i + trees.indexOf(tree);
          results.configs[k] = results.configs[k] ? mergeRuns(results.configs[k], c) : c;
        }
        i += trees.length;
      }
    }
  }

  // Sanity: each result's sum should agree with tskit's (the tests check the numbers; this
  // only catches a benchmark that times the wrong thing).
  results.checkMismatches = [];
  for (const c of results.configs) {
    for (const [name, r] of Object.entries(c.cases)) {
      const t = results.tskit?.cases?.[name];
      // Where tskit's own value is known to be wrong (see bench_tskit.py), the check is
      // against its formula evaluated correctly.
      const ref = t?.check_exact ?? t?.check;
      if (r.check == null || ref == null) continue;
      if (Math.abs(r.check - ref) > 1e-8 * Math.max(1, Math.abs(ref))) {
        results.checkMismatches.push({ case: name, backend: c.backend, threads: c.threads, check: r.check, tskit: ref });
        log(`warning: ${c.backend} ${c.threads}T ${name}: result sum ${r.check} != tskit's ${ref}`);
      }
    }
  }
  fs.mkdirSync(path.dirname(args.json), { recursive: true });
  fs.writeFileSync(args.json, JSON.stringify(results, null, 1) + "\n");
  const mdPath = publish(render(results));
  log(`wrote ${path.relative(process.cwd(), args.json)} and ${path.relative(process.cwd(), mdPath)}`);
}

main().then(
  () => process.exit(0), // worker pools may keep the event loop alive
  (e) => {
    console.error(e?.stack ?? e);
    process.exit(1);
  },
);
