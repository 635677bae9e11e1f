#!/usr/bin/env node
/**
 * The batch benchmark (npm run bench:batch; scripts/bench_batch.sh makes the files first):
 * K files x M statistics on every core, the way the seeds ran them, against treeseq's command line.
 *
 *   node scripts/bench_batch.mjs [--runs N] [--cores C] [--windows W] [--json OUT] FILE...
 *
 *  - treeseq: ONE `treeseq stat FILE... --stat ... --threads C --backend native` run over all
 *    the files, its long table to a file;
 *  - tskit: scripts/batch_tskit.py, multiprocessing.Pool(C).map over the file names, each
 *    worker loading its file and computing all M statistics, the same long table to a file.
 * Both get the same statistics with the same options (SPEC below: sample sets = the files'
 * populations, W equal windows, the pairs 0,1;0,2;1,2), and each is timed as a whole process,
 * wall clock, start to exit (interpreter start, imports, loading, statistics, writing). The
 * two alternate (which goes first swaps every run: a busy spell on a shared machine then
 * falls on both), N runs each (default 3); the medians are compared. The first run's two
 * tables are compared value by value (relative 1e-9, absolute 1e-12 near zero, NaN = NaN):
 * a row missing or a value that differs fails the benchmark, so the timings are of equal work.
 * With GNU time (/usr/bin/time) each run's CPU seconds (user + system, child processes
 * included) are recorded too: steadier than the wall clock on a shared machine.
 * Where the time goes: each tool's bare start (node dist/cli.js --version; python3 importing
 * tskit and multiprocessing) and its loading of the files alone, one after another, in one
 * process (wall and CPU, median of 3); each tskit worker's seconds (load, each statistic,
 * formatting; from --timings); treeseq's summary line.
 * Output: a markdown table on stdout and in bench-results/batch.md, everything as JSON in
 * --json (default bench-results/batch.json). Progress on stderr.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { parseScriptArgs } from "./script-args.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (msg) => process.stderr.write(`[bench:batch] ${msg}\n`);
const USAGE = "usage: node scripts/bench_batch.mjs [--runs N] [--cores C] [--windows W] [--json OUT] FILE...";

/**
 * The spectrum's sample set: the first AFS_SAMPLES sample ids (of the first population, as
 * simulate_bench.py numbers them), not a whole population: treeseq's site-mode spectrum keeps
 * n + 1 values per node per thread, and for a population of 10,000 samples on a 120,000-node
 * file that is 18 GiB, which treeseq refuses (OUTPUT_TOO_LARGE); tskit does it in under a second.
 */
const AFS_SAMPLES = 1000;

/** The statistics, as treeseq names them, with their options; the pairs for those that take them. */
const SPEC = {
  pairs: [
    [0, 1],
    [0, 2],
    [1, 2],
  ],
  statistics: [
    { name: "diversity", mode: "site" },
    { name: "divergence", mode: "branch" },
    { name: "fst", mode: "site" },
    { name: "tajimasD", mode: "site" },
    { name: "segregatingSites", mode: "site" },
    { name: "alleleFrequencySpectrum", mode: "site", sampleSets: [Array.from({ length: AFS_SAMPLES }, (_, i) => i)] },
  ],
};

const FLAGS = {
  runs: { type: "string", value: "N", help: "alternating runs of each tool; the medians are compared (default 3)" },
  cores: { type: "string", value: "C", help: "cores for each tool (default all: os.availableParallelism())" },
  windows: { type: "string", value: "W", help: "equal windows of every statistic (default 10)" },
  json: { type: "string", value: "OUT", help: "where the results go as JSON (default bench-results/batch.json)" },
};

/** The options, checked; a mistake is a UsageError (parseScriptArgs prints it, exit 2). */
function readArgs({ values: v, positionals }, { integerValue, UsageError }) {
  const a = {
    runs: v.runs === undefined ? 3 : integerValue("--runs", v.runs),
    cores: v.cores === undefined ? os.availableParallelism() : integerValue("--cores", v.cores),
    windows: v.windows === undefined ? 10 : integerValue("--windows", v.windows),
    json: v.json === undefined ? path.join(root, "bench-results/batch.json") : path.resolve(v.json),
    files: positionals,
  };
  if (a.files.length === 0) throw new UsageError("no files");
  return a;
}

/** GNU time, where there is one: the CPU seconds of a run and all its processes. */
const GNU_TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

