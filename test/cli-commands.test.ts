/**
 * The command line's summary, validate, vcf and newick (dist/cli.js), run as a user would:
 * what they print equals the library's own answers for the same file and options (counts,
 * load errors, ts.asVcf, tree.asNewick); mistakes in the call exit 2 naming the flag; a reader
 * that closes the pipe early ends the command without a stack trace.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../dist/index.js";
import { badFixtures, bundled, fixtures } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist/cli.js");
const SMALL = join(ROOT, "examples/small.trees");
const MEDIUM = bundled("medium");
/** No individuals: the VCF's samples are sample nodes grouped by --ploidy. */
const NO_INDIVIDUALS = join(ROOT, "test/fixtures/genotypes/noind.trees");
/** A tree with two roots. */
const TWO_ROOTS = join(ROOT, "test/fixtures/rows/edge_cases.trees");
const NO_STACK = /\n\s+at /;
/** tskit: a copy of argv[1] without its individuals, to argv[2]. */
const WITHOUT_INDIVIDUALS = `
import sys, numpy as np, tskit
t = tskit.load(sys.argv[1]).dump_tables()
n = t.nodes
t.nodes.set_columns(flags=n.flags, time=n.time, population=n.population, metadata=n.metadata,
    metadata_offset=n.metadata_offset, individual=np.full(n.num_rows, -1, dtype=np.int32))
t.individuals.clear()
t.tree_sequence().dump(sys.argv[2])
`;

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 1 << 28,
    env: { ...process.env, TREESEQ_THREADS: "2", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function withFile<T>(path: string, f: (ts: api.TreeSequence) => T | Promise<T>): Promise<T> {
  const ts = await api.load(path);
  try {
    return await f(ts);
  } finally {
    ts.dispose();
  }
}

beforeAll(async () => {
  await api.init({ backend: "native", threads: 2 });
});

describe("treeseq summary", () => {
  const files = fixtures().map((f) => f.path);

  it("--format json gives each file's counts as the library reads them", async () => {
    const r = cli(["summary", "--format", "json", ...files]);
    expect(r.status, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: any) => x.file)).toEqual(files);
    for (const row of rows) {
      await withFile(row.file, (ts) => {
        expect(row).toMatchObject({
          backend: "native",
          sequence_length: ts.sequenceLength,
          trees: ts.numTrees,
          samples: ts.numSamples,
          nodes: ts.numNodes,
          edges: ts.numEdges,
          sites: ts.numSites,
          mutations: ts.numMutations,
          individuals: ts.numIndividuals,
          populations: ts.numPopulations,
          migrations: ts.numMigrations,
          provenances: ts.numProvenances,
          time_units: ts.timeUnits,
          file_bytes: statSync(row.file).size,
          population_names: Array.from(ts.populations(), (p) => (p.metadata as { name?: string } | null)?.name ?? ""),
        });
        expect(row.load_ms).toBeGreaterThan(0);
      });
    }
  });

  it("--format tsv has a header and one row per file, the same values as json", () => {
    const json = JSON.parse(cli(["summary", "-f", "json", ...files]).stdout);
    const r = cli(["summary", "--format", "tsv", ...files]);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...lines] = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(lines.length).toBe(files.length);
    lines.forEach((cells, i) => {
      const row = Object.fromEntries(header.map((h, j) => [h, cells[j]]));
      for (const [k, v] of Object.entries(json[i])) {
        if (k === "load_ms") continue; // timed again
        expect(row[k], k).toBe(Array.isArray(v) ? v.join(",") : String(v));
      }
    });
  });

  it("text (the default) prints each count beside its name, population names included", async () => {
    const r = cli(["summary", SMALL, MEDIUM]);
    expect(r.status, r.stderr).toBe(0);
    const blocks = r.stdout.split("\n\n");
    expect(blocks.length).toBe(2);
    for (const [i, path] of [SMALL, MEDIUM].entries()) {
      await withFile(path, (ts) => {
        const b = i < blocks.length - 1 ? `${blocks[i]}\n` : blocks[i];
        expect(b.startsWith(`${path}\n`)).toBe(true);
        const names = Array.from(ts.populations(), (p) => (p.metadata as { name: string }).name).join(", ");
        for (const [label, value] of [
          ["sequence length", ts.sequenceLength],
          ["trees", ts.numTrees],
          ["samples", ts.numSamples],
          ["nodes", ts.numNodes],
          ["edges", ts.numEdges],
          ["sites", ts.numSites],
          ["mutations", ts.numMutations],
          ["individuals", ts.numIndividuals],
          ["populations", `${ts.numPopulations} (${names})`],
          ["migrations", ts.numMigrations],
          ["provenances", ts.numProvenances],
          ["time units", ts.timeUnits],
          ["file size", `${statSync(path).size} bytes`],
          ["backend", "native, 2 threads"],
        ] as const) {
          expect(b).toContain(`\n  ${label.padEnd(16)} ${value}\n`);
        }
        expect(b).toMatch(/\n {2}load time {8}\d+\.\d ms\n/);
      });
    }
  });

  it("honours TREESEQ_BACKEND=wasm and --backend wasm, and says so", () => {
    for (const r of [cli(["summary", SMALL], { TREESEQ_BACKEND: "wasm" }), cli(["summary", SMALL, "--backend", "wasm"])]) {
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\n {2}backend {10}wasm, 2 threads\n/);
    }
    const r = cli(["summary", "-f", "json", SMALL], { TREESEQ_BACKEND: "wasm" });
    expect(JSON.parse(r.stdout)[0].backend).toBe("wasm");
  });

  it("reports a file that does not load and still summarises the others (exit 1)", () => {
    const bad = join(ROOT, "test/fixtures/bad/empty.trees");
    const r = cli(["summary", "-f", "tsv", SMALL, bad, MEDIUM]);
    expect(r.status).toBe(1);
    expect(
      r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t")[0]),
    ).toEqual(["file", SMALL, MEDIUM]);
    expect(r.stderr).toMatch(new RegExp(`^treeseq: END_OF_FILE: ${bad}: `));
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it("reports a population whose metadata does not decode, and still gives the counts (exit 1)", async () => {
    const bad = join(ROOT, "test/fixtures/metadata/bad.trees");
    const r = cli(["summary", "-f", "json", bad]);
    expect(r.status).toBe(1);
    await withFile(bad, (ts) => {
      const names = Array.from({ length: ts.numPopulations }, (_, i) => {
        try {
          return (ts.decodeRowMetadata("populations", i) as { name?: string }).name ?? "";
        } catch {
          return "";
        }
      });
      expect(JSON.parse(r.stdout)[0]).toMatchObject({ nodes: ts.numNodes, populations: ts.numPopulations, population_names: names });
    });
    expect(r.stderr).toMatch(new RegExp(`^treeseq: BAD_METADATA: ${bad}: populations row 1: `));
  });

  it("writes to --out", () => {
    const dir = mkdtempSync(join(tmpdir(), "treeseq-cli-"));
    try {
      const out = join(dir, "summary.tsv");
      const r = cli(["summary", "-f", "tsv", SMALL, "--out", out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(readFileSync(out, "utf8").split("\n")[1].split("\t")[0]).toBe(SMALL);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("treeseq validate", () => {
  const bad = badFixtures().filter((f) => {
    try {
      return statSync(f.path).isFile();
    } catch {
      return false;
    }
  });

  it("lists every file that fails with its code (as load reports it) and every good one as ok; exit 1", async () => {
    const paths = [...bad.map((f) => f.path), SMALL];
    const r = cli(["validate", ...paths]);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(NO_STACK);
    const errors = r.stderr.trimEnd().split("\n");
    const oks = r.stdout.trimEnd().split("\n");
    let failing = 0;
    for (const path of paths) {
      const err = await api.load(path).then(
        (ts) => {
          ts.dispose();
          return null;
        },
        (e) => e as api.TreeSeqError,
      );
      if (err === null) {
        expect(oks, path).toContain(`ok ${path}`);
        expect(r.stderr).not.toContain(path);
      } else {
        failing++;
        expect(errors, path).toContain(`treeseq: ${err.code}: ${path}: ${err.message}`);
        expect(r.stdout).not.toContain(path);
      }
    }
    expect(failing).toBeGreaterThan(20); // the bad fixtures are mostly refused
    expect(errors.length).toBe(failing);
    expect(oks.length).toBe(paths.length - failing);
  });

  it("--quiet prints only the failures; good files only: exit 0", () => {
    const q = cli(["validate", "--quiet", SMALL, join(ROOT, "test/fixtures/bad/random.trees")]);
    expect(q.status).toBe(1);
    expect(q.stdout).toBe("");
    expect(q.stderr).toMatch(/^treeseq: FILE_FORMAT: .*random\.trees: /);
    const good = cli(["validate", SMALL, MEDIUM]);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toBe(`ok ${SMALL}\nok ${MEDIUM}\n`);
    expect(cli(["validate", "-q", SMALL]).stdout).toBe("");
  });

  it("--metadata lists the rows whose metadata tskit cannot decode, with the library's messages", async () => {
    // tskit's answers for every row of each bundled metadata file (scripts/make_metadata_fixture.py).
    const dir = join(ROOT, "test/fixtures/metadata");
    const answers = readdirSync(dir)
      .filter((f) => f.endsWith(".json.gz"))
      .sort()
      .map((f) => JSON.parse(gunzipSync(readFileSync(join(dir, f))).toString("utf8")));
    const paths = answers.map((a) => join(ROOT, "test/fixtures", a.file));
    const r = cli(["validate", "--metadata", ...paths]);
    expect(r.status).toBe(1);
    const lines: string[] = [];
    const oks: string[] = [];
    for (const [k, expected] of answers.entries()) {
      const path = paths[k];
      const name = expected.file;
      let refused = 0;
      await withFile(path, (ts) => {
        for (const [table, { rows }] of Object.entries<any>(expected.tables)) {
          rows.forEach((row: any, i: number) => {
            if ("value" in row) return; // tskit decodes it
            refused++;
            const err = (() => {
              try {
                ts.decodeRowMetadata(table as any, i);
              } catch (e) {
                return e as api.TreeSeqError;
              }
              throw new Error(`${name} ${table} row ${i} decoded`);
            })();
            lines.push(`treeseq: ${err.code}: ${path}: ${err.message}`);
          });
        }
      });
      if (refused === 0) oks.push(`ok ${path}`);
    }
    expect(lines.length).toBeGreaterThan(3);
    expect(r.stderr.trimEnd().split("\n")).toEqual(lines);
    expect(r.stdout.trimEnd().split("\n")).toEqual(oks);
    // Without --metadata those files load, so they pass.
    expect(cli(["validate", ...paths]).status).toBe(0);
  });

  it("reports a missing file as IO and goes on", () => {
    const missing = join(ROOT, "test/fixtures/no-such-file.trees");
    const r = cli(["validate", missing, SMALL]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^treeseq: IO: ${missing}: `));
    expect(r.stdout).toBe(`ok ${SMALL}\n`);
  });
});

describe("treeseq vcf", () => {
  it("writes ts.asVcf's text for every fixture", async () => {
    for (const { path } of fixtures()) {
      const r = cli(["vcf", path]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(await withFile(path, (ts) => ts.asVcf()));
    }
  });

  it("passes each option on: the text equals asVcf with the same options", async () => {
    const left = 5000;
    const right = 15000;
    await withFile(SMALL, async (ts) => {
      const position = ts.tables.sites.position;
      const siteMask = Array.from(position, (x, s) => x < left || x >= right || s === 40);
      const cases: Array<[string[], api.VcfOptions]> = [
        [
          ["--individuals", "3,0-2,7", "--individual-names", "a,b,c,d,e"],
          { individuals: [3, 0, 1, 2, 7], individualNames: ["a", "b", "c", "d", "e"] },
        ],
        [["--contig-id", "chr7", "--position-transform", "legacy"], { contigId: "chr7", positionTransform: "legacy" }],
        [["--position-transform", "round"], {}],
        [["--left", String(left), "--right", String(right), "--site-mask", "40"], { siteMask }],
        [["--sample-mask", "0,5,23"], { sampleMask: Array.from({ length: 24 }, (_, j) => [0, 5, 23].includes(j)) }],
        [
          ["--no-isolated-as-missing", "--allow-position-zero", "--include-non-sample-nodes"],
          { isolatedAsMissing: false, allowPositionZero: true, includeNonSampleNodes: true },
        ],
      ];
      for (const [flags, options] of cases) {
        const r = cli(["vcf", SMALL, ...flags]);
        expect(r.status, `${flags}: ${r.stderr}`).toBe(0);
        expect(r.stdout, flags.join(" ")).toBe(ts.asVcf(options));
      }
    });
    // gaps_isolated's isolated samples belong to no individual, so no VCF of it shows them:
    // tskit writes a copy without individuals, whose VCF has every sample node.
    const dir = mkdtempSync(join(tmpdir(), "treeseq-cli-"));
    try {
      const gaps = join(dir, "gaps_no_individuals.trees");
      const made = spawnSync("python3", ["-c", WITHOUT_INDIVIDUALS, bundled("gaps_isolated"), gaps], { encoding: "utf8" });
      expect(made.status, made.stderr).toBe(0);
      await withFile(gaps, (ts) => {
        const r = cli(["vcf", gaps, "--no-isolated-as-missing"]);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toBe(ts.asVcf({ isolatedAsMissing: false }));
        expect(r.stdout).not.toBe(ts.asVcf()); // the option changes something in this file
        expect(cli(["vcf", gaps]).stdout).toBe(ts.asVcf());
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await withFile(NO_INDIVIDUALS, (ts) => {
      const r = cli(["vcf", NO_INDIVIDUALS, "--ploidy", "3"]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(ts.asVcf({ ploidy: 3 }));
    });
  });

  it("streams to --out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "treeseq-cli-"));
    try {
      const out = join(dir, "medium.vcf");
      const r = cli(["vcf", MEDIUM, "-o", out]);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(out, "utf8")).toBe(await withFile(MEDIUM, (ts) => ts.asVcf()));
      const nowhere = join(dir, "no-such-dir", "x.vcf");
      const bad = cli(["vcf", SMALL, "--out", nowhere]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(new RegExp(`^treeseq: IO: cannot write ${nowhere}: `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses what writeVcf refuses (exit 1, its code), and bad flag values (exit 2, the flag named)", () => {
    const ploidy = cli(["vcf", SMALL, "--ploidy", "2"]);
    expect(ploidy.status).toBe(1);
    expect(ploidy.stderr).toMatch(new RegExp(`^treeseq: BAD_PARAM: ${SMALL}: writeVcf: Cannot specify ploidy`));
    expect(ploidy.stdout).toBe("");
    const mask = cli(["vcf", SMALL, "--sample-mask", "24"]);
    expect(mask.status).toBe(1);
    expect(mask.stderr).toMatch(/BAD_PARAM: .*--sample-mask: sample 24 is out of range/);
    for (const [args, flag] of [
      [["--individuals", "1,x"], "--individuals"],
      [["--ploidy", "0"], "--ploidy"],
      [["--left", "ten"], "--left"],
      [["--site-mask", "0-9999999999"], "--site-mask"],
      [["--site-mask", "0-1999999999"], "--site-mask"],
      [["--sample-mask", "5-3"], "--sample-mask"],
      [["--position-transform", "floor"], "--position-transform"],
      [["--left", "9", "--right", "3"], "--left"],
    ] as const) {
      const r = cli(["vcf", SMALL, ...args]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^treeseq: BAD_PARAM: ${flag}`));
    }
    const two = cli(["vcf", SMALL, MEDIUM]);
    expect(two.status).toBe(2);
    expect(two.stderr).toMatch(/vcf takes one FILE/);
  });
});

describe("treeseq newick", () => {
  it("writes every tree's asNewick, one per line, for every fixture", async () => {
    for (const { path } of fixtures()) {
      const want: string[] = [];
      const problems: number[] = [];
      await withFile(path, (ts) => {
        for (const t of ts.trees()) {
          try {
            want.push(t.asNewick());
          } catch {
            problems.push(t.index); // several roots: no Newick text, in tskit either
          }
        }
      });
      const r = cli(["newick", path]);
      expect(r.stdout, path).toBe(want.map((l) => `${l}\n`).join(""));
      expect(r.status, path).toBe(problems.length > 0 ? 1 : 0);
      for (const i of problems) expect(r.stderr).toContain(`treeseq: BAD_PARAM: ${path}: tree ${i}: the tree has `);
    }
  });

  it("--index, --position, --precision, --node-labels, --no-branch-lengths, --intervals and --root equal asNewick's options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "treeseq-cli-"));
    try {
      const labelsFile = join(dir, "labels.tsv");
      writeFileSync(labelsFile, "# node label\n0\tfirst\n5 fifth one\n\n");
      await withFile(SMALL, (ts) => {
        const third = ts.atIndex(3);
        const ids = new Map(Array.from({ length: ts.numNodes }, (_, u) => [u, String(u)]));
        const cases: Array<[string[], string]> = [
          [["--index", "3", "--precision", "4"], third.asNewick({ precision: 4 })],
          [
            ["--index", "3", "--node-labels", "ids", "--no-branch-lengths"],
            third.asNewick({ nodeLabels: ids, includeBranchLengths: false }),
          ],
          [["--index", "3", "--node-labels", "none"], third.asNewick({ nodeLabels: {} })],
          [["--index", "3", "--node-labels", labelsFile], third.asNewick({ nodeLabels: { 0: "first", 5: "fifth one" } })],
          [["--index", "3", "--root", "30"], third.asNewick({ root: 30 })],
          [["--index", "3", "--intervals"], `${third.interval.left}\t${third.interval.right}\t${third.asNewick()}`],
        ];
        const at = ts.at(12345.5);
        cases.push([["--position", "12345.5"], at.asNewick()]);
        for (const [flags, want] of cases) {
          const r = cli(["newick", SMALL, ...flags]);
          expect(r.status, `${flags}: ${r.stderr}`).toBe(0);
          expect(r.stdout, flags.join(" ")).toBe(`${want}\n`);
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a tree with several roots, writes the others (exit 1), and --root writes it", async () => {
    const r = cli(["newick", TWO_ROOTS]);
    expect(r.status).toBe(1);
    const want = await withFile(TWO_ROOTS, (ts) => {
      const lines: string[] = [];
      for (const t of ts.trees()) if (t.roots.length === 1) lines.push(`${t.asNewick()}\n`);
      return lines.join("");
    });
    expect(want).not.toBe("");
    expect(r.stdout).toBe(want);
    expect(r.stderr).toMatch(/BAD_PARAM: .*edge_cases\.trees: tree 1: the tree has 2 roots .*--root NODE/);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it("refuses bad calls: two ways to pick a tree, an index out of range, a bad labels file", () => {
    const both = cli(["newick", SMALL, "--index", "1", "--all"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--index and --all/);
    const far = cli(["newick", SMALL, "--index", "61"]);
    expect(far.status).toBe(1);
    expect(far.stderr).toMatch(/^treeseq: BAD_PARAM: .*small\.trees: atIndex: tree index 61 is out of range/);
    const labels = cli(["newick", SMALL, "--node-labels", join(ROOT, "package.json")]);
    expect(labels.status).toBe(2);
    expect(labels.stderr).toMatch(/^treeseq: BAD_PARAM: --node-labels: .*package\.json line 1/);
  });
});

describe("progress of summary and validate", () => {
  it.each(["summary", "validate"])("%s --progress json: a start, each file started and done (ok or not), a finish", (command) => {
    const bad = join(ROOT, "test/fixtures/bad/random.trees");
    const r = cli([command, SMALL, bad, MEDIUM, "--progress", "json"]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("treeseq: "))).toEqual([expect.stringMatching(new RegExp(`^treeseq: FILE_FORMAT: ${bad}: `))]);
    const events = lines.filter((l) => !l.startsWith("treeseq: ")).map((l) => JSON.parse(l));
    expect(events.map((e) => [e.event, e.file, e.ok])).toEqual([
      ["start", undefined, undefined],
      ["file_started", SMALL, undefined],
      ["file_done", SMALL, true],
      ["file_started", bad, undefined],
      ["file_done", bad, false],
      ["file_started", MEDIUM, undefined],
      ["file_done", MEDIUM, true],
      ["finish", undefined, undefined],
    ]);
    expect(events[0]).toMatchObject({ files_total: 3, bytes_total: statSync(SMALL).size + statSync(bad).size + statSync(MEDIUM).size });
    expect(events.at(-1)).toMatchObject({ files_done: 3, files_failed: 1, fraction: 1 });
  });
});

describe("the command line's calls", () => {
  it("--help and -h exit 0, for the whole and for each command; --version exits 0", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    for (const args of [["--help"], ["-h"]]) {
      const r = cli(args);
      expect(r.status, args.join(" ")).toBe(0);
      for (const c of ["summary", "validate", "vcf", "newick"]) expect(r.stdout).toMatch(new RegExp(`\\n  ${c} +\\S`));
    }
    const helpVcf = cli(["help", "vcf"]);
    expect(helpVcf.status).toBe(0);
    expect(helpVcf.stdout).toMatch(/^usage: treeseq vcf /);
    for (const c of ["summary", "validate", "vcf", "newick"]) {
      for (const h of ["--help", "-h"]) {
        const r = cli([c, h]);
        expect(r.status, `${c} ${h}`).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`^usage: treeseq ${c} `));
        expect(r.stdout).toContain("--backend");
      }
    }
    const v = cli(["--version"]);
    expect(v.status).toBe(0);
    expect(v.stdout).toBe(`treeseq ${pkg.version}\n`);
  });

  it.each(["summary", "validate", "vcf", "newick"])("%s: an unknown flag and --threads two exit 2 naming the flag", (c) => {
    const unknown = cli([c, SMALL, "--frobnicate"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^treeseq: BAD_PARAM: unknown flag --frobnicate\n/);
    const threads = cli([c, SMALL, "--threads", "two"]);
    expect(threads.status).toBe(2);
    expect(threads.stderr).toMatch(/^treeseq: BAD_PARAM: --threads: .*'two'/);
    const none = cli([c]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/needs/);
  });

  it.each([
    ["vcf", MEDIUM],
    ["newick", MEDIUM],
    ["summary", [SMALL, SMALL, SMALL, SMALL].join(" ")],
  ])("%s piped into a reader that stops early ends without a stack trace", (command, files) => {
    // The reader takes 100 bytes and goes; the shell reports the writer's exit status.
    const r = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" "${CLI}" ${command} ${files} | head -c 100 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`],
      {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, TREESEQ_THREADS: "2" },
      },
    );
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.stderr).toMatch(/status=0\n$/);
  });
});
