/**
 * The Snakemake workflow (workflow/Snakefile) on two fixtures: one `treeseq stat` job per file
 * with every statistic, then one table whose every value must be the library's own answer for
 * the same statistic, sets and windows, bit for bit (native); a statistic treeseq refuses must
 * stop the workflow with treeseq's message in the job's log; the jobs' threads and memory follow
 * the file's size. Snakemake is installed by scripts/setup.sh into .cache/snakemake.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../dist/index.js";
import { evenWindows, firstThreePopulations } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SNAKEMAKE = join(ROOT, ".cache/snakemake/bin/snakemake");
const FIXTURES = join(ROOT, "test/fixtures");
const FILES = { medium: join(FIXTURES, "medium.trees"), small: join(FIXTURES, "small.trees") };

const dirs: string[] = [];

/** Runs the workflow in a fresh directory with this config (YAML text); returns the run. */
function runWorkflow(config: string, extra: string[] = ["--cores", "2"]) {
  const dir = mkdtempSync(join(tmpdir(), "treeseq-workflow-"));
  dirs.push(dir);
  writeFileSync(join(dir, "config.yaml"), config);
  const r = spawnSync(
    SNAKEMAKE,
    ["-s", join(ROOT, "workflow/Snakefile"), "--directory", dir, "--configfile", join(dir, "config.yaml"), ...extra, "all"],
    { encoding: "utf8", timeout: 180_000 },
  );
  return { dir, status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

const common = `
threads: 2
treeseq: node ${ROOT}/dist/cli.js
backend: native
`;
const files = (f: Record<string, string>) =>
  `files:\n${Object.entries(f)
    .map(([n, p]) => `  ${n}: ${p}\n`)
    .join("")}`;

/** A parsed TSV: its header and one object per row. */
function readTsv(path: string): { header: string[]; rows: Record<string, string>[] } {
  const [head, ...lines] = readFileSync(path, "utf8").trimEnd().split("\n");
  const header = head.split("\t");
  return { header, rows: lines.map((l) => Object.fromEntries(l.split("\t").map((v, i) => [header[i], v]))) };
}

describe("Snakemake workflow", () => {
  beforeAll(() => {
    if (!existsSync(SNAKEMAKE)) throw new Error(`${SNAKEMAKE} is missing: run npm run setup`);
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("computes every statistic of every file into one table, with the library's numbers", async () => {
    const WINDOWS = 4;
    const run = runWorkflow(`${files(FILES)}${common}
statistics:
  - 'diversity:{"mode":"site"}'
  - {name: fst, options: {mode: branch}}
  - segregatingSites
  - {name: divergence, options: {mode: branch}}
  - tajimasD
  - alleleFrequencySpectrum
sampleSets: populations
windows: ${WINDOWS}
pairs: all
`);
    expect(run.status, run.output).toBe(0);
    const table = readTsv(join(run.dir, "results/statistics.tsv"));
    // The spectrum's bins make the index column (empty in the other statistics' rows).
    expect(table.header).toEqual(["file", "statistic", "mode", "window_left", "window_right", "sample_sets", "value", "index"]);
    // One job per file, each with its own log (treeseq's summary line) and benchmark.
    for (const name of Object.keys(FILES)) {
      expect(existsSync(join(run.dir, `results/${name}.tsv`))).toBe(true);
      expect(existsSync(join(run.dir, `benchmarks/${name}.tsv`))).toBe(true);
    }

    // The expected table, from the library: every row's key (all columns but the value) and value.
    await api.init({ backend: "native" });
    const want = new Map<string, number>();
    let bins = 0;
    for (const path of Object.values(FILES)) {
      const ts = await api.load(path);
      const sets = firstThreePopulations(ts);
      const names = ["pop0", "pop1", "pop2"];
      const pairs = [
        [0, 1],
        [0, 2],
        [1, 2],
      ];
      const windows = evenWindows(ts.sequenceLength, WINDOWS);
      // Rows keyed by every column but the value; `columns`: each column's sets and index.
      const add = (statistic: string, mode: string, columns: [string, string][], data: Float64Array) => {
        expect(data.length).toBe(WINDOWS * columns.length);
        for (let w = 0; w < WINDOWS; w++) {
          columns.forEach(([c, index], j) => {
            want.set([path, statistic, mode, windows[w], windows[w + 1], c, index].join("|"), data[w * columns.length + j]);
          });
        }
      };
      const plain = (list: string[]): [string, string][] => list.map((c) => [c, ""]);
      const pairNames = plain(pairs.map((p) => p.map((i) => names[i]).join(",")));
      add("diversity", "site", plain(names), (await ts.diversity({ sampleSets: sets, windows, mode: "site" })).data);
      add("fst", "branch", pairNames, (await ts.fst({ sampleSets: sets, indexes: pairs, windows, mode: "branch" })).data);
      add("segregatingSites", "site", plain(names), (await ts.segregatingSites({ sampleSets: sets, windows })).data);
      add("divergence", "branch", pairNames, (await ts.divergence({ sampleSets: sets, indexes: pairs, windows, mode: "branch" })).data);
      add("tajimasD", "site", plain(names), (await ts.tajimasD({ sampleSets: sets, windows })).data);
      // The spectrum: one of each set on its own (its n + 1 bins the index), not the joint one.
      for (const [i, set] of sets.entries()) {
        const bins = Array.from({ length: set.length + 1 }, (_, b): [string, string] => [names[i], String(b)]);
        add("alleleFrequencySpectrum", "site", bins, (await ts.alleleFrequencySpectrum({ sampleSets: [set], windows })).data);
      }
      bins += sets.reduce((n, s) => n + s.length + 1, 0);
      ts.dispose();
    }
    // 2 files x 4 windows x (3 + 3 + 3 + 3 + 3) columns, and the spectra's bins: every value,
    // each once, bit for bit.
    expect(want.size).toBe(WINDOWS * (2 * 15 + bins));
    const got = new Map<string, number>();
    for (const r of table.rows) {
      const key = [r.file, r.statistic, r.mode, Number(r.window_left), Number(r.window_right), r.sample_sets, r.index].join("|");
      expect(got.has(key), `two rows for ${key}`).toBe(false);
      got.set(key, Number(r.value));
    }
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, value] of want) expect(got.get(key), key).toBe(value);
  });

  it("stops on a statistic treeseq refuses, with treeseq's message in the job's log", () => {
    const run = runWorkflow(`${files(FILES)}${common}
statistics:
  - 'diversity:{"mode":"sideways"}'
`);
    expect(run.status).not.toBe(0);
    // Snakemake stops at the first failed job: the log of either file's.
    const logs = Object.keys(FILES)
      .map((f) => join(run.dir, `logs/${f}.log`))
      .filter((p) => existsSync(p));
    expect(logs.length, run.output).toBeGreaterThan(0);
    expect(readFileSync(logs[0], "utf8")).toMatch(/treeseq: BAD_PARAM: .*sideways/);
    expect(existsSync(join(run.dir, "results/statistics.tsv"))).toBe(false);
  });

  it("refuses a config key it does not know, before any job runs", () => {
    const run = runWorkflow(`${files(FILES)}${common}
statistics: [diversity]
windws: 4
`);
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/unknown key\(s\) windws/);
    expect(existsSync(join(run.dir, "logs"))).toBe(false);
  });

  it("gives each job threads and memory by its file's size (one thread per 8 MB, 256 MB + (6 + threads) x MB)", () => {
    // A 100 MB file (sparse: the dry run only reads its size) and a 1.4 MB one.
    const big = join(mkdtempSync(join(tmpdir(), "treeseq-workflow-big-")), "big.trees");
    dirs.push(dirname(big));
    const fd = openSync(big, "w");
    ftruncateSync(fd, 100_000_000);
    closeSync(fd);
    const run = runWorkflow(
      `${files({ big, medium: FILES.medium })}${common.replace("threads: 2", "threads: 6")}
statistics: [diversity]
`,
      ["--cores", "16", "--dry-run", "--printshellcmds"],
    );
    expect(run.status, run.output).toBe(0);
    const command = (file: string) => run.output.split("\n").find((l) => l.includes(` stat ${file} `)) ?? "";
    // big: min(6, ceil(100 / 8)) = 6 threads, 256 + 12 x 100 = 1456 MB; medium: 1 thread, ceil(256 + 7 x 1.47).
    expect(command(big)).toMatch(/ --threads 6 --jobs 1 --max-memory 1456000000 /);
    const mb = readFileSync(FILES.medium).length / 1e6;
    expect(command(FILES.medium)).toMatch(new RegExp(` --threads 1 --jobs 1 --max-memory ${Math.ceil(256 + 7 * mb) * 1e6} `));
  });
});
