/**
 * Statistics on both backends, driven by every `stats` case of every fixture: values within
 * 1e-9 of tskit's, tskit's shapes, tskit's refusals; and the same bits at 1 and 2 threads and
 * on both backends.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { BACKENDS, fixtures, close, bundled, TSKIT_TO_METHOD, tskitOptions } from "./helpers.js";

/**
 * The one place where we knowingly differ from tskit: in branch mode, a window in which no tree
 * has an edge has the exact value 0 (or NaN for ratios such as Fst), where tskit reports the
 * rounding left in its running sum (up to ~1e-8, and ratios of two such leftovers). A value is
 * accepted here only if every tree overlapping its window has no edges and ours is exactly 0
 * or NaN.
 */
function edgeFreeWindow(ts: any, kwargs: any, shape: number[], j: number): boolean {
  if (kwargs.mode !== "branch" || kwargs.windows === null || kwargs.windows === undefined) return false;
  const breaks: number[] = kwargs.windows === "trees" ? Array.from(ts.breakpoints()) : kwargs.windows;
  if (!Array.isArray(breaks)) return false;
  const perWindow = shape.slice(1).reduce((a, b) => a * b, 1);
  const w = Math.floor(j / perWindow);
  const [left, right] = [breaks[w], breaks[w + 1]];
  for (const tree of ts.trees()) {
    const { left: l, right: r } = tree.interval;
    if (r > left && l < right && tree.numEdges > 0) return false;
  }
  return true;
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
// results[fixture][case] = base64 bits, from the first configuration that ran it
const reference = new Map<string, string>();

const CONFIGS = BACKENDS.flatMap((backend) => [1, 2].map((threads) => ({ backend, threads })));

describe.each(CONFIGS)("$backend backend, $threads threads", ({ backend, threads }) => {
  beforeAll(async () => {
    await init({ backend, threads });
  });

  describe.each(fixtures())("$name", ({ name, path, expected }) => {
    it("every statistics case matches tskit, with the same bits everywhere", async () => {
      const ts = await load(path);
      expect(ts.backend).toBe(backend);
      let checked = 0;
      for (const [i, c] of expected.stats.entries()) {
        const method = TSKIT_TO_METHOD[c.method];
        expect(method, c.method).toBeDefined();
        const run = (ts as any)[method]({ ...tskitOptions(c.kwargs) });
        const where = `${name} case ${i}: ${c.method} ${JSON.stringify({ ...c.kwargs, sample_sets: undefined, W: undefined })}`;
        if (c.error) {
          const err = await run.then(
            () => null,
            (e: unknown) => e,
          );
          expect(err, where).toBeInstanceOf(TreeSeqError);
          continue;
        }
        const r = await run;
        expect(r.shape, where).toEqual(c.shape);
        expect(r.data.length, where).toBe(c.values.length);
        for (let j = 0; j < c.values.length; j++) {
          if (close(r.data[j], c.values[j])) continue;
          const exact = r.data[j] === 0 || Number.isNaN(r.data[j]);
          if (exact && edgeFreeWindow(ts, c.kwargs, c.shape, j)) continue;
          expect(r.data[j], `${where} value ${j}`).toBe(c.values[j]);
        }
        const key = `${name}/${i}`;
        const b = bits(r.data);
        if (!reference.has(key)) reference.set(key, b);
        else expect(b, `${where}: bits differ from the first configuration`).toBe(reference.get(key));
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
      ts.dispose();
    });
  });
});

describe("statistics arguments", () => {
  it("refuses unknown options and bad sample sets with codes", async () => {
    await init({ threads: 2 });
    const ts = await load(fixtures()[0].path);
    await expect(ts.diversity({ sampleSet: [0, 1] } as any)).rejects.toMatchObject({ code: "BAD_PARAM" });
    await expect(ts.diversity({ sampleSets: [[0, 10_000_000]] })).rejects.toBeInstanceOf(TreeSeqError);
    await expect(ts.diversity({ windows: [0.5, 0.2] })).rejects.toMatchObject({ code: "BAD_WINDOWS" });
    ts.dispose();
  });

  it("takes ids, windows and weights as typed or plain arrays alike, and names bad elements", async () => {
    for (const backend of BACKENDS) {
      await init({ backend, threads: 2 });
      const ts = await load(bundled("medium"), { backend });
      const s = ts.samples();
      const half = s.length >> 1;
      const [a, b] = [s.subarray(0, half), s.subarray(half)];
      const windows = [0, ts.sequenceLength / 3, ts.sequenceLength];
      const typed = await ts.divergence({ sampleSets: [a, b], windows: Float64Array.from(windows), mode: "branch" });
      const plainArgs = await ts.divergence({ sampleSets: [Array.from(a), Array.from(b)], windows, mode: "branch" });
      const uint = await ts.divergence({ sampleSets: [Uint32Array.from(a), Array.from(b)], windows, mode: "branch" });
      expect(bits(typed.data), backend).toBe(bits(plainArgs.data));
      expect(bits(uint.data), backend).toBe(bits(plainArgs.data));

      const rows = Array.from(s, (_, i) => [i % 3, 1]);
      const byRows = await ts.traitCovariance({ weights: rows, mode: "site" });
      const byData = await ts.traitCovariance({ weights: { data: Float64Array.from(rows.flat()), shape: [s.length, 2] }, mode: "site" });
      expect(bits(byRows.data), backend).toBe(bits(byData.data));

      // Infinity cannot be written in JSON; as a typed array it needs no spelling.
      const open = await ts.diversity({ sampleSets: [a], mode: "branch", timeWindows: [0, 100, Infinity] });
      const spelled = await ts.diversity({ sampleSets: [a], mode: "branch", timeWindows: [0, 100, "inf"] as any });
      expect(bits(open.data), backend).toBe(bits(spelled.data));

      await expect(ts.diversity({ sampleSets: [[s[0], 1.5]] })).rejects.toMatchObject({
        code: "BAD_SAMPLE_SETS",
        message: expect.stringContaining("sample_sets[0][1]"),
      });
      await expect(ts.diversity({ sampleSets: [[s[0], 2 ** 40]] })).rejects.toMatchObject({
        code: "BAD_SAMPLE_SETS",
        message: expect.stringContaining("out of bounds"),
      });
      await expect(ts.diversity({ sampleSets: [Int32Array.from([s[0], -1])] })).rejects.toMatchObject({
        code: "BAD_SAMPLE_SETS",
        message: expect.stringContaining("sample_sets[0][1]"),
      });
      await expect(ts.diversity({ windows: Float64Array.from([0, NaN]) })).rejects.toMatchObject({ code: "BAD_WINDOWS" });
      ts.dispose();
    }
  });

  it("does not block the event loop while computing", async () => {
    await init({ threads: 2 });
    for (const backend of BACKENDS) {
      const ts = await load(bundled("medium"), { backend });
      const sets = Array.from({ length: 30 }, (_, k) => ts.samples().filter((_, j) => j % 30 === k));
      const indexes = sets.flatMap((_, a) => sets.map((_, b) => [a, b])).filter(([a, b]) => a < b);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      const t0 = performance.now();
      await ts.divergence({ sampleSets: sets, indexes, mode: "branch", windows: "trees" });
      const elapsed = performance.now() - t0;
      clearInterval(timer);
      // One long computation: had it blocked the event loop, the 2 ms timer could not have
      // fired during it (at most once, after it).
      expect(elapsed, backend).toBeGreaterThan(40);
      expect(ticks, `${backend}: ${ticks} ticks in ${elapsed.toFixed(0)} ms`).toBeGreaterThan(elapsed / 2 / 5);
      ts.dispose();
    }
  });
});
