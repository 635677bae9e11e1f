/**
 * `treeseq stat` (dist/cli.js) as a user runs it: one run over several files with several
 * statistics, sets by population name and windows by size must hold tskit's values row for row
 * (test/fixtures/cli, from scripts/make_cli_fixture.py), a missing and a malformed file among
 * them are reported without losing the other rows, every other way of choosing sets, windows
 * and formats gives the library's own bits, and mistakes in the call exit 2 naming themselves.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../dist/index.js";
import { close } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/cli.js");
const REF = join(ROOT, "test/fixtures/cli");
const MEDIUM = join(ROOT, "test/fixtures/medium.trees");

/** The statistics of expected.tsv, as `--stat` arguments. */
const REF_STATS = [
  "diversity",
  "tajimasD",
  'segregatingSites:{"mode":"branch"}',
  'divergence:{"mode":"branch"}',
  "fst",
  'f3:{"mode":"branch"}',
  "geneticRelatedness",
  "alleleFrequencySpectrum",
];

function cli(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    maxBuffer: 1 << 28,
    env: { ...process.env, TREESEQ_BACKEND: "", TREESEQ_THREADS: "", ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parseTsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split("\n");
  const cols = head.split("\t");
  return lines.map((l) => Object.fromEntries(l.split("\t").map((v, i) => [cols[i], v])));
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "treeseq-cli-"));
  copyFileSync(join(REF, "a.trees"), join(tmp, "a.trees"));
  copyFileSync(join(REF, "b.trees"), join(tmp, "b.trees"));
  // A malformed file: a.trees cut short.
  writeFileSync(join(tmp, "broken.trees"), readFileSync(join(REF, "a.trees")).subarray(0, 3000));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("treeseq stat against tskit", () => {
  const expected = parseTsv(readFileSync(join(REF, "expected.tsv"), "utf8"));

  it.each(["native", "wasm"])(
    "holds tskit's values row for row, reporting a missing and a malformed file (%s, chosen by TREESEQ_BACKEND)",
    (backend) => {
      const r = cli(
        [
          "stat",
          "a.trees",
          "missing.trees",
          "broken.trees",
          "b.trees",
          ...REF_STATS.flatMap((s) => ["--stat", s]),
          "--sample-sets",
          "populations",
          "--window-size",
          "100k",
        ],
        { cwd: tmp, env: { TREESEQ_BACKEND: backend } },
      );
      expect(r.status, r.stderr).toBe(1); // something failed, and says so
      expect(r.stderr).toMatch(/^treeseq: IO: missing\.trees: /m);
      expect(r.stderr).toMatch(/^treeseq: [A-Z_]+: broken\.trees: /m);
      expect(r.stderr).toMatch(new RegExp(`${backend} backend`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const got = parseTsv(r.stdout);
      expect(got.length).toBe(expected.length);
      got.forEach((row, i) => {
        const want = expected[i];
        for (const c of ["file", "statistic", "mode", "sample_sets", "index"]) expect(row[c], `row ${i + 1} ${c}`).toBe(want[c]);
        for (const c of ["window_left", "window_right"]) expect(Number(row[c]), `row ${i + 1} ${c}`).toBe(Number(want[c]));
        const [a, b] = [Number(row.value), Number(want.value)];
        expect(close(a, Number.isNaN(b) ? null : b), `row ${i + 1}: ${row.statistic} ${row.sample_sets} ${a} vs tskit ${b}`).toBe(true);
      });
    },
  );

  it("takes the same job from a YAML or a JSON job file (paths relative to it), flags adding to it", () => {
    const yaml = join(tmp, "job.yaml");
    writeFileSync(
      yaml,
      `files: [a.trees, b.trees]\nstatistics:\n${REF_STATS.map((s) => `  - '${s}'`).join("\n")}\nsampleSets: populations\nwindowSize: 100k\n`,
    );
    const viaYaml = cli(["stat", "--job", yaml, "--quiet"]);
    expect(viaYaml.status, viaYaml.stderr).toBe(0);
    expect(viaYaml.stderr).toBe("");
    const json = join(tmp, "job.json");
    writeFileSync(
      json,
      JSON.stringify({
        files: ["a.trees"],
        statistics: REF_STATS.slice(0, 4).map((s) => {
          const c = s.indexOf(":");
          return c < 0 ? s : { name: s.slice(0, c), options: JSON.parse(s.slice(c + 1)) };
        }),
        windowSize: 100000,
      }),
    );
    const viaJson = cli(["stat", "--job", json, join(tmp, "b.trees"), ...REF_STATS.slice(4).flatMap((s) => ["--stat", s])]);
    expect(viaJson.status, viaJson.stderr).toBe(0);
    const rows = (t: string) =>
      parseTsv(t)
        .map((r) => `${r.file.replace(/.*\//, "")} ${r.statistic} ${r.window_left} ${r.sample_sets} ${r.index} ${r.value}`)
        .sort();
    expect(rows(viaJson.stdout)).toEqual(rows(viaYaml.stdout));
    expect(rows(viaYaml.stdout).length).toBe(expected.length);
  });

  it("expands a quoted glob and writes --out", () => {
    const out = join(tmp, "out.tsv");
    const r = cli(["stat", join(tmp, "[ab].trees"), "--stat", "diversity", "--window-size", "100k", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    const rows = parseTsv(readFileSync(out, "utf8"));
    expect(new Set(rows.map((x) => x.file))).toEqual(new Set([join(tmp, "a.trees"), join(tmp, "b.trees")]));
    expect(rows.length).toBe(expected.filter((e) => e.statistic === "diversity").length);
  });
});

describe("treeseq stat gives the library's bits", () => {
  let ts: api.TreeSequence;
  beforeAll(async () => {
    await api.init({ backend: "native" });
    ts = await api.load(MEDIUM);
  });
  afterAll(() => ts.dispose());

  function run(...args: string[]) {
    const r = cli(["stat", MEDIUM, "--backend", "native", "--quiet", ...args]);
    expect(r.status, r.stderr).toBe(0);
    return parseTsv(r.stdout);
  }
  const values = (rows: Record<string, string>[]) => rows.map((r) => Number(r.value));

  it("sets: individuals, all, ids and a TSV of individuals", async () => {
    const ind = ts.tables.nodes.individual;
    const byInd = new Map<number, number[]>();
    for (const u of ts.samples()) if (ind[u] >= 0) byInd.set(ind[u], [...(byInd.get(ind[u]) ?? []), u]);
    const ids = [...byInd.keys()].sort((a, b) => a - b);
    const rows = run("--stat", "diversity", "--sample-sets", "individuals", "--windows", "3");
    const want = await ts.diversity({ sampleSets: ids.map((i) => byInd.get(i)!), windows: [0, 2e6 / 3, 4e6 / 3, 2e6] });
    expect(values(rows)).toEqual(Array.from(want.data));
    expect(rows[0].sample_sets).toBe(`individual ${ids[0]}`);

    const all = run("--stat", "tajimasD", "--sample-sets", "all");
    expect(values(all)).toEqual(Array.from((await ts.tajimasD({ sampleSets: [ts.samples()], windows: [0, 2e6] })).data));
    expect(all.map((r) => r.sample_sets)).toEqual(["all"]);

    const explicit = run("--stat", "divergence", "--sample-sets", "ids:x=0,1,2;y=3,4;z=5");
    expect(explicit.map((r) => r.sample_sets)).toEqual(["x,y", "x,z", "y,z"]);
    const dv = await ts.divergence({
      sampleSets: [[0, 1, 2], [3, 4], [5]],
      indexes: [
        [0, 1],
        [0, 2],
        [1, 2],
      ],
      windows: [0, 2e6],
    });
    expect(values(explicit)).toEqual(Array.from(dv.data));

    const tsv = join(tmp, "sets.tsv");
    writeFileSync(tsv, `individual\tset\n# two groups of individuals\n${ids[0]}\tfirst\n${ids[1]}\tfirst\n${ids[2]}\tsecond\n`);
    const fromFile = run("--stat", "fst", "--sample-sets", tsv);
    const fst = await ts.fst({
      sampleSets: [[...byInd.get(ids[0])!, ...byInd.get(ids[1])!], byInd.get(ids[2])!],
      indexes: [[0, 1]],
      windows: [0, 2e6],
    });
    expect(values(fromFile)).toEqual(Array.from(fst.data));
    expect(fromFile[0].sample_sets).toBe("first,second");
  });

  it("windows: trees, sites and a file of breakpoints; node mode labels nodes", async () => {
    const pops = [0, 1, 2].map((p) => ts.samples({ population: p }));
    const trees = run("--stat", 'diversity:{"mode":"branch"}', "--windows", "trees");
    const bp = Array.from(ts.breakpoints());
    expect(values(trees)).toEqual(Array.from((await ts.diversity({ sampleSets: pops, windows: "trees", mode: "branch" })).data));
    expect(Number(trees.at(-1)!.window_left)).toBe(bp.at(-2));

    const sites = run("--stat", "segregatingSites", "--windows", "sites", "--sample-sets", "all");
    expect(values(sites)).toEqual(Array.from((await ts.segregatingSites({ sampleSets: [ts.samples()], windows: "sites" })).data));
    expect(sites.length).toBe(ts.numSites);

    const file = join(tmp, "breaks.txt");
    writeFileSync(file, "0 250000\n1000000, 2000000\n");
    const fromFile = run("--stat", "diversity", "--windows", file);
    expect(values(fromFile)).toEqual(Array.from((await ts.diversity({ sampleSets: pops, windows: [0, 250000, 1e6, 2e6] })).data));

    const node = run("--stat", "diversity", "--mode", "node", "--sample-sets", "all");
    expect(node.length).toBe(ts.numNodes);
    expect(node[7].index).toBe("7");
    expect(values(node)).toEqual(Array.from((await ts.diversity({ sampleSets: [ts.samples()], windows: [0, 2e6], mode: "node" })).data));
  });

  it("matrices, mean descendants and nearest neighbours label their cells", async () => {
    const pops = [0, 1, 2].map((p) => ts.samples({ population: p }));
    const m = run("--stat", "divergenceMatrix");
    expect(m.map((r) => r.sample_sets).slice(0, 4)).toEqual(["pop0,pop0", "pop0,pop1", "pop0,pop2", "pop1,pop0"]);
    expect(values(m)).toEqual(Array.from((await ts.divergenceMatrix({ sampleSets: pops, windows: [0, 2e6] })).data));
    const r = cli(["stat", MEDIUM, "--backend", "native", "--stat", "genealogicalNearestNeighbours", "--windows", "2"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: genealogicalNearestNeighbours is a statistic of the whole genome/);
    const g = parseTsv(r.stdout);
    const want = await ts.genealogicalNearestNeighbours({ focal: ts.samples(), sampleSets: pops });
    expect(values(g)).toEqual(Array.from(want.data));
    expect(g[3]).toMatchObject({ index: String(ts.samples()[1]), sample_sets: "pop0", window_right: "2000000" });
  });

  it("CSV, JSON and NDJSON carry the TSV's values", () => {
    const args = ["--stat", "fst", "--stat", "alleleFrequencySpectrum", "--windows", "2"];
    const tsv = run(...args);
    const csv = cli(["stat", MEDIUM, "--backend", "native", "--quiet", ...args, "--format", "csv"])
      .stdout.trimEnd()
      .split("\n");
    expect(csv[0]).toBe("file,statistic,mode,window_left,window_right,sample_sets,value,index");
    expect(csv[1]).toContain(',"pop0,pop1",');
    expect(csv.length - 1).toBe(tsv.length);
    const json = JSON.parse(cli(["stat", MEDIUM, "--backend", "native", "--quiet", ...args, "--format", "json"]).stdout);
    const ndjson = cli(["stat", MEDIUM, "--backend", "native", "--quiet", ...args, "--format", "ndjson"])
      .stdout.trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const rows of [json, ndjson]) {
      expect(rows.map((x: { value: number }) => x.value)).toEqual(values(tsv));
      expect(rows[0]).toMatchObject({ statistic: "fst", sample_sets: "pop0,pop1", window_left: 0, window_right: 1e6 });
    }
  });

  it("the same rows whatever --jobs, --max-memory and --threads", () => {
    const args = [
      join(tmp, "a.trees"),
      join(tmp, "b.trees"),
      MEDIUM,
      "--stat",
      "diversity",
      "--stat",
      'fst:{"mode":"branch"}',
      "--window-size",
      "100k",
      "--quiet",
      "--backend",
      "native",
    ];
    const base = cli(["stat", ...args]).stdout;
    for (const extra of [
      ["--jobs", "1"],
      ["--jobs", "3", "--max-memory", "2M"],
      ["--threads", "1"],
    ]) {
      const r = cli(["stat", ...args, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(base);
    }
  });
});

describe("treeseq stat over many files", () => {
  it("writes each file's rows once, whole, in the order given, whatever finishes first", () => {
    const dir = join(tmp, "many");
    mkdirSync(dir);
    const files = Array.from({ length: 12 }, (_, i) => {
      const f = join(dir, `f${String(i).padStart(2, "0")}.trees`);
      symlinkSync(i % 2 ? join(ROOT, "test/fixtures/small.trees") : MEDIUM, f);
      return f;
    });
    const out = join(dir, "out.tsv");
    // Large results (a window per site) make writes wait on the disk while other files finish.
    const r = cli([
      "stat",
      ...files,
      "--stat",
      "diversity",
      "--stat",
      'divergence:{"mode":"branch"}',
      "--windows",
      "sites",
      "--jobs",
      "3",
      "--quiet",
      "--out",
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const rows = parseTsv(readFileSync(out, "utf8"));
    const runs: string[] = [];
    for (const row of rows) if (runs.at(-1) !== row.file) runs.push(row.file);
    expect(runs).toEqual(files);
    const perFile = (f: string) => rows.filter((x) => x.file === f).length;
    expect(perFile(files[0])).toBe(8696 * 3 * 2);
    expect(perFile(files[1])).toBe(82 * 3 * 2);
    expect(rows.length).toBe(6 * (8696 + 82) * 3 * 2);
  });
});

describe("treeseq stat as a command", () => {
  it("reports wall time, files, values and peak memory; --quiet is silent", () => {
    const r = cli(["stat", join(REF, "a.trees"), "--stat", "diversity"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /^treeseq stat: 1 file, 1 statistic, 3 values in [\d.]+ s wall; peak memory \d+ MiB; (native|wasm) backend, \d+ threads?\n$/,
    );
  });

  it.each([
    [["stat", MEDIUM, "--stat", "diversity", "--bogus"], /BAD_PARAM: unknown flag --bogus/],
    [["stat", MEDIUM, "--stat", "diversity", "--threads", "two"], /BAD_PARAM: --threads: expected an integer from 1 to 1024, got 'two'/],
    [["stat", MEDIUM, "--stat", "nosuch"], /BAD_PARAM: --stat: unknown statistic 'nosuch'/],
    [["stat", MEDIUM, "--stat", "fst:{mode:1}"], /BAD_PARAM: --stat fst: the options are not valid JSON/],
    [["stat", MEDIUM, "--stat", 'fst:{"mdoe":"branch"}'], /BAD_PARAM: --stat fst:\{"mdoe":"branch"\}: fst: unknown option 'mdoe'/],
    [["stat", MEDIUM, "--stat", 'fst:{"mode":3}'], /BAD_PARAM: --stat fst:\{"mode":3\}: fst: mode is 3, not "site"/],
    [["stat", MEDIUM], /BAD_PARAM: no statistics/],
    [["stat", "--stat", "diversity"], /BAD_PARAM: no files/],
    [["stat", MEDIUM, "--stat", "diversity", "--windows", "4", "--window-size", "1k"], /give --windows or --window-size, not both/],
    [["stat", MEDIUM, "--stat", "diversity", "--window-size", "ten"], /--window-size: expected a positive length/],
    [["stat", MEDIUM, "--stat", "diversity", "--format", "xlsx"], /--format: expected one of tsv, csv, json, ndjson; got 'xlsx'/],
    [["stat", MEDIUM, "--stat", "diversity", "--out", "--quiet"], /--out needs a value/],
    [["stat", MEDIUM, "--stat", "diversity", "--sample-sets", "nope.tsv"], /--sample-sets: 'nope.tsv' is not populations/],
    [["stat", MEDIUM, "--stat", "diversity", "--backend", "gpu"], /--backend: expected one of native, wasm, auto/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("refuses %j with exit status 2, naming the mistake", (args, message) => {
    const r = cli(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^treeseq: BAD_PARAM: /);
    expect(r.stdout).toBe("");
  });

  it("honours TREESEQ_BACKEND and TREESEQ_THREADS, and names a bad value in them", () => {
    const r = cli(["stat", join(REF, "a.trees"), "--stat", "diversity"], { env: { TREESEQ_BACKEND: "wasm", TREESEQ_THREADS: "1" } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wasm backend, 1 thread\n/);
    const bad = cli(["stat", join(REF, "a.trees"), "--stat", "diversity"], { env: { TREESEQ_THREADS: "two" } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^treeseq: BAD_PARAM: TREESEQ_THREADS: expected an integer from 1 to 1024, got 'two'/);
  });

  it("--help, -h and --version exit 0", () => {
    for (const args of [["--help"], ["-h"], ["stat", "--help"], ["stat", "-h"], ["help", "stat"]]) {
      const r = cli(args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/usage: treeseq/);
    }
    const v = cli(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(`treeseq ${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}`);
  });

  it("a statistic a file refuses is reported with its code; the others' rows are still written", () => {
    const r = cli(["stat", MEDIUM, "--stat", "f4", "--stat", "diversity", "--backend", "native"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^treeseq: BAD_SAMPLE_SETS: .*medium\.trees: f4: f4 needs at least 4 sample sets/m);
    expect(parseTsv(r.stdout).map((x) => x.statistic)).toEqual(["diversity", "diversity", "diversity"]);
  });

  it("an --out it cannot write fails before any work, with IO", () => {
    const r = cli(["stat", join(REF, "a.trees"), "--stat", "diversity", "--out", join(tmp, "no/such/dir.tsv")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^treeseq: IO: cannot write .*no\/such\/dir\.tsv: ENOENT\n$/);
  });

  it("stops quietly when the reader closes the pipe", () => {
    const r = spawnSync(
      "bash",
      [
        "-c",
        `set -o pipefail; node ${CLI} stat ${MEDIUM} --stat diversity --windows sites --quiet | head -c 100 >/dev/null; echo "status=\${PIPESTATUS[0]}"`,
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(r.stdout).toMatch(/status=0/);
    expect(r.stderr).toBe("");
  });
});
