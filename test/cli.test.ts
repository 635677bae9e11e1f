/**
 * The command line (dist/cli.js): its output is the API's numbers, with the sets, pairs and
 * windows it built; bad arguments end with status 1 and `treeseq: CODE: message`, never a
 * stack trace.
 */
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as api from "../dist/index.js";
import { firstThreePopulations } from "./helpers.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const MEDIUM = join(ROOT, "test/fixtures/medium.trees");

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), ...args], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("command line", () => {
  it("stat with --sample-sets populations, --pairs all and --num-windows gives the API's bits", async () => {
    const r = cli("stat", "fst", MEDIUM, "--sample-sets", "populations", "--pairs", "all",
      "--num-windows", "4", "--options", '{"mode":"branch"}', "--backend", "native");
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sampleSets).toEqual([
      { population: 0, name: "pop0", size: 120 },
      { population: 1, name: "pop1", size: 120 },
      { population: 2, name: "pop2", size: 120 },
    ]);
    expect(out.indexes).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(out.windows).toEqual([0, 500000, 1000000, 1500000, 2000000]);
    expect(out.shape).toEqual([4, 3]);

    await api.init({ backend: "native" });
    const ts = await api.load(MEDIUM);
    const sets = firstThreePopulations(ts);
    const want = await ts.fst({ sampleSets: sets, indexes: out.indexes, windows: out.windows, mode: "branch" });
    expect(out.data).toEqual(Array.from(want.data));
    ts.dispose();
  });

  it("summary prints the file's counts from each backend", () => {
    const r = cli("summary", MEDIUM, "--backend", "both");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/backend native/);
    expect(r.stdout).toMatch(/backend wasm/);
    expect(r.stdout).toMatch(/trees\s+6719/);
  });

  it.each([
    [["stat", "diversity", MEDIUM, "--sample-sets", "pops"], /BAD_PARAM: --sample-sets: expected "populations"/],
    [["stat", "fst", MEDIUM, "--pairs", "all"], /BAD_PARAM: --pairs all needs at least two sample sets/],
    [["stat", "diversity", MEDIUM, "--num-windows", "0"], /BAD_PARAM: --num-windows: expected a positive integer/],
    [["stat", "diversity", MEDIUM, "--num-windows", "3", "--options", '{"windows":[0,2000000]}'], /BAD_PARAM: give windows either/],
    [["stat", "diversity", MEDIUM, "--options", "{mode: site}"], /BAD_PARAM: --options is not valid JSON/],
    [["stat", "diversity", MEDIUM, "--options", '{"mode":"sideways"}'], /BAD_PARAM: .*sideways/],
    [["stat", "nosuchstat", MEDIUM], /BAD_PARAM: unknown statistic 'nosuchstat'/],
    [["stat", "diversity", join(ROOT, "test/fixtures/nope.trees")], /^treeseq: IO: /],
  ])("refuses %j with a coded message", (args, message) => {
    const r = cli(...(args as string[]));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
