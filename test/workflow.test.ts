/**
 * The Snakemake workflow (workflow/Snakefile) on two fixtures: one job per statistic and file,
 * then one table whose values must be native treeseq's, bit for bit; and a bad statistic
 * must stop the workflow with treeseq's message in the job's log.
 * Snakemake is installed by scripts/setup.sh into .cache/snakemake (a virtual environment).
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../dist/index.js";
import { evenWindows, firstThreePopulations } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SNAKEMAKE = join(ROOT, ".cache/snakemake/bin/snakemake");
const FIXTURES = join(ROOT, "test/fixtures");

const dirs: string[] = [];

/** Runs the workflow in a fresh directory with this config (YAML text); returns the run. */
function runWorkflow(config: string) {
  const dir = mkdtempSync(join(tmpdir(), "treeseq-workflow-"));
  dirs.push(dir);
  writeFileSync(join(dir, "config.yaml"), config);
  const r = spawnSync(SNAKEMAKE, ["-s", join(ROOT, "workflow/Snakefile"), "--directory", dir,
    "--configfile", join(dir, "config.yaml"), "--cores", "2", "--quiet", "all"], { encoding: "utf8", timeout: 120_000 });
  return { dir, status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

const settings = `
trees:
  medium: ${FIXTURES}/medium.trees
  small: ${FIXTURES}/small.trees
threads: 2
treeseq: node ${ROOT}/dist/cli.js
backend: native
`;

describe("Snakemake workflow", () => {
  beforeAll(() => {
    if (!existsSync(SNAKEMAKE)) throw new Error(`${SNAKEMAKE} is missing: run npm run setup`);
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("computes every statistic of every file into one table, with treeseq's numbers", async () => {
    const run = runWorkflow(`${settings}
statistics:
  diversity_site:
    method: diversity
    num_windows: 5
    options: {mode: site}
  fst_branch:
    method: fst
    pairs: all
    num_windows: 4
    options: {mode: branch}
  segsites_whole:
    method: segregatingSites
    options: {mode: site}
`);
    expect(run.status, run.output).toBe(0);
    const lines = readFileSync(join(run.dir, "results/statistics.tsv"), "utf8").trimEnd().split("\n");
    expect(lines[0]).toBe("trees\tstatistic\tmethod\twindow_left\twindow_right\tcolumn\tvalue");
    const rows = lines.slice(1).map((l) => l.split("\t"));
    // medium and small: 3 populations each; 5 x 3 + 4 x 3 pairs + 1 x 3 values per file.
    expect(rows.length).toBe(2 * (15 + 12 + 3));
    expect(existsSync(join(run.dir, "benchmarks/medium/fst_branch.tsv"))).toBe(true);

    await api.init({ backend: "native" });
    for (const name of ["medium", "small"]) {
      const ts = await api.load(join(FIXTURES, `${name}.trees`));
      const sets = firstThreePopulations(ts);
      const L = ts.sequenceLength;
      const equal = (n: number) => evenWindows(L, n);
      const want: Record<string, number[]> = {
        diversity_site: Array.from((await ts.diversity({ sampleSets: sets, windows: equal(5), mode: "site" })).data),
        fst_branch: Array.from((await ts.fst({ sampleSets: sets, indexes: [[0, 1], [0, 2], [1, 2]], windows: equal(4), mode: "branch" })).data),
        segsites_whole: Array.from((await ts.segregatingSites({ sampleSets: sets, mode: "site" })).data),
      };
      for (const [stat, values] of Object.entries(want)) {
        const got = rows.filter((r) => r[0] === name && r[1] === stat);
        expect(got.map((r) => Number(r[6])), `${name} ${stat}`).toEqual(values);
      }
      const fst = rows.filter((r) => r[0] === name && r[1] === "fst_branch");
      expect(fst.slice(0, 3).map((r) => r[5])).toEqual(["pop0 vs pop1", "pop0 vs pop2", "pop1 vs pop2"]);
      expect(fst[3].slice(3, 5).map(Number)).toEqual([L / 4, L / 2]);
      ts.dispose();
    }
  });

  it("stops on a statistic treeseq refuses, with treeseq's message in the job's log", () => {
    const run = runWorkflow(`${settings}
statistics:
  bad:
    method: diversity
    options: {mode: sideways}
`);
    expect(run.status).not.toBe(0);
    // Snakemake stops at the first failed job: the log of either file's.
    const logs = ["medium", "small"].map((f) => join(run.dir, `logs/${f}/bad.log`)).filter((p) => existsSync(p));
    expect(logs.length, run.output).toBeGreaterThan(0);
    expect(readFileSync(logs[0], "utf8")).toMatch(/treeseq: BAD_PARAM: .*sideways/);
    expect(existsSync(join(run.dir, "results/statistics.tsv"))).toBe(false);
  });
});
