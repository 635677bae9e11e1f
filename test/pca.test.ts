/**
 * geneticRelatednessVector and pca against tskit 1.0.3 (test/fixtures/pca, made by
 * scripts/make_pca_fixture.py; TREESEQ_FIXTURES's pca/ from make_fixture.py --toolkit), on
 * native at 1 and 2 threads and on WebAssembly, with the same bits on all three: the
 * relatedness vector to tskit's values (relative 1e-9), pca given tskit's seed to its
 * eigenvalues and error bound (relative 1e-6) and its factors up to sign, and tskit's
 * refusals as TreeSeqErrors.
 */
import { describe, it, expect } from "vitest";
import { init, load, TreeSeqError } from "../dist/index.js";
import { close, toolkitFixtures } from "./helpers.js";

const CONFIGS = [
  { backend: "native", threads: 1 },
  { backend: "native", threads: 2 },
  { backend: "wasm", threads: 2 },
] as const;

type Flat = { data: Float64Array; shape: number[] };
type Outcome = { error: unknown } | { value: Flat | Record<string, Flat> };

/** Every recorded call on one configuration. */
async function run(path: string, calls: any[], cfg: (typeof CONFIGS)[number]): Promise<Outcome[]> {
  await init({ backend: cfg.backend, threads: cfg.threads });
  const ts: any = await load(path, { backend: cfg.backend });
  const out: Outcome[] = [];
  for (const c of calls) {
    try {
      out.push({ value: await ts[c.method](c.options) });
    } catch (e) {
      out.push({ error: e });
    }
  }
  return out;
}

/** A result's numbers as bits, to compare configurations exactly. */
function bits(o: Outcome): string {
  if ("error" in o) return `error ${(o.error as Error).message}`;
  const v = o.value as any;
  const parts = "data" in v ? [v] : [v.factors, v.eigenvalues, v.rangeSketch, v.errorBound];
  return parts.map((p: Flat) => `${p.shape}:${Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength).toString("hex")}`).join("|");
}

function relClose(a: number, b: number, scale: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(scale, 1e-300);
}

describe.each(toolkitFixtures("pca"))("$name", ({ path, want }) => {
  it("geneticRelatednessVector and pca give tskit's values and refusals, the same bits on native 1 and 2 threads and WebAssembly", async () => {
    const runs: Outcome[][] = [];
    for (const cfg of CONFIGS) runs.push(await run(path, want.calls, cfg));
    for (const [i, c] of want.calls.entries()) {
      const what = `${c.method} ${JSON.stringify(c.options).slice(0, 160)}`;
      for (const r of runs.slice(1)) expect(bits(r[i]), `${what}: bits differ across configurations`).toBe(bits(runs[0][i]));
      const got = runs[0][i];
      if (c.error) {
        expect("error" in got, `${what}: tskit refuses (${c.error})`).toBe(true);
        expect((got as { error: unknown }).error).toBeInstanceOf(TreeSeqError);
        continue;
      }
      if ("error" in got) throw new Error(`${what}: ${(got.error as Error).message}`);
      if (c.method === "pca") {
        const v = got.value as Record<string, Flat>;
        const r = c.result;
        for (const k of ["factors", "eigenvalues", "rangeSketch", "errorBound"]) expect(v[k].shape, `${what}: ${k}`).toEqual(r[k].shape);
        const top = Math.max(...r.eigenvalues.data.map((x: number) => Math.abs(x)));
        for (const [j, x] of v.eigenvalues.data.entries()) {
          const y = r.eigenvalues.data[j];
          expect(relClose(x, y, Math.max(Math.abs(y), 1e-9 * top)), `${what}: eigenvalue ${x} vs ${y}`).toBe(true);
        }
        for (const [j, x] of v.errorBound.data.entries()) {
          const y = r.errorBound.data[j];
          expect(relClose(x, y, Math.max(Math.abs(y), 1e-9 * top)), `${what}: error bound ${x} vs ${y}`).toBe(true);
        }
        // Factors (unit columns) up to the sign of each column.
        const shape = v.factors.shape;
        const [dim, nc] = shape.slice(-2);
        const nw = v.factors.data.length / (dim * nc);
        for (let w = 0; w < nw; w++) {
          for (let j = 0; j < nc; j++) {
            const at = (i: number) => w * dim * nc + i * nc + j;
            let dot = 0;
            for (let i = 0; i < dim; i++) dot += v.factors.data[at(i)] * r.factors.data[at(i)];
            const s = dot < 0 ? -1 : 1;
            for (let i = 0; i < dim; i++) {
              const x = s * v.factors.data[at(i)];
              const y = r.factors.data[at(i)];
              expect(Math.abs(x - y) <= 1e-6, `${what}: factor [${w}][${i}][${j}] ${x} vs ${y}`).toBe(true);
            }
          }
        }
      } else {
        const v = got.value as Flat;
        expect(v.shape, what).toEqual(c.result.shape);
        const scale = Math.max(0, ...c.result.data.map((x: number) => Math.abs(x)));
        for (const [j, x] of v.data.entries()) {
          const y = c.result.data[j];
          expect(close(x, y) || Math.abs(x - y) <= 1e-9 * 1e-6 * scale, `${what}: [${j}] ${x} vs ${y}`).toBe(true);
        }
      }
    }
  }, 120_000);
});

it("pca without a seed draws one, and a result's rangeSketch can be passed back", async () => {
  await init({ threads: 2 });
  const { path } = toolkitFixtures("pca")[0];
  const ts = await load(path);
  const a = await ts.pca({ numComponents: 2 });
  expect(a.factors.shape).toEqual([ts.numSamples, 2]);
  const b = await ts.pca({ numComponents: 2, rangeSketch: a.rangeSketch });
  for (const [j, x] of b.eigenvalues.data.entries()) expect(Math.abs(x - a.eigenvalues.data[j])).toBeLessThanOrEqual(1e-6 * Math.abs(x));
});

it("an option a method does not take is refused in the caller's name", async () => {
  await init({ threads: 2 });
  const ts = await load(toolkitFixtures("pca")[0].path);
  await expect(ts.pca({ numComponents: 2, sampleSets: [[0, 1]] } as never)).rejects.toThrow(/sampleSets/);
  await expect(ts.geneticRelatednessVector({ weights: [[1]], mode: "branch", numComponents: 2 } as never)).rejects.toThrow(/numComponents/);
});