/**
 * Runs a command to the end: its wall seconds, its CPU seconds (user + system, children
 * included; null without GNU time), its stderr; or throws with its stderr.
 */
function timed(cmd, args, what) {
  const cpuFile = path.join(os.tmpdir(), `bench-batch-cpu-${process.pid}`);
  const [c, a] = GNU_TIME ? [GNU_TIME, ["-f", "%U %S", "-o", cpuFile, cmd, ...args]] : [cmd, args];
  const t = performance.now();
  const r = spawnSync(c, a, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  let cpu = null;
  if (GNU_TIME) {
    const [user, sys] = fs.readFileSync(cpuFile, "utf8").trim().split(/\s+/).slice(-2).map(Number);
    cpu = user + sys;
    fs.rmSync(cpuFile);
  }
  return { seconds, cpu, stderr: r.stderr };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A table's rows by key (every column but the value; numbers compared as numbers). */
function readTable(file) {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const header = lines[0].split("\t");
  const col = (name) => header.indexOf(name);
  const [f, s, m, wl, wr, ss, v, ix] = ["file", "statistic", "mode", "window_left", "window_right", "sample_sets", "value", "index"].map(
    col,
  );
  if ([f, s, m, wl, wr, ss, v].includes(-1)) throw new Error(`${file}: header lacks a column: ${lines[0]}`);
  const rows = new Map();
  const duplicates = [];
  for (let i = 1; i < lines.length; i++) {
    const r = lines[i].split("\t");
    const key = [r[f], r[s], r[m], Number(r[wl]), Number(r[wr]), r[ss], ix === -1 ? "" : r[ix]].join("|");
    if (rows.has(key)) duplicates.push(`${path.basename(file)} line ${i + 1} repeats ${key}`);
    rows.set(key, Number(r[v]));
  }
  return { rows, duplicates };
}

/** Every value of `ours` against `theirs`: same keys, each once, relative 1e-9. */
function compareTables(oursTable, theirsTable) {
  const [ours, theirs] = [oursTable.rows, theirsTable.rows];
  const close = (a, b) => (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= Math.max(1e-12, 1e-9 * Math.abs(b)));
  let maxRel = 0;
  const bad = [...oursTable.duplicates, ...theirsTable.duplicates];
  for (const [key, want] of theirs) {
    const got = ours.get(key);
    if (got === undefined) bad.push(`treeseq has no row ${key}`);
    else if (!close(got, want)) bad.push(`${key}: treeseq ${got}, tskit ${want}`);
    else if (Number.isFinite(want) && want !== 0) maxRel = Math.max(maxRel, Math.abs(got - want) / Math.abs(want));
  }
  for (const key of ours.keys()) if (!theirs.has(key)) bad.push(`tskit has no row ${key}`);
  return { values: theirs.size, maxRelativeDifference: maxRel, mismatches: bad.length, examples: bad.slice(0, 5) };
}

async function main() {
  const a = await parseScriptArgs({ name: "bench_batch.mjs", usage: USAGE, flags: FLAGS }, readArgs);
  for (const f of a.files) if (!fs.existsSync(f)) throw new Error(`no such file: ${f}`);
  const out = path.join(root, ".cache/batch/out");
  fs.mkdirSync(out, { recursive: true });
  const spec = { ...SPEC, windows: a.windows };
  const specFile = path.join(out, "spec.json");
  fs.writeFileSync(specFile, JSON.stringify(spec));
  const pairs = spec.pairs.map((p) => p.join(",")).join(";");

  const treeseqArgs = (dest) => [
    "dist/cli.js",
    "stat",
    ...a.files,
    ...spec.statistics.flatMap(({ name, ...options }) => ["--stat", `${name}:${JSON.stringify(options)}`]),
    "--sample-sets",
    "populations",
    "--windows",
    String(a.windows),
    "--pairs",
    pairs,
    "--format",
    "tsv",
    "--out",
    dest,
    "--threads",
    String(a.cores),
    "--backend",
    "native",
    "--progress",
    "none",
  ];
  const tskitArgs = (dest, timings) => [
    "scripts/batch_tskit.py",
    "--spec",
    specFile,
    "--cores",
    String(a.cores),
    "--out",
    dest,
    "--timings",
    timings,
    ...a.files,
  ];

  const runs = { treeseq: [], tskit: [] };
  const cpu = { treeseq: [], tskit: [] };
  const tskitWorkers = [];
  const treeseqSummaries = [];
  for (let r = 0; r < a.runs; r++) {
    const order = r % 2 === 0 ? ["treeseq", "tskit"] : ["tskit", "treeseq"];
    for (const tool of order) {
      const dest = path.join(out, `${tool}-${r}.tsv`);
      if (tool === "treeseq") {
        const t = timed(process.execPath, treeseqArgs(dest), "treeseq stat");
        runs.treeseq.push(t.seconds);
        cpu.treeseq.push(t.cpu);
        treeseqSummaries.push(
          t.stderr
            .split("\n")
            .filter((l) => l.startsWith("treeseq stat:"))
            .join(" ") || t.stderr.trim(),
        );
      } else {
        const timings = path.join(out, `tskit-${r}.timings.json`);
        const t = timed("python3", tskitArgs(dest, timings), "batch_tskit.py");
        runs.tskit.push(t.seconds);
        cpu.tskit.push(t.cpu);
        tskitWorkers.push(JSON.parse(fs.readFileSync(timings, "utf8")));
      }
      log(
        `run ${r + 1}/${a.runs} ${tool}: ${runs[tool].at(-1).toFixed(2)} s wall${cpu[tool].at(-1) === null ? "" : `, ${cpu[tool].at(-1).toFixed(2)} s CPU`}`,
      );
    }
  }

  log("comparing the first run's tables value by value");
  const comparison = compareTables(readTable(path.join(out, "treeseq-0.tsv")), readTable(path.join(out, "tskit-0.tsv")));
  for (let r = 0; r < a.runs; r++) for (const tool of ["treeseq", "tskit"]) fs.rmSync(path.join(out, `${tool}-${r}.tsv`));

  // Where the time goes: the tools' bare starts, and tskit's per-worker seconds (median run).
  // The tools' bare starts, and each loading the files alone, one after another, in one process.
  const bare = (cmd, args, what) => {
    const t = [0, 1, 2].map(() => timed(cmd, args, what));
    return { seconds: median(t.map((x) => x.seconds)), cpu: GNU_TIME ? median(t.map((x) => x.cpu)) : null };
  };
  const startup = {
    treeseq: bare(process.execPath, ["dist/cli.js", "--version"], "treeseq --version"),
    tskit: bare("python3", ["-c", "import multiprocessing, numpy, tskit"], "python3 import tskit"),
  };
  const loadOnly = {
    treeseq: bare(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { init, load } from "./dist/index.js";
      await init({ backend: "native", threads: ${a.cores} });
      for (const f of ${JSON.stringify(a.files)}) (await load(f)).dispose();`,
      ],
      "treeseq load",
    ),
    tskit: bare("python3", ["-c", `import tskit\nfor f in ${JSON.stringify(a.files)}: tskit.load(f)`], "tskit load"),
  };
  const mid = Math.max(0, runs.tskit.indexOf(median(runs.tskit)));
  const workerSums = {};
  for (const w of tskitWorkers[mid].workers) for (const [k, s] of Object.entries(w)) workerSums[k] = (workerSums[k] ?? 0) + s;

  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.availableParallelism(),
      model: os.cpus()[0]?.model,
      memoryGB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadavg: os.loadavg(),
    },
    files: a.files.map((f) => ({ file: f, bytes: fs.statSync(f).size })),
    cores: a.cores,
    windows: a.windows,
    spec,
    treeseqCommand: `node ${treeseqArgs("OUT.tsv").join(" ")}`,
    tskitCommand: `python3 ${tskitArgs("OUT.tsv", "T.json").join(" ")}`,
    runs,
    median: { treeseq: median(runs.treeseq), tskit: median(runs.tskit) },
    ratio: median(runs.tskit) / median(runs.treeseq),
    cpu: GNU_TIME
      ? { runs: cpu, median: { treeseq: median(cpu.treeseq), tskit: median(cpu.tskit) }, ratio: median(cpu.tskit) / median(cpu.treeseq) }
      : null,
    comparison,
    breakdown: {
      startup,
      loadOnly,
      tskitWorkerSeconds: workerSums,
      tskitPool: tskitWorkers[mid].pool_s,
      tskitWrite: tskitWorkers[mid].write_s,
      treeseqSummaries,
    },
  };
  fs.mkdirSync(path.dirname(a.json), { recursive: true });
  fs.writeFileSync(a.json, JSON.stringify(result, null, 1));
  const md = render(result);
  fs.writeFileSync(path.join(path.dirname(a.json), "batch.md"), md);
  process.stdout.write(md);
  if (comparison.mismatches) {
    log(`the tables differ (${comparison.mismatches} values): ${comparison.examples.join("; ")}`);
    process.exitCode = 1;
  }
}

function render(r) {
  const s = (x) => `${x.toFixed(2)} s`;
  const pair = (t) => `${t.seconds.toFixed(2)}${t.cpu === null ? "" : ` / ${t.cpu.toFixed(2)}`} s`;
  const mb = r.files.reduce((n, f) => n + f.bytes, 0) / 1e6;
  const w = r.breakdown.tskitWorkerSeconds;
  const statSeconds = Object.entries(w)
    .filter(([k]) => k !== "load" && k !== "format")
    .reduce((n, [, x]) => n + x, 0);
  return [
    `## Batch: ${r.files.length} files (${mb.toFixed(0)} MB) x ${r.spec.statistics.length} statistics, ${r.cores} cores`,
    "",
    `Statistics: ${r.spec.statistics.map((x) => `${x.name} ${x.mode}${x.sampleSets ? ` (of ${x.sampleSets[0].length} samples)` : ""}`).join(", ")}; sample sets = populations, ${r.windows} windows, pairs ${r.spec.pairs.map((p) => p.join(",")).join(";")}.`,
    `Wall clock of the whole command, median of ${r.runs.treeseq.length} alternating runs. ${r.machine.cpus} CPUs (${r.machine.model}), load average at the end ${r.machine.loadavg.map((x) => x.toFixed(1)).join(" ")}.`,
    "",
    "| | median | runs |",
    "|---|---:|---|",
    `| treeseq stat (one process, --threads ${r.cores}) | ${s(r.median.treeseq)} | ${r.runs.treeseq.map((x) => x.toFixed(2)).join(", ")} |`,
    `| tskit, multiprocessing.Pool(${r.cores}) | ${s(r.median.tskit)} | ${r.runs.tskit.map((x) => x.toFixed(2)).join(", ")} |`,
    `| **ratio (tskit / treeseq)** | **${r.ratio.toFixed(2)}x** | |`,
    "",
    ...(r.cpu
      ? [
          `CPU seconds (user + system, all processes; GNU time), medians: treeseq ${s(r.cpu.median.treeseq)}, tskit ${s(r.cpu.median.tskit)}, ratio ${r.cpu.ratio.toFixed(2)}x (runs: treeseq ${r.cpu.runs.treeseq.map((x) => x.toFixed(2)).join(", ")}; tskit ${r.cpu.runs.tskit.map((x) => x.toFixed(2)).join(", ")}). CPU time counts each tool's own work only, so it is steadier than the wall clock on a shared machine; where both keep every core busy (files >= cores), an idle machine's wall ratio comes near it.`,
          "",
        ]
      : []),
    `Same values: ${r.comparison.values} compared, ${r.comparison.mismatches} differ (max relative difference ${r.comparison.maxRelativeDifference.toExponential(1)}).`,
    "",
    `Where the time goes (each measured alone, median of 3; wall / CPU seconds): starting (node dist/cli.js --version; python3 importing tskit) treeseq ${pair(r.breakdown.startup.treeseq)}, tskit ${pair(r.breakdown.startup.tskit)}; loading the ${r.files.length} files one after another in one process: treeseq ${pair(r.breakdown.loadOnly.treeseq)}, tskit ${pair(r.breakdown.loadOnly.tskit)}. The rest of each run is statistics and writing.`,
    `tskit's workers (wall seconds inside each, summed, median run): load ${w.load.toFixed(2)}, statistics ${statSeconds.toFixed(2)} (${Object.entries(
      w,
    )
      .filter(([k]) => k !== "load" && k !== "format")
      .map(([k, x]) => `${k} ${x.toFixed(2)}`)
      .join(
        ", ",
      )}), formatting rows ${w.format.toFixed(2)}; pool ${r.breakdown.tskitPool.toFixed(2)} s wall, writing ${r.breakdown.tskitWrite.toFixed(2)} s.`,
    `treeseq's summary line (median run): ${r.breakdown.treeseqSummaries[r.runs.treeseq.indexOf(r.median.treeseq)] ?? r.breakdown.treeseqSummaries[0]}`,
    "",
  ].join("\n");
}

main().catch((e) => {
  log(e.message);
  process.exitCode = 1;
});
