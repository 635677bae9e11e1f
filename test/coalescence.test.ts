/**
 * The pair coalescence statistics (pairCoalescenceCounts, pairCoalescenceQuantiles,
 * pairCoalescenceRates) against tskit 1.0.3's answers, recorded by
 * scripts/make_coalescence_fixture.py in test/fixtures/coalescence/*.json.gz
 * (TREESEQ_FIXTURES's coalescence/ from make_fixture.py --toolkit): every case's values to
 * relative 1e-9 and tskit's refusals, on native with 1 and 2 threads and on WebAssembly, with
 * the same bits on all three.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { close, toolkitFixtures } from "./helpers.js";

const FILES = toolkitFixtures("coalescence");
const RUNS = [
  ["native", 1],
  ["native", 2],
  ["wasm", 2],
] as const;

const METHOD: Record<string, "pairCoalescenceCounts" | "pairCoalescenceQuantiles" | "pairCoalescenceRates"> = {
  pair_coalescence_counts: "pairCoalescenceCounts",
  pair_coalescence_quantiles: "pairCoalescenceQuantiles",
  pair_coalescence_rates: "pairCoalescenceRates",
};
const OPTION: Record<string, string> = {
  sample_sets: "sampleSets",
  indexes: "indexes",
  windows: "windows",
  time_windows: "timeWindows",
  span_normalise: "spanNormalise",
  pair_normalise: "pairNormalise",
  quantiles: "quantiles",
};

/** tskit's keyword arguments as treeseq's options, "inf" as Infinity. */
function options(kwargs: Record<string, unknown>): Record<string, unknown> {
  const num = (v: unknown): unknown => (v === "inf" ? Infinity : Array.isArray(v) ? v.map(num) : v);
  return Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [OPTION[k], num(v)]));
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
/** Each answer's bits from the first run, by file and case. */
const first = new Map<string, string>();

describe.each(RUNS)("%s backend, %i threads", (backend, threads) => {
  beforeAll(async () => {
    await init({ backend, threads });
  });

  it.each(FILES)("$name: tskit's values and refusals, the same bits as every run", async ({ name, path, want }) => {
    const ts = await load(path, { backend });
    for (const [i, c] of want.cases.entries()) {
      const where = `${name} case ${i}: ${c.method}(${JSON.stringify(c.kwargs).slice(0, 200)})`;
      const call = () => (ts as any)[METHOD[c.method]](options(c.kwargs));
      if (c.error) {
        const e = await call().then(
          () => null,
          (x: unknown) => x,
        );
        expect(e, `${where}: tskit refuses (${c.error})`).toBeInstanceOf(TreeSeqError);
        continue;
      }
      const r = await call();
      expect(r.shape, where).toEqual(c.shape);
      expect(r.data.length, where).toBe(c.values.length);
      const bad = c.values.findIndex((w: number | null | "inf", j: number) => !close(r.data[j], w));
      expect(bad, `${where}: [${bad}] ${r.data[bad]} vs tskit ${c.values[bad]}`).toBe(-1);
      const key = `${name}/${i}`;
      if (!first.has(key)) first.set(key, bits(r.data));
      expect(bits(r.data), `${where}: bits differ from the first run`).toBe(first.get(key));
    }
    ts.dispose();
  });
});

describe("options", () => {
  beforeAll(async () => {
    await init({ backend: "native", threads: 2 });
  });

  it('take time windows as "nodes" or breakpoints, and refuse what tskit refuses', async () => {
    const { path } = FILES.find((f) => f.name === "small") ?? FILES[0];
    const ts = await load(path);
    const nodes = await ts.pairCoalescenceCounts({ timeWindows: "nodes" });
    expect(nodes.shape).toEqual([ts.numNodes]);
    expect(Array.from((await ts.pairCoalescenceCounts()).data)).toEqual(Array.from(nodes.data));
    // Every pair coalesces once per tree: pair-normalised counts sum to 1.
    const all = await ts.pairCoalescenceCounts({ pairNormalise: true, timeWindows: [0, Infinity] });
    expect(all.shape).toEqual([1]);
    expect(close(all.data[0], 1)).toBe(true);
    const refused = async (p: Promise<unknown>, code: string) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(TreeSeqError);
      expect((e as TreeSeqError).code).toBe(code);
    };
    await refused(ts.pairCoalescenceRates({ timeWindows: "nodes" } as any), "BAD_WINDOWS");
    await refused(ts.pairCoalescenceCounts({ timeWindows: [0, 10, 5] }), "BAD_WINDOWS");
    await refused(ts.pairCoalescenceCounts({ sampleSets: [0, 1, 2] as any }), "BAD_SAMPLE_SETS");
    await refused(
      ts.pairCoalescenceCounts({
        sampleSets: [
          [0, 1],
          [2, 3],
        ],
        indexes: [0, 1],
      }),
      "BAD_PARAM",
    );
    await refused(ts.pairCoalescenceQuantiles({ quantiles: [] }), "BAD_PARAM");
    await refused(ts.pairCoalescenceCounts({ mode: "branch" } as any), "BAD_PARAM");
    ts.dispose();
  });
});
