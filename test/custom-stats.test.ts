/**
 * traitLinearModel, generalStat / sampleCountStat (a JavaScript summary function) and
 * kcDistance against tskit's answers, recorded by scripts/make_custom_fixture.py in
 * test/fixtures/custom/*.json.gz (TREESEQ_FIXTURES's custom/ from make_fixture.py --toolkit):
 * every case on native with 1 and 2 threads and on WebAssembly, the same bits on the three,
 * tskit's values to relative 1e-9, and tskit's refusals as TreeSeqError.
 */
import { describe, it, expect } from "vitest";
import { init, load, TreeSeqError, type TreeSequence } from "../dist/index.js";
import { close, toolkitFixtures } from "./helpers.js";

const METHODS = new Set(["traitLinearModel", "generalStat", "sampleCountStat", "kcDistance"]);
const FILES = toolkitFixtures("custom").map(({ name, path, want }) => ({
  name,
  path,
  want: { ...want, cases: want.cases.filter((c: any) => METHODS.has(c.method)) },
}));
const CONFIGS = [
  { backend: "native", threads: 1 },
  { backend: "native", threads: 2 },
  { backend: "wasm", threads: 2 },
] as const;

/** The case's options with the file's recorded inputs put in ("$W", "$Z", "$sets", "$f"). */
function options(c: any, want: any, others: Map<string, TreeSequence>, self: TreeSequence): any {
  const o: any = {};
  for (const [k, v] of Object.entries(c.options)) {
    if (v === "$W") o[k] = want.W;
    else if (v === "$Z") o[k] = want.Z;
    else if (v === "$sets") o[k] = want.sets;
    else if (v === "$f") o[k] = new Function(`return ${c.fjs}`)();
    else o[k] = v;
  }
  if (c.method === "kcDistance") o.other = o.other === "self" ? self : others.get(o.other);
  return o;
}

type Outcome = { data: Float64Array; shape: number[] } | { error: unknown };

async function runAll(want: any, path: string, backend: "native" | "wasm", threads: number): Promise<Outcome[]> {
  await init({ backend, threads });
  const ts = await load(path, { backend });
  const others = new Map<string, TreeSequence>();
  for (const [name, b64] of Object.entries(want.others as Record<string, string>)) {
    others.set(name, await load(Buffer.from(b64, "base64"), { backend }));
  }
  const out: Outcome[] = [];
  for (const c of want.cases) {
    try {
      const r = await (ts as any)[c.method](options(c, want, others, ts));
      out.push({ data: r.data, shape: r.shape });
    } catch (e) {
      out.push({ error: e });
    }
  }
  for (const o of others.values()) o.dispose();
  ts.dispose();
  return out;
}

describe.each(FILES)("$name", ({ path, want }) => {
  it("matches tskit on native (1 and 2 threads) and WebAssembly, with the same bits", async () => {
    const runs: Outcome[][] = [];
    for (const { backend, threads } of CONFIGS) runs.push(await runAll(want, path, backend, threads));
    want.cases.forEach((c: any, i: number) => {
      const what = `${c.method} ${c.fname ?? ""} ${JSON.stringify(c.options, (k, v) => (k === "data" ? undefined : v))}`;
      for (const [r, run] of runs.entries()) {
        const got = run[i];
        const where = `${what} on ${CONFIGS[r].backend} ${CONFIGS[r].threads}`;
        if ("error" in c) {
          expect("error" in got, `${where}: tskit raised ${c.error}`).toBe(true);
          expect((got as any).error, where).toBeInstanceOf(TreeSeqError);
          continue;
        }
        if ("error" in got) throw new Error(`${where}: ${got.error}`);
        expect(got.shape, where).toEqual(c.result.shape);
        const bad = c.result.data.findIndex((x: any, j: number) => !close(got.data[j], x));
        expect(bad, `${where}: [${bad}] ${got.data[bad]} vs ${c.result.data[bad]}`).toBe(-1);
        if (r > 0) {
          const first = runs[0][i] as { data: Float64Array };
          expect(
            Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(
              Buffer.from(first.data.buffer, first.data.byteOffset, first.data.byteLength),
            ),
            `${where}: bits differ from native 1 thread`,
          ).toBe(true);
        }
      }
    });
  }, 120_000);
});

describe("generalStat's summary function", () => {
  it("sees x with one entry per weight column, and may not return the wrong length", async () => {
    await init({ backend: "native", threads: 2 });
    const { path, want } = FILES[0];
    const ts = await load(path);
    const lengths = new Set<number>();
    const f = (x: Float64Array) => {
      lengths.add(x.length);
      return [x[0] * 0];
    };
    await ts.generalStat({ weights: want.W, f, outputDim: 1, mode: "branch" });
    expect([...lengths]).toEqual([want.W.shape[1]]);
    await expect(ts.generalStat({ weights: want.W, f: () => [0, 0], outputDim: 1 })).rejects.toThrow(TreeSeqError);
    await expect(ts.generalStat({ weights: want.W, f: 3 as never, outputDim: 1 })).rejects.toThrow(TreeSeqError);
    await expect(ts.kcDistance({ other: 3 as never })).rejects.toThrow(TreeSeqError);
    ts.dispose();
  });

  it("in site mode, over windows that leave sites out, gives diversity's values on both backends", async () => {
    // Windows need not cover the genome here (beyond tskit): the summing run must count
    // only the sites inside them. f is diversity's summary, so diversity is the answer.
    const { path } = FILES.find((f) => f.name === "multiallelic") ?? FILES[0];
    for (const backend of ["native", "wasm"] as const) {
      await init({ backend, threads: 2 });
      const ts = await load(path, { backend });
      const samples = ts.samples();
      const half = samples.length >> 1;
      const sets = [samples.subarray(0, half), samples.subarray(half)];
      const L = ts.sequenceLength;
      const windows = [0.1 * L, 0.3 * L, 0.35 * L, 0.8 * L];
      const div = await ts.diversity({ sampleSets: sets, windows, mode: "site" });
      const sizes = sets.map((s) => s.length);
      let calls = 0;
      const got = await ts.sampleCountStat({
        sampleSets: sets,
        f: (x: Float64Array) => {
          calls++;
          return sizes.map((n, j) => (x[j] * (n - x[j])) / (n * (n - 1)));
        },
        outputDim: 2,
        windows,
        mode: "site",
      });
      expect(got.shape, backend).toEqual(div.shape);
      expect(calls, backend).toBeGreaterThan(2);
      for (let i = 0; i < div.data.length; i++) {
        expect(Math.abs(got.data[i] - div.data[i]), `${backend} [${i}]`).toBeLessThanOrEqual(1e-12 * Math.abs(div.data[i]) + 1e-15);
      }
      expect(
        div.data.some((v) => v > 0),
        backend,
      ).toBe(true);
      ts.dispose();
    }
  });
});
